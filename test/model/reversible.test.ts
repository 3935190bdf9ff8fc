import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { IGNORE, Reformer } from '../../src/model/reformer.js';
import { lossAndGradients, referenceLossAndGradients } from '../../src/model/reversible.js';
import { randomIds, TINY_CONFIG } from '../helpers/model.js';

function relativeError(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / Math.max(tf.norm(b).dataSync()[0]!, 1e-12));
}

const small: Partial<ReformerConfig> = {
  ...TINY_CONFIG,
  depth: 3,
  ffChunk: 24, // < T: the chunked feed-forward backward is exercised
  dropout: 0.1,
  seed: 5,
};

for (const backend of ['wasm', 'cpu']) {
  describe(`reversible backward on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    const cases = [
      { attention: 'lsh', tokenConv: 0 },
      { attention: 'local', tokenConv: 0 },
      { attention: 'full', tokenConv: 0 },
      { attention: 'local', tokenConv: 4 },
    ] as const;
    for (const { attention, tokenConv } of cases) {
      it(`matches autodiff gradients (relative 1e-4) with ${attention} attention, token conv ${tokenConv}, dropout on`, () => {
        const config = resolveConfig({ ...small, attention, causal: attention === 'local', tokenConv });
        const model = new Reformer(tf, config, { kind: 'lm' });
        const T = 70; // not a multiple of the chunk: internal padding is exercised
        const ids = randomIds(T, 3);
        const labels = Int32Array.from(ids, (id, i) => (i % 3 === 0 ? id : IGNORE));
        const before = tf.memory().numTensors;
        const reversible = lossAndGradients(
          model,
          { ids },
          { kind: 'lm', labels },
          { training: true, step: 7 },
        );
        const reference = referenceLossAndGradients(
          model,
          { ids },
          { kind: 'lm', labels },
          { training: true, step: 7 },
          reversible.plans,
        );
        expect(reversible.loss).toBeCloseTo(reference.loss, 5);
        // The backward rebuilt every block's inputs, down to the embedding, from the outputs alone.
        expect(reversible.reconstructionError).toBeLessThan(1e-4);
        for (const name of model.names) {
          expect(relativeError(reversible.grads.get(name)!, reference.grads.get(name)!), name).toBeLessThan(
            1e-4,
          );
        }
        for (const g of [...reversible.grads.values(), ...reference.grads.values()]) g.dispose();
        expect(tf.memory().numTensors).toBe(before);
        model.dispose();
      });
    }

    for (const pooling of ['mean', 'max'] as const) {
      it(`classify head with ${pooling} pooling over a padded input: matches autodiff, and the loss is predict's cross-entropy`, () => {
        const config = resolveConfig({ ...small, attention: 'lsh' });
        const model = new Reformer(tf, config, { kind: 'classify', classes: 2, pooling });
        const T = 70;
        const valid = Uint8Array.from({ length: T }, (_, i) => (i < 55 ? 1 : 0));
        const input = { ids: randomIds(T, 4), valid };
        const target = { kind: 'classify', label: 1 } as const;
        const before = tf.memory().numTensors;
        const reversible = lossAndGradients(model, input, target, { training: false, step: 3 });
        const reference = referenceLossAndGradients(
          model,
          input,
          target,
          { training: false, step: 3 },
          reversible.plans,
        );
        expect(reversible.loss).toBeCloseTo(reference.loss, 5);
        for (const name of model.names) {
          expect(relativeError(reversible.grads.get(name)!, reference.grads.get(name)!), name).toBeLessThan(
            1e-4,
          );
        }
        for (const g of [...reversible.grads.values(), ...reference.grads.values()]) g.dispose();
        // The training loss and inference pool the same way: -log softmax(predict)[label].
        const logits = model.predict(input, { step: 3 });
        const [a, b] = logits.dataSync();
        logits.dispose();
        const crossEntropy = Math.log(Math.exp(a!) + Math.exp(b!)) - b!;
        expect(reversible.loss).toBeCloseTo(crossEntropy, 4);
        expect(tf.memory().numTensors).toBe(before);
        model.dispose();
      });
    }
  });
}

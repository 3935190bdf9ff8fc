import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../src/model/backend.js';
import { DEFAULT_CONFIG, resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { loadModel, saveModel } from '../../src/model/model-io.js';
import { AdamW } from '../../src/model/optimizer.js';
import {
  axialPositions,
  axialPositionsByOps,
  causalDepthwiseConv,
  IGNORE,
  poolHidden,
  Reformer,
} from '../../src/model/reformer.js';
import { trainStep } from '../../src/model/train-step.js';
import { randomIds, TINY_CONFIG } from '../helpers/model.js';

type Tensor = import('@tensorflow/tfjs').Tensor;

const small: Partial<ReformerConfig> = { ...TINY_CONFIG, maxLength: 1024, seed: 3 };
const ids = (n: number, seed: number) => randomIds(n, seed, 69);

function rows(tf: Tf, t: import('@tensorflow/tfjs').Tensor, from: number, to: number): Float32Array {
  return tf.tidy(() => t.slice([from, 0], [to - from, -1]).dataSync() as Float32Array);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`Reformer on ${backend}`, () => {
    let tf: Tf;
    beforeAll(async () => {
      tf = (await selectBackend(backend)).tf;
    });

    it.each(['lsh', 'local', 'full'] as const)(
      'padding invariance with %s attention: padded tokens change nothing else',
      (attention) => {
        const model = new Reformer(tf, resolveConfig({ ...small, attention }), { kind: 'lm' });
        const T = 77;
        const valid = Uint8Array.from({ length: T }, (_, i) => (i < 60 ? 1 : 0));
        const a = ids(T, 1);
        const b = a.slice();
        for (let i = 60; i < T; i++) b[i] = 5 + ((b[i]! * 7) % 64);
        const ha = model.encode({ ids: a, valid });
        const hb = model.encode({ ids: b, valid });
        expect(maxAbsDiff(rows(tf, ha, 0, 60), rows(tf, hb, 0, 60))).toBeLessThan(1e-5);
        expect(maxAbsDiff(rows(tf, ha, 60, T), rows(tf, hb, 60, T))).toBeGreaterThan(1e-3); // the padded rows did change
        tf.dispose([ha, hb]);
        model.dispose();
      },
    );

    it.each(['lsh', 'local', 'full'] as const)(
      'causality with %s attention: output at i ignores tokens after i',
      (attention) => {
        const model = new Reformer(tf, resolveConfig({ ...small, attention, causal: true }), { kind: 'lm' });
        const T = 96;
        const cut = 41;
        const a = ids(T, 2);
        const b = a.slice();
        for (let i = cut + 1; i < T; i++) b[i] = 5 + ((b[i]! * 13 + 7) % 64);
        const ha = model.encode({ ids: a });
        const hb = model.encode({ ids: b });
        expect(maxAbsDiff(rows(tf, ha, 0, cut + 1), rows(tf, hb, 0, cut + 1))).toBeLessThan(1e-5);
        expect(maxAbsDiff(rows(tf, ha, cut + 1, T), rows(tf, hb, cut + 1, T))).toBeGreaterThan(1e-3);
        tf.dispose([ha, hb]);
        model.dispose();
      },
    );

    it('token convolution: each row is the tap-weighted sum of its own and earlier embeddings', () => {
      const W = 3;
      const config = resolveConfig({ ...small, attention: 'local', causal: true, tokenConv: W });
      const model = new Reformer(tf, config, { kind: 'lm' });
      const T = 40;
      const input = ids(T, 4);
      const d = config.dModel;
      const table = model.param('embed.tokens').dataSync();
      const conv = model.param('embed.conv').dataSync();
      const withConv = model.embed(input, model.embeddingWeights(), 0, false);
      const withoutConv = model.embed(input, { ...model.embeddingWeights(), conv: undefined }, 0, false);
      // Positions are the same in both, so their difference is conv(tokens) - tokens.
      const got = tf.sub(withConv, withoutConv).dataSync();
      let worst = 0;
      for (let i = 0; i < T; i++) {
        for (let c = 0; c < d; c++) {
          let expected = -table[input[i]! * d + c]!;
          for (let j = 0; j < W && j <= i; j++) expected += conv[j * d + c]! * table[input[i - j]! * d + c]!;
          worst = Math.max(worst, Math.abs(got[i * d + c]! - expected));
        }
      }
      expect(worst).toBeLessThan(1e-6);
      tf.dispose([withConv, withoutConv]);
      model.dispose();
    });

    it('token convolution: value and gradients equal autodiff of the same sum as shifted slices', () => {
      const [T, d, W] = [37, 6, 5];
      const x = tf.randomNormal([T, d], 0, 1, 'float32', 11);
      const conv = tf.randomNormal([W, d], 0, 1, 'float32', 12);
      const dy = tf.randomNormal([T, d], 0, 1, 'float32', 13);
      // Reference: out = sum_j conv[j] * (x shifted down by j rows, zeros on top), by tfjs autodiff.
      const reference = (a: Tensor, c: Tensor) =>
        tf.addN(
          Array.from({ length: W }, (_, j) =>
            tf.mul(
              tf
                .pad(a, [
                  [j, 0],
                  [0, 0],
                ])
                .slice([0, 0], [T, d]),
              c.slice([j, 0], [1, d]),
            ),
          ),
        );
      const before = tf.memory().numTensors;
      const ours = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.mul(causalDepthwiseConv(tf, a, c), dy)))([
        x,
        conv,
      ]);
      const theirs = tf.grads((a: Tensor, c: Tensor) => tf.sum(tf.mul(reference(a, c), dy)))([x, conv]);
      const value = causalDepthwiseConv(tf, x, conv);
      const expected = tf.tidy(() => reference(x, conv));
      expect(maxAbsDiff(value.dataSync() as Float32Array, expected.dataSync() as Float32Array)).toBeLessThan(
        1e-5,
      );
      for (let i = 0; i < 2; i++) {
        expect(
          maxAbsDiff(ours[i]!.dataSync() as Float32Array, theirs[i]!.dataSync() as Float32Array),
        ).toBeLessThan(1e-4);
      }
      tf.dispose([...ours, ...theirs, value, expected]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, conv, dy]);
    });

    it('axial positions: value and gradients equal autodiff of the same rows built by tile and concat', () => {
      const [n1, d1, n2, d2, T] = [7, 3, 5, 4, 33];
      const a0 = tf.randomNormal([n1, d1], 0, 1, 'float32', 21);
      const a1 = tf.randomNormal([n2, d2], 0, 1, 'float32', 22);
      const dy = tf.randomNormal([T, d1 + d2], 0, 1, 'float32', 23);
      // Reference: the tfjs-op construction the other backends use (tile and concat, TRAX / HF).
      const reference = (x: Tensor, y: Tensor) => axialPositionsByOps(tf, x, y, T, d1 + d2);
      const before = tf.memory().numTensors;
      const value = axialPositions(tf, a0, a1, T, d1 + d2);
      const expected = tf.tidy(() => reference(a0, a1));
      expect(maxAbsDiff(value.dataSync() as Float32Array, expected.dataSync() as Float32Array)).toBe(0);
      const ours = tf.grads((x: Tensor, y: Tensor) =>
        tf.sum(tf.mul(axialPositions(tf, x, y, T, d1 + d2), dy)),
      )([a0, a1]);
      const theirs = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(reference(x, y), dy)))([a0, a1]);
      for (let i = 0; i < 2; i++) {
        expect(ours[i]!.shape).toEqual(theirs[i]!.shape);
        expect(
          maxAbsDiff(ours[i]!.dataSync() as Float32Array, theirs[i]!.dataSync() as Float32Array),
        ).toBeLessThan(1e-5);
      }
      tf.dispose([...ours, ...theirs, value, expected]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([a0, a1, dy]);
    });

    it('causality with a token convolution: output at i ignores tokens after i', () => {
      const config = resolveConfig({ ...small, attention: ['local', 'lsh'], causal: true, tokenConv: 5 });
      const model = new Reformer(tf, config, { kind: 'lm' });
      const T = 96;
      const cut = 41;
      const a = ids(T, 2);
      const b = a.slice();
      b[cut + 1] = 5 + ((b[cut + 1]! + 1) % 64); // the very next token only
      const ha = model.encode({ ids: a });
      const hb = model.encode({ ids: b });
      expect(maxAbsDiff(rows(tf, ha, 0, cut + 1), rows(tf, hb, 0, cut + 1))).toBeLessThan(1e-5);
      expect(maxAbsDiff(rows(tf, ha, cut + 1, cut + 6), rows(tf, hb, cut + 1, cut + 6))).toBeGreaterThan(
        1e-3,
      );
      tf.dispose([ha, hb]);
      model.dispose();
    });

    it('same seed, same result; another seed, another model', () => {
      const input = { ids: ids(50, 3) };
      const outputs = [3, 3, 4].map((seed) => {
        const model = new Reformer(tf, resolveConfig({ ...small, seed }), { kind: 'lm' });
        const h = model.encode(input, { step: 5 });
        const data = h.dataSync() as Float32Array;
        h.dispose();
        model.dispose();
        return data;
      });
      expect(maxAbsDiff(outputs[0]!, outputs[1]!)).toBe(0);
      expect(maxAbsDiff(outputs[0]!, outputs[2]!)).toBeGreaterThan(1e-3);
    });

    it('trains without leaking tensors, and the loss falls on a repeated sequence', () => {
      const model = new Reformer(tf, resolveConfig({ ...small, dropout: 0.1 }), { kind: 'lm' });
      const optimizer = new AdamW(tf, { learningRate: 3e-3 });
      const input = { ids: ids(64, 4) };
      const labels = Int32Array.from(input.ids, (id, i) => (i % 4 === 0 ? id : IGNORE));
      trainStep(model, optimizer, input, { kind: 'lm', labels }, { step: 0 }); // creates the optimizer state
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      for (let step = 1; step <= 30; step++) {
        losses.push(trainStep(model, optimizer, input, { kind: 'lm', labels }, { step, clip: 1 }).loss);
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.5);
      optimizer.dispose();
      model.dispose();
    });

    it('predict returns logits for each head kind, and forward passes leak nothing', () => {
      const before = tf.memory().numTensors;
      for (const head of [
        { kind: 'lm' },
        { kind: 'classify', classes: 3 },
        { kind: 'token', outputs: 5 },
      ] as const) {
        const model = new Reformer(tf, resolveConfig(small), head);
        const out = model.predict({ ids: ids(30, 5) });
        expect(out.shape).toEqual(head.kind === 'lm' ? [30, 69] : head.kind === 'classify' ? [3] : [30, 5]);
        out.dispose();
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    it('pooling: max takes each channel over the valid rows only, mean averages them', () => {
      const hidden = tf.tensor2d([
        [1, -2],
        [3, -4],
        [0.5, 9],
        [7, 7],
      ]); // (T 4, d 2)
      const valid = Uint8Array.from([1, 1, 1, 0]); // the last row is padding
      const pooled = (pooling: 'mean' | 'max', mask?: Uint8Array) =>
        Array.from(tf.tidy(() => poolHidden(tf, hidden, mask, pooling).dataSync()));
      expect(pooled('max', valid)).toEqual([3, 9]);
      expect(pooled('max')).toEqual([7, 9]);
      expect(pooled('mean', valid)[0]).toBeCloseTo(1.5, 6);
      expect(pooled('mean', valid)[1]).toBeCloseTo(1, 6);
      hidden.dispose();
    });

    it('checkpoint round trip gives identical outputs; a mismatched or corrupt one a clear error', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'locus-model-'));
      const model = new Reformer(tf, resolveConfig(small), { kind: 'classify', classes: 2, pooling: 'max' });
      await saveModel(join(dir, 'ckpt'), model, { tokenizer: { k: 3, stride: 3 } });
      const { model: loaded, config } = await loadModel(tf, join(dir, 'ckpt'));
      expect(config.tokenizer).toEqual({ k: 3, stride: 3 });
      expect(loaded.head).toEqual({ kind: 'classify', classes: 2, pooling: 'max' });
      const input = { ids: ids(40, 6) };
      const a = model.predict(input);
      const b = loaded.predict(input);
      expect(maxAbsDiff(a.dataSync() as Float32Array, b.dataSync() as Float32Array)).toBe(0);
      tf.dispose([a, b]);
      loaded.dispose();

      // A config that no longer matches the weights: every mismatch is named.
      const other = new Reformer(tf, resolveConfig({ ...small, dModel: 32, dHead: 16 }), {
        kind: 'classify',
        classes: 2,
      });
      await saveModel(join(dir, 'wide'), other);
      writeFileSync(
        join(dir, 'wide', 'config.json'),
        JSON.stringify({ model: resolveConfig(small), head: { kind: 'classify', classes: 2 } }),
      );
      await expect(loadModel(tf, join(dir, 'wide'))).rejects.toThrow(
        /does not match the model: .*embed\.tokens has shape \[69,32\], expected \[69,16\]/,
      );
      writeFileSync(
        join(dir, 'wide', 'config.json'),
        JSON.stringify({
          model: resolveConfig(small),
          head: { kind: 'classify', classes: 2, pooling: 'sum' },
        }),
      );
      await expect(loadModel(tf, join(dir, 'wide'))).rejects.toThrow(/no valid "head"/);
      writeFileSync(
        join(dir, 'wide', 'config.json'),
        JSON.stringify({ model: { ...DEFAULT_CONFIG, ...small, nBuckets: 3 }, head: { kind: 'lm' } }),
      );
      await expect(loadModel(tf, join(dir, 'wide'))).rejects.toThrow(/nBuckets must be even/);
      writeFileSync(join(dir, 'wide', 'model.safetensors'), 'not a safetensors file');
      writeFileSync(
        join(dir, 'wide', 'config.json'),
        JSON.stringify({ model: { ...DEFAULT_CONFIG, ...small }, head: { kind: 'lm' } }),
      );
      await expect(loadModel(tf, join(dir, 'wide'))).rejects.toThrow(/model\.safetensors/);
      other.dispose();
      model.dispose();
    });
  });
}

describe('config validation', () => {
  it('names the field and the fix', () => {
    expect(() => resolveConfig({ nBuckets: 7 })).toThrow(/nBuckets must be even/);
    expect(() => resolveConfig({ dModel: 128, axialDims: [60, 60] })).toThrow(
      /axialDims .* sums to 120, not dModel 128/,
    );
    expect(() => resolveConfig({ depth: 2, attention: ['lsh'] })).toThrow(/lists 1 kinds for 2 layers/);
    expect(() => resolveConfig({ attention: 'sparse' as never })).toThrow(/unknown kind "sparse"/);
    expect(() => resolveConfig({ chunks: 4 } as never)).toThrow(/chunks is not a model setting/);
    expect(() => resolveConfig({ maxLength: 100, axialShape: [5, 5] })).toThrow(/covers 25 positions/);
    expect(() => resolveConfig({ tokenConv: -1 })).toThrow(
      /tokenConv must be an integer from 0 to 1024, got -1/,
    );
    expect(() => resolveConfig({ attentionKernel: 'gpu' as never })).toThrow(
      /attentionKernel must be 'auto', 'wasm' or 'tensor', got "gpu"/,
    );
  });
  it('resolves auto values', () => {
    const c = resolveConfig({ causal: true });
    expect(c.attendAcrossBuckets).toBe(false);
    expect(c.axialDims).toEqual([64, 64]);
    expect(c.axialShape[0] * c.axialShape[1]).toBeGreaterThanOrEqual(c.maxLength);
    expect(c.attention).toEqual(['lsh', 'lsh', 'lsh', 'lsh']);
  });
});

describe('seeds of the sequences of one training step', () => {
  it('every sequence of a micro-batch hashes with its own rotations; the first keeps the step', async () => {
    const { tf } = await selectBackend('wasm');
    const { exampleStep } = await import('../../src/model/reformer.js');
    const steps = Array.from({ length: 64 }, (_, i) => exampleStep(7, i));
    expect(steps[0]).toBe(7);
    expect(new Set(steps).size).toBe(64);
    const model = new Reformer(tf, resolveConfig({ ...small, attention: 'lsh' }), { kind: 'lm' });
    const input = { ids: ids(64, 5) };
    const out = (step: number) => {
      const hidden = model.encode(input, { step });
      const values = hidden.dataSync() as Float32Array;
      hidden.dispose();
      return values;
    };
    expect(maxAbsDiff(out(exampleStep(7, 0)), out(7))).toBe(0);
    expect(maxAbsDiff(out(exampleStep(7, 1)), out(7))).toBeGreaterThan(1e-4);
    model.dispose();
  });
});

/**
 * Forward-only use of a trained model: language-model loss on held-out windows, classifier
 * probabilities, pooled embeddings. No gradients are recorded; tensors are freed per sequence.
 */
import { headLossSum, scoredPositions } from '../model/loss.js';
import { meanPool, type Reformer, type SequenceInput } from '../model/reformer.js';
import type { Example } from './data/examples.js';

export interface LmEvaluation {
  /** Summed cross-entropy over scored tokens, in nats. */
  totalNats: number;
  tokens: number;
  correct: number;
}

/** Summed LM loss and accuracy over examples whose targets are per-token labels. */
export function evaluateLm(model: Reformer, examples: Iterable<Example>, signal?: AbortSignal): LmEvaluation {
  const { tf } = model;
  const result: LmEvaluation = { totalNats: 0, tokens: 0, correct: 0 };
  const get = (n: string) => model.param(n);
  for (const { input, target } of examples) {
    signal?.throwIfAborted();
    if (target.kind !== 'lm') throw new TypeError('evaluateLm needs language-model targets');
    const { rows, labels } = scoredPositions(target.labels);
    if (rows.length === 0) continue;
    const { y1, y2 } = model.encodeHalves(input);
    const [nats, hits] = tf.tidy(() => {
      const loss = headLossSum(model, y1, y2, target, rows, labels, input.valid, get);
      const hidden = model.finalHidden(model.ops.lookupRows(y1, rows), model.ops.lookupRows(y2, rows), get);
      const predicted = tf.argMax(tf.add(model.ops.linear(hidden, get('head.lm.w')), get('head.lm.b')), 1);
      const right = tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(labels, 'int32')), 'int32'));
      return [loss, right];
    });
    result.totalNats += nats!.dataSync()[0]!;
    result.correct += hits!.dataSync()[0]!;
    result.tokens += rows.length;
    tf.dispose([y1, y2, nats!, hits!]);
  }
  return result;
}

/** Class probabilities for one sequence (classify head). */
export function classProbabilities(model: Reformer, input: SequenceInput): Float32Array {
  const { tf } = model;
  const logits = model.predict(input);
  const probabilities = tf.tidy(() => tf.softmax(logits).dataSync() as Float32Array);
  logits.dispose();
  return probabilities;
}

/** Mean-pooled final hidden state of one sequence (d values). */
export function pooledEmbedding(model: Reformer, input: SequenceInput): Float32Array {
  const { tf } = model;
  const hidden = model.encode(input);
  const pooled = tf.tidy(() => meanPool(tf, hidden, input.valid).dataSync() as Float32Array);
  hidden.dispose();
  return pooled;
}

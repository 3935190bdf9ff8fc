/**
 * Heads' losses. Cross-entropy is summed here and divided by the number of scored positions by the
 * caller, so a long sequence can be scored in row chunks (the vocabulary-wide logits of 100,000
 * tokens would not fit) and the chunks simply add up.
 */
import type * as TF from '@tensorflow/tfjs';
import { IGNORE, type Reformer, type Target } from './reformer.js';

type Tensor = TF.Tensor;

/** Positions a per-token target scores, and their labels. */
export function scoredPositions(labels: Int32Array): { rows: Int32Array; labels: Int32Array } {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== IGNORE) rows.push(i);
  return { rows: Int32Array.from(rows), labels: Int32Array.from(rows, (r) => labels[r]!) };
}

/** Sum of softmax cross-entropy of logits (n, K) against integer labels (n). */
export function crossEntropySum(tf: typeof TF, logits: Tensor, labels: Int32Array): Tensor {
  const K = logits.shape[1]!;
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), K).toFloat(); // (n, K); gather's gradient is missing on wasm
  const picked = tf.sum(tf.mul(logits, oneHot), 1);
  return tf.sum(tf.sub(tf.logSumExp(logits, 1), picked));
}

/**
 * Summed loss of the head on rows `rows` of the two halves (y1, y2): final LayerNorm, head, cross-
 * entropy. For 'classify' all rows are pooled and `labels` holds the one label.
 */
export function headLossSum(
  model: Reformer,
  y1: Tensor,
  y2: Tensor,
  target: Target,
  rows: Int32Array | undefined,
  labels: Int32Array,
  valid: Uint8Array | undefined,
  get: (name: string) => Tensor,
): Tensor {
  const { tf, ops } = model;
  if (target.kind === 'classify') {
    // The head's own pooling and projection, as inference runs them: (classes) -> (1, classes).
    const logits = model.headOutputs(model.finalHidden(y1, y2, get), valid, get).reshape([1, -1]);
    return crossEntropySum(tf, logits, labels);
  }
  const pick = (t: Tensor) => (rows ? ops.lookupRows(t, rows) : t);
  const hidden = model.finalHidden(pick(y1), pick(y2), get); // (n, d)
  const prefix = target.kind === 'lm' ? 'head.lm' : 'head.token';
  const logits = tf.add(ops.linear(hidden, get(`${prefix}.w`)), get(`${prefix}.b`));
  return crossEntropySum(tf, logits, labels);
}

/**
 * Shared-QK self-attention for one sequence: LSH (the Reformer's), local (chunks in position order)
 * and full, behind one interface.
 *
 * Planning (`planAttention`) hashes and sorts outside the gradient tape and returns plain arrays;
 * `attend` does the differentiable part given a plan. The reversible backward replays `attend` with
 * the forward's plan, so a recomputed layer sorts, masks and drops out exactly as the forward did.
 *
 * Shapes: T tokens, d = dModel, H heads of width dh, C chunk, R rounds, Tp = T padded to a multiple of C.
 */
import type * as TF from '@tensorflow/tfjs';
import { bucketsFor, type AttentionKind, type ResolvedConfig } from './config.js';
import {
  bucketCount,
  bucketFactors,
  chunkMask,
  fullMask,
  hashBuckets,
  identityOrder,
  rotationWidth,
  sortByBucket,
  type SortOrder,
} from './lsh.js';
import type { Ops } from './ops.js';

type Tensor = TF.Tensor;

export interface AttentionWeights {
  /** Shared query/key projection (d, H * dh). */
  wqk: Tensor;
  /** Value projection (d, H * dh). */
  wv: Tensor;
  /** Output projection (H * dh, d). */
  wo: Tensor;
}

export interface AttentionPlan {
  /** What runs: the configured kind, or 'full' when the sequence fits in one chunk pair. */
  kind: AttentionKind;
  length: number;
  /** Length after internal padding to a multiple of the chunk (chunked kinds), else `length`. */
  paddedLength: number;
  /** Sort orders per head and round (chunked kinds only). */
  orders: SortOrder[][];
  /** 1 for real tokens, 0 for padding, over `paddedLength`; undefined when nothing is padded. */
  valid: Uint8Array | undefined;
  /** Seed for this layer's attention dropout. */
  dropoutSeed: number;
}

export interface PlanOptions {
  /** Seed for this layer's LSH rotations and dropout (derive it from config seed, step and layer). */
  seed: number;
  /** Valid-token mask over `length` (1 real, 0 padding); default all real. */
  valid?: Uint8Array;
  /** Switch to full attention when it is exact and no slower (default true). Tests turn it off. */
  fullFallback?: boolean;
}

/** The kind that actually runs for a sequence of `length` tokens. */
export function effectiveKind(
  kind: AttentionKind,
  length: number,
  config: ResolvedConfig,
  fallback = true,
): AttentionKind {
  if (!fallback || kind === 'full') return kind;
  const C = config.chunk;
  if (kind === 'lsh' && length <= 2 * C) return 'full';
  if (kind === 'local' && (length <= C || (config.causal && length <= 2 * C))) return 'full';
  return kind;
}

/**
 * Hash and sort for one layer. `x` is the layer-normed input (T, d); only its values are read.
 */
export function planAttention(
  ops: Ops,
  x: Tensor,
  weights: AttentionWeights,
  config: ResolvedConfig,
  layerKind: AttentionKind,
  options: PlanOptions,
): AttentionPlan {
  const { tf } = ops;
  const T = x.shape[0]!;
  const kind = effectiveKind(layerKind, T, config, options.fullFallback ?? true);
  const C = config.chunk;
  const paddedLength = kind === 'full' ? T : Math.max(2, Math.ceil(T / C)) * C;
  let valid = options.valid;
  if (paddedLength > T || valid) {
    const padded = new Uint8Array(paddedLength);
    for (let t = 0; t < T; t++) padded[t] = valid ? valid[t]! : 1;
    valid = padded;
  }
  const plan: AttentionPlan = {
    kind,
    length: T,
    paddedLength,
    orders: [],
    valid,
    dropoutSeed: options.seed ^ 0x5bd1e995,
  };
  if (kind === 'full') return plan;
  if (kind === 'local') {
    const order = identityOrder(paddedLength);
    plan.orders = Array.from({ length: config.heads }, () => [order]);
    return plan;
  }
  const factors = bucketFactors(bucketsFor(config, T));
  const nBuckets = bucketCount(factors);
  const width = rotationWidth(factors);
  const { heads, dHead, rounds } = config;
  for (let h = 0; h < heads; h++) {
    const buckets = tf.tidy(() => {
      const qk = ops.linear(x, weights.wqk); // (T, H*dh)
      const head = tf.pad(qk.slice([0, h * dHead], [T, dHead]), [
        [0, paddedLength - T],
        [0, 0],
      ]); // (Tp, dh)
      const rotations = tf.randomNormal(
        [dHead, rounds * width],
        0,
        1,
        'float32',
        (options.seed + 7919 * (h + 1)) >>> 0,
      );
      return tf.tensor1d(hashBuckets(tf, head, rotations, factors, rounds), 'int32');
    });
    const all = buckets.dataSync() as Int32Array;
    buckets.dispose();
    const orders: SortOrder[] = [];
    for (let r = 0; r < rounds; r++) {
      orders.push(sortByBucket(all.subarray(r * paddedLength, (r + 1) * paddedLength), nBuckets, valid));
    }
    plan.orders.push(orders);
  }
  return plan;
}

function normalizeRows(tf: typeof TF, x: Tensor): Tensor {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-6)));
}

/** One head of full shared-QK attention: qk, v (T, dh) -> (T, dh). */
function fullHead(ops: Ops, qk: Tensor, v: Tensor, mask: Tensor, dropout: number, seed: number): Tensor {
  const { tf } = ops;
  const keys = normalizeRows(tf, qk);
  const dots = tf.add(ops.linear(qk, tf.transpose(keys)), mask); // (T, T)
  let probs = tf.exp(tf.sub(dots, tf.logSumExp(dots, -1, true)));
  if (dropout > 0) probs = tf.dropout(probs, dropout, undefined, seed);
  return ops.linear(probs, v);
}

/**
 * One head of chunked attention over R sort orders, rounds combined by their logsumexp weights.
 * qk, v: (Tp, dh) in position order -> (Tp, dh).
 */
function chunkedHead(
  ops: Ops,
  qk: Tensor,
  v: Tensor,
  orders: SortOrder[],
  config: ResolvedConfig,
  plan: AttentionPlan,
  wrap: boolean,
  dropout: number,
  seed: number,
): Tensor {
  const { tf } = ops;
  const C = config.chunk;
  const Tp = plan.paddedLength;
  const nChunks = Tp / C;
  const dh = qk.shape[1]!;
  const outputs: Tensor[] = [];
  const logits: Tensor[] = [];
  orders.forEach((order, r) => {
    const perm = tf.tensor1d(order.perm, 'int32');
    const inverse = tf.tensor1d(order.inverse, 'int32');
    const sq = ops.permuteRows(qk, perm, inverse); // (Tp, dh), sorted by (bucket, position)
    const sv = ops.permuteRows(v, perm, inverse);
    const queries = sq.reshape([nChunks, C, dh]);
    const keys = normalizeRows(tf, sq).reshape([nChunks, C, dh]);
    const values = sv.reshape([nChunks, C, dh]);
    // Each chunk also sees the previous one (circularly): rotate the chunk axis by one.
    const lookBack = (t: Tensor) =>
      tf.concat([t.slice([nChunks - 1, 0, 0], [1, C, dh]), t.slice([0, 0, 0], [nChunks - 1, C, dh])], 0);
    const keyPairs = tf.concat([keys, lookBack(keys)], 1); // (nChunks, 2C, dh)
    const valuePairs = tf.concat([values, lookBack(values)], 1); // (nChunks, 2C, dh)
    const mask = tf.tensor3d(chunkMask(order, { chunk: C, causal: config.causal, wrap, valid: plan.valid }), [
      nChunks,
      C,
      2 * C,
    ]);
    const dots = tf.add(ops.bmm(queries, keyPairs, true), mask); // (nChunks, C, 2C)
    const lse = tf.logSumExp(dots, -1, true); // (nChunks, C, 1)
    let probs = tf.exp(tf.sub(dots, lse));
    if (dropout > 0) probs = tf.dropout(probs, dropout, undefined, (seed + r) >>> 0);
    const out = ops.bmm(probs, valuePairs).reshape([Tp, dh]); // sorted order
    outputs.push(ops.permuteRows(out, inverse, perm)); // back to position order
    logits.push(ops.permuteRows(lse.reshape([Tp, 1]), inverse, perm));
  });
  if (outputs.length === 1) return outputs[0]!;
  // Combine rounds: weights softmax over rounds of each round's logsumexp (paper, App. A eq. 14).
  // Normalise by division, not by subtracting a logsumexp: a query that can only see itself has
  // logits near the -1e5 self penalty, where float32 spacing (~0.008) would skew weights that way.
  const stacked = tf.stack(logits); // (R, Tp, 1)
  const exps = tf.exp(tf.sub(stacked, tf.max(stacked, 0, true)));
  const weights = tf.div(exps, tf.sum(exps, 0, true));
  return tf.sum(tf.mul(weights, tf.stack(outputs)), 0); // (Tp, dh)
}

/**
 * Attention output for one sequence: x (T, d) layer-normed input -> (T, d). Differentiable in x and
 * the weights; the plan (sort orders, masks, dropout seeds) is held fixed.
 */
export function attend(
  ops: Ops,
  x: Tensor,
  weights: AttentionWeights,
  config: ResolvedConfig,
  plan: AttentionPlan,
  training: boolean,
): Tensor {
  const { tf } = ops;
  const { heads, dHead } = config;
  const T = plan.length;
  const dropout = training ? config.dropout : 0;
  const qk = ops.linear(x, weights.wqk); // (T, H*dh)
  const v = ops.linear(x, weights.wv); // (T, H*dh)
  const headOutputs: Tensor[] = [];
  const fullMaskTensor =
    plan.kind === 'full'
      ? tf.tensor2d(fullMask(T, config.causal, plan.valid?.subarray(0, T)), [T, T])
      : undefined;
  for (let h = 0; h < heads; h++) {
    const seed = (plan.dropoutSeed + 104729 * (h + 1)) >>> 0;
    let qkh = qk.slice([0, h * dHead], [T, dHead]);
    let vh = v.slice([0, h * dHead], [T, dHead]);
    if (plan.kind === 'full') {
      headOutputs.push(fullHead(ops, qkh, vh, fullMaskTensor!, dropout, seed));
      continue;
    }
    if (plan.paddedLength > T) {
      const padding: [number, number][] = [
        [0, plan.paddedLength - T],
        [0, 0],
      ];
      qkh = tf.pad(qkh, padding);
      vh = tf.pad(vh, padding);
    }
    const out = chunkedHead(ops, qkh, vh, plan.orders[h]!, config, plan, plan.kind === 'lsh', dropout, seed);
    headOutputs.push(plan.paddedLength > T ? out.slice([0, 0], [T, dHead]) : out);
  }
  const merged = headOutputs.length === 1 ? headOutputs[0]! : tf.concat(headOutputs, 1); // (T, H*dh)
  return ops.linear(merged, weights.wo);
}

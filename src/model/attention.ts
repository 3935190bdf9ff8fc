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
import { readsSynchronously, stopGradientMax, type Ops } from './ops.js';
import { chunkAttention } from './chunk-attention.js';
import {
  chunkAttentionGpu,
  disposeDeviceOrders,
  localOrdersOnDevice,
  lshOrdersOnDevice,
  type DeviceOrders,
} from './chunk-attention-gpu.js';
import { chunkAttentionKernel } from './kernels/chunk-attention-wasm.js';

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
  /** Sort orders per head and round (chunked kinds only; empty when they live on the device). */
  orders: SortOrder[][];
  /**
   * The same orders as device tensors, on backends that cannot read back synchronously (webgpu):
   * hashed and sorted there. Release with `releasePlans` once the backward has replayed the plan.
   */
  device?: DeviceOrders;
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

/**
 * The kind that actually runs for a sequence of `length` tokens: LSH becomes exact full attention up
 * to `fullAttentionUpTo` tokens (where full attention is faster), local attention when it fits in one
 * chunk (or, causal, in one chunk pair), where the two are the same.
 */
export function effectiveKind(
  kind: AttentionKind,
  length: number,
  config: ResolvedConfig,
  fallback = true,
): AttentionKind {
  if (!fallback || kind === 'full') return kind;
  const C = config.chunk;
  if (kind === 'lsh' && length <= Math.max(2 * C, config.fullAttentionUpTo)) return 'full';
  if (kind === 'local' && (length <= C || (config.causal && length <= 2 * C))) return 'full';
  return kind;
}

/** Head h's random rotations (dh, rounds * width), from the layer's seed. */
function headRotations(
  tf: typeof TF,
  config: ResolvedConfig,
  seed: number,
  h: number,
  width: number,
): Tensor {
  const headSeed = (seed + 7919 * (h + 1)) >>> 0;
  return tf.randomNormal([config.dHead, config.rounds * width], 0, 1, 'float32', headSeed);
}

/** Free the device tensors of plans (webgpu); plans with host orders need nothing. */
export function releasePlans(plans: readonly AttentionPlan[]): void {
  for (const plan of plans) {
    if (plan.device) disposeDeviceOrders(plan.device);
    plan.device = undefined;
  }
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
  const onDevice = !readsSynchronously(tf);
  if (kind === 'local') {
    if (onDevice) {
      plan.device = localOrdersOnDevice(tf, config.heads, T, paddedLength, valid);
      return plan;
    }
    const order = identityOrder(paddedLength);
    plan.orders = Array.from({ length: config.heads }, () => [order]);
    return plan;
  }
  const factors = bucketFactors(bucketsFor(config, T));
  const nBuckets = bucketCount(factors);
  const width = rotationWidth(factors);
  const { heads, dHead, rounds } = config;
  if (onDevice) {
    const rotations = Array.from({ length: heads }, (_, h) =>
      headRotations(tf, config, options.seed, h, width),
    );
    const qk = ops.linear(x, weights.wqk); // (T, H*dh)
    plan.device = lshOrdersOnDevice(tf, config, {
      qk,
      rotations,
      factors,
      nBuckets,
      rounds,
      Tp: paddedLength,
      valid,
    });
    qk.dispose();
    rotations.forEach((r) => r.dispose());
    return plan;
  }
  for (let h = 0; h < heads; h++) {
    const [head, rotations] = tf.tidy(() => {
      // This head's columns of the projection, not of its (T, H*dh) output (Slice copies its input).
      const projection = weights.wqk.slice([0, h * dHead], [-1, dHead]);
      const padded = tf.pad(ops.linear(x, projection), [
        [0, paddedLength - T],
        [0, 0],
      ]); // (Tp, dh)
      return [padded, headRotations(tf, config, options.seed, h, width)];
    });
    // Outside tidy: tidy walks a returned typed array element by element. The kernel's hashing keeps
    // the (Tp, rounds * width) projections out of memory; their width grows as sqrt(T).
    const all = usesWasmKernel(tf, config)
      ? chunkAttentionKernel().hash(
          head!.dataSync() as Float32Array,
          dHead,
          rotations!.dataSync() as Float32Array,
          factors,
          rounds,
        )
      : hashBuckets(tf, head!, rotations!, factors, rounds);
    head!.dispose();
    rotations!.dispose();
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
  // Softmax with a no-gradient shift (logSumExp's gradient runs Equal over the whole (T, T) logits).
  const e = tf.exp(tf.sub(dots, stopGradientMax(tf, dots)));
  let probs = tf.div(e, tf.sum(e, -1, true));
  if (dropout > 0) probs = tf.dropout(probs, dropout, undefined, seed);
  return ops.linear(probs, v);
}

/** Most logits (heads x Tp x 2C) materialised at once; larger inputs process fewer heads together. */
const MAX_LOGITS = 1 << 25;

/**
 * Chunked attention for a group of heads over R sort orders, rounds combined by their logsumexp
 * weights. qk, keys (unit rows), v: (T, H*dh) in position order -> (T, heads.length * dh).
 */
function chunkedHeads(
  ops: Ops,
  qk: Tensor,
  keys: Tensor,
  v: Tensor,
  heads: number[],
  config: ResolvedConfig,
  plan: AttentionPlan,
  wrap: boolean,
  dropout: number,
  seed: number,
): Tensor {
  const { tf } = ops;
  const { chunk: C, dHead: dh } = config;
  const T = plan.length;
  const Tp = plan.paddedLength;
  const G = heads.length;
  const rounds = plan.orders[heads[0]!]!.length;
  const outputs: Tensor[] = [];
  const logits: Tensor[] = [];
  for (let r = 0; r < rounds; r++) {
    const orders = heads.map((h) => plan.orders[h]![r]!);
    const perms = orders.map((o) => o.perm);
    // One round at a time inside tidy: its (G * chunks, C, 2C) logits are freed before the next round.
    const [out, lse] = tf.tidy(() => {
      const queries = ops.gatherChunks(qk, heads, dh, perms, C, false); // (G*nChunks, C, dh)
      const keyPairs = ops.gatherChunks(keys, heads, dh, perms, C, true); // (G*nChunks, 2C, dh)
      const valuePairs = ops.gatherChunks(v, heads, dh, perms, C, true); // (G*nChunks, 2C, dh)
      const maskData = new Float32Array(G * Tp * 2 * C);
      orders.forEach((order, g) =>
        maskData.set(
          chunkMask(order, {
            chunk: C,
            causal: config.causal,
            wrap,
            valid: plan.valid,
            sameBucketOnly: plan.kind === 'lsh' && !config.attendAcrossBuckets,
          }),
          g * Tp * 2 * C,
        ),
      );
      const dots = tf.add(ops.bmm(queries, keyPairs, true), tf.tensor3d(maskData, [(G * Tp) / C, C, 2 * C]));
      // Softmax and logsumexp from one exp: probs = e / s, lse = max + log s.
      const max = stopGradientMax(tf, dots); // (G*nChunks, C, 1), no gradient
      const e = tf.exp(tf.sub(dots, max));
      const sum = tf.sum(e, -1, true);
      let probs = tf.div(e, sum);
      if (dropout > 0) probs = tf.dropout(probs, dropout, undefined, (seed + r) >>> 0);
      const sorted = ops.bmm(probs, valuePairs).reshape([G * Tp, dh]);
      const lse = tf.add(max, tf.log(sum)).reshape([G * Tp, 1]);
      return [ops.scatterRows(sorted, perms, T), ops.scatterRows(lse, perms, T)]; // (T, G*dh), (T, G)
    });
    outputs.push(out!);
    logits.push(lse!);
  }
  if (rounds === 1) {
    logits[0]!.dispose();
    return outputs[0]!;
  }
  // Normalise by division, not by subtracting a logsumexp: a query that can only see itself has
  // logits near the -1e5 self penalty, where float32 spacing (~0.008) would skew the weights.
  const stacked = tf.stack(logits).reshape([rounds, T, G, 1]);
  const exps = tf.exp(tf.sub(stacked, tf.max(stacked, 0, true)));
  const weights = tf.div(exps, tf.sum(exps, 0, true));
  const combined = tf.sum(tf.mul(weights, tf.stack(outputs).reshape([rounds, T, G, dh])), 0); // (T, G, dh)
  return combined.reshape([T, G * dh]);
}

/** Backends whose tensors live in this process's memory, where the wasm kernel reads them cheaply. */
const CPU_BACKENDS = new Set(['wasm', 'cpu']);

/** Whether chunked attention runs through the fused wasm kernel (see config.attentionKernel). */
export function usesWasmKernel(tf: typeof TF, config: ResolvedConfig): boolean {
  if (config.attentionKernel === 'auto') return CPU_BACKENDS.has(tf.getBackend());
  return config.attentionKernel === 'wasm';
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
  if (plan.kind === 'full') {
    const mask = tf.tensor2d(fullMask(T, config.causal, plan.valid?.subarray(0, T)), [T, T]);
    for (let h = 0; h < heads; h++) {
      const seed = (plan.dropoutSeed + 104729 * (h + 1)) >>> 0;
      const qkh = qk.slice([0, h * dHead], [T, dHead]);
      const vh = v.slice([0, h * dHead], [T, dHead]);
      headOutputs.push(fullHead(ops, qkh, vh, mask, dropout, seed));
    }
  } else {
    // Unit-normalised keys per head; row-wise, so it commutes with the sort.
    const keys = normalizeRows(tf, qk.reshape([T, heads, dHead])).reshape([T, heads * dHead]);
    if (plan.device) {
      const merged = chunkAttentionGpu(ops, qk, keys, v, config, plan, plan.kind === 'lsh', dropout);
      return ops.linear(merged, weights.wo);
    }
    if (usesWasmKernel(tf, config)) {
      const merged = chunkAttention(ops, qk, keys, v, config, plan, plan.kind === 'lsh', dropout, training);
      return ops.linear(merged, weights.wo);
    }
    const perGroup = Math.max(1, Math.floor(MAX_LOGITS / (plan.paddedLength * 2 * config.chunk)));
    for (let first = 0; first < heads; first += perGroup) {
      const group = Array.from({ length: Math.min(perGroup, heads - first) }, (_, i) => first + i);
      const seed = (plan.dropoutSeed + 104729 * (first + 1)) >>> 0;
      headOutputs.push(
        chunkedHeads(ops, qk, keys, v, group, config, plan, plan.kind === 'lsh', dropout, seed),
      );
    }
  }
  const merged = headOutputs.length === 1 ? headOutputs[0]! : tf.concat(headOutputs, 1); // (T, H*dh)
  return ops.linear(merged, weights.wo);
}

/**
 * Chunked shared-QK attention (LSH or local) on the webgpu backend, planned and computed on the
 * device: the counterpart of chunk-attention.ts (wasm kernel) with nothing read back to JavaScript.
 *
 * - `planOnDevice`: the LSH buckets of every head and round in one hash kernel, then a stable sort of
 *   each (head, round) row by bucket with tfjs's TopK (its bitonic sort breaks ties by the lower
 *   index, so equal buckets keep position order: the same order as lsh.ts `sortByBucket`).
 * - `chunkAttentionGpu`: one differentiable op qk, keys, v (T, H*dh) -> (T, H*dh). The kernels write
 *   each round's output and log-sum-exp (R, T, H, dh + 1); rounds are combined by their
 *   log-sum-exp weights with tfjs ops, whose gradient tfjs takes itself. The op's gradient runs the
 *   two backward kernels (dq; dk and dv), recomputing attention weights from the saved lse.
 */
import type * as TF from '@tensorflow/tfjs';
import type { AttentionPlan } from './attention.js';
import type { ResolvedConfig } from './config.js';
import {
  gpuAttentionBackward,
  gpuAttentionForward,
  gpuHashBuckets,
  MASK_CAUSAL,
  MASK_SAME_BUCKET_ONLY,
  MASK_WRAP,
  type AttentionInputs,
  type GpuAttentionShape,
} from './kernels/chunk-attention-webgpu.js';
import { stopGradientMax, type Ops } from './ops.js';

type Tensor = TF.Tensor;

/** A plan's sort orders on the device: perm and bucket (H*R, Tp) int32, row h*R + r; valid (Tp) int32. */
export interface DeviceOrders {
  perm: Tensor;
  bucket: Tensor;
  valid: Tensor;
}

/** The valid-position mask over Tp slots as an int32 tensor (1 real, 0 padding or masked). */
function validTensor(tf: typeof TF, valid: Uint8Array | undefined, T: number, Tp: number): Tensor {
  const values = new Int32Array(Tp);
  for (let t = 0; t < T; t++) values[t] = valid === undefined || valid[t] === 1 ? 1 : 0;
  return tf.tensor1d(values, 'int32');
}

/** Local attention's orders: the identity, one round per head. */
export function localOrdersOnDevice(
  tf: typeof TF,
  heads: number,
  T: number,
  Tp: number,
  valid: Uint8Array | undefined,
): DeviceOrders {
  const perm = new Int32Array(heads * Tp);
  for (let h = 0; h < heads; h++) for (let t = 0; t < Tp; t++) perm[h * Tp + t] = t;
  return tf.tidy(() => ({
    perm: tf.keep(tf.tensor2d(perm, [heads, Tp], 'int32')),
    bucket: tf.keep(tf.zeros([heads, Tp], 'int32')),
    valid: tf.keep(validTensor(tf, valid, T, Tp)),
  }));
}

export interface DeviceHashing {
  /** qk of every head (T, H*dh): the layer-normed input times wqk. */
  qk: Tensor;
  /** Per head, its rotations (dh, R*width), drawn on the host from the head's seed. */
  rotations: Tensor[];
  factors: readonly number[];
  nBuckets: number;
  rounds: number;
  Tp: number;
  valid: Uint8Array | undefined;
}

/** LSH orders of every head and round, hashed and sorted on the device. */
export function lshOrdersOnDevice(
  tf: typeof TF,
  config: ResolvedConfig,
  hashing: DeviceHashing,
): DeviceOrders {
  const T = hashing.qk.shape[0]!;
  const { Tp, rounds } = hashing;
  return tf.tidy(() => {
    const valid = validTensor(tf, hashing.valid, T, Tp);
    const buckets = gpuHashBuckets(
      tf,
      {
        T,
        Tp,
        heads: config.heads,
        rounds,
        dh: config.dHead,
        factors: hashing.factors,
        nBuckets: hashing.nBuckets,
      },
      hashing.qk,
      tf.stack(hashing.rotations), // (H, dh, R*width)
      valid,
    ); // (H*R, Tp)
    // Descending top-k of -bucket = ascending buckets; ties (same bucket) by lower index first.
    const { values, indices } = tf.topk(tf.neg(tf.cast(buckets, 'float32')), Tp);
    return {
      perm: tf.keep(indices),
      bucket: tf.keep(tf.cast(tf.neg(values), 'int32')),
      valid: tf.keep(valid),
    };
  });
}

export function disposeDeviceOrders(orders: DeviceOrders): void {
  orders.perm.dispose();
  orders.bucket.dispose();
  orders.valid.dispose();
}

/**
 * Chunked attention of all heads and rounds on the device: qk (queries), keys (unit rows) and v,
 * each (T, H*dh) in position order, to (T, H*dh). `wrap`: chunk 0 looks back at the last chunk.
 */
export function chunkAttentionGpu(
  ops: Ops,
  qk: Tensor,
  keys: Tensor,
  v: Tensor,
  config: ResolvedConfig,
  plan: AttentionPlan,
  wrap: boolean,
  dropout: number,
): Tensor {
  const { tf } = ops;
  const orders = plan.device;
  if (!orders) throw new TypeError('chunkAttentionGpu: the plan was made off the device (no plan.device)');
  const T = plan.length;
  const { heads, dHead: dh } = config;
  const R = orders.perm.shape[0]! / heads;
  const shape: GpuAttentionShape = {
    T,
    heads,
    rounds: R,
    dh,
    chunk: config.chunk,
    nChunks: plan.paddedLength / config.chunk,
    flags:
      (config.causal ? MASK_CAUSAL : 0) |
      (wrap ? MASK_WRAP : 0) |
      (plan.kind === 'lsh' && !config.attendAcrossBuckets ? MASK_SAME_BUCKET_ONLY : 0),
    dropout,
    seed: plan.dropoutSeed >>> 0,
  };
  const withOrders = (q: Tensor, k: Tensor, values: Tensor): AttentionInputs => ({
    qk: q,
    keys: k,
    v: values,
    perm: orders.perm,
    bucket: orders.bucket,
    valid: orders.valid,
  });
  const rounds = tf.customGrad((qkIn, keysIn, vIn, save) => {
    const inputs = withOrders(qkIn as Tensor, keysIn as Tensor, vIn as Tensor);
    const packed = gpuAttentionForward(tf, shape, inputs); // (R, T, H, dh + 1)
    (save as TF.GradSaveFunc)([qkIn as Tensor, keysIn as Tensor, vIn as Tensor, packed]);
    return {
      value: packed,
      gradFunc: (dy, saved) => {
        const [q, k, values, forward] = saved as Tensor[];
        const out = forward!.slice([0, 0, 0, 0], [R, T, heads, dh]);
        const lse = forward!.slice([0, 0, 0, dh], [R, T, heads, 1]).reshape([R, T, heads]);
        const grad = dy as Tensor;
        const dOut = grad.slice([0, 0, 0, 0], [R, T, heads, dh]);
        const dLse = grad.slice([0, 0, 0, dh], [R, T, heads, 1]).reshape([R, T, heads]);
        // ds_j = p_j (dp_j - dOut . o + dLse): the row's constant part.
        const rowTerm = tf.sub(dLse, tf.sum(tf.mul(dOut, out), -1));
        const { dq, dkv } = gpuAttentionBackward(tf, shape, withOrders(q!, k!, values!), lse, dOut, rowTerm);
        const dkvSum = tf.sum(dkv, 0); // (T, H, 2 dh)
        return [
          tf.sum(dq, 0).reshape([T, heads * dh]),
          dkvSum.slice([0, 0, 0], [T, heads, dh]).reshape([T, heads * dh]),
          dkvSum.slice([0, 0, dh], [T, heads, dh]).reshape([T, heads * dh]),
        ];
      },
    };
  }) as (a: Tensor, b: Tensor, c: Tensor) => Tensor;
  const packed = rounds(qk, keys, v);
  const out = packed.slice([0, 0, 0, 0], [R, T, heads, dh]);
  if (R === 1) return out.reshape([T, heads * dh]);
  // Weights of the rounds per (position, head): softmax over rounds of their log-sum-exps, normalised
  // by division as the wasm path does (a query that sees only itself sits near the -1e5 penalty).
  const lse = packed.slice([0, 0, 0, dh], [R, T, heads, 1]);
  const exps = tf.exp(tf.sub(lse, stopGradientMax(tf, lse, 0)));
  const weights = tf.div(exps, tf.sum(exps, 0, true));
  return tf.sum(tf.mul(weights, out), 0).reshape([T, heads * dh]);
}

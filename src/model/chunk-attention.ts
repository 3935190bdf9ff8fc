/**
 * Chunked shared-QK attention (LSH or local) of every head and round through the SIMD wasm kernel,
 * as one differentiable tfjs op: qk, keys, v (T, H*dh) -> (T, H*dh).
 *
 * Per head and round, JavaScript gathers the rows into the round's sorted order inside the kernel's
 * memory, the kernel computes the chunk attention and its log-sum-exp, and the rows are scattered
 * back to positions. Rounds are then combined by their log-sum-exp weights, as in `attention.ts`'s
 * tensor path (`chunkedHeads`), which this op replaces on the CPU backends and is tested against.
 * The backward recomputes attention weights inside the kernel; the (Tp, 2C) scores are never stored.
 *
 * Dropout draws its mask from a hash of (seed, slot, key column), not from tfjs's generator, so a
 * run with dropout differs from the tensor path's (both are replayed exactly by the backward).
 */
import type * as TF from '@tensorflow/tfjs';
import type { ResolvedConfig } from './config.js';
import type { AttentionPlan } from './attention.js';
import {
  chunkAttentionKernel,
  MASK_CAUSAL,
  MASK_SAME_BUCKET_ONLY,
  MASK_WRAP,
  type KernelArrays,
  type KernelCall,
} from './kernels/chunk-attention-wasm.js';
import type { Ops } from './ops.js';

type Tensor = TF.Tensor;

/** Per-round outputs (R, T, H, dh) and log-sum-exps (R, T, H), kept for the rounds' backward. */
interface RoundOutputs {
  outputs: Float32Array[];
  lse: Float32Array[];
}

interface Problem {
  T: number;
  heads: number;
  dh: number;
  /** Head width rounded up to a multiple of 4 for the kernel's SIMD rows (extra columns are zero). */
  dhPadded: number;
  plan: AttentionPlan;
  config: ResolvedConfig;
  flags: number;
  dropout: number;
}

/**
 * Chunked attention of all heads and rounds: qk (queries), keys (unit rows) and v, each (T, H*dh) in
 * position order, to (T, H*dh). `wrap`: chunk 0 looks back at the last chunk (LSH) or not (local).
 */
export function chunkAttention(
  ops: Ops,
  qk: Tensor,
  keys: Tensor,
  v: Tensor,
  config: ResolvedConfig,
  plan: AttentionPlan,
  wrap: boolean,
  dropout: number,
  keepRounds: boolean,
): Tensor {
  const { tf } = ops;
  const problem: Problem = {
    T: plan.length,
    heads: config.heads,
    dh: config.dHead,
    dhPadded: Math.ceil(config.dHead / 4) * 4,
    plan,
    config,
    flags:
      (config.causal ? MASK_CAUSAL : 0) |
      (wrap ? MASK_WRAP : 0) |
      (plan.kind === 'lsh' && !config.attendAcrossBuckets ? MASK_SAME_BUCKET_ONLY : 0),
    dropout,
  };
  const f = tf.customGrad((qkIn, keysIn, vIn, save) => {
    (save as TF.GradSaveFunc)([qkIn as Tensor, keysIn as Tensor, vIn as Tensor]);
    const inputs = [qkIn, keysIn, vIn].map((t) => (t as Tensor).dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const rounds = forwardRounds(problem, ...inputs);
    const combined = combineRounds(problem, rounds);
    // Training keeps the per-round outputs for the backward; otherwise the backward (rare outside
    // training) recomputes them.
    const kept = keepRounds ? rounds : undefined;
    return {
      value: tf.tensor2d(combined, [problem.T, problem.heads * problem.dh]),
      gradFunc: (dy, saved) => {
        const arrays = (saved as Tensor[]).map((t) => t.dataSync() as Float32Array) as [
          Float32Array,
          Float32Array,
          Float32Array,
        ];
        const roundsNow = kept ?? forwardRounds(problem, ...arrays);
        const grads = backwardRounds(problem, arrays, roundsNow, (dy as Tensor).dataSync() as Float32Array);
        return grads.map((g) => tf.tensor2d(g, [problem.T, problem.heads * problem.dh]));
      },
    };
  }) as (a: Tensor, b: Tensor, c: Tensor) => Tensor;
  return f(qk, keys, v);
}

/** Seed of head h's round r dropout mask. */
function dropoutSeed(plan: AttentionPlan, head: number, round: number): number {
  return (plan.dropoutSeed + 104729 * (head + 1) + 7919 * round) >>> 0;
}

/**
 * Copy head h's columns of `source` (T, H*dh) into `target` (Tp, dhPadded) in the order `perm`.
 * Padding slots (perm >= T) are left as they are: the kernel never reads them.
 */
function gatherSorted(
  p: Problem,
  source: Float32Array,
  head: number,
  perm: Int32Array,
  target: Float32Array,
) {
  const { T, heads, dh, dhPadded } = p;
  const width = heads * dh;
  for (let slot = 0; slot < perm.length; slot++) {
    const from = perm[slot]!;
    if (from >= T) continue;
    const at = from * width + head * dh;
    target.set(source.subarray(at, at + dh), slot * dhPadded);
  }
}

/** Load one head-round's rows and mask inputs into the kernel. */
function loadRound(
  p: Problem,
  arrays: KernelArrays,
  inputs: [Float32Array, Float32Array, Float32Array],
  head: number,
  round: number,
): Int32Array {
  const order = p.plan.orders[head]![round]!;
  const { perm, sortedBuckets } = order;
  if (p.dhPadded !== p.dh) {
    arrays.q.fill(0);
    arrays.k.fill(0);
    arrays.v.fill(0);
  }
  gatherSorted(p, inputs[0], head, perm, arrays.q);
  gatherSorted(p, inputs[1], head, perm, arrays.k);
  gatherSorted(p, inputs[2], head, perm, arrays.v);
  arrays.pos.set(perm);
  arrays.bucket.set(sortedBuckets);
  const valid = p.plan.valid;
  for (let slot = 0; slot < perm.length; slot++) {
    const t = perm[slot]!;
    arrays.keyOk[slot] = t < p.T && (valid === undefined || valid[t] === 1) ? 1 : 0;
  }
  return perm;
}

function kernelCall(p: Problem, head: number, round: number): KernelCall {
  return { length: p.T, flags: p.flags, dropout: p.dropout, seed: dropoutSeed(p.plan, head, round) };
}

/** Every head's attention for every round, scattered back to positions. */
function forwardRounds(p: Problem, qk: Float32Array, keys: Float32Array, v: Float32Array): RoundOutputs {
  const { T, heads, dh, dhPadded, plan } = p;
  const kernel = chunkAttentionKernel();
  const arrays = kernel.layout({ slots: plan.paddedLength, dh: dhPadded, chunk: p.config.chunk });
  const rounds = plan.orders[0]!.length;
  const result: RoundOutputs = { outputs: [], lse: [] };
  for (let r = 0; r < rounds; r++) {
    const outputs = new Float32Array(T * heads * dh);
    const lse = new Float32Array(T * heads);
    for (let h = 0; h < heads; h++) {
      const perm = loadRound(p, arrays, [qk, keys, v], h, r);
      kernel.forward(kernelCall(p, h, r));
      for (let slot = 0; slot < perm.length; slot++) {
        const t = perm[slot]!;
        if (t >= T) continue;
        outputs.set(arrays.out.subarray(slot * dhPadded, slot * dhPadded + dh), (t * heads + h) * dh);
        lse[t * heads + h] = arrays.lse[slot]!;
      }
    }
    result.outputs.push(outputs);
    result.lse.push(lse);
  }
  return result;
}

/**
 * Weights of the rounds for each (position, head): softmax over rounds of their log-sum-exps,
 * (R, T*H). Normalised by division: a query that sees only itself has logits near the -1e5 self
 * penalty, where subtracting a logsumexp in float32 would skew the weights.
 */
function roundWeights(rounds: RoundOutputs): Float32Array[] {
  const R = rounds.lse.length;
  const n = rounds.lse[0]!.length;
  const weights = Array.from({ length: R }, () => new Float32Array(n));
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let r = 0; r < R; r++) max = Math.max(max, rounds.lse[r]![i]!);
    let sum = 0;
    for (let r = 0; r < R; r++) {
      const e = Math.exp(rounds.lse[r]![i]! - max);
      weights[r]![i] = e;
      sum += e;
    }
    for (let r = 0; r < R; r++) weights[r]![i]! /= sum;
  }
  return weights;
}

/** out[t, h] = sum_r w_r[t, h] o_r[t, h]: (T, H*dh). */
function combineRounds(p: Problem, rounds: RoundOutputs): Float32Array {
  if (rounds.outputs.length === 1) return rounds.outputs[0]!;
  const { dh } = p;
  const weights = roundWeights(rounds);
  const out = new Float32Array(rounds.outputs[0]!.length);
  weights.forEach((w, r) => {
    const o = rounds.outputs[r]!;
    for (let i = 0; i < w.length; i++) {
      const wi = w[i]!;
      const base = i * dh;
      for (let d = 0; d < dh; d++) out[base + d]! += wi * o[base + d]!;
    }
  });
  return out;
}

/**
 * Gradients for qk, keys and v (T, H*dh) given dOut (T, H*dh). Through the round combination:
 * dO_r = w_r dOut and dLse_r = w_r (dOut . o_r - dOut . out); then each head-round's kernel backward,
 * scattered back to positions and summed.
 */
function backwardRounds(
  p: Problem,
  inputs: [Float32Array, Float32Array, Float32Array],
  rounds: RoundOutputs,
  dOut: Float32Array,
): [Float32Array, Float32Array, Float32Array] {
  const { T, heads, dh, dhPadded, plan } = p;
  const R = rounds.outputs.length;
  const weights = R === 1 ? [new Float32Array(T * heads).fill(1)] : roundWeights(rounds);
  const combined = R === 1 ? rounds.outputs[0]! : combineRounds(p, rounds);
  // dOut . out per (position, head).
  const dotOut = new Float32Array(T * heads);
  for (let i = 0; i < T * heads; i++) {
    let s = 0;
    for (let d = 0; d < dh; d++) s += dOut[i * dh + d]! * combined[i * dh + d]!;
    dotOut[i] = s;
  }
  const grads: [Float32Array, Float32Array, Float32Array] = [
    new Float32Array(T * heads * dh),
    new Float32Array(T * heads * dh),
    new Float32Array(T * heads * dh),
  ];
  const kernel = chunkAttentionKernel();
  const arrays = kernel.layout({ slots: plan.paddedLength, dh: dhPadded, chunk: p.config.chunk });
  for (let r = 0; r < R; r++) {
    const w = weights[r]!;
    const o = rounds.outputs[r]!;
    const lse = rounds.lse[r]!;
    for (let h = 0; h < heads; h++) {
      const perm = loadRound(p, arrays, inputs, h, r);
      if (dhPadded !== dh) arrays.dOut.fill(0);
      for (let slot = 0; slot < perm.length; slot++) {
        const t = perm[slot]!;
        if (t >= T) continue;
        const i = t * heads + h;
        const wi = w[i]!;
        let dotRound = 0;
        const row = slot * dhPadded;
        for (let d = 0; d < dh; d++) {
          const g = dOut[i * dh + d]!;
          dotRound += g * o[i * dh + d]!;
          arrays.dOut[row + d] = wi * g;
        }
        arrays.dLse[slot] = R === 1 ? 0 : wi * (dotRound - dotOut[i]!);
        arrays.lse[slot] = lse[i]!;
      }
      kernel.backward(kernelCall(p, h, r));
      const sources = [arrays.dq, arrays.dk, arrays.dv];
      for (let slot = 0; slot < perm.length; slot++) {
        const t = perm[slot]!;
        if (t >= T) continue;
        const at = (t * heads + h) * dh;
        const row = slot * dhPadded;
        for (let g = 0; g < 3; g++) {
          const target = grads[g]!;
          const source = sources[g]!;
          for (let d = 0; d < dh; d++) target[at + d]! += source[row + d]!;
        }
      }
    }
  }
  return grads;
}

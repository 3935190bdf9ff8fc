/**
 * Chunked shared-QK attention (LSH or local) of every head and round through the SIMD wasm kernel,
 * as one differentiable tfjs op: qk, keys, v (T, H*dh) -> (T, H*dh).
 *
 * The inputs are copied once into the kernel's memory; per head and round the kernel reads rows
 * through the round's sort order and writes outputs and log-sum-exps at their positions. Rounds are
 * then combined by their log-sum-exp weights, as in `attention.ts`'s
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
  type ArraySpec,
  type KernelRun,
  type Layout,
} from './kernels/chunk-attention-wasm.js';
import type { Ops } from './ops.js';

type Tensor = TF.Tensor;

/** Per-round outputs (R, T, H*dh) and log-sum-exps (R, T, H). */
interface RoundOutputs {
  out: Float32Array;
  lse: Float32Array;
}

/** The rounds' weights (R, T*H) and their combined output (T, H*dh). */
interface Combination {
  weights: Float32Array;
  combined: Float32Array;
}

/** What the forward keeps for the backward. */
type KeptRounds = RoundOutputs & Combination;

/** qk, keys, v: (T, H*dh) each, position order. */
type Inputs = [Float32Array, Float32Array, Float32Array];

interface Problem {
  T: number;
  heads: number;
  dh: number;
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
    const inputs = [qkIn, keysIn, vIn].map((t) => (t as Tensor).dataSync() as Float32Array) as Inputs;
    const rounds = forwardRounds(problem, inputs);
    const { weights, combined } = combine(problem, rounds);
    // Training keeps a copy of the per-round outputs, and their combination, for the backward (the
    // kernel's memory is reused by the next layer); otherwise the backward, rare outside training,
    // recomputes them.
    const kept: KeptRounds | undefined = keepRounds
      ? { out: rounds.out.slice(), lse: rounds.lse.slice(), weights, combined }
      : undefined;
    return {
      value: tf.tensor2d(combined, [problem.T, problem.heads * problem.dh]),
      gradFunc: (dy, saved) => {
        const arrays = (saved as Tensor[]).map((t) => t.dataSync() as Float32Array) as Inputs;
        const grads = backwardRounds(problem, arrays, kept, (dy as Tensor).dataSync() as Float32Array);
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

/** The arrays of one call in the kernel's memory; the backward's extra arrays come after. */
function forwardSpec(p: Problem) {
  const { T, heads, dh, plan } = p;
  const R = plan.orders[0]!.length;
  const rows = T * heads * dh;
  const slots = plan.paddedLength;
  return {
    qk: { type: 'f32', length: rows },
    keys: { type: 'f32', length: rows },
    v: { type: 'f32', length: rows },
    out: { type: 'f32', length: R * rows }, // (R, T, H*dh)
    lse: { type: 'f32', length: R * T * heads }, // (R, T, H)
    valid: { type: 'u8', length: slots },
    perm: { type: 'i32', length: slots },
    bucket: { type: 'i32', length: slots },
    // One head-round's q, k and v rows in sort order (gatherRows), (Tp, dh) each.
    sortedQ: { type: 'f32', length: slots * dh },
    sortedK: { type: 'f32', length: slots * dh },
    sortedV: { type: 'f32', length: slots * dh },
    scratch: { type: 'f32', length: 4 * p.config.chunk ** 2 + 16 * p.config.chunk + p.dh + 8 },
  } as const satisfies Record<string, ArraySpec>;
}

function backwardSpec(p: Problem) {
  const rows = p.T * p.heads * p.dh;
  return {
    ...forwardSpec(p),
    dOut: { type: 'f32', length: rows },
    dLse: { type: 'f32', length: p.T * p.heads },
    dq: { type: 'f32', length: rows },
    dk: { type: 'f32', length: rows },
    dv: { type: 'f32', length: rows },
  } as const satisfies Record<string, ArraySpec>;
}

type ForwardLayout = Layout<ReturnType<typeof forwardSpec>>;

/** Copy the inputs and the valid-position mask into the kernel's memory. */
function loadInputs(p: Problem, memory: ForwardLayout, inputs: Inputs): void {
  memory.views.qk.set(inputs[0]);
  memory.views.keys.set(inputs[1]);
  memory.views.v.set(inputs[2]);
  const valid = memory.views.valid;
  const mask = p.plan.valid;
  for (let t = 0; t < valid.length; t++) valid[t] = t < p.T && (mask === undefined || mask[t] === 1) ? 1 : 0;
}

/** Point the kernel at head h's round r sort order; returns the mask and dropout settings. */
function loadOrder(p: Problem, memory: ForwardLayout, head: number, round: number): KernelRun {
  const order = p.plan.orders[head]![round]!;
  memory.views.perm.set(order.perm);
  memory.views.bucket.set(order.sortedBuckets);
  const { offsets } = memory;
  return {
    perm: offsets.perm,
    bucket: offsets.bucket,
    valid: offsets.valid,
    scratch: offsets.scratch,
    nChunks: p.plan.paddedLength / p.config.chunk,
    chunk: p.config.chunk,
    dh: p.dh,
    stride: p.heads * p.dh,
    lseStride: p.heads,
    length: p.T,
    flags: p.flags,
    dropout: p.dropout,
    seed: dropoutSeed(p.plan, head, round),
  };
}

/** Every head's attention for every round into `out` (R, T, H*dh) and `lse` (R, T, H). */
function runForward(p: Problem, memory: ForwardLayout): void {
  const { T, heads, dh } = p;
  const kernel = chunkAttentionKernel();
  const o = memory.offsets;
  const R = p.plan.orders[0]!.length;
  for (let r = 0; r < R; r++) {
    for (let h = 0; h < heads; h++) {
      const run = loadOrder(p, memory, h, r);
      const column = h * dh * 4;
      kernel.gatherRows(o.qk + column, o.sortedQ, run);
      kernel.gatherRows(o.keys + column, o.sortedK, run);
      kernel.gatherRows(o.v + column, o.sortedV, run);
      kernel.forward(
        {
          q: o.sortedQ,
          k: o.sortedK,
          v: o.sortedV,
          out: o.out + r * T * heads * dh * 4 + column,
          lse: o.lse + (r * T * heads + h) * 4,
        },
        run,
      );
    }
  }
}

function forwardRounds(p: Problem, inputs: Inputs): RoundOutputs {
  const memory = chunkAttentionKernel().layout(forwardSpec(p));
  loadInputs(p, memory, inputs);
  runForward(p, memory);
  return { out: memory.views.out, lse: memory.views.lse };
}

/**
 * Weights of the rounds for each (position, head): softmax over rounds of their log-sum-exps,
 * (R, T*H). Normalised by division: a query that sees only itself has logits near the -1e5 self
 * penalty, where subtracting a logsumexp in float32 would skew the weights.
 */
function roundWeights(lse: Float32Array, R: number): Float32Array {
  const n = lse.length / R;
  const weights = new Float32Array(R * n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let r = 0; r < R; r++) max = Math.max(max, lse[r * n + i]!);
    let sum = 0;
    for (let r = 0; r < R; r++) {
      const e = Math.exp(lse[r * n + i]! - max);
      weights[r * n + i] = e;
      sum += e;
    }
    for (let r = 0; r < R; r++) weights[r * n + i]! /= sum;
  }
  return weights;
}

/** The rounds' weights, and out[t, h] = sum_r w_r[t, h] o_r[t, h]. */
function combine(p: Problem, rounds: RoundOutputs): Combination {
  const weights = roundWeights(rounds.lse, p.plan.orders[0]!.length);
  return { weights, combined: combineRounds(p, rounds, weights) };
}

/** out[t, h] = sum_r w_r[t, h] o_r[t, h]: (T, H*dh). */
function combineRounds(p: Problem, rounds: RoundOutputs, weights: Float32Array): Float32Array {
  const { dh } = p;
  const n = p.T * p.heads;
  const R = weights.length / n;
  if (R === 1) return rounds.out.slice(0, n * dh);
  const out = new Float32Array(n * dh);
  for (let r = 0; r < R; r++) {
    const base = r * n * dh;
    for (let i = 0; i < n; i++) {
      const w = weights[r * n + i]!;
      const row = i * dh;
      for (let d = 0; d < dh; d++) out[row + d]! += w * rounds.out[base + row + d]!;
    }
  }
  return out;
}

/**
 * Gradients for qk, keys and v (T, H*dh) given dOut (T, H*dh). Through the round combination:
 * dO_r = w_r dOut and dLse_r = w_r (dOut . o_r - dOut . out); then each head-round's kernel backward
 * adds its share into dq, dk, dv.
 */
function backwardRounds(
  p: Problem,
  inputs: Inputs,
  kept: KeptRounds | undefined,
  dOut: Float32Array,
): [Float32Array, Float32Array, Float32Array] {
  const { T, heads, dh } = p;
  const R = p.plan.orders[0]!.length;
  const n = T * heads;
  const kernel = chunkAttentionKernel();
  const memory = kernel.layout(backwardSpec(p));
  const { views, offsets: o } = memory;
  loadInputs(p, memory, inputs);
  if (kept) {
    views.out.set(kept.out);
    views.lse.set(kept.lse);
  } else {
    runForward(p, memory);
  }
  const { weights, combined } = kept ?? combine(p, views);
  views.dq.fill(0);
  views.dk.fill(0);
  views.dv.fill(0);
  for (let r = 0; r < R; r++) {
    const outBase = r * n * dh;
    for (let i = 0; i < n; i++) {
      const w = weights[r * n + i]!;
      const row = i * dh;
      let dotRound = 0;
      let dotCombined = 0;
      for (let d = 0; d < dh; d++) {
        const g = dOut[row + d]!;
        dotRound += g * views.out[outBase + row + d]!;
        dotCombined += g * combined[row + d]!;
        views.dOut[row + d] = w * g;
      }
      views.dLse[i] = R === 1 ? 0 : w * (dotRound - dotCombined);
    }
    for (let h = 0; h < heads; h++) {
      const run = loadOrder(p, memory, h, r);
      const column = h * dh * 4;
      kernel.backward(
        {
          q: o.qk + column,
          k: o.keys + column,
          v: o.v + column,
          lse: o.lse + (r * n + h) * 4,
          dOut: o.dOut + column,
          dLse: o.dLse + h * 4,
          dq: o.dq + column,
          dk: o.dk + column,
          dv: o.dv + column,
        },
        run,
      );
    }
  }
  return [views.dq.slice(), views.dk.slice(), views.dv.slice()];
}

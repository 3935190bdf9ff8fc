/**
 * The fused wasm chunk-attention kernel against the tfjs tensor path it replaces (same plan, so the
 * same sort orders): outputs and gradients, for LSH (bidirectional and causal), local attention,
 * padding, head widths that are not a multiple of 4, and one or several rounds. With dropout, where
 * the two paths draw different masks, the kernel's gradient is checked by finite differences.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attend,
  planAttention,
  usesWasmKernel,
  type AttentionPlan,
  type AttentionWeights,
} from '../../src/model/attention.js';
import { resolveConfig, type AttentionKind, type ReformerConfig } from '../../src/model/config.js';
import { chunkAttentionKernel } from '../../src/model/kernels/chunk-attention-wasm.js';
import { bucketCount, bucketFactors, hashBuckets, rotationWidth } from '../../src/model/lsh.js';
import { makeOps } from '../../src/model/ops.js';

const ops = makeOps(tf);
const D = 16;

function weights(inner: number, seed: number): AttentionWeights {
  return {
    wqk: tf.randomNormal([D, inner], 0, 1 / Math.sqrt(D), 'float32', seed),
    wv: tf.randomNormal([D, inner], 0, 1 / Math.sqrt(D), 'float32', seed + 1),
    wo: tf.randomNormal([inner, D], 0, 1 / Math.sqrt(inner), 'float32', seed + 2),
  };
}

interface Case {
  name: string;
  kind: AttentionKind;
  config: Partial<ReformerConfig>;
  length: number;
  /** Positions masked as padding by the caller (valid = 0). */
  masked?: number[];
}

const CASES: Case[] = [
  { name: 'LSH, bidirectional, 3 rounds', kind: 'lsh', config: { rounds: 3 }, length: 61 },
  { name: 'LSH, causal (same-bucket only)', kind: 'lsh', config: { rounds: 2, causal: true }, length: 70 },
  { name: 'LSH, one round', kind: 'lsh', config: { rounds: 1 }, length: 48 },
  {
    name: 'LSH, head width 6 (four SIMD lanes and a scalar tail)',
    kind: 'lsh',
    config: { dHead: 6 },
    length: 50,
  },
  { name: 'LSH with padding masked', kind: 'lsh', config: { rounds: 2 }, length: 64, masked: [0, 5, 60, 61] },
  { name: 'LSH, odd chunk (scalar exp tail)', kind: 'lsh', config: { chunk: 5 }, length: 37 },
  { name: 'local, bidirectional', kind: 'local', config: {}, length: 45 },
  { name: 'local, causal', kind: 'local', config: { causal: true }, length: 45 },
];

function setup(c: Case, kernel: 'wasm' | 'tensor', dropout = 0) {
  const config = resolveConfig({
    dModel: D,
    heads: 2,
    dHead: 8,
    chunk: 8,
    rounds: 2,
    maxLength: 256,
    fullAttentionUpTo: 0,
    attention: c.kind,
    depth: 1,
    dropout,
    attentionKernel: kernel,
    ...c.config,
  });
  const w = weights(config.heads * config.dHead, 1);
  const x = tf.randomNormal([c.length, D], 0, 1, 'float32', 3);
  let valid: Uint8Array | undefined;
  if (c.masked) {
    valid = new Uint8Array(c.length).fill(1);
    for (const t of c.masked) valid[t] = 0;
  }
  const plan = planAttention(ops, x, w, config, c.kind, { seed: 11, fullFallback: false, valid });
  return { config, w, x, plan, valid };
}

/** Rows of `a` and `b` at valid positions: the largest absolute difference, relative to max |b|. */
function relativeDiff(a: number[][], b: number[][], valid?: Uint8Array): number {
  let worst = 0;
  let scale = 1e-12;
  a.forEach((row, t) => {
    if (valid && !valid[t]) return;
    row.forEach((value, d) => {
      worst = Math.max(worst, Math.abs(value - b[t]![d]!));
      scale = Math.max(scale, Math.abs(b[t]![d]!));
    });
  });
  return worst / scale;
}

/** attend with a fixed plan, plus the gradients of sum(out * probe) for x and the three weights. */
function run(
  config: ReturnType<typeof resolveConfig>,
  x: tf.Tensor,
  w: AttentionWeights,
  plan: AttentionPlan,
) {
  const probe = tf.randomNormal([x.shape[0]!, D], 0, 1, 'float32', 9);
  const loss = (xs: tf.Tensor, wqk: tf.Tensor, wv: tf.Tensor, wo: tf.Tensor) =>
    tf.sum(tf.mul(attend(ops, xs, { wqk, wv, wo }, config, plan, true), probe)) as tf.Scalar;
  const out = attend(ops, x, w, config, plan, true).arraySync() as number[][];
  const grads = tf
    .grads(loss)([x, w.wqk, w.wv, w.wo])
    .map((g) => g.arraySync() as number[][]);
  return { out, grads };
}

for (const backend of ['wasm', 'cpu']) {
  describe(`wasm chunk-attention kernel on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    it("is what 'auto' picks on this backend", () => {
      expect(usesWasmKernel(tf, resolveConfig({ attentionKernel: 'auto' }))).toBe(true);
      expect(usesWasmKernel(tf, resolveConfig({ attentionKernel: 'tensor' }))).toBe(false);
    });

    for (const c of CASES) {
      it(`equals the tensor path, outputs and gradients: ${c.name}`, () => {
        const fused = setup(c, 'wasm');
        const plain = setup(c, 'tensor');
        expect(fused.plan.kind).toBe(c.kind);
        const a = run(fused.config, fused.x, fused.w, fused.plan);
        const b = run(plain.config, plain.x, plain.w, plain.plan);
        expect(relativeDiff(a.out, b.out, fused.valid)).toBeLessThan(1e-5);
        // Gradients for x are compared at valid rows; weight gradients whole.
        expect(relativeDiff(a.grads[0]!, b.grads[0]!, fused.valid)).toBeLessThan(1e-4);
        for (let i = 1; i < 4; i++) expect(relativeDiff(a.grads[i]!, b.grads[i]!)).toBeLessThan(1e-4);
      });
    }

    it('hashes rows into the same LSH buckets as the tfjs path', () => {
      const [T, dh, rounds] = [1000, 32, 3];
      // One, two and three factors (bucketFactors uses three beyond 4,096 buckets).
      expect(bucketFactors(5210)).toEqual([16, 16, 20]);
      for (const factors of [[16], [32, 14], [6], bucketFactors(5210)]) {
        const width = rotationWidth(factors);
        const x = tf.randomNormal([T, dh], 0, 1, 'float32', 5);
        const rotations = tf.randomNormal([dh, rounds * width], 0, 1, 'float32', 6);
        const expected = hashBuckets(tf, x, rotations, factors, rounds);
        const actual = chunkAttentionKernel().hash(
          x.dataSync() as Float32Array,
          dh,
          rotations.dataSync() as Float32Array,
          factors,
          rounds,
        );
        expect(actual.length).toBe(expected.length);
        // Equal up to float summation order: a near-tie may flip once in a while, not more.
        const differ = actual.filter((b, i) => b !== expected[i]).length;
        expect(differ).toBeLessThanOrEqual(2);
        expect(Math.max(...actual)).toBeLessThan(bucketCount(factors));
      }
    });

    it('with dropout: replays its mask, differs from no dropout, and its gradient matches finite differences', () => {
      const c: Case = { name: 'dropout', kind: 'lsh', config: { rounds: 2 }, length: 40 };
      const { config, w, x, plan } = setup(c, 'wasm', 0.3);
      const noDropout = setup(c, 'wasm', 0);
      const first = run(config, x, w, plan);
      const again = run(config, x, w, plan);
      expect(again.out).toEqual(first.out);
      expect(relativeDiff(first.out, run(noDropout.config, x, w, plan).out)).toBeGreaterThan(1e-2);

      // Central differences of sum(out * probe) along a random direction of wqk (the dropout mask
      // and the sort orders stay fixed, so the function is smooth in wqk).
      const probe = tf.randomNormal([c.length, D], 0, 1, 'float32', 9);
      const f = (wqk: tf.Tensor) =>
        tf.sum(tf.mul(attend(ops, x, { ...w, wqk }, config, plan, true), probe)).dataSync()[0]!;
      const direction = tf.randomNormal(w.wqk.shape, 0, 1, 'float32', 21);
      const h = 2e-3;
      const numeric =
        (f(tf.add(w.wqk, tf.mul(direction, h))) - f(tf.sub(w.wqk, tf.mul(direction, h)))) / (2 * h);
      const analytic = tf.sum(tf.mul(tf.tensor(first.grads[1]!), direction)).dataSync()[0]!;
      expect(Math.abs(numeric - analytic)).toBeLessThan(2e-3 * Math.max(1, Math.abs(analytic)));
    });
  });
}

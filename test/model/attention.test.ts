import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { attend, planAttention, type AttentionWeights } from '../../src/model/attention.js';
import { resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { makeOps } from '../../src/model/ops.js';

const ops = makeOps(tf);

function weights(d: number, inner: number, seed: number): AttentionWeights {
  return {
    wqk: tf.randomNormal([d, inner], 0, 1 / Math.sqrt(d), 'float32', seed),
    wv: tf.randomNormal([d, inner], 0, 1 / Math.sqrt(d), 'float32', seed + 1),
    wo: tf.randomNormal([inner, d], 0, 1 / Math.sqrt(inner), 'float32', seed + 2),
  };
}

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

for (const backend of ['wasm', 'cpu']) {
  describe(`attention on ${backend}`, () => {
    beforeAll(async () => {
      await tf.setBackend(backend);
      await tf.ready();
    });

    for (const causal of [false, true]) {
      it(`LSH equals full shared-QK attention when nBuckets = 2 and chunk = L/2 (causal ${causal})`, () => {
        const L = 64;
        // Cross-bucket attention on: with nBuckets = 2 and two chunks, every query then sees every key.
        const partial: Partial<ReformerConfig> = {
          attendAcrossBuckets: true,
          dModel: 16,
          heads: 2,
          dHead: 8,
          chunk: L / 2,
          nBuckets: 2,
          rounds: 3,
          causal,
          maxLength: 256,
        };
        const config = resolveConfig(partial);
        const w = weights(16, 16, 1);
        const x = tf.randomNormal([L, 16], 0, 1, 'float32', 3);
        const lshPlan = planAttention(ops, x, w, config, 'lsh', { seed: 11, fullFallback: false });
        expect(lshPlan.kind).toBe('lsh');
        const fullPlan = planAttention(ops, x, w, config, 'full', { seed: 11 });
        const diff = maxDiff(
          attend(ops, x, w, config, lshPlan, false),
          attend(ops, x, w, config, fullPlan, false),
        );
        expect(diff).toBeLessThan(1e-5);
      });
    }

    it('LSH error against full attention falls as rounds grow', () => {
      const L = 256;
      const w = weights(32, 32, 5);
      // Clustered inputs, as attention sees in practice: a few directions plus noise.
      const centres = tf.randomNormal([8, 32], 0, 3, 'float32', 9);
      const picks = tf.tensor1d(
        Array.from({ length: L }, (_, i) => (i * 5) % 8),
        'int32',
      );
      const x = tf.add(tf.gather(centres, picks), tf.randomNormal([L, 32], 0, 0.3, 'float32', 10));
      const base = {
        dModel: 32,
        heads: 1,
        dHead: 32,
        chunk: 16,
        maxLength: 1024,
        fullAttentionUpTo: 0,
      } as const;
      const full = attend(
        ops,
        x,
        w,
        resolveConfig(base),
        planAttention(ops, x, w, resolveConfig(base), 'full', { seed: 1 }),
        false,
      );
      const errors = [1, 2, 4, 8].map((rounds) => {
        const config = resolveConfig({ ...base, rounds });
        let total = 0;
        for (let seed = 0; seed < 4; seed++) {
          const plan = planAttention(ops, x, w, config, 'lsh', { seed: 100 + seed });
          total += tf.tidy(
            () => tf.mean(tf.abs(tf.sub(attend(ops, x, w, config, plan, false), full))).dataSync()[0]!,
          );
        }
        return total / 4;
      });
      for (let i = 1; i < errors.length; i++) expect(errors[i]!).toBeLessThan(errors[i - 1]!);
      expect(errors[3]!).toBeLessThan(errors[0]! / 2);
    });
  });
}

describe('masks', () => {
  it('chunkMask (the fast arrangement) equals chunkMaskEntry (the rule) everywhere', async () => {
    const { chunkMask, chunkMaskEntry, sortByBucket } = await import('../../src/model/lsh.js');
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const C = 4;
    const T = 24;
    for (let trial = 0; trial < 24; trial++) {
      const buckets = Int32Array.from({ length: T }, () => Math.floor(random() * 5));
      const valid = trial % 2 ? Uint8Array.from({ length: T }, (_, i) => (i < T - 5 ? 1 : 0)) : undefined;
      const order = sortByBucket(buckets, 5, valid);
      const options = {
        chunk: C,
        causal: trial % 3 === 0,
        wrap: trial % 4 !== 1,
        valid,
        sameBucketOnly: trial % 5 < 2,
      };
      const fast = chunkMask(order, options);
      for (let slot = 0; slot < T; slot++) {
        for (let j = 0; j < 2 * C; j++)
          expect(fast[slot * 2 * C + j]).toBe(chunkMaskEntry(order, options, slot, j));
      }
    }
  });
});

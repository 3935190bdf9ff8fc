/** The wasm fast paths against the plain tfjs ops they replace: same values, same gradients. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/model/backend.js';
import { makeOps } from '../../src/model/ops.js';

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fast ops on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend(backend);
    });
    const ops = () => makeOps(tf);

    it('linear and bmm match tf.matMul in value and gradient', () => {
      const x = tf.randomNormal([13, 7], 0, 1, 'float32', 1);
      const w = tf.randomNormal([7, 5], 0, 1, 'float32', 2);
      const dy = tf.randomNormal([13, 5], 0, 1, 'float32', 3);
      const fast = tf.grads((a, b) => ops().linear(a!, b!))([x, w], dy);
      const plain = tf.grads((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D))([x, w], dy);
      fast.forEach((g, i) => expect(maxDiff(g, plain[i]!)).toBeLessThan(1e-5));

      const a = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 4);
      const b = tf.randomNormal([3, 8, 6], 0, 1, 'float32', 5);
      const dz = tf.randomNormal([3, 4, 8], 0, 1, 'float32', 6);
      const fastB = tf.grads((p, q) => ops().bmm(p!, q!, true))([a, b], dz);
      const plainB = tf.grads((p, q) => tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D, false, true))(
        [a, b],
        dz,
      );
      fastB.forEach((g, i) => expect(maxDiff(g, plainB[i]!)).toBeLessThan(1e-5));
    });

    it('gatherChunks and scatterRows match gather, pad and concat, in value and gradient', () => {
      // Two heads of width 3 over T = 10 tokens, padded to 12, chunks of 4.
      const T = 10;
      const x = tf.randomNormal([T, 6], 0, 1, 'float32', 7);
      const perms = [
        Int32Array.from([3, 11, 0, 7, 1, 2, 10, 9, 4, 5, 6, 8]),
        Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]),
      ];
      const plain = (input: tf.Tensor, pairs: boolean) =>
        tf.concat(
          perms.map((perm, h) => {
            // Gather as a product with a one-hot matrix (rows >= T are all zero: padding), so the
            // reference has a gradient on wasm too (tf.gather's needs UnsortedSegmentSum).
            const select = tf.oneHot(tf.tensor1d(perm, 'int32'), T).toFloat(); // (12, T)
            const chunks = tf.matMul(select, input.slice([0, h * 3], [T, 3])).reshape([3, 4, 3]);
            if (!pairs) return chunks;
            const previous = tf.concat(
              [chunks.slice([2, 0, 0], [1, 4, 3]), chunks.slice([0, 0, 0], [2, 4, 3])],
              0,
            );
            return tf.concat([chunks, previous], 1);
          }),
          0,
        );
      for (const pairs of [false, true]) {
        const shape = [6, pairs ? 8 : 4, 3];
        const dy = tf.randomNormal(shape, 0, 1, 'float32', 8);
        const fast = ops().gatherChunks(x, [0, 1], 3, perms, 4, pairs);
        expect(fast.shape).toEqual(shape);
        expect(maxDiff(fast, plain(x, pairs))).toBe(0);
        const gFast = tf.grad((input) => ops().gatherChunks(input, [0, 1], 3, perms, 4, pairs))(x, dy);
        const gPlain = tf.grad((input) => plain(input, pairs))(x, dy);
        expect(maxDiff(gFast, gPlain)).toBeLessThan(1e-5);
      }
      // scatterRows undoes the sort: sorted rows back to positions, padding dropped.
      const sorted = ops().gatherChunks(x, [0, 1], 3, perms, 4, false).reshape([24, 3]);
      expect(maxDiff(ops().scatterRows(sorted, perms, T), x)).toBe(0);
    });

    it('lookupRows scatters its gradient back to repeated rows', () => {
      const table = tf.randomNormal([5, 2], 0, 1, 'float32', 9);
      const ids = Int32Array.from([4, 1, 4, 0]);
      const dy = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2]);
      const g = tf.grad((t) => ops().lookupRows(t, ids))(table, dy);
      expect(Array.from(g.dataSync())).toEqual([7, 8, 3, 4, 0, 0, 0, 0, 6, 8]);
    });
  });
}

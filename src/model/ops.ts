/**
 * Tensor primitives with hand-written gradients, for two reasons specific to TensorFlow.js:
 *
 * - `tf.gather`'s gradient needs the UnsortedSegmentSum kernel, which the wasm backend lacks. Rows are
 *   moved with `permuteRows` (a permutation: the gradient is the inverse permutation) or
 *   `lookupRows` (any indices: the gradient is a scatter-add, done in JavaScript).
 * - On wasm, a matmul with transposeA/B or a batch dimension runs 5-20x below a plain 2-D matmul, and
 *   the built-in matMul gradient uses exactly those. `linear` and `bmm` spell out their gradients with
 *   explicit transposes instead.
 *
 * Closed-over tensors here are constants (indices); weights are always passed as explicit inputs,
 * since `tf.customGrad` silently gives closed-over variables no gradient.
 */
import type * as TF from '@tensorflow/tfjs';

export type Tf = typeof TF;
type Tensor = TF.Tensor;

export interface Ops {
  tf: Tf;
  /** x (N, k) @ w (k, n) -> (N, n). */
  linear(x: Tensor, w: Tensor): Tensor;
  /** a (B, m, k) @ b (B, k, n) -> (B, m, n), optionally with b given as (B, n, k). */
  bmm(a: Tensor, b: Tensor, transposeB?: boolean): Tensor;
  /** Rows of x (N, d) in the order `perm` (a permutation of 0..N-1; `inverse` is its inverse). */
  permuteRows(x: Tensor, perm: TF.Tensor1D, inverse: TF.Tensor1D): Tensor;
  /** Rows `ids` of table (V, d) -> (ids.length, d); repeated ids allowed. */
  lookupRows(table: Tensor, ids: Int32Array): Tensor;
  /** LayerNorm over the last axis with gain and bias (d). */
  layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor;
  /** GELU, tanh approximation (the wasm backend has no fused GELU). */
  gelu(x: Tensor): Tensor;
}

export function makeOps(tf: Tf): Ops {
  const linear = tf.customGrad((x, w, save) => {
    (save as TF.GradSaveFunc)([x as Tensor, w as Tensor]);
    return {
      value: tf.matMul(x as TF.Tensor2D, w as TF.Tensor2D),
      gradFunc: (dy, saved) => {
        const [xs, ws] = saved as [TF.Tensor2D, TF.Tensor2D];
        return [
          tf.matMul(dy as TF.Tensor2D, tf.transpose(ws)),
          tf.matMul(tf.transpose(xs), dy as TF.Tensor2D),
        ];
      },
    };
  }) as (x: Tensor, w: Tensor) => Tensor;

  // Batched matmul without transpose flags; gradients by explicit transposes (see file comment).
  const bmmPlain = tf.customGrad((a, b, save) => {
    (save as TF.GradSaveFunc)([a as Tensor, b as Tensor]);
    return {
      value: tf.matMul(a as TF.Tensor3D, b as TF.Tensor3D),
      gradFunc: (dy, saved) => {
        const [as, bs] = saved as [TF.Tensor3D, TF.Tensor3D];
        const d = dy as TF.Tensor3D;
        return [tf.matMul(d, tf.transpose(bs, [0, 2, 1])), tf.matMul(tf.transpose(as, [0, 2, 1]), d)];
      },
    };
  }) as (a: Tensor, b: Tensor) => Tensor;

  const bmm = (a: Tensor, b: Tensor, transposeB = false): Tensor =>
    bmmPlain(a, transposeB ? tf.transpose(b, [0, 2, 1]) : b);

  // The index tensors are saved with the op: a gradient call runs later, outside the scope that made them.
  const permuteRows = (x: Tensor, perm: TF.Tensor1D, inverse: TF.Tensor1D): Tensor =>
    (
      tf.customGrad((input, save) => {
        (save as TF.GradSaveFunc)([inverse]);
        return {
          value: tf.gather(input as Tensor, perm),
          gradFunc: (dy, saved) => [tf.gather(dy as Tensor, saved[0]!)],
        };
      }) as (x: Tensor) => Tensor
    )(x);

  const lookupRows = (table: Tensor, ids: Int32Array): Tensor => {
    const [rows, width] = table.shape as [number, number];
    const indices = tf.tensor1d(ids, 'int32');
    const f = tf.customGrad((t) => ({
      value: tf.gather(t as Tensor, indices),
      gradFunc: (dy) => {
        // Scatter-add the rows of dy into a zero table (no UnsortedSegmentSum on wasm).
        const g = (dy as Tensor).dataSync();
        const out = new Float32Array(rows * width);
        for (let i = 0; i < ids.length; i++) {
          const src = i * width;
          const dst = ids[i]! * width;
          for (let j = 0; j < width; j++) out[dst + j]! += g[src + j]!;
        }
        return [tf.tensor2d(out, [rows, width])];
      },
    })) as (t: Tensor) => Tensor;
    const value = f(table);
    indices.dispose();
    return value;
  };

  const layerNorm = (x: Tensor, gain: Tensor, bias: Tensor): Tensor =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
    });

  const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
  const gelu = (x: Tensor): Tensor =>
    tf.tidy(() => {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    });

  return { tf, linear, bmm, permuteRows, lookupRows, layerNorm, gelu };
}

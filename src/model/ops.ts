/**
 * Tensor primitives with hand-written gradients, for two reasons specific to TensorFlow.js:
 *
 * - `tf.gather`'s gradient needs the UnsortedSegmentSum kernel, which the wasm backend lacks. Rows are
 *   moved with `gatherChunks`/`scatterRows` (sort orders) or `lookupRows` (any indices), whose
 *   gradients are scatter-adds and gathers done in JavaScript.
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
  /** Rows `ids` of table (V, d) -> (ids.length, d); repeated ids allowed. */
  lookupRows(table: Tensor, ids: Int32Array): Tensor;
  /**
   * Sorted chunks of several heads at once. x (T, H*dh) holds head h in columns [h*dh, (h+1)*dh).
   * For each listed head, its rows in the order `perms[i]` (length Tp; entries >= T are padding and
   * give zero rows) cut into chunks of C: (heads.length * Tp/C, C, dh). With `pairs`, each chunk is
   * followed by the previous chunk (circularly): (heads.length * Tp/C, 2C, dh).
   */
  gatherChunks(
    x: Tensor,
    heads: number[],
    dHead: number,
    perms: Int32Array[],
    chunk: number,
    pairs: boolean,
  ): Tensor;
  /**
   * The inverse: y (heads.length * Tp, w) in sorted order back to positions, heads side by side:
   * (T, heads.length * w). Padding rows are dropped.
   */
  scatterRows(y: Tensor, perms: Int32Array[], length: number): Tensor;
  /** LayerNorm over the last axis with gain and bias (d). */
  layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor;
  /** GELU, sigmoid approximation (the wasm backend has no fused GELU). */
  gelu(x: Tensor): Tensor;
}

/**
 * Whether tensors of the active backend can be read synchronously (`dataSync`). Not so for webgpu
 * under Node (see webgpu-device.ts): code that would read values back takes a device path there.
 */
export function readsSynchronously(tf: Tf): boolean {
  return tf.getBackend() !== 'webgpu';
}

/**
 * Max over `axis` (kept) as a constant shift, a stop-gradient: softmax and logsumexp do not depend on
 * the shift, so no gradient flows through it, and tf.max's own gradient (Equal, Cast and a broadcast
 * Multiply over the whole input) is skipped.
 */
export function stopGradientMax(tf: Tf, x: Tensor, axis = -1): Tensor {
  const shape = x.shape;
  return (
    tf.customGrad((input) => ({
      value: tf.max(input as Tensor, axis, true),
      gradFunc: () => [tf.zeros(shape)],
    })) as (x: Tensor) => Tensor
  )(x);
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

  const lookupRows = (table: Tensor, ids: Int32Array): Tensor => {
    const [rows, width] = table.shape as [number, number];
    const sync = readsSynchronously(tf);
    const indices = sync ? undefined : tf.tensor1d(ids, 'int32');
    const f = tf.customGrad((t) => ({
      // Rows copied in JavaScript where tensors can be read (wasm's GatherV2 is slow, see below).
      value: indices ? tf.gather(t as Tensor, indices) : gatherRowsJs(t as Tensor, ids, width),
      gradFunc: (dy) => {
        // On the device: its UnsortedSegmentSum (webgpu has one, and cannot read dy back here).
        if (!sync) {
          return [tf.unsortedSegmentSum(dy as Tensor, tf.tensor1d(ids, 'int32'), rows)];
        }
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
    indices?.dispose();
    return value;
  };

  const gatherRowsJs = (table: Tensor, ids: Int32Array, width: number): Tensor => {
    const values = table.dataSync() as Float32Array;
    const out = new Float32Array(ids.length * width);
    for (let i = 0; i < ids.length; i++) {
      out.set(values.subarray(ids[i]! * width, (ids[i]! + 1) * width), i * width);
    }
    return tf.tensor2d(out, [ids.length, width]);
  };

  // Sorting, padding, chunking and the look-back pairing are row copies: done in JavaScript, where
  // they cost a memcpy per row, instead of tfjs gather/slice/concat kernels (GatherV2 alone ran at
  // ~30M floats/s on wasm). The backward is the matching scatter-add.
  const gatherChunks = (
    x: Tensor,
    heads: number[],
    dHead: number,
    perms: Int32Array[],
    chunk: number,
    pairs: boolean,
  ): Tensor => {
    const [T, W] = x.shape as [number, number];
    const Tp = perms[0]!.length;
    const nChunks = Tp / chunk;
    const rowsPerChunk = pairs ? 2 * chunk : chunk;
    const shape: [number, number, number] = [heads.length * nChunks, rowsPerChunk, dHead];
    // Source row of each output row (or -1 for padding), shared by forward and backward.
    const source = new Int32Array(heads.length * nChunks * rowsPerChunk);
    heads.forEach((_, g) => {
      const perm = perms[g]!;
      for (let n = 0; n < nChunks; n++) {
        const previous = (n - 1 + nChunks) % nChunks;
        for (let j = 0; j < rowsPerChunk; j++) {
          const from = j < chunk ? perm[n * chunk + j]! : perm[previous * chunk + j - chunk]!;
          source[(g * nChunks + n) * rowsPerChunk + j] = from < T ? from : -1;
        }
      }
    });
    const f = tf.customGrad((input) => {
      const xs = (input as Tensor).dataSync() as Float32Array;
      const out = new Float32Array(source.length * dHead);
      for (let i = 0; i < source.length; i++) {
        const from = source[i]!;
        if (from < 0) continue;
        const g = Math.floor(i / (nChunks * rowsPerChunk));
        const at = from * W + heads[g]! * dHead;
        out.set(xs.subarray(at, at + dHead), i * dHead);
      }
      return {
        value: tf.tensor3d(out, shape),
        gradFunc: (dy) => {
          const g = (dy as Tensor).dataSync() as Float32Array;
          const dx = new Float32Array(T * W);
          for (let i = 0; i < source.length; i++) {
            const from = source[i]!;
            if (from < 0) continue;
            const head = heads[Math.floor(i / (nChunks * rowsPerChunk))]!;
            const at = from * W + head * dHead;
            const src = i * dHead;
            for (let k = 0; k < dHead; k++) dx[at + k]! += g[src + k]!;
          }
          return [tf.tensor2d(dx, [T, W])];
        },
      };
    }) as (x: Tensor) => Tensor;
    return f(x);
  };

  const scatterRows = (y: Tensor, perms: Int32Array[], length: number): Tensor => {
    const width = y.shape[1]!;
    const Tp = perms[0]!.length;
    const groups = perms.length;
    const W = groups * width;
    const f = tf.customGrad((input) => {
      const ys = (input as Tensor).dataSync() as Float32Array;
      const out = new Float32Array(length * W);
      perms.forEach((perm, g) => {
        for (let i = 0; i < Tp; i++) {
          const to = perm[i]!;
          if (to >= length) continue;
          const src = (g * Tp + i) * width;
          out.set(ys.subarray(src, src + width), to * W + g * width);
        }
      });
      return {
        value: tf.tensor2d(out, [length, W]),
        gradFunc: (dy) => {
          const d = (dy as Tensor).dataSync() as Float32Array;
          const dx = new Float32Array(groups * Tp * width);
          perms.forEach((perm, g) => {
            for (let i = 0; i < Tp; i++) {
              const to = perm[i]!;
              if (to >= length) continue;
              const at = to * W + g * width;
              dx.set(d.subarray(at, at + width), (g * Tp + i) * width);
            }
          });
          return [tf.tensor2d(dx, [groups * Tp, width])];
        },
      };
    }) as (y: Tensor) => Tensor;
    return f(y);
  };

  const layerNorm = (x: Tensor, gain: Tensor, bias: Tensor): Tensor =>
    tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true);
      return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
    });

  // GELU as x * sigmoid(1.702 x) (Hendrycks & Gimpel's sigmoid approximation): three kernels instead
  // of the tanh form's nine, over the widest activation of the model.
  const gelu = (x: Tensor): Tensor => tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));

  return { tf, linear, bmm, lookupRows, gatherChunks, scatterRows, layerNorm, gelu };
}

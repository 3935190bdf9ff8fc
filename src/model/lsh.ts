/**
 * The bookkeeping half of LSH attention, done in JavaScript on small integer arrays: hash buckets to
 * sort orders (a counting sort by (bucket, position), O(T)), and the additive masks of each chunk.
 * None of it needs gradients, and none of it is taped: sort orders are computed once in the forward
 * pass and reused in the reversible backward, so a recomputed block attends exactly as it did.
 */
import type * as TF from '@tensorflow/tfjs';

/** Logit added for a key the query must not see (causal future, padding, wrapped local chunk). */
export const FORBIDDEN = -1e9;
/** Logit added for a query attending to itself: allowed only when nothing else is (paper, App. A). */
export const SELF = -1e5;

/**
 * Factorise a large bucket count so that the rotation stays narrow: each factor f is hashed on its
 * own f/2 rotation columns and b = b1 + f1 * b2 + f1 * f2 * b3. Up to 128 buckets, one factor; up to
 * 4,096, two as TRAX does (O(sqrt n) columns); beyond, three (O(cbrt n)): at 1M bases (5,210
 * buckets) two factors needed 84 columns per round, and hashing grew to a sixth of a forward pass.
 * Each factor is even (argmax over [xR, -xR]); the product may fall slightly short of n.
 */
export function bucketFactors(nBuckets: number): number[] {
  if (nBuckets <= 128) return [nBuckets];
  if (nBuckets <= 4096) {
    const first = 2 ** Math.ceil(Math.log2(Math.sqrt(nBuckets)));
    return [first, 2 * Math.max(1, Math.floor(nBuckets / (2 * first)))];
  }
  const side = 2 ** Math.floor(Math.log2(Math.cbrt(nBuckets)));
  return [side, side, 2 * Math.max(1, Math.floor(nBuckets / (2 * side * side)))];
}

/** Total buckets the factors address (may be slightly below the requested count). */
export function bucketCount(factors: readonly number[]): number {
  return factors.reduce((a, b) => a * b, 1);
}

/** Columns of the random rotation per round: half of each factor (argmax over [xR, -xR]). */
export function rotationWidth(factors: readonly number[]): number {
  return factors.reduce((sum, f) => sum + f / 2, 0);
}

/**
 * Angular LSH buckets: h(x) = argmax([xR; -xR]) per round and factor. `qk` (T, dHead) and `rotations`
 * (dHead, rounds * rotationWidth) are tensors; the result, (rounds, T) row-major, is read back.
 *
 * One matmul gives every projection; the argmax over [xR; -xR] runs in JavaScript on the read-back
 * rows (per factor, tfjs's concat, neg and argMax kernels cost more than the matmul itself).
 */
export function hashBuckets(
  tf: typeof TF,
  qk: TF.Tensor,
  rotations: TF.Tensor,
  factors: readonly number[],
  rounds: number,
): Int32Array {
  const T = qk.shape[0]!;
  const width = rotationWidth(factors);
  const projected = tf.matMul(qk as TF.Tensor2D, rotations as TF.Tensor2D); // (T, rounds * width)
  const xr = projected.dataSync() as Float32Array;
  projected.dispose();
  const rowWidth = rounds * width;
  const buckets = new Int32Array(rounds * T);
  for (let t = 0; t < T; t++) {
    const row = t * rowWidth;
    for (let r = 0; r < rounds; r++) {
      let offset = row + r * width;
      let bucket = 0;
      let scale = 1;
      for (const f of factors) {
        // argmax over [h, -h] with h = xr[offset .. offset + f/2), first maximum winning (as tf.argMax).
        const half = f / 2;
        let best = 0;
        let bestValue = xr[offset]!;
        for (let j = 1; j < f; j++) {
          const value = j < half ? xr[offset + j]! : -xr[offset + j - half]!;
          if (value > bestValue) {
            bestValue = value;
            best = j;
          }
        }
        bucket += best * scale;
        scale *= f;
        offset += half;
      }
      buckets[r * T + t] = bucket;
    }
  }
  return buckets;
}

export interface SortOrder {
  /** perm[i] = original position of the i-th token in (bucket, position) order. */
  perm: Int32Array;
  /** inverse[perm[i]] = i. */
  inverse: Int32Array;
  /** Bucket of the i-th token in sorted order (padding: the extra last bucket). */
  sortedBuckets: Int32Array;
}

/**
 * Counting sort of positions by (bucket, position); padding (valid[t] = 0) goes to an extra last
 * bucket, so padding sorts to the end and never shares a chunk with real tokens it could disturb.
 */
export function sortByBucket(buckets: Int32Array, nBuckets: number, valid?: Uint8Array): SortOrder {
  const T = buckets.length;
  const counts = new Int32Array(nBuckets + 2);
  const bucketOf = (t: number) => (valid && !valid[t] ? nBuckets : buckets[t]!);
  for (let t = 0; t < T; t++) counts[bucketOf(t) + 1]!++;
  for (let b = 1; b < counts.length; b++) counts[b]! += counts[b - 1]!;
  const perm = new Int32Array(T);
  const inverse = new Int32Array(T);
  const sortedBuckets = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    const bucket = bucketOf(t);
    const slot = counts[bucket]!++;
    perm[slot] = t;
    inverse[t] = slot;
    sortedBuckets[slot] = bucket;
  }
  return { perm, inverse, sortedBuckets };
}

/** The identity order, for local (position-chunked) attention. */
export function identityOrder(T: number): SortOrder {
  const perm = Int32Array.from({ length: T }, (_, i) => i);
  return { perm, inverse: perm.slice(), sortedBuckets: new Int32Array(T) };
}

export interface MaskOptions {
  chunk: number;
  causal: boolean;
  /** Whether chunk 0 may look back at the last chunk (LSH: yes, as in TRAX; local: no). */
  wrap: boolean;
  /**
   * Causal LSH without leaks: a query sees only keys of its own bucket among the C tokens sorted
   * just before it. Which keys share a chunk otherwise depends on how many later tokens hash into
   * lower buckets, so a token's output would change with tokens after it. Within one bucket, sorted
   * order is position order, so the C most recent same-bucket predecessors depend on the past alone.
   */
  sameBucketOnly?: boolean;
  valid?: Uint8Array;
}

/**
 * Additive logits for chunked attention in sorted order: chunk n's C queries against its own C keys
 * followed by the previous chunk's C keys. Result (nChunks * C * 2C), row-major (nChunks, C, 2C).
 */
export function chunkMask(order: SortOrder, options: MaskOptions): Float32Array {
  const { chunk: C, causal, wrap, valid, sameBucketOnly = false } = options;
  const { perm, sortedBuckets } = order;
  const nChunks = perm.length / C;
  const mask = new Float32Array(perm.length * 2 * C);
  const keys = new Int32Array(2 * C);
  const slots = new Int32Array(2 * C); // sorted index of each key
  const keyBias = new Float32Array(2 * C); // the part of the mask that depends on the key alone
  for (let n = 0; n < nChunks; n++) {
    const previous = (n - 1 + nChunks) % nChunks;
    for (let j = 0; j < 2 * C; j++) {
      slots[j] = j < C ? n * C + j : previous * C + j - C;
      keys[j] = perm[slots[j]!]!;
      const blocked = (valid !== undefined && !valid[keys[j]!]) || (j >= C && n === 0 && !wrap);
      keyBias[j] = blocked ? FORBIDDEN : 0;
    }
    for (let i = 0; i < C; i++) {
      const q = keys[i]!;
      const slot = n * C + i;
      const row = slot * 2 * C;
      mask.set(keyBias, row);
      if (causal) {
        for (let j = 0; j < 2 * C; j++) if (keys[j]! > q) mask[row + j] = FORBIDDEN;
      }
      if (sameBucketOnly) {
        const bucket = sortedBuckets[slot]!;
        for (let j = 0; j < 2 * C; j++) {
          const s = slots[j]!;
          if (sortedBuckets[s] !== bucket || s < slot - C || s > slot) mask[row + j] = FORBIDDEN;
        }
      }
      // The query itself sits at column i of its own chunk (perm is a permutation).
      if (mask[row + i] === 0) mask[row + i] = SELF;
    }
  }
  return mask;
}

/**
 * The mask rule for one entry of `chunkMask`: query at sorted slot `slot`, column `j` of its chunk
 * pair. This is the definition; `chunkMask` is the same rule arranged for speed (and tested equal).
 */
export function chunkMaskEntry(order: SortOrder, options: MaskOptions, slot: number, j: number): number {
  const { chunk: C, causal, wrap, valid, sameBucketOnly = false } = options;
  const { perm, sortedBuckets } = order;
  const nChunks = perm.length / C;
  const n = Math.floor(slot / C);
  const keySlot = j < C ? n * C + j : ((n - 1 + nChunks) % nChunks) * C + j - C;
  const q = perm[slot]!;
  const k = perm[keySlot]!;
  const blocked =
    (valid !== undefined && !valid[k]) ||
    (j >= C && n === 0 && !wrap) ||
    (causal && k > q) ||
    (sameBucketOnly &&
      (sortedBuckets[keySlot] !== sortedBuckets[slot] || keySlot < slot - C || keySlot > slot));
  if (blocked) return FORBIDDEN;
  return k === q ? SELF : 0;
}

/** The mask rule for one entry of `fullMask`. */
export function fullMaskEntry(q: number, k: number, causal: boolean, valid?: Uint8Array): number {
  if ((valid && !valid[k]) || (causal && k > q)) return FORBIDDEN;
  return k === q ? SELF : 0;
}

/** Additive logits for full attention over T positions: (T * T), row-major. */
export function fullMask(T: number, causal: boolean, valid?: Uint8Array): Float32Array {
  const mask = new Float32Array(T * T);
  for (let q = 0; q < T; q++)
    for (let k = 0; k < T; k++) mask[q * T + k] = fullMaskEntry(q, k, causal, valid);
  return mask;
}

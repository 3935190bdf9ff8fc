/**
 * Chunked shared-QK attention for one head and one LSH round, in AssemblyScript compiled to wasm
 * with 128-bit SIMD (`npm run build:wasm`). It replaces a chain of tfjs kernels (batched matmul,
 * mask add, max, exp, sum, divide, dropout, batched matmul) whose batched matmuls run at ~2 GFLOP/s
 * on the wasm backend; fused here, the scores never leave a 2C-float scratch row and the dot
 * products run at ~9 GFLOP/s on one core.
 *
 * Rows stay in position order; the round's sort order is read through `perm`, so nothing is
 * gathered or scattered. For one head of width dh:
 *   q, k, v, out, dOut, dq, dk, dv  row t at t * stride floats (stride = heads * dh; the pointers
 *                                   are already offset to the head's columns)
 *   lse, dLse                       entry t at t * lseStride floats
 *   perm, bucket                    (Tp) i32  position and bucket of each sorted slot
 *   valid                           (Tp) u8   1 if position t is a real, unmasked token
 * Query slot s in chunk n = s / C sees key columns j < C: slot n*C + j (its own chunk) and
 * j >= C: slot prev*C + j - C (the previous chunk, circularly). The mask rule is lsh.ts's
 * `chunkMaskEntry`: blocked keys are left out, the query itself gets the SELF penalty. Each key
 * row is reused by 2C queries, so reading rows out of order costs little.
 *
 * The caller (src/model/kernels/chunk-attention-wasm.ts) owns the memory layout; nothing here
 * allocates.
 */

const FORBIDDEN: f32 = -1e9;
const SELF: f32 = -1e5;

const CAUSAL: i32 = 1;
const WRAP: i32 = 2;
const SAME_BUCKET_ONLY: i32 = 4;

/** First free byte after the module's own data: the caller lays its arrays out from here. */
export function heapBase(): usize {
  return __heap_base;
}

@inline
function keySlotOf(n: i32, prev: i32, C: i32, j: i32): i32 {
  return j < C ? n * C + j : prev * C + j - C;
}

@inline
function loadI32(base: usize, index: i32): i32 {
  return load<i32>(base + (<usize>index << 2));
}

/**
 * The additive mask of query slot `slot` against key slot `keySlot` (column j of chunk n):
 * FORBIDDEN, SELF or 0. The same rule as lsh.ts `chunkMaskEntry`.
 */
@inline
function maskBias(
  perm: usize,
  bucket: usize,
  valid: usize,
  slot: i32,
  keySlot: i32,
  n: i32,
  j: i32,
  C: i32,
  flags: i32,
): f32 {
  const k = loadI32(perm, keySlot);
  if (load<u8>(valid + <usize>k) == 0) return FORBIDDEN;
  if (j >= C && n == 0 && (flags & WRAP) == 0) return FORBIDDEN;
  const q = loadI32(perm, slot);
  if ((flags & CAUSAL) != 0 && k > q) return FORBIDDEN;
  if ((flags & SAME_BUCKET_ONLY) != 0) {
    if (loadI32(bucket, keySlot) != loadI32(bucket, slot)) return FORBIDDEN;
    if (keySlot < slot - C || keySlot > slot) return FORBIDDEN;
  }
  return k == q ? SELF : 0;
}

/** Dropout keep decision for (query slot, key column): a 32-bit hash of the seed and the pair. */
@inline
function kept(seed: u32, slot: i32, j: i32, width: i32, rate: f32): bool {
  let h: u32 = seed ^ (<u32>(slot * width + j) * 0x9e3779b1);
  h ^= h >> 16;
  h *= 0x85ebca6b;
  h ^= h >> 13;
  h *= 0xc2b2ae35;
  h ^= h >> 16;
  return <f32>(h >> 8) * (1.0 / 16777216.0) >= rate;
}

/** a . b over dh floats: 4 lanes at a time, then the tail. */
@inline
function dot(a: usize, b: usize, dh: i32): f32 {
  const simdBytes = <usize>(dh & ~3) << 2;
  let acc = f32x4.splat(0);
  for (let d: usize = 0; d < simdBytes; d += 16) {
    acc = f32x4.add(acc, f32x4.mul(v128.load(a + d), v128.load(b + d)));
  }
  let sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
  for (let d = simdBytes; d < (<usize>dh << 2); d += 4) sum += load<f32>(a + d) * load<f32>(b + d);
  return sum;
}

/** y += alpha * x over dh floats. */
@inline
function axpy(y: usize, alpha: f32, x: usize, dh: i32): void {
  const simdBytes = <usize>(dh & ~3) << 2;
  const a = f32x4.splat(alpha);
  for (let d: usize = 0; d < simdBytes; d += 16) {
    v128.store(y + d, f32x4.add(v128.load(y + d), f32x4.mul(a, v128.load(x + d))));
  }
  for (let d = simdBytes; d < (<usize>dh << 2); d += 4) store<f32>(y + d, load<f32>(y + d) + alpha * load<f32>(x + d));
}

/**
 * out = softmax(q k^T + mask) v per query (dropout on the weights when rate > 0), and
 * lse = logsumexp(q k^T + mask), written at the query's position. Sorted slots holding positions
 * >= `length` (internal padding) are skipped. `scratch` holds 2C floats.
 */
export function forward(
  q: usize,
  k: usize,
  v: usize,
  out: usize,
  lse: usize,
  perm: usize,
  bucket: usize,
  valid: usize,
  scratch: usize,
  nChunks: i32,
  C: i32,
  dh: i32,
  stride: i32,
  lseStride: i32,
  length: i32,
  flags: i32,
  rate: f32,
  seed: u32,
): void {
  const rowBytes = <usize>stride << 2;
  const width = 2 * C;
  const scale: f32 = rate > 0 ? 1 / (1 - rate) : 1;
  for (let n = 0; n < nChunks; n++) {
    const prev = (n - 1 + nChunks) % nChunks;
    for (let i = 0; i < C; i++) {
      const slot = n * C + i;
      const t = loadI32(perm, slot);
      if (t >= length) continue;
      const qRow = q + <usize>t * rowBytes;
      let max: f32 = FORBIDDEN;
      for (let j = 0; j < width; j++) {
        const keySlot = keySlotOf(n, prev, C, j);
        const bias = maskBias(perm, bucket, valid, slot, keySlot, n, j, C, flags);
        const s: f32 =
          bias == FORBIDDEN ? FORBIDDEN : dot(qRow, k + <usize>loadI32(perm, keySlot) * rowBytes, dh) + bias;
        store<f32>(scratch + (<usize>j << 2), s);
        if (s > max) max = s;
      }
      const outRow = out + <usize>t * rowBytes;
      const lseAt = lse + (<usize>(t * lseStride) << 2);
      memory.fill(outRow, 0, <usize>dh << 2);
      if (max == FORBIDDEN) {
        // Every key is masked (a masked position whose chunk pair holds nothing it may see).
        store<f32>(lseAt, FORBIDDEN);
        continue;
      }
      let sum: f32 = 0;
      for (let j = 0; j < width; j++) {
        const s = load<f32>(scratch + (<usize>j << 2));
        const e: f32 = s == FORBIDDEN ? 0 : Mathf.exp(s - max);
        store<f32>(scratch + (<usize>j << 2), e);
        sum += e;
      }
      const inverse: f32 = 1 / sum;
      for (let j = 0; j < width; j++) {
        let p = load<f32>(scratch + (<usize>j << 2)) * inverse;
        if (p == 0) continue;
        if (rate > 0) p = kept(seed, slot, j, width, rate) ? p * scale : 0;
        if (p != 0) axpy(outRow, p, v + <usize>loadI32(perm, keySlotOf(n, prev, C, j)) * rowBytes, dh);
      }
      store<f32>(lseAt, max + Mathf.log(sum));
    }
  }
}

/**
 * Gradients of `forward` given dOut and dLse: added into dq, dk, dv (the caller zeroes them once,
 * then every head and round adds its share). Attention weights are recomputed from q, k and the
 * forward's lse. With p the weights, p' the dropped-out weights and D the dropout mask over
 * (1 - rate):
 *   dp'_j = dOut . v_j,  dp_j = D_j dp'_j,  ds_j = p_j (dp_j - sum_l p_l dp_l + dLse),
 *   dq += ds_j k_j,  dk_j += ds_j q,  dv_j += p'_j dOut.
 * `scratch` holds 3 * 2C floats.
 */
export function backward(
  q: usize,
  k: usize,
  v: usize,
  lse: usize,
  dOut: usize,
  dLse: usize,
  dq: usize,
  dk: usize,
  dv: usize,
  perm: usize,
  bucket: usize,
  valid: usize,
  scratch: usize,
  nChunks: i32,
  C: i32,
  dh: i32,
  stride: i32,
  lseStride: i32,
  length: i32,
  flags: i32,
  rate: f32,
  seed: u32,
): void {
  const rowBytes = <usize>stride << 2;
  const width = 2 * C;
  const scale: f32 = rate > 0 ? 1 / (1 - rate) : 1;
  const probs = scratch; // p_j
  const dprobs = scratch + (<usize>width << 2); // dp_j
  const dropped = scratch + (<usize>width << 3); // p'_j
  for (let n = 0; n < nChunks; n++) {
    const prev = (n - 1 + nChunks) % nChunks;
    for (let i = 0; i < C; i++) {
      const slot = n * C + i;
      const t = loadI32(perm, slot);
      if (t >= length) continue;
      const lseOffset = <usize>(t * lseStride) << 2;
      const logSum = load<f32>(lse + lseOffset);
      if (logSum == FORBIDDEN) continue; // every key masked: the output was a constant zero
      const qRow = q + <usize>t * rowBytes;
      const gRow = dOut + <usize>t * rowBytes;
      let weighted: f32 = 0; // sum_l p_l dp_l
      for (let j = 0; j < width; j++) {
        const keySlot = keySlotOf(n, prev, C, j);
        const bias = maskBias(perm, bucket, valid, slot, keySlot, n, j, C, flags);
        let p: f32 = 0;
        let dp: f32 = 0;
        let pd: f32 = 0;
        if (bias != FORBIDDEN) {
          const keyRow = <usize>loadI32(perm, keySlot) * rowBytes;
          p = Mathf.exp(dot(qRow, k + keyRow, dh) + bias - logSum);
          const keep = rate > 0 ? kept(seed, slot, j, width, rate) : true;
          if (keep) {
            dp = dot(gRow, v + keyRow, dh) * scale;
            pd = p * scale;
          }
          weighted += p * dp;
        }
        store<f32>(probs + (<usize>j << 2), p);
        store<f32>(dprobs + (<usize>j << 2), dp);
        store<f32>(dropped + (<usize>j << 2), pd);
      }
      const dLogSum = load<f32>(dLse + lseOffset);
      const dqRow = dq + <usize>t * rowBytes;
      for (let j = 0; j < width; j++) {
        const p = load<f32>(probs + (<usize>j << 2));
        if (p == 0) continue;
        const keyRow = <usize>loadI32(perm, keySlotOf(n, prev, C, j)) * rowBytes;
        const ds = p * (load<f32>(dprobs + (<usize>j << 2)) - weighted + dLogSum);
        axpy(dqRow, ds, k + keyRow, dh);
        axpy(dk + keyRow, ds, qRow, dh);
        const pd = load<f32>(dropped + (<usize>j << 2));
        if (pd != 0) axpy(dv + keyRow, pd, gRow, dh);
      }
    }
  }
}

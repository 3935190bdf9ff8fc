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

/** Horizontal sums of a0..a3 as the four lanes of one vector (a transpose-and-add). */
@inline
function sum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

@inline
function loadPtr(table: usize, index: i32): usize {
  return load<usize>(table + (<usize>index << 2));
}

/**
 * out[i * outStride + j] = a_i . b_j for nA rows a (pointers in aRows) and nB rows b, dh floats each:
 * a small matrix product A B^T in blocks of 2 x 4 dot products (8 accumulators; each loaded vector
 * of A is used 4 times, each of B twice).
 */
function dotBlock(out: usize, outStride: i32, aRows: usize, nA: i32, bRows: usize, nB: i32, dh: i32): void {
  const simdBytes = <usize>(dh & ~3) << 2;
  const fullBytes = <usize>dh << 2;
  for (let i = 0; i < nA; i += 2) {
    const a0 = loadPtr(aRows, i);
    const a1 = i + 1 < nA ? loadPtr(aRows, i + 1) : a0;
    const out0 = out + (<usize>(i * outStride) << 2);
    const out1 = out + (<usize>((i + 1) * outStride) << 2);
    let j = 0;
    for (; j + 4 <= nB; j += 4) {
      const b0 = loadPtr(bRows, j);
      const b1 = loadPtr(bRows, j + 1);
      const b2 = loadPtr(bRows, j + 2);
      const b3 = loadPtr(bRows, j + 3);
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let d: usize = 0; d < simdBytes; d += 16) {
        const x0 = v128.load(a0 + d);
        const x1 = v128.load(a1 + d);
        const y0 = v128.load(b0 + d);
        const y1 = v128.load(b1 + d);
        const y2 = v128.load(b2 + d);
        const y3 = v128.load(b3 + d);
        s00 = f32x4.add(s00, f32x4.mul(x0, y0));
        s01 = f32x4.add(s01, f32x4.mul(x0, y1));
        s02 = f32x4.add(s02, f32x4.mul(x0, y2));
        s03 = f32x4.add(s03, f32x4.mul(x0, y3));
        s10 = f32x4.add(s10, f32x4.mul(x1, y0));
        s11 = f32x4.add(s11, f32x4.mul(x1, y1));
        s12 = f32x4.add(s12, f32x4.mul(x1, y2));
        s13 = f32x4.add(s13, f32x4.mul(x1, y3));
      }
      let r0 = sum4(s00, s01, s02, s03);
      let r1 = sum4(s10, s11, s12, s13);
      for (let d = simdBytes; d < fullBytes; d += 4) {
        const x0 = load<f32>(a0 + d);
        const x1 = load<f32>(a1 + d);
        const y = f32x4.replace_lane(
          f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(load<f32>(b0 + d)), 1, load<f32>(b1 + d)), 2, load<f32>(b2 + d)),
          3,
          load<f32>(b3 + d),
        );
        r0 = f32x4.add(r0, f32x4.mul(f32x4.splat(x0), y));
        r1 = f32x4.add(r1, f32x4.mul(f32x4.splat(x1), y));
      }
      v128.store(out0 + (<usize>j << 2), r0);
      if (i + 1 < nA) v128.store(out1 + (<usize>j << 2), r1);
    }
    for (; j < nB; j++) {
      const b = loadPtr(bRows, j);
      store<f32>(out0 + (<usize>j << 2), dot(a0, b, dh));
      if (i + 1 < nA) store<f32>(out1 + (<usize>j << 2), dot(a1, b, dh));
    }
  }
}

/**
 * y_a += sum_b coeff[a * aStride + b * bStride] x_b for nY rows y and nX rows x (pointers in yRows,
 * xRows), dh floats each: a small matrix product. Blocks of 2 output rows x 16 floats stay in 8
 * accumulators while the x rows stream by; pairs of zero coefficients (masked keys) are skipped.
 */
function accumulateBlock(
  yRows: usize,
  nY: i32,
  coeff: usize,
  aStride: i32,
  bStride: i32,
  xRows: usize,
  nX: i32,
  dh: i32,
): void {
  const fullBytes = <usize>dh << 2;
  for (let a = 0; a < nY; a += 2) {
    const pair = a + 1 < nY;
    const y0 = loadPtr(yRows, a);
    const y1 = pair ? loadPtr(yRows, a + 1) : y0;
    const c0 = coeff + (<usize>(a * aStride) << 2);
    const c1 = pair ? coeff + (<usize>((a + 1) * aStride) << 2) : c0;
    const step = <usize>bStride << 2;
    let d: usize = 0;
    for (; d + 64 <= fullBytes; d += 64) {
      let u0 = f32x4.splat(0), u1 = f32x4.splat(0), u2 = f32x4.splat(0), u3 = f32x4.splat(0);
      let w0 = f32x4.splat(0), w1 = f32x4.splat(0), w2 = f32x4.splat(0), w3 = f32x4.splat(0);
      for (let b = 0; b < nX; b++) {
        const k0 = load<f32>(c0 + <usize>b * step);
        const k1 = pair ? load<f32>(c1 + <usize>b * step) : 0;
        if (k0 == 0 && k1 == 0) continue;
        const x = loadPtr(xRows, b) + d;
        const x0 = v128.load(x);
        const x1 = v128.load(x, 16);
        const x2 = v128.load(x, 32);
        const x3 = v128.load(x, 48);
        const m0 = f32x4.splat(k0);
        const m1 = f32x4.splat(k1);
        u0 = f32x4.add(u0, f32x4.mul(m0, x0));
        u1 = f32x4.add(u1, f32x4.mul(m0, x1));
        u2 = f32x4.add(u2, f32x4.mul(m0, x2));
        u3 = f32x4.add(u3, f32x4.mul(m0, x3));
        w0 = f32x4.add(w0, f32x4.mul(m1, x0));
        w1 = f32x4.add(w1, f32x4.mul(m1, x1));
        w2 = f32x4.add(w2, f32x4.mul(m1, x2));
        w3 = f32x4.add(w3, f32x4.mul(m1, x3));
      }
      const o0 = y0 + d;
      v128.store(o0, f32x4.add(v128.load(o0), u0));
      v128.store(o0, f32x4.add(v128.load(o0, 16), u1), 16);
      v128.store(o0, f32x4.add(v128.load(o0, 32), u2), 32);
      v128.store(o0, f32x4.add(v128.load(o0, 48), u3), 48);
      if (pair) {
        const o1 = y1 + d;
        v128.store(o1, f32x4.add(v128.load(o1), w0));
        v128.store(o1, f32x4.add(v128.load(o1, 16), w1), 16);
        v128.store(o1, f32x4.add(v128.load(o1, 32), w2), 32);
        v128.store(o1, f32x4.add(v128.load(o1, 48), w3), 48);
      }
    }
    // The rest of the row: 4 floats, then 1, at a time.
    for (; d < fullBytes; d += d + 16 <= fullBytes ? 16 : 4) {
      const vector = d + 16 <= fullBytes;
      let u = f32x4.splat(0);
      let w = f32x4.splat(0);
      for (let b = 0; b < nX; b++) {
        const k0 = load<f32>(c0 + <usize>b * step);
        const k1 = pair ? load<f32>(c1 + <usize>b * step) : 0;
        if (k0 == 0 && k1 == 0) continue;
        const x = loadPtr(xRows, b) + d;
        const xs = vector ? v128.load(x) : f32x4.splat(load<f32>(x));
        u = f32x4.add(u, f32x4.mul(f32x4.splat(k0), xs));
        w = f32x4.add(w, f32x4.mul(f32x4.splat(k1), xs));
      }
      if (vector) {
        v128.store(y0 + d, f32x4.add(v128.load(y0 + d), u));
        if (pair) v128.store(y1 + d, f32x4.add(v128.load(y1 + d), w));
      } else {
        store<f32>(y0 + d, load<f32>(y0 + d) + f32x4.extract_lane(u, 0));
        if (pair) store<f32>(y1 + d, load<f32>(y1 + d) + f32x4.extract_lane(w, 0));
      }
    }
  }
}

/**
 * exp of 4 lanes (Cephes expf: range reduction by ln 2, degree-6 polynomial, 2^n through the exponent
 * bits); relative error ~1e-7 on [-87, 88], inputs clamped there. Scalar Mathf.exp was 15% of the
 * kernel's time.
 */
@inline
function exp4(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(88.0)), f32x4.splat(-87.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.mul(f32x4.mul(y, r), r), f32x4.add(r, f32x4.splat(1.0)));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2n);
}

/**
 * scores[j] <- exp(scores[j] - shift) for j < width, and 0 where the score is FORBIDDEN; returns the
 * sum. Four lanes at a time, then the tail (width = 2C is a multiple of 4 whenever C is even).
 */
@inline
function expRow(scores: usize, width: i32, shift: f32): f32 {
  const forbidden = f32x4.splat(FORBIDDEN);
  const shifts = f32x4.splat(shift);
  let sum = f32x4.splat(0);
  const simdBytes = <usize>(width & ~3) << 2;
  for (let at: usize = 0; at < simdBytes; at += 16) {
    const s = v128.load(scores + at);
    const e = v128.andnot(exp4(f32x4.sub(s, shifts)), f32x4.eq(s, forbidden));
    v128.store(scores + at, e);
    sum = f32x4.add(sum, e);
  }
  let total = f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
  for (let at = simdBytes; at < (<usize>width << 2); at += 4) {
    const s = load<f32>(scores + at);
    const e: f32 = s == FORBIDDEN ? 0 : Mathf.exp(s - shift);
    store<f32>(scores + at, e);
    total += e;
  }
  return total;
}

// The scratch of the current call (module globals: the kernel allocates nothing), carved from the
// caller's `scratch` by `carve`: 4 C^2 + 16 C floats and one row.
let scores: usize = 0; // (C, 2C): scores, then weights p, then (backward) ds
let second: usize = 0; // (C, 2C): (backward) dp, then the dropped-out weights p'
let queryRows: usize = 0; // (C) pointers to q rows of the chunk's queries
let outRows: usize = 0; // (C) pointers to out (forward) or dq (backward) rows
let gradRows: usize = 0; // (C) pointers to dOut rows
let keyRows: usize = 0; // (2C) pointers to k rows of the chunk pair
let valueRows: usize = 0; // (2C) pointers to v rows
let dkRows: usize = 0; // (2C) pointers to dk rows
let dvRows: usize = 0; // (2C) pointers to dv rows
let zero: usize = 0; // one row of zeros: stands in for the rows of internal padding

function carve(scratch: usize, C: i32, dh: i32): void {
  const block = <usize>(C * 2 * C) << 2;
  scores = scratch;
  second = scratch + block;
  let at = scratch + 2 * block;
  queryRows = at;
  at += <usize>C << 2;
  outRows = at;
  at += <usize>C << 2;
  gradRows = at;
  at += <usize>C << 2;
  keyRows = at;
  at += <usize>(2 * C) << 2;
  valueRows = at;
  at += <usize>(2 * C) << 2;
  dkRows = at;
  at += <usize>(2 * C) << 2;
  dvRows = at;
  at += <usize>(2 * C) << 2;
  zero = (at + 15) & ~15;
  memory.fill(zero, 0, <usize>dh << 2);
}

/**
 * Row pointers of chunk n: keys and values of the chunk pair (and dk, dv when given), queries and
 * their output rows. Internal padding (positions >= length) points at the zero row.
 */
@inline
function pointRows(
  perm: usize,
  n: i32,
  prev: i32,
  C: i32,
  rowBytes: usize,
  inBytes: usize,
  sorted: bool,
  length: i32,
  q: usize,
  k: usize,
  v: usize,
  out: usize,
  dOut: usize,
  dk: usize,
  dv: usize,
): void {
  for (let j = 0; j < 2 * C; j++) {
    const keySlot = keySlotOf(n, prev, C, j);
    const t = loadI32(perm, keySlot);
    const at = <usize>j << 2;
    const row = <usize>t * rowBytes;
    const input = <usize>(sorted ? keySlot : t) * inBytes;
    const real = t < length;
    store<usize>(keyRows + at, real ? k + input : zero);
    store<usize>(valueRows + at, real ? v + input : zero);
    if (dk != 0) {
      store<usize>(dkRows + at, real ? dk + row : zero);
      store<usize>(dvRows + at, real ? dv + row : zero);
    }
  }
  for (let i = 0; i < C; i++) {
    const t = loadI32(perm, n * C + i);
    const at = <usize>i << 2;
    const row = <usize>t * rowBytes;
    const real = t < length;
    store<usize>(queryRows + at, real ? q + <usize>(sorted ? n * C + i : t) * inBytes : zero);
    store<usize>(outRows + at, real ? out + row : zero);
    if (dOut != 0) store<usize>(gradRows + at, real ? dOut + row : zero);
  }
}

/**
 * Row i of the scores block after the mask: FORBIDDEN where masked, score + bias elsewhere; returns
 * the row's maximum (FORBIDDEN if every key is masked).
 */
@inline
function maskRow(
  row: usize,
  perm: usize,
  bucket: usize,
  valid: usize,
  slot: i32,
  n: i32,
  prev: i32,
  C: i32,
  flags: i32,
): f32 {
  let max: f32 = FORBIDDEN;
  for (let j = 0; j < 2 * C; j++) {
    const at = row + (<usize>j << 2);
    const bias = maskBias(perm, bucket, valid, slot, keySlotOf(n, prev, C, j), n, j, C, flags);
    const s: f32 = bias == FORBIDDEN ? FORBIDDEN : load<f32>(at) + bias;
    store<f32>(at, s);
    max = Mathf.max(max, s);
  }
  return max;
}

/**
 * out = softmax(q k^T + mask) v per query (dropout on the weights when rate > 0), and
 * lse = logsumexp(q k^T + mask), written at the query's position. Per chunk: the (C, 2C) scores as
 * one small matrix product, the mask and softmax row by row, then the weights times the values as
 * another. Sorted slots holding positions >= `length` (internal padding) are skipped. With `sorted`,
 * q, k and v hold the round's rows already in sorted order (`gatherRows`, row s = slot s, inStride
 * floats apart): at 1M bases the rows no longer stay in cache, and reading them in sort order from
 * position order missed on nearly every row.
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
  inStride: i32,
  sorted: i32,
): void {
  const rowBytes = <usize>stride << 2;
  const inBytes = <usize>inStride << 2;
  const width = 2 * C;
  const scale: f32 = rate > 0 ? 1 / (1 - rate) : 1;
  carve(scratch, C, dh);
  for (let n = 0; n < nChunks; n++) {
    const prev = (n - 1 + nChunks) % nChunks;
    pointRows(perm, n, prev, C, rowBytes, inBytes, sorted != 0, length, q, k, v, out, 0, 0, 0);
    dotBlock(scores, width, queryRows, C, keyRows, width, dh);
    for (let i = 0; i < C; i++) {
      const slot = n * C + i;
      const row = scores + (<usize>(i * width) << 2);
      const t = loadI32(perm, slot);
      if (t >= length) {
        memory.fill(row, 0, <usize>width << 2);
        continue;
      }
      memory.fill(out + <usize>t * rowBytes, 0, <usize>dh << 2);
      const lseAt = lse + (<usize>(t * lseStride) << 2);
      const max = maskRow(row, perm, bucket, valid, slot, n, prev, C, flags);
      if (max == FORBIDDEN) {
        // Every key is masked (a masked position whose chunk pair holds nothing it may see).
        memory.fill(row, 0, <usize>width << 2);
        store<f32>(lseAt, FORBIDDEN);
        continue;
      }
      const sum = expRow(row, width, max);
      const inverse: f32 = 1 / sum;
      for (let j = 0; j < width; j++) {
        const at = row + (<usize>j << 2);
        let p = load<f32>(at) * inverse;
        if (rate > 0 && p != 0) p = kept(seed, slot, j, width, rate) ? p * scale : 0;
        store<f32>(at, p);
      }
      store<f32>(lseAt, max + Mathf.log(sum));
    }
    accumulateBlock(outRows, C, scores, width, 1, valueRows, width, dh);
  }
}

/**
 * Gradients of `forward` given dOut and dLse: added into dq, dk, dv (the caller zeroes them once,
 * then every head and round adds its share). Attention weights are recomputed from q, k and the
 * forward's lse. With p the weights, p' the dropped-out weights and D the dropout mask over
 * (1 - rate):
 *   dp'_j = dOut . v_j,  dp_j = D_j dp'_j,  ds_j = p_j (dp_j - sum_l p_l dp_l + dLse),
 *   dq += ds_j k_j,  dk_j += ds_j q,  dv_j += p'_j dOut.
 * Per chunk these are small matrix products: dP' = dOut V^T, dQ += dS K, dK += dS^T Q, dV += P'^T dOut.
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
  carve(scratch, C, dh);
  for (let n = 0; n < nChunks; n++) {
    const prev = (n - 1 + nChunks) % nChunks;
    pointRows(perm, n, prev, C, rowBytes, rowBytes, false, length, q, k, v, dq, dOut, dk, dv);
    dotBlock(scores, width, queryRows, C, keyRows, width, dh);
    dotBlock(second, width, gradRows, C, valueRows, width, dh);
    for (let i = 0; i < C; i++) {
      const slot = n * C + i;
      const row = scores + (<usize>(i * width) << 2);
      const row2 = second + (<usize>(i * width) << 2);
      const t = loadI32(perm, slot);
      const logSum: f32 = t < length ? load<f32>(lse + (<usize>(t * lseStride) << 2)) : FORBIDDEN;
      if (logSum == FORBIDDEN) {
        // Padding, or every key masked (the output was a constant zero): no gradient.
        memory.fill(row, 0, <usize>width << 2);
        memory.fill(row2, 0, <usize>width << 2);
        continue;
      }
      maskRow(row, perm, bucket, valid, slot, n, prev, C, flags);
      expRow(row, width, logSum); // p_j
      let weighted: f32 = 0; // sum_l p_l dp_l
      for (let j = 0; j < width; j++) {
        const at = <usize>j << 2;
        const p = load<f32>(row + at);
        const keep = p != 0 && (rate == 0 || kept(seed, slot, j, width, rate));
        const dp: f32 = keep ? load<f32>(row2 + at) * scale : 0;
        store<f32>(row2 + at, dp);
        weighted += p * dp;
      }
      const dLogSum = load<f32>(dLse + (<usize>(t * lseStride) << 2));
      for (let j = 0; j < width; j++) {
        const at = <usize>j << 2;
        const p = load<f32>(row + at);
        const dp = load<f32>(row2 + at);
        store<f32>(row + at, p * (dp - weighted + dLogSum)); // ds_j
        // p'_j: kept weights are exactly those with dp_j != 0 or (rarely) dp'_j = 0.
        store<f32>(row2 + at, p != 0 && (rate == 0 || kept(seed, slot, j, width, rate)) ? p * scale : 0);
      }
    }
    accumulateBlock(outRows, C, scores, width, 1, keyRows, width, dh); // dq += dS K
    accumulateBlock(dkRows, width, scores, 1, width, queryRows, C, dh); // dk += dS^T Q
    accumulateBlock(dvRows, width, second, 1, width, gradRows, C, dh); // dv += P'^T dOut
  }
}

/**
 * Angular LSH buckets (lsh.ts `hashBuckets`, fused): for each of the T rows x_t (dh floats, row t at
 * x + t * dh * 4) and each round, per factor f the argmax of [x R, -x R] over that factor's f/2
 * rotation columns (the first maximum wins, as tf.argMax), combined as b = b1 + f1 * b2 + ...
 * rotations: (dh, rounds * width) row-major; factors: nFactors i32; buckets: (rounds, T) i32.
 * The projections of one row (rounds * width floats) live in `scratch` only, where the tfjs path
 * materialised and read back a (T, rounds * width) matrix, which grows as sqrt(T) per row.
 */
export function hash(
  x: usize,
  T: i32,
  dh: i32,
  rotations: usize,
  factors: usize,
  nFactors: i32,
  rounds: i32,
  width: i32,
  buckets: usize,
  scratch: usize,
): void {
  const cols = rounds * width;
  const simdCols = cols & ~3;
  const rowBytes = <usize>cols << 2;
  for (let t = 0; t < T; t++) {
    const row = x + (<usize>(t * dh) << 2);
    // scratch[c] = x_t . R[:, c], four columns at a time.
    for (let c = 0; c < simdCols; c += 4) {
      let acc = f32x4.splat(0);
      let r = rotations + (<usize>c << 2);
      for (let d = 0; d < dh; d++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(row + (<usize>d << 2))), v128.load(r)));
        r += rowBytes;
      }
      v128.store(scratch + (<usize>c << 2), acc);
    }
    for (let c = simdCols; c < cols; c++) {
      let sum: f32 = 0;
      for (let d = 0; d < dh; d++) {
        sum += load<f32>(row + (<usize>d << 2)) * load<f32>(rotations + (<usize>(d * cols + c) << 2));
      }
      store<f32>(scratch + (<usize>c << 2), sum);
    }
    for (let round = 0; round < rounds; round++) {
      let offset = round * width;
      let bucket = 0;
      let scale = 1;
      for (let i = 0; i < nFactors; i++) {
        const f = loadI32(factors, i);
        const half = f >> 1;
        let best = 0;
        let bestValue = load<f32>(scratch + (<usize>offset << 2));
        for (let j = 1; j < f; j++) {
          const value: f32 =
            j < half ? load<f32>(scratch + (<usize>(offset + j) << 2)) : -load<f32>(scratch + (<usize>(offset + j - half) << 2));
          if (value > bestValue) {
            bestValue = value;
            best = j;
          }
        }
        bucket += best * scale;
        scale *= f;
        offset += half;
      }
      store<i32>(buckets + (<usize>(round * T + t) << 2), bucket);
    }
  }
}

/**
 * dst row s = src row perm[s] (dh floats; src rows `stride` floats apart), or zeros where perm[s] is
 * internal padding (>= length): a round's rows in its sort order, for `forward` with `sorted`.
 */
export function gatherRows(src: usize, stride: i32, perm: usize, dst: usize, dh: i32, slots: i32, length: i32): void {
  const bytes = <usize>dh << 2;
  for (let s = 0; s < slots; s++) {
    const t = loadI32(perm, s);
    const to = dst + <usize>s * bytes;
    if (t < length) memory.copy(to, src + (<usize>(t * stride) << 2), bytes);
    else memory.fill(to, 0, bytes);
  }
}

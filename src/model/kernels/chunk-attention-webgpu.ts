/**
 * Chunked shared-QK attention (LSH or local) as WGSL compute kernels for tfjs's webgpu backend: the
 * same plan and mask rule as the wasm kernel (assembly/chunk-attention.ts, lsh.ts `chunkMaskEntry`),
 * fused so that scores, mask, softmax and P·V of a chunk pair never leave the workgroup.
 *
 * Four programs, each one dispatch for every head and round at once:
 * - `hash`: angular LSH buckets of every (head, round, position), (H*R, Tp) int32; padding and masked
 *   positions get the extra last bucket, so a stable sort puts them at the end (as `sortByBucket`).
 * - `forward`: per (chunk, head*round) workgroup, one thread per query slot; key/value tiles of the
 *   chunk pair are staged in workgroup memory and the softmax is accumulated online (running max and
 *   sum). Output (R, T, H, dh + 1): each round's output row and its log-sum-exp, at the query's
 *   position (every position is some slot's query exactly once, so every row is written).
 * - `backwardQueries`: dq of every round (R, T, H, dh), recomputing weights from the forward's lse.
 * - `backwardKeys`: dk and dv (R, T, H, 2 dh), one thread per key slot, over the query slots that see
 *   it (its own chunk, and the next chunk looking back). No atomics: each thread owns its rows.
 *
 * Dropout uses the wasm kernel's hash of (seed, slot, key column), so both backends drop the same
 * weights. Inputs: qk, keys (unit rows), v (T, H*dh) in position order; perm and bucket (H*R, Tp)
 * int32 from the plan; valid (Tp) int32.
 */
import type * as TF from '@tensorflow/tfjs';

export const MASK_CAUSAL = 1;
export const MASK_WRAP = 2;
export const MASK_SAME_BUCKET_ONLY = 4;

/** Workgroup memory a kernel may use: WebGPU's guaranteed minimum (compatibility devices too). */
const WORKGROUP_BYTES = 16384;
/** Widest head the kernels keep in registers (q, accumulators: 2-3 private arrays of dh floats). */
const MAX_GPU_HEAD = 128;
/** Widest LSH factor the hash kernel handles (bucketFactors keeps factors below this up to 10M tokens). */
const MAX_FACTOR = 256;

/** The shape of one call: everything the shaders are specialised on or read as uniforms. */
export interface GpuAttentionShape {
  T: number;
  heads: number;
  rounds: number;
  dh: number;
  chunk: number;
  nChunks: number;
  flags: number;
  dropout: number;
  /** Dropout seed of the layer (plan.dropoutSeed); per head and round as in chunk-attention.ts. */
  seed: number;
}

/** The slice of tfjs-webgpu's WebGPUProgram interface these programs fill in. */
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms: string;
  getUserCode(): string;
}

interface WebgpuBackendLike {
  runWebGPUProgram(
    program: Program,
    inputs: TF.TensorInfo[],
    dtype: 'float32' | 'int32',
    uniforms: { type: 'int32' | 'uint32' | 'float32'; data: number[] }[],
  ): TF.TensorInfo;
}

/** Largest divisor of `chunk` whose tile of `rowsPerItem` rows of dh floats fits the workgroup memory. */
function tileRows(chunk: number, dh: number, arrays: number): number {
  for (let rows = chunk; rows >= 1; rows--) {
    if (chunk % rows === 0 && rows * (arrays * dh * 4 + 16) <= WORKGROUP_BYTES) return rows;
  }
  return 1;
}

/** Shared WGSL: constants, the dropout hash, the mask rule. */
function preamble(s: GpuAttentionShape): string {
  return /* wgsl */ `
const C : i32 = ${s.chunk};
const DH : i32 = ${s.dh};
const FORBIDDEN : f32 = -1e9;
const SELF : f32 = -1e5;
const CAUSAL : i32 = ${MASK_CAUSAL};
const WRAP : i32 = ${MASK_WRAP};
const SAME_BUCKET_ONLY : i32 = ${MASK_SAME_BUCKET_ONLY};

// The wasm kernel's dropout decision for (query slot, key column j of 2C).
fn kept(seed : u32, slot : i32, j : i32) -> bool {
  var h : u32 = seed ^ (u32(slot * 2 * C + j) * 0x9e3779b1u);
  h = h ^ (h >> 16u);
  h = h * 0x85ebca6bu;
  h = h ^ (h >> 13u);
  h = h * 0xc2b2ae35u;
  h = h ^ (h >> 16u);
  return f32(h >> 8u) * (1.0 / 16777216.0) >= uniforms.rate;
}

fn roundSeed(h : i32, r : i32) -> u32 {
  return uniforms.seed + 104729u * u32(h + 1) + 7919u * u32(r);
}

// Key slot of column j (< 2C) for query chunk n: its own chunk, then the previous one (circularly).
fn keySlotOf(n : i32, j : i32) -> i32 {
  if (j < C) { return n * C + j; }
  return ((n - 1 + uniforms.nChunks) % uniforms.nChunks) * C + j - C;
}

// lsh.ts chunkMaskEntry without the SELF part: whether query (slot, position q, bucket qb) of chunk
// n may see key (keySlot, position k, bucket kb) in column j.
fn blocked(slot : i32, q : i32, qb : i32, n : i32, j : i32, keySlot : i32, k : i32, kb : i32) -> bool {
  if (valid[k] == 0) { return true; }
  if (j >= C && n == 0 && (uniforms.flags & WRAP) == 0) { return true; }
  if ((uniforms.flags & CAUSAL) != 0 && k > q) { return true; }
  if ((uniforms.flags & SAME_BUCKET_ONLY) != 0) {
    if (kb != qb || keySlot < slot - C || keySlot > slot) { return true; }
  }
  return false;
}

// This workgroup's chunk n and (head h, round r), this thread's index i and sorted slot, the row of
// perm and bucket for (h, r), the float stride of a position's row, and the dropout settings.
struct Work {
  n : i32,
  h : i32,
  r : i32,
  i : i32,
  row0 : i32,
  slot : i32,
  stride : i32,
  seed : u32,
  scale : f32,
}

fn work() -> Work {
  let n = i32(workgroupId.x);
  let hr = i32(workgroupId.y);
  let h = hr / uniforms.rounds;
  let r = hr % uniforms.rounds;
  let i = i32(localId.x);
  let scale = select(1.0, 1.0 / (1.0 - uniforms.rate), uniforms.rate > 0.0);
  return Work(n, h, r, i, hr * uniforms.nChunks * C, n * C + i, uniforms.heads * DH, roundSeed(h, r), scale);
}
`;
}

/**
 * Workgroup tiles of KT keys and values of a chunk pair (with their positions and buckets), and
 * `stageKeys`, which fills them for columns [start, start + KT) of chunk w.n's pair: threads i < KT
 * each copy one key. Shared by the forward and the dq kernel.
 */
function keyTiles(KT: number, dh: number): string {
  return /* wgsl */ `
const KT : i32 = ${KT};
var<workgroup> tileK : array<f32, ${KT * dh}>;
var<workgroup> tileV : array<f32, ${KT * dh}>;
var<workgroup> tilePos : array<i32, ${KT}>;
var<workgroup> tileBucket : array<i32, ${KT}>;

fn stageKeys(w : Work, start : i32) {
  if (w.i < KT) {
    let ks = keySlotOf(w.n, start + w.i);
    let kt = perm[w.row0 + ks];
    tilePos[w.i] = kt;
    tileBucket[w.i] = bucket[w.row0 + ks];
    let ok = kt < uniforms.T;
    let base = min(kt, uniforms.T - 1) * w.stride + w.h * DH;
    for (var d = 0; d < DH; d++) {
      tileK[w.i * DH + d] = select(0.0, keys[base + d], ok);
      tileV[w.i * DH + d] = select(0.0, v[base + d], ok);
    }
  }
}
`;
}

const ATTENTION_UNIFORMS =
  'T : i32, heads : i32, rounds : i32, nChunks : i32, flags : i32, rate : f32, seed : u32,';

function attentionUniforms(s: GpuAttentionShape) {
  return [
    { type: 'int32' as const, data: [s.T] },
    { type: 'int32' as const, data: [s.heads] },
    { type: 'int32' as const, data: [s.rounds] },
    { type: 'int32' as const, data: [s.nChunks] },
    { type: 'int32' as const, data: [s.flags] },
    { type: 'float32' as const, data: [s.dropout] },
    { type: 'uint32' as const, data: [s.seed >>> 0] },
  ];
}

/**
 * One of the attention programs: a workgroup per (chunk, head * round) with a thread per slot of the
 * chunk, the shared uniforms and preamble, and `code` (its tiles and `main`).
 */
function attentionProgram(
  s: GpuAttentionShape,
  name: string,
  inputs: string[],
  outputShape: number[],
  tile: number,
  code: string,
): Program {
  return {
    variableNames: inputs,
    outputShape,
    shaderKey: `locus_${name}_${s.chunk}_${s.dh}_${tile}`,
    dispatchLayout: { x: [0], y: [1] },
    dispatch: [s.nChunks, s.heads * s.rounds, 1],
    workgroupSize: [s.chunk, 1, 1],
    uniforms: ATTENTION_UNIFORMS,
    getUserCode: () => `${preamble(s)}\n${code}`,
  };
}

const FORWARD_INPUTS = ['qk', 'keys', 'v', 'perm', 'bucket', 'valid'];
const BACKWARD_INPUTS = [...FORWARD_INPUTS, 'lse', 'dOut', 'rowTerm'];

/** Forward: (R, T, H, dh + 1) round outputs and log-sum-exps. */
function forwardProgram(s: GpuAttentionShape): Program {
  const KT = tileRows(s.chunk, s.dh, 2);
  return attentionProgram(
    s,
    'attention_forward',
    FORWARD_INPUTS,
    [s.rounds, s.T, s.heads, s.dh + 1],
    KT,
    /* wgsl */ `
${keyTiles(KT, s.dh)}

fn main() {
  let w = work();
  let t = perm[w.row0 + w.slot];
  let real = t < uniforms.T;
  let qb = bucket[w.row0 + w.slot];
  var q : array<f32, ${s.dh}>;
  var acc : array<f32, ${s.dh}>;
  for (var d = 0; d < DH; d++) {
    q[d] = select(0.0, qk[min(t, uniforms.T - 1) * w.stride + w.h * DH + d], real);
    acc[d] = 0.0;
  }
  var m = FORBIDDEN;
  var sum = 0.0;
  for (var start = 0; start < 2 * C; start += KT) {
    stageKeys(w, start);
    workgroupBarrier();
    if (real) {
      for (var jj = 0; jj < KT; jj++) {
        let j = start + jj;
        let k = tilePos[jj];
        if (!blocked(w.slot, t, qb, w.n, j, keySlotOf(w.n, j), k, tileBucket[jj])) {
          var score = 0.0;
          for (var d = 0; d < DH; d++) { score += q[d] * tileK[jj * DH + d]; }
          if (k == t) { score += SELF; }
          let top = max(m, score);
          let shrink = exp(m - top);
          let e = exp(score - top);
          sum = sum * shrink + e;
          let weight = select(0.0, e * w.scale, uniforms.rate == 0.0 || kept(w.seed, w.slot, j));
          for (var d = 0; d < DH; d++) { acc[d] = acc[d] * shrink + weight * tileV[jj * DH + d]; }
          m = top;
        }
      }
    }
    workgroupBarrier();
  }
  if (real) {
    let o = ((w.r * uniforms.T + t) * uniforms.heads + w.h) * (DH + 1);
    if (m == FORBIDDEN) {
      // Every key masked: a zero output and the wasm kernel's FORBIDDEN log-sum-exp.
      for (var d = 0; d < DH; d++) { result[o + d] = 0.0; }
      result[o + DH] = FORBIDDEN;
    } else {
      let inverse = 1.0 / sum;
      for (var d = 0; d < DH; d++) { result[o + d] = acc[d] * inverse; }
      result[o + DH] = m + log(sum);
    }
  }
}
`,
  );
}

/**
 * dq of every round: (R, T, H, dh). ds_j = p_j (dp_j + rowTerm) with p_j = exp(s_j - lse),
 * dp_j = kept ? (dO . v_j) / (1 - rate) : 0 and rowTerm = dLse - dO . o (o the round's output).
 */
function backwardQueriesProgram(s: GpuAttentionShape): Program {
  const KT = tileRows(s.chunk, s.dh, 2);
  return attentionProgram(
    s,
    'attention_dq',
    BACKWARD_INPUTS,
    [s.rounds, s.T, s.heads, s.dh],
    KT,
    /* wgsl */ `
${keyTiles(KT, s.dh)}

fn main() {
  let w = work();
  let t = perm[w.row0 + w.slot];
  let real = t < uniforms.T;
  let tc = min(t, uniforms.T - 1);
  let at = (w.r * uniforms.T + tc) * uniforms.heads + w.h;
  let logSum = select(FORBIDDEN, lse[at], real);
  let live = logSum != FORBIDDEN;
  let term = rowTerm[at];
  let qb = bucket[w.row0 + w.slot];
  var q : array<f32, ${s.dh}>;
  var g : array<f32, ${s.dh}>;
  var dq : array<f32, ${s.dh}>;
  for (var d = 0; d < DH; d++) {
    q[d] = qk[tc * w.stride + w.h * DH + d];
    g[d] = dOut[at * DH + d];
    dq[d] = 0.0;
  }
  for (var start = 0; start < 2 * C; start += KT) {
    stageKeys(w, start);
    workgroupBarrier();
    if (live) {
      for (var jj = 0; jj < KT; jj++) {
        let j = start + jj;
        let k = tilePos[jj];
        if (!blocked(w.slot, t, qb, w.n, j, keySlotOf(w.n, j), k, tileBucket[jj])) {
          var score = 0.0;
          var dp = 0.0;
          for (var d = 0; d < DH; d++) {
            score += q[d] * tileK[jj * DH + d];
            dp += g[d] * tileV[jj * DH + d];
          }
          if (k == t) { score += SELF; }
          let p = exp(score - logSum);
          let keep = uniforms.rate == 0.0 || kept(w.seed, w.slot, j);
          let ds = p * (select(0.0, dp * w.scale, keep) + term);
          for (var d = 0; d < DH; d++) { dq[d] += ds * tileK[jj * DH + d]; }
        }
      }
    }
    workgroupBarrier();
  }
  if (real) {
    for (var d = 0; d < DH; d++) { result[at * DH + d] = dq[d]; }
  }
}
`,
  );
}

/** dk and dv of every round: (R, T, H, 2 dh), dk first. */
function backwardKeysProgram(s: GpuAttentionShape): Program {
  const QT = tileRows(s.chunk, s.dh, 2);
  return attentionProgram(
    s,
    'attention_dkv',
    BACKWARD_INPUTS,
    [s.rounds, s.T, s.heads, 2 * s.dh],
    QT,
    /* wgsl */ `
const QT : i32 = ${QT};
var<workgroup> tileQ : array<f32, ${QT * s.dh}>;
var<workgroup> tileG : array<f32, ${QT * s.dh}>;
var<workgroup> tilePos : array<i32, ${QT}>;
var<workgroup> tileBucket : array<i32, ${QT}>;
var<workgroup> tileLse : array<f32, ${QT}>;
var<workgroup> tileTerm : array<f32, ${QT}>;

fn main() {
  // Here workgroup x is the chunk m whose keys this workgroup owns, and thread i its key in it.
  let w = work();
  let m = w.n;
  let i = w.i;
  let keySlot = w.slot;
  let k = perm[w.row0 + keySlot];
  let real = k < uniforms.T;
  let kb = bucket[w.row0 + keySlot];
  let base = min(k, uniforms.T - 1) * w.stride + w.h * DH;
  var kRow : array<f32, ${s.dh}>;
  var vRow : array<f32, ${s.dh}>;
  var dk : array<f32, ${s.dh}>;
  var dv : array<f32, ${s.dh}>;
  for (var d = 0; d < DH; d++) {
    kRow[d] = keys[base + d];
    vRow[d] = v[base + d];
    dk[d] = 0.0;
    dv[d] = 0.0;
  }
  // This key is column i of its own chunk m and column C + i of the next chunk (looking back).
  for (var side = 0; side < 2; side++) {
    let n = (m + side) % uniforms.nChunks;
    let j = side * C + i;
    for (var start = 0; start < C; start += QT) {
      if (i < QT) {
        let qs = n * C + start + i;
        let qt = perm[w.row0 + qs];
        let ok = qt < uniforms.T;
        let qc = min(qt, uniforms.T - 1);
        let at = (w.r * uniforms.T + qc) * uniforms.heads + w.h;
        tilePos[i] = qt;
        tileBucket[i] = bucket[w.row0 + qs];
        tileLse[i] = select(FORBIDDEN, lse[at], ok);
        tileTerm[i] = rowTerm[at];
        for (var d = 0; d < DH; d++) {
          tileQ[i * DH + d] = qk[qc * w.stride + w.h * DH + d];
          tileG[i * DH + d] = dOut[at * DH + d];
        }
      }
      workgroupBarrier();
      if (real) {
        for (var ii = 0; ii < QT; ii++) {
          let slot = n * C + start + ii;
          let q = tilePos[ii];
          let logSum = tileLse[ii];
          if (logSum != FORBIDDEN && !blocked(slot, q, tileBucket[ii], n, j, keySlot, k, kb)) {
            var score = 0.0;
            var dp = 0.0;
            for (var d = 0; d < DH; d++) {
              score += tileQ[ii * DH + d] * kRow[d];
              dp += tileG[ii * DH + d] * vRow[d];
            }
            if (k == q) { score += SELF; }
            let p = exp(score - logSum);
            let keep = uniforms.rate == 0.0 || kept(w.seed, slot, j);
            let ds = p * (select(0.0, dp * w.scale, keep) + tileTerm[ii]);
            let pKept = select(0.0, p * w.scale, keep);
            for (var d = 0; d < DH; d++) {
              dk[d] += ds * tileQ[ii * DH + d];
              dv[d] += pKept * tileG[ii * DH + d];
            }
          }
        }
      }
      workgroupBarrier();
    }
  }
  if (real) {
    let o = ((w.r * uniforms.T + k) * uniforms.heads + w.h) * 2 * DH;
    for (var d = 0; d < DH; d++) {
      result[o + d] = dk[d];
      result[o + DH + d] = dv[d];
    }
  }
}
`,
  );
}

/** The hash's shape: factors of the bucket count, rotation width per round. */
export interface GpuHashShape {
  /** Real tokens (rows of qk); slots T..Tp are padding. */
  T: number;
  Tp: number;
  heads: number;
  rounds: number;
  dh: number;
  factors: readonly number[];
  /** Total buckets: the padding bucket. */
  nBuckets: number;
}

/**
 * Buckets (H*R, Tp) int32: per (head, round, position) the bucket of qk's row (T, H*dh) under the
 * head's rotations (H, dh, R*width) (lsh.ts `hashBuckets`: argmax over [xR, -xR] per factor, first
 * maximum winning); `nBuckets` for padding and masked positions (valid (Tp) int32).
 */
function hashProgram(s: GpuHashShape): Program {
  const width = s.factors.reduce((sum, f) => sum + f / 2, 0);
  const maxHalf = Math.max(...s.factors) / 2;
  return {
    variableNames: ['qk', 'rotations', 'valid'],
    outputShape: [s.heads * s.rounds, s.Tp],
    shaderKey: `locus_lsh_hash_${s.dh}_${s.factors.join('x')}`,
    dispatchLayout: { x: [0], y: [1] },
    dispatch: [Math.ceil(s.Tp / 64), s.heads * s.rounds, 1],
    workgroupSize: [64, 1, 1],
    uniforms: 'T : i32, Tp : i32, heads : i32, rounds : i32, nBuckets : i32,',
    getUserCode: () => /* wgsl */ `
const DH : i32 = ${s.dh};
const WIDTH : i32 = ${width};

fn main() {
  let t = i32(globalId.x);
  let hr = i32(workgroupId.y);
  if (t >= uniforms.Tp) { return; }
  let h = hr / uniforms.rounds;
  let r = hr % uniforms.rounds;
  let out = hr * uniforms.Tp + t;
  if (t >= uniforms.T || valid[t] == 0) {
    result[out] = uniforms.nBuckets;
    return;
  }
  var x : array<f32, ${s.dh}>;
  for (var d = 0; d < DH; d++) { x[d] = qk[t * uniforms.heads * DH + h * DH + d]; }
  let cols = uniforms.rounds * WIDTH;
  var projected : array<f32, ${maxHalf}>;
  var factors = array<i32, ${s.factors.length}>(${s.factors.join(', ')});
  var offset = r * WIDTH;
  var bucket = 0;
  var scale = 1;
  for (var f = 0; f < ${s.factors.length}; f++) {
    let factor = factors[f];
    let half = factor / 2;
    for (var c = 0; c < half; c++) {
      var sum = 0.0;
      for (var d = 0; d < DH; d++) { sum += x[d] * rotations[(h * DH + d) * cols + offset + c]; }
      projected[c] = sum;
    }
    var best = 0;
    var bestValue = projected[0];
    for (var j = 1; j < factor; j++) {
      let candidate = select(-projected[max(j - half, 0)], projected[min(j, half - 1)], j < half);
      if (candidate > bestValue) {
        bestValue = candidate;
        best = j;
      }
    }
    bucket += best * scale;
    scale *= factor;
    offset += half;
  }
  result[out] = bucket;
}
`,
  };
}

function backendOf(tf: typeof TF): WebgpuBackendLike {
  return tf.backend() as unknown as WebgpuBackendLike;
}

function run(
  tf: typeof TF,
  program: Program,
  inputs: TF.Tensor[],
  dtype: 'float32' | 'int32',
  uniforms: { type: 'int32' | 'uint32' | 'float32'; data: number[] }[],
): TF.Tensor {
  const info = backendOf(tf).runWebGPUProgram(program, inputs, dtype, uniforms);
  return tf.engine().makeTensorFromTensorInfo(info);
}

/** Check that a call fits the kernels; throws a clear error otherwise. */
function checkGpuShape(s: { dh: number; chunk: number; nChunks: number }): void {
  if (s.dh > MAX_GPU_HEAD) {
    throw new RangeError(
      `webgpu attention: heads of width ${s.dh} exceed ${MAX_GPU_HEAD} (use --backend wasm)`,
    );
  }
  if (s.chunk > 256) {
    throw new RangeError(
      `webgpu attention: chunks of ${s.chunk} tokens exceed one workgroup of 256 (use --backend wasm)`,
    );
  }
  if (s.nChunks > 65535) {
    throw new RangeError(`webgpu attention: ${s.nChunks} chunks exceed one dispatch's 65,535 workgroups`);
  }
}

export interface AttentionInputs {
  qk: TF.Tensor;
  keys: TF.Tensor;
  v: TF.Tensor;
  perm: TF.Tensor;
  bucket: TF.Tensor;
  valid: TF.Tensor;
}

/** Round outputs and log-sum-exps, (R, T, H, dh + 1). Not differentiable by itself. */
export function gpuAttentionForward(tf: typeof TF, s: GpuAttentionShape, x: AttentionInputs): TF.Tensor {
  checkGpuShape(s);
  return run(
    tf,
    forwardProgram(s),
    [x.qk, x.keys, x.v, x.perm, x.bucket, x.valid],
    'float32',
    attentionUniforms(s),
  );
}

/**
 * dq (R, T, H, dh) and dk|dv (R, T, H, 2 dh) given the forward's lse (R, T, H), the gradient of each
 * round's output dOut (R, T, H, dh) and rowTerm = dLse - dOut . o (R, T, H).
 */
export function gpuAttentionBackward(
  tf: typeof TF,
  s: GpuAttentionShape,
  x: AttentionInputs,
  lse: TF.Tensor,
  dOut: TF.Tensor,
  rowTerm: TF.Tensor,
): { dq: TF.Tensor; dkv: TF.Tensor } {
  const inputs = [x.qk, x.keys, x.v, x.perm, x.bucket, x.valid, lse, dOut, rowTerm];
  const uniforms = attentionUniforms(s);
  return {
    dq: run(tf, backwardQueriesProgram(s), inputs, 'float32', uniforms),
    dkv: run(tf, backwardKeysProgram(s), inputs, 'float32', uniforms),
  };
}

/** LSH buckets (H*R, Tp) int32 of qk (T, H*dh) under rotations (H, dh, R*width); see hashProgram. */
export function gpuHashBuckets(
  tf: typeof TF,
  s: GpuHashShape,
  qk: TF.Tensor,
  rotations: TF.Tensor,
  valid: TF.Tensor,
): TF.Tensor {
  if (s.dh > MAX_GPU_HEAD || Math.max(...s.factors) > MAX_FACTOR) {
    throw new RangeError(
      `webgpu hashing: head width ${s.dh} or bucket factors ${s.factors.join('x')} too large`,
    );
  }
  return run(tf, hashProgram(s), [qk, rotations, valid], 'int32', [
    { type: 'int32', data: [s.T] },
    { type: 'int32', data: [s.Tp] },
    { type: 'int32', data: [s.heads] },
    { type: 'int32', data: [s.rounds] },
    { type: 'int32', data: [s.nBuckets] },
  ]);
}

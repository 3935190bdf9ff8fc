/**
 * Loads the SIMD chunk-attention kernel (assembly/chunk-attention.ts, compiled by `npm run build:wasm`
 * to dist/wasm/chunk-attention.wasm) and lays out the arrays it works on inside its memory.
 *
 * One instance per thread (module state), so each worker of the pool has its own. The kernel's
 * memory grows to the largest sequence seen and stays there; wasm memory cannot shrink.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WASM_FILE = join('dist', 'wasm', 'chunk-attention.wasm');
const PAGE = 65536;

/** The slice of the WebAssembly API used here (TypeScript's ES libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmApi };

interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  forward(...args: number[]): void;
  backward(...args: number[]): void;
  hash(...args: number[]): void;
  gatherRows(...args: number[]): void;
}

/** Bit flags of the mask rule, as in the kernel. */
export const MASK_CAUSAL = 1;
export const MASK_WRAP = 2;
export const MASK_SAME_BUCKET_ONLY = 4;

/** One array in the kernel's memory: its element type and length. */
export interface ArraySpec {
  type: 'f32' | 'i32' | 'u8';
  length: number;
}

type View<S extends ArraySpec> = S['type'] extends 'f32'
  ? Float32Array
  : S['type'] extends 'i32'
    ? Int32Array
    : Uint8Array;

/** Views of the laid-out arrays and their byte offsets (what the kernel functions take). */
export interface Layout<S extends Record<string, ArraySpec>> {
  views: { [K in keyof S]: View<S[K]> };
  offsets: { [K in keyof S]: number };
}

/** What the mask, padding and dropout need, shared by forward and backward. */
export interface KernelRun {
  /** Byte offsets of the round's sort order (Tp) i32, buckets (Tp) i32, valid (Tp) u8, scratch. */
  perm: number;
  bucket: number;
  valid: number;
  scratch: number;
  nChunks: number;
  chunk: number;
  dh: number;
  /** Floats between consecutive rows of q, k, v, out, dOut, dq, dk, dv. */
  stride: number;
  /** Floats between consecutive entries of lse and dLse. */
  lseStride: number;
  /** Real tokens: sorted slots holding positions >= length are internal padding and skipped. */
  length: number;
  flags: number;
  dropout: number;
  seed: number;
}

export class ChunkAttentionKernel {
  private readonly exports: KernelExports;

  constructor(bytes: Uint8Array) {
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    this.exports = instance.exports as unknown as KernelExports;
  }

  /**
   * Place the arrays of `spec` one after another (16-byte aligned), growing memory as needed, and
   * return views of them. Contents are whatever was there; views are valid until the next layout.
   * The same spec prefix always gets the same offsets.
   */
  layout<S extends Record<string, ArraySpec>>(spec: S): Layout<S> {
    let at = align(this.exports.heapBase());
    const offsets = {} as Record<string, number>;
    for (const [name, array] of Object.entries(spec)) {
      offsets[name] = at;
      at += align(array.length * (array.type === 'u8' ? 1 : 4));
    }
    const memory = this.exports.memory;
    if (at > memory.buffer.byteLength) memory.grow(Math.ceil((at - memory.buffer.byteLength) / PAGE));
    const buffer = memory.buffer;
    const views = {} as Record<string, Float32Array | Int32Array | Uint8Array>;
    for (const [name, array] of Object.entries(spec)) {
      const Type = array.type === 'f32' ? Float32Array : array.type === 'i32' ? Int32Array : Uint8Array;
      views[name] = new Type(buffer, offsets[name], array.length);
    }
    return { views, offsets } as unknown as Layout<S>;
  }

  /**
   * One head and round: out and lse (byte offsets, already at the head's column) from q, k, v, given
   * as `gatherRows` left them: (Tp, dh) each, in the round's sort order.
   */
  forward(rows: { q: number; k: number; v: number; out: number; lse: number }, run: KernelRun): void {
    this.exports.forward(rows.q, rows.k, rows.v, rows.out, rows.lse, ...this.runArgs(run), run.dh, 1);
  }

  /**
   * dst (Tp, dh) = the rows of src (byte offset at the head's column, rows `run.stride` floats apart)
   * in the order of `run.perm`, zeros for internal padding.
   */
  gatherRows(src: number, dst: number, run: KernelRun): void {
    this.exports.gatherRows(src, run.stride, run.perm, dst, run.dh, run.nChunks * run.chunk, run.length);
  }

  /** One head and round: adds its share of dq, dk, dv given dOut and dLse. */
  backward(
    rows: {
      q: number;
      k: number;
      v: number;
      lse: number;
      dOut: number;
      dLse: number;
      dq: number;
      dk: number;
      dv: number;
    },
    run: KernelRun,
  ): void {
    this.exports.backward(
      rows.q,
      rows.k,
      rows.v,
      rows.lse,
      rows.dOut,
      rows.dLse,
      rows.dq,
      rows.dk,
      rows.dv,
      ...this.runArgs(run),
    );
  }

  /**
   * lsh.ts `hashBuckets` in the kernel: rows x (T, dh) against rotations (dh, rounds * width),
   * buckets (rounds, T) row-major.
   */
  hash(
    x: Float32Array,
    dh: number,
    rotations: Float32Array,
    factors: readonly number[],
    rounds: number,
  ): Int32Array {
    const T = x.length / dh;
    const width = rotations.length / dh / rounds;
    const { views, offsets: o } = this.layout({
      x: { type: 'f32', length: x.length },
      rotations: { type: 'f32', length: rotations.length },
      factors: { type: 'i32', length: factors.length },
      buckets: { type: 'i32', length: rounds * T },
      scratch: { type: 'f32', length: rounds * width },
    });
    views.x.set(x);
    views.rotations.set(rotations);
    views.factors.set(factors);
    this.exports.hash(
      o.x,
      T,
      dh,
      o.rotations,
      o.factors,
      factors.length,
      rounds,
      width,
      o.buckets,
      o.scratch,
    );
    return views.buckets.slice();
  }

  private runArgs(run: KernelRun): number[] {
    return [
      run.perm,
      run.bucket,
      run.valid,
      run.scratch,
      run.nChunks,
      run.chunk,
      run.dh,
      run.stride,
      run.lseStride,
      run.length,
      run.flags,
      run.dropout,
      run.seed >>> 0,
    ];
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/** The package root: the nearest folder above this module that holds package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('chunk-attention kernel: no package.json above ' + import.meta.url);
    dir = parent;
  }
  return dir;
}

let shared: ChunkAttentionKernel | undefined;

/** This thread's kernel, compiled on first use. */
export function chunkAttentionKernel(): ChunkAttentionKernel {
  if (!shared) {
    const file = join(packageRoot(), WASM_FILE);
    if (!existsSync(file)) {
      throw new Error(`the attention kernel ${file} is missing: run \`npm run build\` (it compiles it)`);
    }
    shared = new ChunkAttentionKernel(readFileSync(file));
  }
  return shared;
}

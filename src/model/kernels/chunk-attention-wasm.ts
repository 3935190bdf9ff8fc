/**
 * Loads the SIMD chunk-attention kernel (assembly/chunk-attention.ts, compiled by `npm run build:wasm`
 * to dist/wasm/chunk-attention.wasm) and lays out its memory for one head and round at a time.
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
}

/** Bit flags of the mask rule, as in the kernel. */
export const MASK_CAUSAL = 1;
export const MASK_WRAP = 2;
export const MASK_SAME_BUCKET_ONLY = 4;

/** Typed views of one head-round's arrays inside the kernel's memory (valid until the next `layout`). */
export interface KernelArrays {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  out: Float32Array;
  dOut: Float32Array;
  dq: Float32Array;
  dk: Float32Array;
  dv: Float32Array;
  pos: Int32Array;
  bucket: Int32Array;
  keyOk: Uint8Array;
  lse: Float32Array;
  dLse: Float32Array;
}

/** Sizes of one call: Tp sorted slots of width dh (a multiple of 4), chunk C. */
export interface KernelShape {
  slots: number;
  dh: number;
  chunk: number;
}

/** What the mask and dropout need besides the arrays. */
export interface KernelCall {
  /** Real tokens: query slots whose position is >= length are internal padding and skipped. */
  length: number;
  flags: number;
  dropout: number;
  seed: number;
}

export class ChunkAttentionKernel {
  private readonly exports: KernelExports;
  private offsets: Record<keyof KernelArrays | 'scratch', number> | undefined;
  private shape: KernelShape | undefined;

  constructor(bytes: Uint8Array) {
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    this.exports = instance.exports as unknown as KernelExports;
  }

  /** Reserve memory for `shape` and return views of the arrays (contents are left as they were). */
  layout(shape: KernelShape): KernelArrays {
    const { slots, dh, chunk } = shape;
    const rowsBytes = slots * dh * 4;
    const slotBytes = align(slots * 4);
    let at = align(this.exports.heapBase());
    const take = (bytes: number): number => {
      const start = at;
      at += align(bytes);
      return start;
    };
    this.offsets = {
      q: take(rowsBytes),
      k: take(rowsBytes),
      v: take(rowsBytes),
      out: take(rowsBytes),
      dOut: take(rowsBytes),
      dq: take(rowsBytes),
      dk: take(rowsBytes),
      dv: take(rowsBytes),
      pos: take(slotBytes),
      bucket: take(slotBytes),
      keyOk: take(slots),
      lse: take(slotBytes),
      dLse: take(slotBytes),
      scratch: take(3 * 2 * chunk * 4),
    };
    const memory = this.exports.memory;
    if (at > memory.buffer.byteLength) memory.grow(Math.ceil((at - memory.buffer.byteLength) / PAGE));
    this.shape = shape;
    const buffer = memory.buffer;
    const o = this.offsets;
    const floats = (offset: number, n: number) => new Float32Array(buffer, offset, n);
    const rows = slots * dh;
    return {
      q: floats(o.q, rows),
      k: floats(o.k, rows),
      v: floats(o.v, rows),
      out: floats(o.out, rows),
      dOut: floats(o.dOut, rows),
      dq: floats(o.dq, rows),
      dk: floats(o.dk, rows),
      dv: floats(o.dv, rows),
      pos: new Int32Array(buffer, o.pos, slots),
      bucket: new Int32Array(buffer, o.bucket, slots),
      keyOk: new Uint8Array(buffer, o.keyOk, slots),
      lse: floats(o.lse, slots),
      dLse: floats(o.dLse, slots),
    };
  }

  /** out, lse from q, k, v, pos, bucket, keyOk of the current layout. */
  forward(call: KernelCall): void {
    const { o, shape } = this.current();
    this.exports.forward(
      o.q,
      o.k,
      o.v,
      o.pos,
      o.keyOk,
      o.bucket,
      o.out,
      o.lse,
      o.scratch,
      shape.slots / shape.chunk,
      shape.chunk,
      shape.dh,
      call.length,
      call.flags,
      call.dropout,
      call.seed >>> 0,
    );
  }

  /** dq, dk, dv from q, k, v, lse, dOut, dLse (and the mask arrays) of the current layout. */
  backward(call: KernelCall): void {
    const { o, shape } = this.current();
    this.exports.backward(
      o.q,
      o.k,
      o.v,
      o.pos,
      o.keyOk,
      o.bucket,
      o.lse,
      o.dOut,
      o.dLse,
      o.dq,
      o.dk,
      o.dv,
      o.scratch,
      shape.slots / shape.chunk,
      shape.chunk,
      shape.dh,
      call.length,
      call.flags,
      call.dropout,
      call.seed >>> 0,
    );
  }

  private current() {
    if (!this.offsets || !this.shape) throw new Error('chunk-attention kernel: layout() first');
    return { o: this.offsets, shape: this.shape };
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

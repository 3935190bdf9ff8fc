/**
 * Raw BAM records straight from decompressed BGZF blocks (SAM spec section 4.2), without building an
 * object per read. Whole-file passes (pileup, counting) would otherwise spend most of their time
 * allocating: a `RawRecord` is one reusable cursor over the current buffer, valid only inside the
 * visitor call that receives it.
 */
import { LocusInputError } from '../errors.js';
import { readBgzfBlocks, type BgzfBlock } from './bgzf.js';

/** `=ACMGRSVTWYHKDBN`: the 4-bit base codes of BAM. */
export const BAM_BASES = '=ACMGRSVTWYHKDBN';

/** BAM 4-bit base code -> 0, 1, 2, 3 for A, C, G, T; 4 for anything else (N, IUPAC, '='). */
export const BAM_CODE_TO_ACGTN = Int8Array.from({ length: 16 }, (_, code) =>
  code === 1 ? 0 : code === 2 ? 1 : code === 4 ? 2 : code === 8 ? 3 : 4,
);

export const CIGAR_M = 0;
export const CIGAR_I = 1;
export const CIGAR_D = 2;
export const CIGAR_N = 3;
export const CIGAR_S = 4;
export const CIGAR_H = 5;
export const CIGAR_P = 6;
export const CIGAR_EQ = 7;
export const CIGAR_X = 8;

export const FLAG_PAIRED = 0x1;
export const FLAG_PROPER_PAIR = 0x2;
export const FLAG_UNMAPPED = 0x4;
export const FLAG_MATE_UNMAPPED = 0x8;
export const FLAG_REVERSE = 0x10;
export const FLAG_SECONDARY = 0x100;
export const FLAG_QCFAIL = 0x200;
export const FLAG_DUPLICATE = 0x400;
export const FLAG_SUPPLEMENTARY = 0x800;

/** A cursor over one record in a buffer. Fields are decoded on access. */
export class RawRecord {
  buf: Uint8Array = new Uint8Array(0);
  /** Offset of the record's refID field (just after block_size). */
  at = 0;
  /** Length of the record in bytes, block_size. */
  length = 0;
  /** Virtual offset of the record: compressed block offset and offset inside the block. */
  blockOffset = 0;
  offsetInBlock = 0;

  private i32(o: number): number {
    const b = this.buf;
    const p = this.at + o;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }
  private u16(o: number): number {
    const p = this.at + o;
    return this.buf[p]! | (this.buf[p + 1]! << 8);
  }

  get refId(): number {
    return this.i32(0);
  }
  /** 0-based leftmost mapped position. */
  get pos(): number {
    return this.i32(4);
  }
  get nameLength(): number {
    return this.buf[this.at + 8]!;
  }
  get mapq(): number {
    return this.buf[this.at + 9]!;
  }
  get cigarOps(): number {
    return this.u16(12);
  }
  get flag(): number {
    return this.u16(14);
  }
  get seqLength(): number {
    return this.i32(16);
  }
  get mateRefId(): number {
    return this.i32(20);
  }
  get matePos(): number {
    return this.i32(24);
  }
  get templateLength(): number {
    return this.i32(28);
  }
  /** Offset in `buf` of the read name (NUL-terminated). */
  get nameAt(): number {
    return this.at + 32;
  }
  get cigarAt(): number {
    return this.at + 32 + this.nameLength;
  }
  get seqAt(): number {
    return this.cigarAt + 4 * this.cigarOps;
  }
  get qualAt(): number {
    return this.seqAt + ((this.seqLength + 1) >> 1);
  }
  /** Read name, decoded (allocates; keep it off hot paths). */
  get name(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset + this.nameAt, this.nameLength - 1).toString(
      'latin1',
    );
  }
  /** CIGAR op `i` as (length << 4 | op), as stored. */
  cigar(i: number): number {
    return this.i32(32 + this.nameLength + 4 * i) >>> 0;
  }
  /** 4-bit code of base `i` (index into BAM_BASES). */
  base(i: number): number {
    const byte = this.buf[this.seqAt + (i >> 1)]!;
    return i & 1 ? byte & 0xf : byte >> 4;
  }
  /** Reference bases covered: the sum of M, D, N, =, X lengths (at least 1, as htslib's bam_endpos). */
  referenceLength(): number {
    let length = 0;
    const n = this.cigarOps;
    for (let i = 0; i < n; i++) {
      const c = this.cigar(i);
      const op = c & 0xf;
      if (op === CIGAR_M || op === CIGAR_D || op === CIGAR_N || op === CIGAR_EQ || op === CIGAR_X)
        length += c >>> 4;
    }
    return length;
  }
  /** 0-based exclusive end on the reference; unmapped or CIGAR-less reads cover one base, as in htslib. */
  end(): number {
    const length = this.flag & FLAG_UNMAPPED ? 0 : this.referenceLength();
    return this.pos + (length > 0 ? length : 1);
  }
}

export interface BamReference {
  name: string;
  length: number;
}

export interface BamHeader {
  text: string;
  references: BamReference[];
}

/**
 * Decompressed bytes waiting to be parsed, with the blocks they came from, so the virtual offset
 * (block offset, offset inside the block) of any unread byte is known.
 */
class BlockQueue {
  private buffer: Uint8Array = new Uint8Array(0);
  private start = 0;
  /** Blocks with unread bytes: `head` is the queue position of the block's byte `skip`. */
  private segments: { offset: number; head: number; skip: number; length: number }[] = [];
  /** Bytes consumed from the queue so far (queue positions are counted from the first push). */
  private consumed = 0;

  get available(): number {
    return this.buffer.length - this.start;
  }
  push(block: BgzfBlock, skip = 0): void {
    const data = skip > 0 ? block.data.subarray(skip) : block.data;
    this.segments.push({
      offset: block.offset,
      head: this.consumed + this.available,
      skip,
      length: data.length,
    });
    if (this.available === 0) {
      this.buffer = data;
      this.start = 0;
      return;
    }
    const merged = new Uint8Array(this.available + data.length);
    merged.set(this.buffer.subarray(this.start), 0);
    merged.set(data, this.available);
    this.buffer = merged;
    this.start = 0;
  }
  /** The current buffer and read position, for zero-copy parsing. */
  view(): { buf: Uint8Array; at: number } {
    return { buf: this.buffer, at: this.start };
  }
  advance(n: number): void {
    this.start += n;
    this.consumed += n;
    while (this.segments.length > 1 && this.segments[0]!.head + this.segments[0]!.length <= this.consumed) {
      this.segments.shift();
    }
  }
  /** Virtual offset of the next unread byte. */
  virtualOffset(): { block: number; inBlock: number } {
    for (const s of this.segments) {
      if (this.consumed < s.head + s.length)
        return { block: s.offset, inBlock: s.skip + this.consumed - s.head };
    }
    const last = this.segments[this.segments.length - 1];
    return last ? { block: last.offset, inBlock: last.skip + last.length } : { block: 0, inBlock: 0 };
  }
  int32(o = 0): number {
    const b = this.buffer;
    const p = this.start + o;
    return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
  }
}

async function pull(
  blocks: AsyncIterator<BgzfBlock>,
  queue: BlockQueue,
  need: number,
  onBlock?: () => Promise<void> | void,
): Promise<boolean> {
  while (queue.available < need) {
    if (onBlock) await onBlock();
    const next = await blocks.next();
    if (next.done) return false;
    queue.push(next.value);
  }
  return true;
}

function notBam(path: string, problem: string): LocusInputError {
  return new LocusInputError(
    path,
    `"${path}" is not a valid BAM file: ${problem}`,
    'check the file with `samtools quickcheck`',
  );
}

/** Parse the BAM header from the start of the decompressed stream. */
async function parseHeader(
  path: string,
  blocks: AsyncIterator<BgzfBlock>,
  queue: BlockQueue,
): Promise<BamHeader> {
  const cut = () => notBam(path, 'the header is cut short');
  if (!(await pull(blocks, queue, 8))) throw cut();
  const { buf, at } = queue.view();
  if (buf[at] !== 0x42 || buf[at + 1] !== 0x41 || buf[at + 2] !== 0x4d || buf[at + 3] !== 0x01) {
    throw notBam(path, 'no BAM magic number');
  }
  const textLength = queue.int32(4);
  if (!(await pull(blocks, queue, 12 + textLength))) throw cut();
  let view = queue.view();
  const text = Buffer.from(view.buf.buffer, view.buf.byteOffset + view.at + 8, textLength)
    .toString('utf8')
    .replace(/\0+$/, '');
  queue.advance(8 + textLength);
  const count = queue.int32(0);
  queue.advance(4);
  const references: BamReference[] = [];
  for (let i = 0; i < count; i++) {
    if (!(await pull(blocks, queue, 4))) throw cut();
    const nameLength = queue.int32(0);
    if (!(await pull(blocks, queue, 8 + nameLength))) throw cut();
    view = queue.view();
    const name = Buffer.from(view.buf.buffer, view.buf.byteOffset + view.at + 4, nameLength - 1).toString(
      'latin1',
    );
    const length = queue.int32(4 + nameLength);
    references.push({ name, length });
    queue.advance(8 + nameLength);
  }
  return { text, references };
}

/** Read just the header of a BAM file. */
export async function readBamHeader(path: string): Promise<BamHeader> {
  const blocks = readBgzfBlocks(path)[Symbol.asyncIterator]();
  try {
    return await parseHeader(path, blocks, new BlockQueue());
  } finally {
    await blocks.return?.(undefined);
  }
}

/** Return false from the visitor to stop early. */
export type RecordVisitor = (record: RawRecord) => boolean | void;

export interface ChunkRange {
  /** Virtual offset where reading starts. */
  startBlock: number;
  startInBlock: number;
  /** Virtual offset where reading stops (exclusive). */
  endBlock: number;
  endInBlock: number;
}

/**
 * Visit records in file order. With no `chunks`, reads the whole file after the header; with chunks
 * (from a BAI/CSI index), reads exactly the records whose virtual offsets fall in each chunk.
 */
export async function visitRecords(
  path: string,
  visit: RecordVisitor,
  options: {
    chunks?: readonly ChunkRange[];
    signal?: AbortSignal;
    /** Called before each new block is read: a consumer can await its own output here (backpressure). */
    onBlock?: () => Promise<void> | void;
  } = {},
): Promise<BamHeader | undefined> {
  const record = new RawRecord();
  let header: BamHeader | undefined;
  const ranges: (ChunkRange | undefined)[] = options.chunks ? [...options.chunks] : [undefined];
  for (const range of ranges) {
    const source = readBgzfBlocks(
      path,
      range ? { start: range.startBlock, lastBlock: range.endBlock } : { start: 0 },
      options.signal,
    );
    const blocks = source[Symbol.asyncIterator]();
    const queue = new BlockQueue();
    try {
      if (range) {
        const first = await blocks.next();
        if (first.done) continue;
        queue.push(first.value, range.startInBlock);
      } else {
        header = await parseHeader(path, blocks, queue);
      }
      for (;;) {
        if (!(await pull(blocks, queue, 4, options.onBlock))) {
          if (queue.available > 0) {
            throw notBam(path, `the last record is cut short (${queue.available} stray bytes at the end)`);
          }
          break;
        }
        const size = queue.int32(0);
        if (size < 32) throw notBam(path, `a record has an impossible length (${size} bytes)`);
        const where = queue.virtualOffset();
        if (
          range &&
          (where.block > range.endBlock ||
            (where.block === range.endBlock && where.inBlock >= range.endInBlock))
        ) {
          break;
        }
        if (!(await pull(blocks, queue, 4 + size, options.onBlock)))
          throw notBam(path, 'the last record is cut short');
        const { buf, at } = queue.view();
        record.buf = buf;
        record.at = at + 4;
        record.length = size;
        record.blockOffset = where.block;
        record.offsetInBlock = where.inBlock;
        if (visit(record) === false) return header;
        queue.advance(4 + size);
      }
    } finally {
      await blocks.return?.(undefined);
    }
  }
  return header;
}

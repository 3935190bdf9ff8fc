/**
 * BGZF blocks (SAM spec section 4.1), read and written: a BGZF file is a series of gzip members of at most 64 KiB
 * each, so a (compressed block offset, offset inside the block) pair - a virtual offset - addresses
 * any byte. Blocks are inflated on libuv's thread pool a few at a time ahead of the consumer, so
 * decompression runs on the second core while JavaScript parses records on the first.
 */
import { open } from 'node:fs/promises';
import { crc32, deflateRaw, inflateRaw } from 'node:zlib';
import { promisify } from 'node:util';
import { LocusInputError } from '../errors.js';

const inflateRawAsync = promisify(inflateRaw);
const deflateRawAsync = promisify(deflateRaw);

/** The 28-byte empty block every BGZF file ends with; its absence means the file was cut short. */
export const BGZF_EOF = Uint8Array.from([
  0x1f, 0x8b, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00, 0x1b, 0x00,
  0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

/** Uncompressed bytes per BGZF block; htslib uses 0xff00 so a block that does not compress still fits in 64 KiB. */
export const BGZF_BLOCK_INPUT = 0xff00;

/** One BGZF block holding `data` (at most BGZF_BLOCK_INPUT bytes), deflated at htslib's level 6. */
export async function bgzfBlock(data: Uint8Array): Promise<Buffer> {
  const deflated = await deflateRawAsync(data, { level: 6 });
  const size = HEADER_BYTES + deflated.length + FOOTER_BYTES;
  const header = Buffer.from([
    0x1f, 0x8b, 0x08, 0x04, 0, 0, 0, 0, 0, 0xff, 0x06, 0x00, 0x42, 0x43, 0x02, 0x00, 0, 0,
  ]);
  header.writeUInt16LE(size - 1, 16);
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeUInt32LE(crc32(data), 0);
  footer.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, deflated, footer]);
}

const HEADER_BYTES = 18;
const FOOTER_BYTES = 8;
const SLAB_BYTES = 4 << 20; // read the compressed file 4 MiB at a time
const BLOCKS_IN_FLIGHT = 16;
/**
 * A block inflates to at most 64 KiB, so one output chunk of that size holds it: with zlib's default
 * 16 KiB chunks, every block was inflated into four buffers and then copied into a fifth.
 */
const INFLATE_OPTIONS = { chunkSize: 64 << 10 };

export interface BgzfBlock {
  /** Byte offset of this block in the compressed file (the high part of a virtual offset). */
  offset: number;
  /** Decompressed bytes. */
  data: Uint8Array;
}

export interface BlockRange {
  /** Compressed offset of the first block to read. */
  start: number;
  /** Stop after the block that starts at or before this compressed offset (inclusive); default: end of file. */
  lastBlock?: number;
}

function truncated(path: string, at: number): LocusInputError {
  return new LocusInputError(
    path,
    `"${path}" is truncated or corrupt: the BGZF block at byte ${at} is cut short or malformed`,
    're-copy or regenerate the file (check it with `samtools quickcheck`)',
  );
}

/**
 * Decompressed blocks of `path` from `range.start`, in file order. Throws `LocusInputError` for a
 * block that is cut short or not BGZF, so a truncated BAM is reported, never silently shortened.
 */
export async function* readBgzfBlocks(
  path: string,
  range: BlockRange = { start: 0 },
  signal?: AbortSignal,
): AsyncGenerator<BgzfBlock> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    const lastBlock = range.lastBlock ?? Number.POSITIVE_INFINITY;
    let slab: Uint8Array = new Uint8Array(0);
    let slabStart = range.start; // file offset of slab[0]
    let cursor = range.start; // file offset of the next block header
    const pending: { offset: number; data: Promise<Uint8Array> }[] = [];
    let exhausted = false;

    const refill = async (): Promise<void> => {
      // Keep the unread tail of the slab and append the next slab of the file.
      const keep = slab.subarray(cursor - slabStart);
      const want = Math.min(SLAB_BYTES, size - (slabStart + slab.length));
      if (want <= 0) return;
      const next = new Uint8Array(keep.length + want);
      next.set(keep, 0);
      const { bytesRead } = await file.read(next, keep.length, want, slabStart + slab.length);
      slab = next.subarray(0, keep.length + bytesRead);
      slabStart = cursor;
    };

    // Parse block headers and start their inflation until enough blocks are in flight.
    const schedule = async (): Promise<void> => {
      while (!exhausted && pending.length < BLOCKS_IN_FLIGHT) {
        if (cursor >= size || cursor > lastBlock) {
          exhausted = true;
          return;
        }
        if (cursor + HEADER_BYTES > slabStart + slab.length) await refill();
        const at = cursor - slabStart;
        if (at + HEADER_BYTES > slab.length) throw truncated(path, cursor);
        if (slab[at] !== 0x1f || slab[at + 1] !== 0x8b || slab[at + 12] !== 0x42 || slab[at + 13] !== 0x43) {
          throw truncated(path, cursor);
        }
        const blockSize = (slab[at + 16]! | (slab[at + 17]! << 8)) + 1;
        if (cursor + blockSize > slabStart + slab.length) await refill();
        const from = cursor - slabStart;
        if (from + blockSize > slab.length) throw truncated(path, cursor);
        const compressed = slab.subarray(from + HEADER_BYTES, from + blockSize - FOOTER_BYTES);
        const expectedLength =
          slab[from + blockSize - 4]! |
          (slab[from + blockSize - 3]! << 8) |
          (slab[from + blockSize - 2]! << 16) |
          (slab[from + blockSize - 1]! << 24);
        const offset = cursor;
        const data = inflateRawAsync(compressed, INFLATE_OPTIONS).then(
          (out) => {
            if (out.length !== expectedLength >>> 0) throw truncated(path, offset);
            return new Uint8Array(out.buffer, out.byteOffset, out.length);
          },
          () => {
            throw truncated(path, offset);
          },
        );
        data.catch(() => {}); // rejection is surfaced when the block is awaited in order
        pending.push({ offset, data });
        cursor += blockSize;
      }
    };

    for (;;) {
      signal?.throwIfAborted();
      await schedule();
      const next = pending.shift();
      if (!next) return;
      yield { offset: next.offset, data: await next.data };
    }
  } finally {
    await file.close();
  }
}

/** True when the file ends with the BGZF EOF marker block. */
export async function hasBgzfEof(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const size = (await file.stat()).size;
    if (size < BGZF_EOF.length) return false;
    const tail = new Uint8Array(BGZF_EOF.length);
    await file.read(tail, 0, tail.length, size - tail.length);
    return tail.every((byte, i) => byte === BGZF_EOF[i]);
  } finally {
    await file.close();
  }
}

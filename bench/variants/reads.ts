/**
 * Pool dwgsim's read pairs, shuffle them and rename them `p0`, `p1`, ... (make-data.ts), so that
 * nothing about a read tells where it came from: dwgsim's names carry the contig, both mate positions,
 * strands and error counts, and its files are in contig order (and, for a mixture, in part order).
 *
 * Everything is held in memory as Buffers (outside the V8 heap): 60x on 5 Mb is about 0.7 GB of FASTQ.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Random } from '../../src/tokenize/random.js';
import { permutation } from '../../src/train/data/rng.js';

/** A FASTQ in memory, with per record the offsets of name, sequence and quality (6 numbers each). */
export interface IndexedFastq {
  data: Buffer;
  /** nameStart (after '@'), nameEnd, seqStart, seqEnd, qualStart, qualEnd per record; ends exclusive. */
  offsets: Uint32Array;
  count: number;
}

/** Index a four-line-per-record FASTQ (no wrapped sequence lines, as dwgsim writes it). */
export function indexFastq(data: Buffer, what: string): IndexedFastq {
  const lineStarts: number[] = [];
  for (let at = 0; at < data.length;) {
    lineStarts.push(at);
    const newline = data.indexOf(10, at);
    at = newline < 0 ? data.length : newline + 1;
  }
  if (lineStarts.length % 4 !== 0)
    throw new Error(`${what}: ${lineStarts.length} lines, not a multiple of 4`);
  const count = lineStarts.length / 4;
  const offsets = new Uint32Array(count * 6);
  // The end of line k (exclusive, without its newline).
  const lineEnd = (k: number) => {
    // The last line may or may not end in a newline.
    const last = data[data.length - 1] === 10 ? data.length - 1 : data.length;
    const next = k + 1 < lineStarts.length ? lineStarts[k + 1]! - 1 : last;
    return data[next - 1] === 13 ? next - 1 : next; // tolerate CRLF
  };
  for (let r = 0; r < count; r++) {
    const k = r * 4;
    if (data[lineStarts[k]!] !== 64 || data[lineStarts[k + 2]!] !== 43) {
      throw new Error(`${what}: record ${r + 1} does not start with '@' or lacks its '+' line`);
    }
    offsets.set(
      [
        lineStarts[k]! + 1,
        lineEnd(k),
        lineStarts[k + 1]!,
        lineEnd(k + 1),
        lineStarts[k + 3]!,
        lineEnd(k + 3),
      ],
      r * 6,
    );
    if (offsets[r * 6 + 3]! - offsets[r * 6 + 2]! !== offsets[r * 6 + 5]! - offsets[r * 6 + 4]!) {
      throw new Error(`${what}: record ${r + 1} has sequence and quality of different lengths`);
    }
  }
  return { data, offsets, count };
}

/** A read's name without a trailing /1 or /2. */
function pairName(fastq: IndexedFastq, r: number): string {
  const name = fastq.data.toString('latin1', fastq.offsets[r * 6]!, fastq.offsets[r * 6 + 1]!);
  return name.replace(/\/[12]$/, '');
}

export interface PairedFastq {
  read1: IndexedFastq;
  read2: IndexedFastq;
}

/** Read and check one pair of (gzipped or plain) FASTQ files: same count, same names in the same order. */
export function readPairs(path1: string, path2: string): PairedFastq {
  const load = (path: string) => {
    const raw = readFileSync(path);
    return indexFastq(raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw, path);
  };
  const read1 = load(path1);
  const read2 = load(path2);
  if (read1.count !== read2.count) {
    throw new Error(`${path1} has ${read1.count} reads but ${path2} has ${read2.count}`);
  }
  for (let r = 0; r < read1.count; r++) {
    if (pairName(read1, r) !== pairName(read2, r)) {
      throw new Error(`mates differ at record ${r + 1}: ${pairName(read1, r)} / ${pairName(read2, r)}`);
    }
  }
  return { read1, read2 };
}

/** Buffered synchronous writes: one syscall per few MB rather than per read. */
class ChunkWriter {
  private readonly fd: number;
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.size += buffer.length;
    if (this.size >= 8 << 20) this.flush();
  }
  flush(): void {
    if (this.size > 0) writeSync(this.fd, Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

const PLUS = Buffer.from('\n+\n');
const NEWLINE = Buffer.from('\n');

/**
 * Pool the pairs of every part, shuffle them with `seed`, and write them as `@p<i>` to out1/out2 in
 * the shuffled order: pair i of the output is named p<i> in both files. Returns the pair count.
 */
export function writeRenamedPairs(
  parts: readonly PairedFastq[],
  seed: number,
  out1: string,
  out2: string,
): number {
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) {
    starts.push(total);
    total += p.read1.count;
  }
  const order = permutation(total, new Random(seed));
  const writers = [new ChunkWriter(out1), new ChunkWriter(out2)] as const;
  try {
    let part = 0;
    for (let i = 0; i < total; i++) {
      const global = order[i]!;
      // The part holding pair `global`: the last whose start is <= it (parts are few: scan).
      for (part = parts.length - 1; starts[part]! > global; part--);
      const local = global - starts[part]!;
      const pair = parts[part]!;
      const name = Buffer.from(`@p${i}\n`);
      for (const [w, fastq] of [
        [writers[0], pair.read1],
        [writers[1], pair.read2],
      ] as const) {
        const o = fastq.offsets;
        w.push(name);
        w.push(fastq.data.subarray(o[local * 6 + 2]!, o[local * 6 + 3]!));
        w.push(PLUS);
        w.push(fastq.data.subarray(o[local * 6 + 4]!, o[local * 6 + 5]!));
        w.push(NEWLINE);
      }
    }
  } finally {
    writers[0].close();
    writers[1].close();
  }
  return total;
}

/**
 * Tabix (`.tbi`) indexes for BGZF-compressed VCF and BED, byte for byte what `tabix -p vcf|bed`
 * (htslib 1.16) writes, so any htslib reader, IGV or bcftools can query files Locus writes.
 *
 * The format (https://samtools.github.io/hts-specs/tabix.pdf; htslib hts.c, tbx.c), all little-endian,
 * the whole file BGZF-compressed:
 *
 *   magic "TBI\1", n_ref (int32)
 *   format, col_seq, col_beg, col_end, meta char, skip (6 x int32), l_nm (int32), names (NUL-terminated)
 *   per reference:
 *     n_bin (int32), then per bin: bin (uint32), n_chunk (int32), chunks (beg, end: uint64 virtual offsets)
 *     n_intv (int32), then one uint64 virtual offset per 16 kb window (the linear index)
 *   n_no_coor (uint64)
 *
 * A virtual offset is (compressed offset of a BGZF block << 16) | offset inside its inflated data.
 * Bins are the SAM spec's R-tree: level 0 covers 512 Mb, each level below splits a bin into eight, down
 * to 16 kb bins at level 5 (min_shift 14, depth 5); a record goes into the smallest bin holding it.
 * htslib adds a pseudo-bin 37450 per reference holding (first record, end of last record) and (mapped
 * records, 0).
 *
 * Byte-identical output needs htslib's quirks reproduced, not just the spec: bins are written in the
 * bucket order of klib's khash table (ported below), small bins are merged into their parents, chunks
 * that touch the same BGZF block are merged, empty linear-index windows take the next window's value,
 * and the virtual offset just past a line that ends a block points at the start of the next block.
 *
 * Record ends follow htslib 1.16 (the tabix on which this was checked): VCF end = POS - 1 + length(REF),
 * or INFO/END when it is past POS - 1; htslib 1.23 also widens records by SVLEN of <DEL>/<DUP>/<CNV>
 * and FORMAT/LEN of gVCF <*> blocks, which this does not. Blank lines and BED `track`/`browser` lines
 * are skipped as 1.16 skips them; any other line that is not a record is an error here (1.16 skips it
 * silently, newer htslib fails).
 */
import { LocusInputError } from '../errors.js';
import { BGZF_BLOCK_INPUT, BGZF_EOF, bgzfBlock, readBgzfBlocks } from './bgzf.js';
import { compressionOf, readHead } from './compression.js';
import { checkInputFile, writeFileAtomic } from './files.js';

export type TabixPreset = 'vcf' | 'bed';

export interface TabixOptions {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------------
// Constants of the format, named as in htslib

/** tbx_conf_t: format, sequence / begin / end columns (1-based; 0 = none), meta character, lines to skip. */
interface TabixConf {
  format: number;
  colSeq: number;
  colBeg: number;
  colEnd: number;
  meta: number;
  skip: number;
}

const TBX_VCF = 2;
/** Begin is 0-based and the end column is exclusive, as in BED. */
const TBX_UCSC = 0x10000;
const PRESETS: Record<TabixPreset, TabixConf> = {
  vcf: { format: TBX_VCF, colSeq: 1, colBeg: 2, colEnd: 0, meta: 0x23, skip: 0 },
  bed: { format: TBX_UCSC, colSeq: 1, colBeg: 2, colEnd: 3, meta: 0x23, skip: 0 },
};

const MIN_SHIFT = 14;
const N_LEVELS = 5;
/** Bins of a 5-level tree: 1 + 8 + 64 + 512 + 4096 + 32768. */
const N_BINS = ((1 << (3 * N_LEVELS + 3)) - 1) / 7;
/** htslib's pseudo-bin with per-reference offsets and counts. */
const META_BIN = N_BINS + 1;
/** TBI positions must stay below 2^29 (CSI lifts that limit). */
const MAX_POSITION = 2 ** (MIN_SHIFT + 3 * N_LEVELS);
/** Bins whose chunks span less than this much compressed data are folded into their parent. */
const MIN_MARKER_DIST = 0x10000;
const NO_BIN = 0xffffffff;
/** An unset linear-index window (htslib's (uint64_t)-1). */
const UNSET = -1;
/** Virtual offsets are kept as exact JavaScript numbers: block offset * 2^16 + offset in block. */
const BLOCK_SHIFT = 65536;
/** Compressed files past 2^37 bytes (128 GiB) would lose precision as numbers. */
const MAX_FILE_BYTES = 2 ** 37;

const TAB = 0x09;
const NEWLINE = 0x0a;
const CR = 0x0d;

function binFirst(level: number): number {
  return ((1 << (3 * level)) - 1) / 7;
}

function binParent(bin: number): number {
  return (bin - 1) >> 3;
}

/** hts_reg2bin: the smallest bin that holds [beg, end); both below 2^29, so 32-bit shifts are exact. */
function reg2bin(beg: number, end: number): number {
  let shift = MIN_SHIFT;
  let first = binFirst(N_LEVELS);
  const last = end - 1;
  for (let level = N_LEVELS; level > 0; level--, shift += 3, first -= 1 << (3 * level)) {
    if (beg >> shift === last >> shift) return first + (beg >> shift);
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------------
// klib khash (integer keys), ported so bins come out in htslib's order

interface Chunk {
  u: number;
  v: number;
}

const EMPTY = 2;
const DELETED = 1;
const UPPER = 0.77;

function roundUpPowerOfTwo(n: number): number {
  let x = Math.max(n, 1) - 1;
  x |= x >>> 1;
  x |= x >>> 2;
  x |= x >>> 4;
  x |= x >>> 8;
  x |= x >>> 16;
  return x + 1;
}

/**
 * khash's open-addressing table with quadratic probing, identity hash and in-place rehash. htslib
 * writes bins in bucket order, so the order depends on every insertion and resize; only a faithful
 * port reproduces it.
 */
class BinTable {
  buckets = 0;
  private size = 0;
  private occupied = 0;
  private upperBound = 0;
  /** Per bucket: EMPTY, DELETED or 0 (holds a key). */
  private flags = new Uint8Array(0);
  private keys: number[] = [];
  private values: Chunk[][] = [];

  exists(i: number): boolean {
    return this.flags[i] === 0;
  }

  key(i: number): number {
    return this.keys[i]!;
  }

  value(i: number): Chunk[] {
    return this.values[i]!;
  }

  setValue(i: number, chunks: Chunk[]): void {
    this.values[i] = chunks;
  }

  /** kh_get: the bucket of `key`, or `buckets` when absent. */
  get(key: number): number {
    if (this.buckets === 0) return 0;
    const mask = this.buckets - 1;
    let i = key & mask;
    const last = i;
    let step = 0;
    while (!(this.flags[i]! & EMPTY) && (this.flags[i]! & DELETED || this.keys[i] !== key)) {
      i = (i + ++step) & mask;
      if (i === last) return this.buckets;
    }
    return this.flags[i]! & (EMPTY | DELETED) ? this.buckets : i;
  }

  /** kh_put followed by appending a chunk (htslib's insert_to_b). */
  insert(key: number, chunk: Chunk): void {
    const x = this.put(key);
    (this.values[x] ??= []).push(chunk);
  }

  /** kh_del: marks the bucket deleted; iteration order of the rest is unchanged. */
  delete(i: number): void {
    if (i !== this.buckets && this.flags[i] === 0) {
      this.flags[i] = DELETED;
      this.size--;
    }
  }

  private put(key: number): number {
    if (this.occupied >= this.upperBound) {
      this.resize(this.buckets > this.size * 2 ? this.buckets - 1 : this.buckets + 1);
    }
    const mask = this.buckets - 1;
    let i = key & mask;
    let x = this.buckets;
    let site = this.buckets;
    if (this.flags[i]! & EMPTY) x = i;
    else {
      const last = i;
      let step = 0;
      while (!(this.flags[i]! & EMPTY) && (this.flags[i]! & DELETED || this.keys[i] !== key)) {
        if (this.flags[i]! & DELETED) site = i;
        i = (i + ++step) & mask;
        if (i === last) {
          x = site;
          break;
        }
      }
      if (x === this.buckets) x = this.flags[i]! & EMPTY && site !== this.buckets ? site : i;
    }
    if (this.flags[x]! & (EMPTY | DELETED)) {
      if (this.flags[x]! & EMPTY) this.occupied++;
      this.keys[x] = key;
      this.values[x] = [];
      this.flags[x] = 0;
      this.size++;
    }
    return x;
  }

  /** kh_resize: rehash in place, kicking not-yet-moved keys along as khash does. */
  private resize(requested: number): void {
    const target = Math.max(roundUpPowerOfTwo(requested), 4);
    if (this.size >= Math.floor(target * UPPER + 0.5)) return;
    const fresh = new Uint8Array(target).fill(EMPTY);
    const mask = target - 1;
    for (let j = 0; j < this.buckets; j++) {
      if (this.flags[j] !== 0) continue;
      let key = this.keys[j]!;
      let value = this.values[j]!;
      this.flags[j] = DELETED;
      for (;;) {
        let i = key & mask;
        let step = 0;
        while (!(fresh[i]! & EMPTY)) i = (i + ++step) & mask;
        fresh[i] = 0;
        if (i < this.buckets && this.flags[i] === 0) {
          [key, this.keys[i]] = [this.keys[i]!, key];
          [value, this.values[i]] = [this.values[i]!, value];
          this.flags[i] = DELETED;
        } else {
          this.keys[i] = key;
          this.values[i] = value;
          break;
        }
      }
    }
    this.keys.length = target;
    this.values.length = target;
    this.flags = fresh;
    this.buckets = target;
    this.occupied = this.size;
    this.upperBound = Math.floor(target * UPPER + 0.5);
  }
}

// ---------------------------------------------------------------------------------------------------
// The index as hts_idx_push builds it

interface Reference {
  name: Uint8Array;
  bins: BinTable;
  /** Virtual offset of the first record overlapping each 16 kb window, UNSET for none yet. */
  linear: number[];
  /** A record of it was pushed (htslib: its bin table exists). */
  started: boolean;
}

/** Why a record was refused; the caller turns it into a LocusInputError with the line number. */
class RecordProblem extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/** Port of hts_idx_t's push/finish state machine (hts.c), for coordinate-sorted tabix input. */
class IndexBuilder {
  readonly references: Reference[] = [];
  private lastTid = -1;
  private lastBin = NO_BIN;
  private lastCoor = NO_BIN;
  private lastOff: number;
  private saveTid = -1;
  private saveBin = NO_BIN;
  private saveOff: number;
  private offBeg: number;
  private mapped = 0;

  /** `firstOffset`: the virtual offset just past the header, where the first record starts. */
  constructor(firstOffset: number) {
    this.lastOff = this.saveOff = this.offBeg = firstOffset;
  }

  /** One record [beg, end) on reference `tid`, whose line ends just before virtual offset `next`. */
  push(tid: number, beg: number, end: number, next: number): void {
    if (beg > MAX_POSITION || end > MAX_POSITION) {
      throw new RecordProblem(
        `position ${Math.max(beg, end)} is past 2^29, the most a .tbi index can hold`,
        'index it as CSI instead (`tabix -C -p <preset>`)',
      );
    }
    const reference = this.references[tid]!;
    if (tid !== this.lastTid) {
      if (reference.started) {
        const between = nameOf(this.references[this.lastTid]!);
        throw new RecordProblem(
          `contig "${nameOf(reference)}" reappears after "${between}": each contig's records must be together`,
          SORT_HINT,
        );
      }
      this.lastTid = tid;
      this.lastBin = NO_BIN;
    } else if (this.lastCoor > beg) {
      throw new RecordProblem(
        `${nameOf(reference)}:${beg + 1} comes after ${nameOf(reference)}:${this.lastCoor + 1}`,
        SORT_HINT,
      );
    }
    if (end < beg) {
      throw new RecordProblem(
        `it ends (${end}) before it starts (${beg}, 0-based)`,
        'give every record an end at or after its start',
      );
    }
    reference.started = true;
    const clampedBeg = Math.max(beg, 0);
    const clampedEnd = end <= 0 ? 1 : end;
    this.insertLinear(reference, clampedBeg, clampedEnd);
    const bin = reg2bin(clampedBeg, clampedEnd);
    if (bin !== this.lastBin) this.startChunk(tid, bin);
    this.mapped++;
    this.lastOff = next;
    this.lastCoor = beg;
  }

  /** hts_idx_finish: close the open chunk and the last reference's pseudo-bin, then compact. */
  finish(finalOffset: number): void {
    if (this.saveTid >= 0) {
      const bins = this.references[this.saveTid]!.bins;
      bins.insert(this.saveBin, { u: this.saveOff, v: finalOffset });
      bins.insert(META_BIN, { u: this.offBeg, v: finalOffset });
      bins.insert(META_BIN, { u: this.mapped, v: 0 });
    }
    for (const reference of this.references) {
      fillLinear(reference.linear);
      compressBinning(reference.bins);
    }
  }

  /** A record in a new bin closes the previous chunk; a new contig also closes its pseudo-bin. */
  private startChunk(tid: number, bin: number): void {
    if (this.saveBin !== NO_BIN) {
      const saved = this.references[this.saveTid]!.bins;
      saved.insert(this.saveBin, { u: this.saveOff, v: this.lastOff });
      if (this.lastBin === NO_BIN) {
        saved.insert(META_BIN, { u: this.offBeg, v: this.lastOff });
        saved.insert(META_BIN, { u: this.mapped, v: 0 });
        this.mapped = 0;
        this.offBeg = this.lastOff;
      }
    }
    this.saveOff = this.lastOff;
    this.saveBin = this.lastBin = bin;
    this.saveTid = tid;
  }

  /** insert_to_l: each 16 kb window the record touches remembers the first record's start. */
  private insertLinear(reference: Reference, beg: number, end: number): void {
    const first = beg >> MIN_SHIFT;
    const last = (end - 1) >> MIN_SHIFT;
    const linear = reference.linear;
    while (linear.length < last + 1) linear.push(UNSET);
    for (let i = first; i <= last; i++) if (linear[i] === UNSET) linear[i] = this.lastOff;
  }
}

function nameOf(reference: Reference): string {
  return Buffer.from(reference.name).toString('utf8');
}

const SORT_HINT =
  'sort it (VCF: `bcftools sort -Oz -o sorted.vcf.gz`; BED: `sort -k1,1 -k2,2n` then `bgzip`) and index it again';

/** update_loff: a window no record starts in points at the next window's first record. */
function fillLinear(linear: number[]): void {
  for (let i = linear.length - 2; i >= 0; i--) if (linear[i] === UNSET) linear[i] = linear[i + 1]!;
}

/**
 * compress_binning: from the deepest level up, a bin whose chunks span under 64 KiB of compressed
 * file moves into its parent (when the parent exists), because one read of that span is cheaper than
 * another seek; then chunks of a bin that end and start in the same block are joined.
 */
function compressBinning(bins: BinTable): void {
  for (let level = N_LEVELS; level > 0; level--) {
    const start = binFirst(level);
    for (let k = 0; k < bins.buckets; k++) {
      if (!bins.exists(k) || bins.key(k) >= N_BINS || bins.key(k) < start) continue;
      const chunks = bins.value(k);
      if (level < N_LEVELS && chunks.length > 1) chunks.sort((a, b) => a.u - b.u);
      const span = blockOf(chunks[chunks.length - 1]!.v) - blockOf(chunks[0]!.u);
      if (span < 0 || span >= MIN_MARKER_DIST) continue; // unsigned in C: negative is huge
      const parent = bins.get(binParent(bins.key(k)));
      if (parent === bins.buckets) continue;
      bins.value(parent).push(...chunks);
      bins.delete(k);
    }
  }
  const root = bins.get(0);
  if (root !== bins.buckets) bins.value(root).sort((a, b) => a.u - b.u);
  for (let k = 0; k < bins.buckets; k++) {
    if (bins.exists(k) && bins.key(k) < N_BINS) bins.setValue(k, mergeTouching(bins.value(k)));
  }
}

function blockOf(virtualOffset: number): number {
  return Math.floor(virtualOffset / BLOCK_SHIFT);
}

function mergeTouching(chunks: Chunk[]): Chunk[] {
  const merged: Chunk[] = [{ ...chunks[0]! }];
  for (const chunk of chunks.slice(1)) {
    const last = merged[merged.length - 1]!;
    if (blockOf(last.v) >= blockOf(chunk.u)) last.v = Math.max(last.v, chunk.v);
    else merged.push({ ...chunk });
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------------
// Parsing a line as tbx_parse1 does

interface Interval {
  nameStart: number;
  nameEnd: number;
  beg: number;
  end: number;
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function digitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : 99;
}

/**
 * C's strtoll(s, &end, 0) on bytes [from, to): htslib reads positions with base 0, so `0x10` is 16
 * and `010` is 8. `undefined` when no digit was read.
 */
function cInteger(line: Uint8Array, from: number, to: number): number | undefined {
  let p = from;
  while (p < to && isSpace(line[p]!)) p++;
  let sign = 1;
  if (p < to && (line[p] === 0x2b || line[p] === 0x2d)) sign = line[p++] === 0x2d ? -1 : 1;
  let base = 10;
  if (p < to && line[p] === 0x30) {
    base = 8;
    if (p + 2 < to && (line[p + 1]! | 0x20) === 0x78 && digitValue(line[p + 2]!) < 16) {
      base = 16;
      p += 2;
    }
  }
  let value = 0;
  let digits = 0;
  for (; p < to && digitValue(line[p]!) < base; p++, digits++) value = value * base + digitValue(line[p]!);
  return digits === 0 ? undefined : sign * value;
}

/** INFO/END the way tbx.c finds it: `END=` opening the field, else the first `;END=`. */
function infoEnd(line: Uint8Array, from: number, to: number): number | undefined {
  const field = Buffer.from(line.buffer, line.byteOffset + from, to - from);
  let at = field.indexOf('END=');
  if (at === 0) at = 4;
  else if (at > 0) {
    at = field.indexOf(';END=');
    if (at >= 0) at += 5;
  }
  if (at < 0 || field[at] === 0x2e) return undefined;
  return cInteger(line, from + at, to) ?? 0;
}

/** tbx_parse1 (htslib 1.16) for the VCF and BED presets; `undefined` when the line has no interval. */
function parseInterval(conf: TabixConf, line: Uint8Array, length: number): Interval | undefined {
  const interval: Interval = { nameStart: 0, nameEnd: -1, beg: -1, end: -1 };
  const ucsc = (conf.format & TBX_UCSC) !== 0;
  for (let i = 0, b = 0, column = 1; i <= length; i++) {
    // In C the line ends at its NUL, so a NUL byte inside it separates fields like a tab.
    if (i < length && line[i] !== TAB && line[i] !== 0) continue;
    if (column === conf.colSeq) {
      interval.nameStart = b;
      interval.nameEnd = i;
    } else if (column === conf.colBeg) {
      const value = cInteger(line, b, i);
      if (value === undefined) return undefined;
      interval.beg = ucsc ? value : value - 1;
      interval.end = ucsc ? value + 1 : value;
      if (interval.beg < 0) interval.beg = 0;
      if (interval.end < 1) interval.end = 1;
    } else if (ucsc && column === conf.colEnd) {
      const value = cInteger(line, b, i);
      if (value === undefined) return undefined;
      interval.end = value;
    } else if (conf.format === TBX_VCF && column === 4) {
      if (b < i) interval.end = interval.beg + (i - b); // REF length
    } else if (conf.format === TBX_VCF && column === 8) {
      const end = infoEnd(line, b, i);
      if (end !== undefined && end > interval.beg) interval.end = end; // htslib ignores END <= POS - 1
    }
    b = i + 1;
    column++;
  }
  if (interval.nameEnd < 0 || interval.beg < 0 || interval.end < 0) return undefined;
  return interval;
}

// ---------------------------------------------------------------------------------------------------
// Reading the BGZF input line by line, with virtual offsets

/** A BGZF block with where the next block starts, which a line ending at the block's end points at. */
interface PlacedBlock {
  offset: number;
  next: number;
  data: Uint8Array;
}

async function* placedBlocks(path: string, size: number, signal?: AbortSignal): AsyncGenerator<PlacedBlock> {
  let previous: { offset: number; data: Uint8Array } | undefined;
  for await (const block of readBgzfBlocks(path, { start: 0 }, signal)) {
    if (previous) yield { ...previous, next: block.offset };
    previous = block;
  }
  if (previous) yield { ...previous, next: size };
}

/** Receives each line (without `\n`, and without a final `\r` as bgzf_getline drops it). */
type LineHandler = (line: Uint8Array, length: number, next: number) => void;

/**
 * Split blocks into lines. `next` is bgzf_tell after the line: past its newline, or the next block's
 * start (offset 0) when the newline is the block's last byte. Returns the final bgzf_tell: the end of
 * the last non-empty block, which is also where an unterminated last line ends.
 */
async function forEachLine(blocks: AsyncIterable<PlacedBlock>, onLine: LineHandler): Promise<number> {
  let pending: Uint8Array[] = [];
  let final = 0;
  const emit = (line: Uint8Array, next: number) => {
    const length = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    onLine(line, length, next);
  };
  for await (const block of blocks) {
    const data = block.data;
    if (data.length === 0) continue; // empty blocks (a mid-file EOF marker) are skipped by htslib too
    final = block.next * BLOCK_SHIFT;
    let from = 0;
    for (let newline = data.indexOf(NEWLINE); newline >= 0; newline = data.indexOf(NEWLINE, from)) {
      const piece = data.subarray(from, newline);
      const line = pending.length > 0 ? Buffer.concat([...pending, piece]) : piece;
      pending = [];
      from = newline + 1;
      emit(line, from === data.length ? final : block.offset * BLOCK_SHIFT + from);
    }
    if (from < data.length) pending.push(data.subarray(from));
  }
  if (pending.length > 0) emit(Buffer.concat(pending), final);
  return final;
}

// ---------------------------------------------------------------------------------------------------
// Checking the input, serialising and compressing the index

async function checkBgzf(path: string, preset: TabixPreset): Promise<number> {
  const size = await checkInputFile(path, preset.toUpperCase());
  const head = await readHead(path, 18);
  const compression = size >= 18 ? compressionOf(head) : 'none';
  const gzip = compression !== 'none';
  // htslib also wants the BC subfield to be the only extra field (XLEN 6).
  const bgzf = compression === 'bgzf' && head[10] === 6;
  if (!bgzf) {
    throw new LocusInputError(
      path,
      `"${path}" is ${gzip ? 'gzip but not BGZF' : size === 0 ? 'empty, not BGZF' : 'not compressed'}, so it cannot be tabix-indexed`,
      `compress it with bgzip (${gzip ? '`gzip -dc file | bgzip > file.gz`' : '`bgzip file`'}), or write it with Locus to a .gz path`,
    );
  }
  if (size >= MAX_FILE_BYTES) {
    throw new LocusInputError(path, `"${path}" is over 128 GiB`, 'index it with `tabix` instead');
  }
  return size;
}

/** Little-endian output of growing size. */
class ByteWriter {
  private buffer = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const bigger = Buffer.alloc(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  int32(value: number): void {
    this.reserve(4);
    this.buffer.writeInt32LE(value, this.length);
    this.length += 4;
  }

  uint32(value: number): void {
    this.reserve(4);
    this.buffer.writeUInt32LE(value, this.length);
    this.length += 4;
  }

  /** A non-negative safe integer, or UNSET for htslib's all-ones "no offset". */
  uint64(value: number): void {
    this.reserve(8);
    this.buffer.writeBigUInt64LE(value === UNSET ? 0xffffffffffffffffn : BigInt(value), this.length);
    this.length += 8;
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }
}

/** The uncompressed .tbi: header, names, then each reference's bins (bucket order) and linear index. */
function serialise(conf: TabixConf, references: readonly Reference[]): Buffer {
  const out = new ByteWriter();
  out.bytes(Buffer.from('TBI\x01', 'latin1'));
  out.int32(references.length);
  for (const field of [conf.format, conf.colSeq, conf.colBeg, conf.colEnd, conf.meta, conf.skip]) {
    out.int32(field);
  }
  out.int32(references.reduce((sum, r) => sum + r.name.length + 1, 0));
  for (const reference of references) out.bytes(Buffer.concat([reference.name, Uint8Array.of(0)]));
  for (const { bins, linear } of references) {
    let count = 0;
    for (let k = 0; k < bins.buckets; k++) if (bins.exists(k)) count++;
    out.int32(count);
    for (let k = 0; k < bins.buckets; k++) {
      if (!bins.exists(k)) continue;
      out.uint32(bins.key(k));
      out.int32(bins.value(k).length);
      for (const chunk of bins.value(k)) {
        out.uint64(chunk.u);
        out.uint64(chunk.v);
      }
    }
    out.int32(linear.length);
    for (const offset of linear) out.uint64(offset);
  }
  out.uint64(0); // n_no_coor: tabix input has no unplaced records
  return out.result();
}

/** BGZF-compressed, ending with the EOF marker block, as htslib writes an index. */
async function bgzf(data: Buffer): Promise<Buffer> {
  const blocks: Buffer[] = [];
  for (let from = 0; from < data.length; from += BGZF_BLOCK_INPUT) {
    blocks.push(await bgzfBlock(data.subarray(from, from + BGZF_BLOCK_INPUT)));
  }
  blocks.push(Buffer.from(BGZF_EOF));
  return Buffer.concat(blocks);
}

// ---------------------------------------------------------------------------------------------------
// Building

/** Lines tabix 1.16 skips without indexing (newer htslib refuses them); other unparsable lines are errors. */
function isIgnorable(preset: TabixPreset, line: Uint8Array, length: number): boolean {
  if (length === 0) return true;
  if (preset !== 'bed') return false;
  const text = Buffer.from(line.buffer, line.byteOffset, Math.min(length, 8)).toString('latin1');
  return /^(track|browser)(\s|$)/.test(text);
}

/** Runs tbx_index over the lines of one file, turning htslib's failures into LocusInputErrors. */
class TabixScan {
  private builder: IndexBuilder | undefined;
  private headerEnd = 0;
  private lineNumber = 0;
  private readonly tids = new Map<string, number>();
  private lastName: Buffer | undefined;
  private lastTid = -1;
  private readonly conf: TabixConf;

  constructor(
    private readonly path: string,
    private readonly preset: TabixPreset,
  ) {
    this.conf = PRESETS[preset];
  }

  line(line: Uint8Array, length: number, next: number): void {
    this.lineNumber++;
    if (this.lineNumber <= this.conf.skip || (length > 0 && line[0] === this.conf.meta)) {
      this.headerEnd = next;
      return;
    }
    // The first chunk starts after the last header line, even when the first data line is skipped.
    this.builder ??= new IndexBuilder(this.headerEnd);
    const interval = parseInterval(this.conf, line, length);
    if (!interval) {
      if (isIgnorable(this.preset, line, length)) return;
      throw this.error(line, length, 'is not a valid record', this.presetHint());
    }
    const tid = this.tid(line.subarray(interval.nameStart, interval.nameEnd));
    try {
      this.builder.push(tid, interval.beg, interval.end, next);
    } catch (err) {
      if (!(err instanceof RecordProblem)) throw err;
      const what =
        err.hint === SORT_HINT ? `is not sorted: line ${this.lineNumber}` : `line ${this.lineNumber}`;
      throw new LocusInputError(
        this.path,
        `"${this.path}" ${what} (${this.describe(line, length)}): ${err.message}`,
        err.hint,
      );
    }
  }

  finish(finalOffset: number): Reference[] {
    this.builder ??= new IndexBuilder(this.headerEnd);
    this.builder.finish(finalOffset);
    return this.builder.references;
  }

  private tid(name: Uint8Array): number {
    // Sorted input repeats the contig of the line above: compare bytes before making a string.
    const bytes = Buffer.from(name.buffer, name.byteOffset, name.length);
    if (this.lastName?.equals(bytes)) return this.lastTid;
    const key = bytes.toString('latin1');
    let tid = this.tids.get(key);
    if (tid === undefined) {
      tid = this.tids.size;
      this.tids.set(key, tid);
      this.builder!.references.push({
        name: Buffer.from(key, 'latin1'),
        bins: new BinTable(),
        linear: [],
        started: false,
      });
    }
    this.lastName = Buffer.from(key, 'latin1');
    this.lastTid = tid;
    return tid;
  }

  private presetHint(): string {
    return this.preset === 'vcf'
      ? 'a VCF record needs CHROM and an integer POS (was the right preset used?)'
      : 'a BED record needs chrom, an integer start and end (was the right preset used?)';
  }

  private describe(line: Uint8Array, length: number): string {
    const text = Buffer.from(line.buffer, line.byteOffset, Math.min(length, 60)).toString('utf8');
    return JSON.stringify(length > 60 ? `${text}...` : text);
  }

  private error(line: Uint8Array, length: number, problem: string, hint: string): LocusInputError {
    return new LocusInputError(
      this.path,
      `"${this.path}" line ${this.lineNumber} ${problem}: ${this.describe(line, length)}`,
      hint,
    );
  }
}

/**
 * Build `${path}.tbi` for a BGZF file sorted by (contig, start), exactly as `tabix -p <preset> path`
 * would (htslib 1.16). Written atomically (temp file + rename). Throws `LocusInputError` naming the
 * file and the fix when it is not BGZF, not sorted, or a contig reappears after another.
 */
export async function writeTabixIndex(
  path: string,
  preset: TabixPreset,
  options: TabixOptions = {},
): Promise<string> {
  if (!(preset in PRESETS)) throw new TypeError(`tabix preset must be 'vcf' or 'bed', got ${String(preset)}`);
  const size = await checkBgzf(path, preset);
  const scan = new TabixScan(path, preset);
  const final = await forEachLine(placedBlocks(path, size, options.signal), (line, length, next) =>
    scan.line(line, length, next),
  );
  const references = scan.finish(final);
  const index = `${path}.tbi`;
  const compressed = await bgzf(serialise(PRESETS[preset], references));
  options.signal?.throwIfAborted();
  await writeFileAtomic(index, compressed);
  return index;
}

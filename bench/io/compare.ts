/**
 * Correctness checks of the I/O benchmark: byte equality of two files, and a streaming comparison of
 * `locus pileup`'s TSV with `samtools mpileup`'s text output, position by position.
 */
import { open } from 'node:fs/promises';
import { LineReader } from './lines.js';

/** Result of comparing two files byte by byte. */
export interface FileComparison {
  identical: boolean;
  bytesA: number;
  bytesB: number;
  /** Offset of the first differing byte (or the length of the shorter file); absent when identical. */
  firstDifference?: number;
}

/** Streams both files and reports whether they are byte-identical. */
export async function compareFiles(pathA: string, pathB: string): Promise<FileComparison> {
  const [a, b] = await Promise.all([open(pathA, 'r'), open(pathB, 'r')]);
  try {
    const [statA, statB] = await Promise.all([a.stat(), b.stat()]);
    const size = 1 << 20;
    const bufA = Buffer.allocUnsafe(size);
    const bufB = Buffer.allocUnsafe(size);
    let offset = 0;
    for (;;) {
      const [ra, rb] = await Promise.all([a.read(bufA, 0, size, offset), b.read(bufB, 0, size, offset)]);
      const n = Math.min(ra.bytesRead, rb.bytesRead);
      if (bufA.compare(bufB, 0, n, 0, n) !== 0) {
        let i = 0;
        while (bufA[i] === bufB[i]) i++;
        return { identical: false, bytesA: statA.size, bytesB: statB.size, firstDifference: offset + i };
      }
      if (ra.bytesRead !== rb.bytesRead) {
        return { identical: false, bytesA: statA.size, bytesB: statB.size, firstDifference: offset + n };
      }
      if (n === 0) return { identical: true, bytesA: statA.size, bytesB: statB.size };
      offset += n;
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

/** Count columns, in the order of `locus pileup`'s TSV after `depth`. */
export const PILEUP_COUNT_COLUMNS = ['A', 'C', 'G', 'T', 'N', 'del', 'ins'] as const;
const A = 0, C = 1, G = 2, T = 3, N = 4, DEL = 5, INS = 6; // prettier-ignore

/** One pileup position, parsed from either tool's output. */
export interface PileupRow {
  contig: string;
  /** Index of the contig in the BAM header. */
  rank: number;
  /** 1-based. */
  pos: number;
  /** Upper-case reference base character code. */
  ref: number;
  depth: number;
  /** A, C, G, T, N, del, ins (both strands). */
  counts: Int32Array;
}

export function newPileupRow(): PileupRow {
  return {
    contig: '',
    rank: -1,
    pos: 0,
    ref: 0,
    depth: 0,
    counts: new Int32Array(PILEUP_COUNT_COLUMNS.length),
  };
}

/**
 * Contig names -> BAM header index, looked up from bytes without making a string per line (the
 * previous name is remembered: consecutive rows are nearly always on the same contig).
 */
export class ContigTable {
  private readonly rank: Map<string, number>;
  private last = Buffer.alloc(0);
  private lastName = '';
  private lastRank = -1;

  constructor(names: readonly string[]) {
    this.rank = new Map(names.map((name, i) => [name, i]));
  }

  /** Sets `row.contig` and `row.rank` from `buf[start, end)`; throws for a contig not in the header. */
  resolve(buf: Uint8Array, start: number, end: number, row: PileupRow): void {
    const length = end - start;
    let same = length === this.last.length && this.lastRank >= 0;
    for (let i = 0; same && i < length; i++) same = buf[start + i] === this.last[i];
    if (!same) {
      this.last = Buffer.from(buf.subarray(start, end));
      this.lastName = this.last.toString('latin1');
      const rank = this.rank.get(this.lastName);
      if (rank === undefined) throw new Error(`contig "${this.lastName}" is not in the BAM header`);
      this.lastRank = rank;
    }
    row.contig = this.lastName;
    row.rank = this.lastRank;
  }
}

/** Byte -> count column for read bases printed by samtools (A/C/G/T either case; other letters N). */
const BASE_COLUMN = new Int8Array(256).fill(N);
for (const [chars, column] of [
  ['Aa', A],
  ['Cc', C],
  ['Gg', G],
  ['Tt', T],
] as const) {
  for (const ch of chars) BASE_COLUMN[ch.charCodeAt(0)] = column;
}

function upper(code: number): number {
  return code >= 97 && code <= 122 ? code - 32 : code;
}

function text(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(end - start, 200)).toString('latin1');
}

/** Non-negative decimal integer in `buf[start, end)`; throws on anything else. */
function parseUint(buf: Uint8Array, start: number, end: number): number {
  if (end <= start) throw new Error('empty number');
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) throw new Error(`bad number "${text(buf, start, end)}"`);
    value = value * 10 + d;
  }
  return value;
}

/** Ends of the first `ends.length` tab-separated fields of `buf[start, end)`; returns how many were found. */
function fieldEnds(buf: Uint8Array, start: number, end: number, ends: Int32Array): number {
  let n = 0;
  for (let i = start; i < end && n < ends.length; i++) if (buf[i] === 9) ends[n++] = i;
  if (n < ends.length) ends[n++] = end;
  return n;
}

const mpileupEnds = new Int32Array(5);
const locusEnds = new Int32Array(11);

/**
 * Parses one line of `samtools mpileup` (one BAM: chrom, pos, ref, depth, bases, quals) in
 * `buf[start, end)` into `row`.
 *
 * Base column grammar (samtools 1.x): `.`/`,` a base equal to the reference; a letter a read base
 * (upper case forward, lower case reverse strand); `*` (or `#` with --reverse-del) a deletion;
 * `>`/`<` a reference skip (counted in depth only); `^` + one mapping-quality character at a read
 * start; `$` at a read end; `+N<seq>` an insertion after this position (counted in `ins`);
 * `-N<seq>` a deletion starting after this position (its `*`s come on the next rows, so not counted
 * here). A row with depth 0 prints `*` as a placeholder (no deletion).
 */
export function parseMpileupLine(
  buf: Uint8Array,
  start: number,
  end: number,
  row: PileupRow,
  contigs: ContigTable,
): void {
  const ends = mpileupEnds;
  if (fieldEnds(buf, start, end, ends) < 5) throw new Error('fewer than 5 columns');
  const e0 = ends[0]!, e1 = ends[1]!, e2 = ends[2]!, e3 = ends[3]!, e4 = ends[4]!; // prettier-ignore
  contigs.resolve(buf, start, e0, row);
  row.pos = parseUint(buf, e0 + 1, e1);
  row.ref = upper(buf[e1 + 1]!);
  row.depth = parseUint(buf, e2 + 1, e3);
  const counts = row.counts;
  counts.fill(0);
  if (row.depth === 0) return; // the bases column is the `*` placeholder
  const refColumn = BASE_COLUMN[row.ref]!;
  for (let i = e3 + 1; i < e4; i++) {
    const c = buf[i]!;
    switch (c) {
      case 46: // .
      case 44: // ,
        counts[refColumn]!++;
        break;
      case 42: // *
      case 35: // #
        counts[DEL]!++;
        break;
      case 94: // ^ and the mapping-quality character after it
        i++;
        break;
      case 36: // $
      case 62: // >
      case 60: // <
        break;
      case 43: // +N<seq>
      case 45: {
        // -N<seq>
        let j = i + 1;
        let length = 0;
        for (let d = buf[j]! - 48; j < e4 && d >= 0 && d <= 9; d = buf[++j]! - 48) length = length * 10 + d;
        if (j === i + 1) throw new Error(`indel without a length at ${row.contig}:${row.pos}`);
        if (c === 43) counts[INS]!++;
        i = j + length - 1;
        break;
      }
      default:
        counts[BASE_COLUMN[c]!]!++;
    }
  }
}

/** Parses one data line of `locus pileup` (chrom, pos, ref, depth, A, C, G, T, N, del, ins, ...). */
export function parseLocusLine(
  buf: Uint8Array,
  start: number,
  end: number,
  row: PileupRow,
  contigs: ContigTable,
): void {
  const ends = locusEnds;
  if (fieldEnds(buf, start, end, ends) < 11) throw new Error('fewer than 11 columns');
  contigs.resolve(buf, start, ends[0]!, row);
  row.pos = parseUint(buf, ends[0]! + 1, ends[1]!);
  row.ref = upper(buf[ends[1]! + 1]!);
  row.depth = parseUint(buf, ends[2]! + 1, ends[3]!);
  for (let k = 0; k < PILEUP_COUNT_COLUMNS.length; k++) {
    row.counts[k] = parseUint(buf, ends[3 + k]! + 1, ends[4 + k]!);
  }
}

/** A position where the two outputs differ (first few kept for the report). */
export interface PileupMismatch {
  contig: string;
  pos: number;
  /** `ref depth A C G T N del ins` per tool; null when the tool printed no row for this position. */
  locus: string | null;
  samtools: string | null;
}

export interface PileupComparison {
  /** Positions printed by either tool. */
  positions: number;
  /** Positions printed by both. */
  bothPrinted: number;
  /** Positions whose ref, depth or any count differs (a missing row counts as all zeros). */
  mismatches: number;
  rowsOnlyInLocus: number;
  rowsOnlyInSamtools: number;
  /** Mismatching positions per column. */
  columnMismatches: Record<string, number>;
  examples: PileupMismatch[];
  identical: boolean;
}

function describe(row: PileupRow): string {
  return `${String.fromCharCode(row.ref)} ${row.depth} ${Array.from(row.counts).join(' ')}`;
}

function isEmpty(row: PileupRow): boolean {
  return row.depth === 0 && row.counts.every((v) => v === 0);
}

const HEADER_START = Buffer.from('chrom\tpos\t', 'latin1');

function isHeader(buf: Buffer, start: number, end: number): boolean {
  return (
    end - start >= HEADER_START.length &&
    buf.compare(HEADER_START, 0, HEADER_START.length, start, start + HEADER_START.length) === 0
  );
}

/** Rows of one tool's output, in order, parsed into one reused `row`. */
class RowStream {
  readonly row = newPileupRow();
  /** Sort key of `row` (contig rank * 2^32 + pos); -1 at the end. */
  key = -1;
  private line = 0;

  constructor(
    private readonly reader: LineReader,
    private readonly contigs: ContigTable,
    private readonly parse: typeof parseLocusLine,
    private readonly skipHeader: boolean,
  ) {}

  /** Moves to the next row (sets `key`, -1 at the end); throws on bad or out-of-order lines. */
  async advance(): Promise<void> {
    const r = this.reader;
    for (;;) {
      if (!(r.takeLine() || (await r.readLine()))) {
        this.key = -1;
        return;
      }
      this.line++;
      if (r.lineEnd === r.lineStart) continue;
      if (this.line === 1 && this.skipHeader && isHeader(r.buffer, r.lineStart, r.lineEnd)) continue;
      break;
    }
    try {
      this.parse(r.buffer, r.lineStart, r.lineEnd, this.row, this.contigs);
    } catch (err) {
      throw new Error(`${r.path}, line ${this.line}: ${(err as Error).message}: ${r.lineText()}`);
    }
    const key = this.row.rank * 2 ** 32 + this.row.pos;
    if (key <= this.key) throw new Error(`${r.path}, line ${this.line}: rows out of order: ${r.lineText()}`);
    this.key = key;
  }
}

/**
 * Streams `locus pileup`'s TSV and `samtools mpileup`'s output together (both sorted by contig, in
 * `contigOrder` = the BAM header's order, then position) and compares ref, depth and the seven
 * counts at every position either prints.
 */
export async function comparePileup(
  locusPath: string,
  samtoolsPath: string,
  contigOrder: readonly string[],
  maxExamples = 10,
): Promise<PileupComparison> {
  const result: PileupComparison = {
    positions: 0,
    bothPrinted: 0,
    mismatches: 0,
    rowsOnlyInLocus: 0,
    rowsOnlyInSamtools: 0,
    columnMismatches: Object.fromEntries(['ref', 'depth', ...PILEUP_COUNT_COLUMNS].map((k) => [k, 0])),
    examples: [],
    identical: false,
  };
  const zero = newPileupRow();

  /** Compares two rows (null: that tool printed none, compared as all zeros). */
  const check = (lr: PileupRow | null, sr: PileupRow | null): void => {
    const a = lr ?? zero;
    const b = sr ?? zero;
    let differs = false;
    const bump = (column: string) => {
      result.columnMismatches[column]!++;
      differs = true;
    };
    if (lr && sr && a.ref !== b.ref) bump('ref');
    if (a.depth !== b.depth) bump('depth');
    for (let k = 0; k < PILEUP_COUNT_COLUMNS.length; k++) {
      if (a.counts[k] !== b.counts[k]) bump(PILEUP_COUNT_COLUMNS[k]!);
    }
    if (!differs) return;
    result.mismatches++;
    if (result.examples.length < maxExamples) {
      const where = lr ?? sr!;
      result.examples.push({
        contig: where.contig,
        pos: where.pos,
        locus: lr ? describe(lr) : null,
        samtools: sr ? describe(sr) : null,
      });
    }
  };

  const locusReader = await LineReader.open(locusPath);
  const samtoolsReader = await LineReader.open(samtoolsPath);
  try {
    const l = new RowStream(locusReader, new ContigTable(contigOrder), parseLocusLine, true);
    const s = new RowStream(samtoolsReader, new ContigTable(contigOrder), parseMpileupLine, false);
    await l.advance();
    await s.advance();
    while (l.key >= 0 || s.key >= 0) {
      result.positions++;
      if (l.key >= 0 && (s.key < 0 || l.key < s.key)) {
        result.rowsOnlyInLocus++;
        if (!isEmpty(l.row)) check(l.row, null);
        await l.advance();
      } else if (s.key >= 0 && (l.key < 0 || s.key < l.key)) {
        result.rowsOnlyInSamtools++;
        if (!isEmpty(s.row)) check(null, s.row);
        await s.advance();
      } else {
        result.bothPrinted++;
        check(l.row, s.row);
        await l.advance();
        await s.advance();
      }
    }
  } finally {
    await Promise.all([locusReader.close(), samtoolsReader.close()]);
  }
  result.identical =
    result.mismatches === 0 &&
    result.rowsOnlyInLocus === 0 &&
    result.rowsOnlyInSamtools === 0 &&
    result.positions > 0;
  return result;
}

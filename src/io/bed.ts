/**
 * BED (UCSC browser extensible data), 3 to 12 columns: chrom, start, end, name, score, strand,
 * thickStart, thickEnd, itemRgb, blockCount, blockSizes, blockStarts.
 *
 * BED coordinates are already 0-based half-open, like Locus's own, so nothing is shifted.
 * The reader accepts what `bedtools` and UCSC's `bedToBigBed` accept and rejects the rest row by row,
 * naming the file and line: a bad row silently skipped or misread turns into wrong results later.
 * The writer gives every row the same number of columns (bedtools refuses files that mix them).
 */
import { LocusInputError } from '../errors.js';
import {
  readTextLines,
  sourceName,
  splitTextLines,
  writeRecordLines,
  type TextLine,
  type TextSource,
  type TextTarget,
} from './text-lines.js';

export type Strand = '+' | '-' | '.';

/** Standard column counts a BED file can have: blockCount, blockSizes and blockStarts come together. */
export type BedColumns = 3 | 4 | 5 | 6 | 7 | 8 | 9 | 12;

export interface BedRecord {
  chrom: string;
  /** 0-based start. */
  start: number;
  /** Exclusive end; `start === end` is an empty interval (an insertion point). */
  end: number;
  name?: string;
  /** UCSC wants 0-1000; bedtools and peak callers write any number, so any finite number is kept. */
  score?: number;
  strand?: Strand;
  /** Start of the thick (coding) part; 0 together with thickEnd 0 means "no thick part" (UCSC). */
  thickStart?: number;
  thickEnd?: number;
  /** `0`, `.`, a packed integer or `R,G,B`, as written. */
  itemRgb?: string;
  /** Block (exon) sizes; blockCount is their number. */
  blockSizes?: number[];
  /** Block starts relative to `start`, ascending; the first is 0 and the last block ends at `end`. */
  blockStarts?: number[];
  /** Columns after the standard ones (BED6+4 narrowPeak...), as text; only with `columns` on read. */
  extra?: string[];
}

export interface BedReadOptions {
  /**
   * How many leading columns are standard BED; the rest go to `extra`. Default: every column, which
   * must then be at most 12. Give 6 for narrowPeak/broadPeak (BED6+4, BED6+3).
   */
  columns?: BedColumns;
  signal?: AbortSignal;
}

export interface BedWriteOptions {
  /**
   * Standard columns on every row. Default: the fewest that hold every field set on any record of an
   * array, or on the first record of a stream. Missing fields are filled (name `.`, score 0, strand
   * `.`, thick part = whole interval, itemRgb 0, one block); a field that does not fit is an error.
   */
  columns?: BedColumns;
  /** A `track` line to put first, e.g. `{ name: 'peaks', description: 'Locus scan' }`. */
  track?: Readonly<Record<string, string | number>>;
  signal?: AbortSignal;
}

/** A decimal number as C's strtod reads it (no hex, no inf/nan): what bedtools and UCSC tools accept. */
export const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

const STANDARD_COLUMNS: readonly BedColumns[] = [3, 4, 5, 6, 7, 8, 9, 12];

/** The column each optional field lives in (1-based), for "needs N columns" checks. */
const FIELD_COLUMN = {
  name: 4,
  score: 5,
  strand: 6,
  thickStart: 7,
  thickEnd: 8,
  itemRgb: 9,
  blockSizes: 12,
  blockStarts: 12,
} as const;

/** A problem with a record's values, phrased for both readers (file/line) and writers (record #). */
interface Problem {
  problem: string;
  hint: string;
}

const COORDINATE_HINT = 'BED is 0-based half-open: start <= end, both non-negative integers';
const BLOCK_HINT =
  'blockSizes and blockStarts need blockCount comma-separated entries, blockStarts ascending from 0, and the last block must end at end - start';

/** Checks shared by reader and writer, so what Locus writes it can read back, and bedtools too. */
function checkValues(r: BedRecord): Problem | undefined {
  if (r.start > r.end) {
    return { problem: `start ${r.start} is after end ${r.end}`, hint: COORDINATE_HINT };
  }
  if (r.thickStart !== undefined || r.thickEnd !== undefined) {
    const thickStart = r.thickStart ?? r.start;
    const thickEnd = r.thickEnd ?? r.end;
    // UCSC's rule: 0 stands for "no thick part"; any other value must lie inside [start, end].
    const outside = (x: number) => x !== 0 && (x < r.start || x > r.end);
    if (thickEnd < thickStart || outside(thickStart) || outside(thickEnd)) {
      return {
        problem: `thickStart ${thickStart} / thickEnd ${thickEnd} are not inside ${r.start}-${r.end} in order`,
        hint: 'thickStart <= thickEnd, each between start and end (or 0 when there is no thick part)',
      };
    }
  }
  if (r.itemRgb !== undefined && !isItemRgb(r.itemRgb)) {
    return {
      problem: `itemRgb "${r.itemRgb}" is not a colour`,
      hint: 'write itemRgb as R,G,B with each 0-255 (e.g. 255,0,0), or 0 for none',
    };
  }
  if (r.blockSizes !== undefined || r.blockStarts !== undefined) {
    const sizes = r.blockSizes ?? [];
    const starts = r.blockStarts ?? [];
    if (sizes.length === 0 || sizes.length !== starts.length) {
      return {
        problem: `${sizes.length} blockSizes but ${starts.length} blockStarts`,
        hint: BLOCK_HINT,
      };
    }
    if (starts[0] !== 0) return { problem: `the first blockStart is ${starts[0]}, not 0`, hint: BLOCK_HINT };
    for (let i = 1; i < starts.length; i++) {
      if (starts[i]! < starts[i - 1]! + sizes[i - 1]!) {
        return {
          problem: `block ${i + 1} starts before block ${i} ends (overlap or not ascending)`,
          hint: BLOCK_HINT,
        };
      }
    }
    const last = starts.length - 1;
    const blocksEnd = r.start + starts[last]! + sizes[last]!;
    if (blocksEnd !== r.end) {
      return { problem: `the last block ends at ${blocksEnd}, not at end ${r.end}`, hint: BLOCK_HINT };
    }
  }
  return undefined;
}

function isItemRgb(text: string): boolean {
  if (text === '.' || /^\d+$/.test(text)) return true;
  const parts = text.split(',');
  return parts.length === 3 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** Turns lines into records, one line at a time, remembering the column count of the first row. */
class BedLineParser {
  private fieldCount: number | undefined;
  private firstRowLine = 0;

  constructor(
    private readonly source: string,
    private readonly options: BedReadOptions,
  ) {
    if (options.columns !== undefined && !STANDARD_COLUMNS.includes(options.columns)) {
      throw new RangeError(
        `BED columns must be one of ${STANDARD_COLUMNS.join(', ')}, got ${options.columns}`,
      );
    }
  }

  private fail(line: number, problem: string, hint: string): never {
    throw new LocusInputError(this.source, `BED "${this.source}" line ${line}: ${problem}`, hint);
  }

  parse({ text, number }: TextLine): BedRecord | undefined {
    if (isHeaderLine(text)) return undefined;
    const fields = text.split('\t');
    if (fields.length < 3) {
      this.fail(
        number,
        `${fields.length} column${fields.length === 1 ? '' : 's'} where BED needs at least 3 (chrom, start, end)`,
        /\s/.test(text)
          ? 'separate BED columns with tabs, not spaces'
          : 'every data line needs chrom, start and end separated by tabs',
      );
    }
    if (this.fieldCount === undefined) {
      const standard = this.options.columns ?? fields.length;
      const plusHint =
        'for BED3+N formats (narrowPeak is BED6+4) read with the `columns` option (e.g. columns: 6)';
      if (standard > 12) this.fail(number, `${fields.length} columns; BED has at most 12`, plusHint);
      if (standard === 10 || standard === 11) {
        this.fail(
          number,
          `${standard} columns; blockCount, blockSizes and blockStarts (columns 10-12) come together`,
          plusHint,
        );
      }
      if (fields.length < standard) {
        this.fail(
          number,
          `${fields.length} columns where ${standard} were asked for`,
          'check the `columns` option',
        );
      }
      this.fieldCount = fields.length;
      this.firstRowLine = number;
    } else if (fields.length !== this.fieldCount) {
      this.fail(
        number,
        `${fields.length} columns, but line ${this.firstRowLine} has ${this.fieldCount}`,
        'every row of a BED file needs the same number of tab-separated columns',
      );
    }
    const standard = this.options.columns ?? fields.length;
    const empty = fields.findIndex((f, i) => i < standard && f === '');
    if (empty >= 0) {
      this.fail(number, `column ${empty + 1} is empty`, 'check for doubled or trailing tabs');
    }

    const integer = (column: number, what: string): number => {
      const text = fields[column - 1]!;
      const value = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
        this.fail(
          number,
          `${what} "${text}" (column ${column}) is not a non-negative integer`,
          what === 'start' || what === 'end' ? COORDINATE_HINT : `write ${what} as a whole number`,
        );
      }
      return value;
    };
    const integers = (column: number, what: string): number[] => {
      const text = fields[column - 1]!.replace(/,$/, ''); // UCSC writes a trailing comma
      return text.split(',').map((part) => {
        const value = Number(part);
        if (!/^\d+$/.test(part) || !Number.isSafeInteger(value)) {
          this.fail(
            number,
            `${what} "${fields[column - 1]}" (column ${column}) is not a list of integers`,
            BLOCK_HINT,
          );
        }
        return value;
      });
    };

    const record: BedRecord = {
      chrom: fields[0]!,
      start: integer(2, 'start'),
      end: integer(3, 'end'),
    };
    if (/\s/.test(record.chrom)) {
      this.fail(
        number,
        `chrom "${record.chrom}" contains a space`,
        'separate BED columns with tabs, not spaces',
      );
    }
    if (standard >= 4) record.name = fields[3]!;
    if (standard >= 5) {
      const text = fields[4]!;
      const value = Number(text);
      if (text !== '.') {
        if (!FLOAT.test(text) || !Number.isFinite(value)) {
          this.fail(
            number,
            `score "${text}" (column 5) is not a number`,
            'write score as a number (UCSC: 0-1000)',
          );
        }
        record.score = value;
      }
    }
    if (standard >= 6) {
      const strand = fields[5]!;
      if (strand !== '+' && strand !== '-' && strand !== '.') {
        this.fail(
          number,
          `strand "${strand}" (column 6) is not +, - or .`,
          'write strand as +, - or . (unknown)',
        );
      }
      record.strand = strand;
    }
    if (standard >= 7) record.thickStart = integer(7, 'thickStart');
    if (standard >= 8) record.thickEnd = integer(8, 'thickEnd');
    if (standard >= 9) record.itemRgb = fields[8]!;
    if (standard >= 12) {
      const count = integer(10, 'blockCount');
      record.blockSizes = integers(11, 'blockSizes');
      record.blockStarts = integers(12, 'blockStarts');
      if (count !== record.blockSizes.length || count !== record.blockStarts.length) {
        this.fail(
          number,
          `blockCount is ${count} but there are ${record.blockSizes.length} blockSizes and ${record.blockStarts.length} blockStarts`,
          BLOCK_HINT,
        );
      }
    }
    if (fields.length > standard) record.extra = fields.slice(standard);
    const problem = checkValues(record);
    if (problem) this.fail(number, problem.problem, problem.hint);
    return record;
  }
}

/** `track` and `browser` lines (UCSC), `#` comments and blank lines carry no records. */
function isHeaderLine(text: string): boolean {
  return (
    text.trim() === '' || text.startsWith('#') || /^track(\s|$)/.test(text) || /^browser(\s|$)/.test(text)
  );
}

/** Records of a BED file (plain, gzip or bgzip), one at a time. */
export async function* iterateBed(
  source: TextSource,
  options: BedReadOptions = {},
): AsyncGenerator<BedRecord> {
  const parser = new BedLineParser(sourceName(source), options);
  for await (const line of readTextLines(source, { signal: options.signal, kind: 'BED' })) {
    const record = parser.parse(line);
    if (record) yield record;
  }
}

/** All records of a BED file (plain, gzip or bgzip). */
export async function readBed(source: TextSource, options: BedReadOptions = {}): Promise<BedRecord[]> {
  const records: BedRecord[] = [];
  for await (const record of iterateBed(source, options)) records.push(record);
  return records;
}

/** Records of BED text already in memory; `source` names it in error messages. */
export function parseBed(text: string, options: BedReadOptions & { source?: string } = {}): BedRecord[] {
  const parser = new BedLineParser(options.source ?? '<text>', options);
  const records: BedRecord[] = [];
  for (const line of splitTextLines(text)) {
    const record = parser.parse(line);
    if (record) records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------------
// Writing

/** The fewest standard columns that hold every field set on `record`. */
export function bedColumnsOf(record: BedRecord): BedColumns {
  let needed = 3;
  for (const [field, column] of Object.entries(FIELD_COLUMN)) {
    if (record[field as keyof typeof FIELD_COLUMN] !== undefined) needed = Math.max(needed, column);
  }
  return needed as BedColumns;
}

/** The fewest standard columns that hold every record's fields. */
function widest(records: readonly BedRecord[]): BedColumns {
  let most: BedColumns = 3;
  for (const record of records) most = Math.max(most, bedColumnsOf(record)) as BedColumns;
  return most;
}

function describe(record: BedRecord, index: number): string {
  return `BED record #${index + 1} (${record.chrom}:${record.start}-${record.end})`;
}

function checkForWriting(record: BedRecord, index: number, columns: BedColumns, extraCount: number): void {
  const where = describe(record, index);
  if (typeof record.chrom !== 'string' || record.chrom === '' || /\s/.test(record.chrom)) {
    throw new TypeError(`${where}: chrom must be a non-empty string without whitespace`);
  }
  for (const field of ['start', 'end', 'thickStart', 'thickEnd'] as const) {
    const value = record[field];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(`${where}: ${field} must be a non-negative integer, got ${value}`);
    }
  }
  for (const field of ['blockSizes', 'blockStarts'] as const) {
    const list = record[field];
    if (list !== undefined && !list.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new RangeError(`${where}: ${field} must be non-negative integers`);
    }
  }
  if (record.score !== undefined && !Number.isFinite(record.score)) {
    throw new RangeError(`${where}: score must be a finite number, got ${record.score}`);
  }
  if (record.strand !== undefined && !['+', '-', '.'].includes(record.strand)) {
    throw new TypeError(`${where}: strand must be +, - or ., got ${String(record.strand)}`);
  }
  if (record.name !== undefined && (record.name === '' || /[\t\r\n]/.test(record.name))) {
    throw new TypeError(`${where}: name must be non-empty without tabs or newlines`);
  }
  const needed = bedColumnsOf(record);
  if (needed > columns) {
    throw new TypeError(
      `${where} has fields for ${needed} columns but the file has ${columns}; pass columns: ${needed}`,
    );
  }
  const extra = record.extra ?? [];
  if (extra.length !== extraCount) {
    throw new TypeError(`${where} has ${extra.length} extra columns but the first record has ${extraCount}`);
  }
  if (extra.some((v) => v === '' || /[\t\r\n]/.test(v))) {
    throw new TypeError(`${where}: extra columns must be non-empty without tabs or newlines`);
  }
  const problem = checkValues(record);
  if (problem) throw new RangeError(`${where}: ${problem.problem} (${problem.hint})`);
}

/** One BED row (no newline) with exactly `columns` standard columns, missing fields filled. */
export function formatBedRecord(record: BedRecord, columns: BedColumns = bedColumnsOf(record)): string {
  checkForWriting(record, 0, columns, record.extra?.length ?? 0);
  return formatChecked(record, columns);
}

function formatChecked(r: BedRecord, columns: BedColumns): string {
  const out: (string | number)[] = [r.chrom, r.start, r.end];
  if (columns >= 4) out.push(r.name ?? '.');
  if (columns >= 5) out.push(r.score ?? 0);
  if (columns >= 6) out.push(r.strand ?? '.');
  if (columns >= 7) out.push(r.thickStart ?? r.start);
  if (columns >= 8) out.push(r.thickEnd ?? r.end);
  if (columns >= 9) out.push(r.itemRgb ?? '0');
  if (columns >= 12) {
    const sizes = r.blockSizes ?? [r.end - r.start];
    const starts = r.blockStarts ?? [0];
    out.push(sizes.length, sizes.join(','), starts.join(','));
  }
  if (r.extra) out.push(...r.extra);
  return out.join('\t');
}

/** A UCSC `track` line: `track key=value key="value with spaces"`. Shared with bedGraph. */
export function formatTrackLine(fields: Readonly<Record<string, string | number>>): string {
  const parts = ['track'];
  for (const [key, value] of Object.entries(fields)) {
    const text = String(value);
    if (!/^\w+$/.test(key)) throw new TypeError(`track line key "${key}" must be letters, digits or _`);
    if (/["\r\n]/.test(text))
      throw new TypeError(`track line value for ${key} must not contain quotes or newlines`);
    parts.push(/^[\w.+-]+$/.test(text) ? `${key}=${text}` : `${key}="${text}"`);
  }
  return parts.join(' ');
}

/** The lines of a BED file, each ending in `\n`, for writing to a stream or file. */
export async function* bedLines(
  records: Iterable<BedRecord> | AsyncIterable<BedRecord>,
  options: BedWriteOptions = {},
): AsyncGenerator<string> {
  if (options.columns !== undefined && !STANDARD_COLUMNS.includes(options.columns)) {
    throw new RangeError(`BED columns must be one of ${STANDARD_COLUMNS.join(', ')}, got ${options.columns}`);
  }
  // An array can be scanned first so every row gets the columns of the fullest record.
  let columns = options.columns ?? (Array.isArray(records) ? widest(records as BedRecord[]) : undefined);
  if (options.track) yield `${formatTrackLine(options.track)}\n`;
  let index = 0;
  let extraCount = 0;
  for await (const record of records) {
    options.signal?.throwIfAborted();
    if (index === 0) extraCount = record.extra?.length ?? 0;
    columns ??= bedColumnsOf(record);
    checkForWriting(record, index, columns, extraCount);
    yield `${formatChecked(record, columns)}\n`;
    index++;
  }
}

/** The order `bedtools sort` gives (contig name, then start, then end): sort with it and bedtools leaves the file as it is. */
export function byBedPosition<T extends { chrom: string; start: number; end: number }>(a: T, b: T): number {
  return a.chrom < b.chrom ? -1 : a.chrom > b.chrom ? 1 : a.start - b.start || a.end - b.end;
}

/** BED text for records in memory. */
export function formatBed(
  records: Iterable<BedRecord>,
  options: Omit<BedWriteOptions, 'signal'> = {},
): string {
  const list = [...records];
  const columns = options.columns ?? widest(list);
  const extraCount = list[0]?.extra?.length ?? 0;
  const lines = list.map((record, i) => {
    checkForWriting(record, i, columns, extraCount);
    return `${formatChecked(record, columns)}\n`;
  });
  return (options.track ? `${formatTrackLine(options.track)}\n` : '') + lines.join('');
}

/**
 * Write BED to a path (atomically; BGZF when it ends in `.gz`) or to an open stream such as
 * `process.stdout`. Resolves to the number of records written.
 */
export async function writeBed(
  target: TextTarget,
  records: Iterable<BedRecord> | AsyncIterable<BedRecord>,
  options: BedWriteOptions = {},
): Promise<number> {
  return writeRecordLines(target, bedLines(records, options), options.track ? 1 : 0);
}

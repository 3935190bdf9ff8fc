/**
 * bedGraph: chrom, start, end, value per row (0-based half-open, like BED), with an optional
 * `track type=bedGraph ...` line first. Locus writes per-base scores (attention, anomaly) in it so
 * IGV, JBrowse and `bedGraphToBigWig` can show them.
 */
import { LocusInputError } from '../errors.js';
import { FLOAT, formatTrackLine } from './bed.js';
import {
  readTextLines,
  sourceName,
  splitTextLines,
  writeRecordLines,
  type TextLine,
  type TextSource,
  type TextTarget,
} from './text-lines.js';

export interface BedGraphRecord {
  chrom: string;
  /** 0-based start. */
  start: number;
  /** Exclusive end. */
  end: number;
  value: number;
}

export interface BedGraphReadOptions {
  signal?: AbortSignal;
}

export interface BedGraphWriteOptions {
  /**
   * Write a `track type=bedGraph` line first: `true` for the bare line, or more fields
   * (`{ name: 'attention', description: '...' }`). Default: no track line.
   */
  track?: boolean | Readonly<Record<string, string | number>>;
  signal?: AbortSignal;
}

const COORDINATE_HINT = 'bedGraph is 0-based half-open: start <= end, both non-negative integers';

class BedGraphLineParser {
  constructor(private readonly source: string) {}

  private fail(line: number, problem: string, hint: string): never {
    throw new LocusInputError(this.source, `bedGraph "${this.source}" line ${line}: ${problem}`, hint);
  }

  parse({ text, number }: TextLine): BedGraphRecord | undefined {
    if (text.trim() === '' || text.startsWith('#') || /^browser(\s|$)/.test(text)) return undefined;
    if (/^track(\s|$)/.test(text)) {
      const type = /\btype=("?)([^\s"]*)\1/.exec(text)?.[2];
      if (type !== undefined && type !== 'bedGraph') {
        this.fail(number, `the track line says type=${type}, not type=bedGraph`, 'give a bedGraph file');
      }
      return undefined;
    }
    const fields = text.split('\t');
    if (fields.length !== 4) {
      this.fail(
        number,
        `${fields.length} column${fields.length === 1 ? '' : 's'} where bedGraph has 4 (chrom, start, end, value)`,
        /\s/.test(text) && fields.length < 4
          ? 'separate bedGraph columns with tabs, not spaces'
          : 'write each row as chrom, start, end and value separated by tabs',
      );
    }
    const [chrom, startText, endText, valueText] = fields as [string, string, string, string];
    if (chrom === '' || /\s/.test(chrom)) {
      this.fail(number, `chrom "${chrom}" is empty or contains a space`, 'separate columns with tabs');
    }
    const integer = (text: string, what: string): number => {
      const value = Number(text);
      if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
        this.fail(number, `${what} "${text}" is not a non-negative integer`, COORDINATE_HINT);
      }
      return value;
    };
    const start = integer(startText, 'start');
    const end = integer(endText, 'end');
    if (start > end) this.fail(number, `start ${start} is after end ${end}`, COORDINATE_HINT);
    const value = Number(valueText);
    if (!FLOAT.test(valueText) || !Number.isFinite(value)) {
      this.fail(
        number,
        `value "${valueText}" is not a number`,
        'write the value (column 4) as a decimal number',
      );
    }
    return { chrom, start, end, value };
  }
}

/** Records of a bedGraph file (plain, gzip or bgzip), one at a time. */
export async function* iterateBedGraph(
  source: TextSource,
  options: BedGraphReadOptions = {},
): AsyncGenerator<BedGraphRecord> {
  const parser = new BedGraphLineParser(sourceName(source));
  for await (const line of readTextLines(source, { signal: options.signal, kind: 'bedGraph' })) {
    const record = parser.parse(line);
    if (record) yield record;
  }
}

/** All records of a bedGraph file (plain, gzip or bgzip). */
export async function readBedGraph(
  source: TextSource,
  options: BedGraphReadOptions = {},
): Promise<BedGraphRecord[]> {
  const records: BedGraphRecord[] = [];
  for await (const record of iterateBedGraph(source, options)) records.push(record);
  return records;
}

/** Records of bedGraph text already in memory; `source` names it in error messages. */
export function parseBedGraph(text: string, options: { source?: string } = {}): BedGraphRecord[] {
  const parser = new BedGraphLineParser(options.source ?? '<text>');
  const records: BedGraphRecord[] = [];
  for (const line of splitTextLines(text)) {
    const record = parser.parse(line);
    if (record) records.push(record);
  }
  return records;
}

/** One bedGraph row, no newline. Values use JavaScript's shortest round-trip decimal form. */
export function formatBedGraphRecord(record: BedGraphRecord, index = 0): string {
  const where = `bedGraph record #${index + 1} (${record.chrom}:${record.start}-${record.end})`;
  if (typeof record.chrom !== 'string' || record.chrom === '' || /\s/.test(record.chrom)) {
    throw new TypeError(`${where}: chrom must be a non-empty string without whitespace`);
  }
  if (!Number.isSafeInteger(record.start) || !Number.isSafeInteger(record.end) || record.start < 0) {
    throw new RangeError(`${where}: start and end must be non-negative integers`);
  }
  if (record.start > record.end) throw new RangeError(`${where}: start is after end`);
  if (typeof record.value !== 'number' || !Number.isFinite(record.value)) {
    throw new RangeError(`${where}: value must be a finite number, got ${record.value}`);
  }
  return `${record.chrom}\t${record.start}\t${record.end}\t${record.value}`;
}

function trackLine(track: BedGraphWriteOptions['track']): string | undefined {
  if (!track) return undefined;
  return formatTrackLine({ ...(track === true ? {} : track), type: 'bedGraph' });
}

/** The lines of a bedGraph file, each ending in `\n`. */
export async function* bedGraphLines(
  records: Iterable<BedGraphRecord> | AsyncIterable<BedGraphRecord>,
  options: BedGraphWriteOptions = {},
): AsyncGenerator<string> {
  const track = trackLine(options.track);
  if (track) yield `${track}\n`;
  let index = 0;
  for await (const record of records) {
    options.signal?.throwIfAborted();
    yield `${formatBedGraphRecord(record, index++)}\n`;
  }
}

/** bedGraph text for records in memory. */
export function formatBedGraph(
  records: Iterable<BedGraphRecord>,
  options: Omit<BedGraphWriteOptions, 'signal'> = {},
): string {
  const track = trackLine(options.track);
  const lines = [...records].map((r, i) => `${formatBedGraphRecord(r, i)}\n`);
  return (track ? `${track}\n` : '') + lines.join('');
}

/**
 * Write bedGraph to a path (atomically; BGZF when it ends in `.gz`) or to an open stream.
 * Resolves to the number of records written.
 */
export async function writeBedGraph(
  target: TextTarget,
  records: Iterable<BedGraphRecord> | AsyncIterable<BedGraphRecord>,
  options: BedGraphWriteOptions = {},
): Promise<number> {
  return writeRecordLines(target, bedGraphLines(records, options), options.track ? 1 : 0);
}

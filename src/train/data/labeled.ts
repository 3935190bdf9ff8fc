/**
 * Labeled sequences for fine-tuning (classification), from the files people already have:
 *
 * - a table with a header naming `sequence` and `label` columns, tab- or comma-separated (the
 *   delimiter is read from the header line; other columns are ignored), as DNABERT-2's
 *   `train.csv`/`dev.csv`/`test.csv` are;
 * - FASTA whose header description holds `label=X` (`>seq1 label=1`);
 * - BED intervals cut from a reference FASTA, the class in the name column (column 4) or another
 *   column; intervals on the '-' strand are reverse-complemented. The whole `[start, end)` is cut
 *   (BED12 blocks are not spliced).
 *
 * Labels are either all non-negative integers, used as class ids as written (`classes` is then
 * "0".."max"), or all names (starting with a letter), given class ids in order of first appearance;
 * `classes[id]` maps back. Pass `classes` (e.g. the training set's) to read another file with the
 * same mapping. Sequences may have any length; soft-masked lowercase is kept. Letters are the IUPAC
 * DNA codes (ACGT, N, RYSWKMBDHV) in either case.
 *
 * A bad row is an error that names the file, the line and the fix; nothing is skipped silently.
 */
import { extname } from 'node:path';
import { LocusInputError } from '../../errors.js';
import { parseBed, type BedColumns } from '../../io/bed.js';
import { readTextLines } from '../../io/text-lines.js';
import { reverseComplement } from '../../tokenize/reverse-complement.js';
import { readNumberedFasta, lineOf } from './fasta-lines.js';
import { openGenome, type GenomeLoad } from './genome.js';

export interface LabeledSequence {
  /** Record name (FASTA), BED name or region, or `line N` for table rows. */
  id: string;
  /** Bases as read (soft-masking kept); reverse-complemented for '-' BED intervals. */
  sequence: string;
  /** Class id, an index into the set's `classes`. */
  label: number;
  /** File and 1-based line the sequence came from (the header line for FASTA). */
  file: string;
  line: number;
  /** Genome coordinates, 0-based half-open, where known (BED; dm3). */
  region?: { contig: string; start: number; end: number; strand: '+' | '-' };
}

export interface LabeledSet {
  /** The file(s) read. */
  source: string;
  items: LabeledSequence[];
  /** `classes[id]` is the label as written in the file. */
  classes: string[];
  /** Sequences per class id. */
  classCounts: number[];
}

export interface LabelOptions {
  /** Fixed class list (id = index); every label must be one of them. Default: from the file. */
  classes?: readonly string[];
  signal?: AbortSignal;
}

export interface LabeledBedOptions extends LabelOptions {
  /** 1-based column holding the class. Default 4 (name). Columns 1-3 are coordinates. */
  labelColumn?: number;
  /** How the reference is read; default 'auto' (index for plain/bgzip, memory for gzip). */
  load?: GenomeLoad;
}

export interface ReadLabeledOptions extends LabeledBedOptions {
  /** Reference FASTA, needed for BED input. */
  reference?: string;
  /** Input format; default from the file name (.tsv/.csv/.txt, .fa/.fasta/.fna, .bed, optionally .gz). */
  format?: 'table' | 'fasta' | 'bed';
}

/** The largest integer label accepted: a larger one is almost always the wrong column. */
export const MAX_INTEGER_LABEL = 65_535;

const IUPAC = /[^ACGTNRYSWKMBDHVacgtnryswkmbdhv]/;
const INTEGER_LABEL = /^\d+$/;
const NAME_LABEL = /^[A-Za-z][\w.:+-]*$/;
const LABEL_HINT =
  'labels are non-negative integers (0, 1, 2, ...) or names that start with a letter (promoter, enhancer, ...)';

/** Index of the first character that is not an IUPAC DNA code, or -1. */
export function findNonIupac(sequence: string): number {
  const match = IUPAC.exec(sequence);
  return match ? match.index : -1;
}

function describeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  return code >= 33 && code < 127 ? `"${ch}"` : `character code ${code}`;
}

/** Checks shared by the readers: `fail(line, problem, hint)` throws for the right file. */
type Fail = (line: number, problem: string, hint: string) => never;

function failFor(kind: string, path: string): Fail {
  return (line, problem, hint) => {
    throw new LocusInputError(path, `${kind} "${path}" line ${line}: ${problem}`, hint);
  };
}

function checkSequence(sequence: string, line: number, fail: Fail, lineOfIndex?: (i: number) => number) {
  if (sequence === '') fail(line, 'empty sequence', 'every row needs a non-empty sequence; remove the row');
  const bad = findNonIupac(sequence);
  if (bad >= 0) {
    const ch = sequence[bad]!;
    fail(
      lineOfIndex ? lineOfIndex(bad) : line,
      `${describeChar(ch)} at base ${bad + 1} is not a DNA base`,
      ch === 'U' || ch === 'u'
        ? 'this looks like RNA: write T for U'
        : 'sequences may contain only A, C, G, T, N and the IUPAC codes RYSWKMBDHV (either case)',
    );
  }
}

function checkLabelText(text: string, line: number, fail: Fail): void {
  if (text === '') fail(line, 'empty label', LABEL_HINT);
  if (!INTEGER_LABEL.test(text) && !NAME_LABEL.test(text)) {
    fail(line, `label "${text}" is not an integer or a name`, LABEL_HINT);
  }
}

interface RawRow {
  id: string;
  sequence: string;
  labelText: string;
  line: number;
  region?: LabeledSequence['region'];
}

/** Turn label texts into class ids (see the top of this file). */
function resolveLabels(rows: RawRow[], source: string, fail: Fail, options: LabelOptions): LabeledSet {
  let classes: string[];
  const ids = new Int32Array(rows.length);
  if (options.classes) {
    classes = [...options.classes];
    const index = new Map(classes.map((c, i) => [c, i]));
    rows.forEach((row, i) => {
      const id = index.get(row.labelText);
      if (id === undefined) {
        fail(
          row.line,
          `label "${row.labelText}" is not one of the classes ${classes.map((c) => `"${c}"`).join(', ')}`,
          'use the labels of the training set, or read this file without a fixed class list',
        );
      }
      ids[i] = id;
    });
  } else if (rows.length > 0 && INTEGER_LABEL.test(rows[0]!.labelText)) {
    let max = -1;
    rows.forEach((row, i) => {
      if (!INTEGER_LABEL.test(row.labelText)) {
        fail(
          row.line,
          `label "${row.labelText}" is a name, but line ${rows[0]!.line} has the integer label "${rows[0]!.labelText}"`,
          'use integer labels throughout or names throughout',
        );
      }
      const value = Number(row.labelText);
      if (value > MAX_INTEGER_LABEL) {
        fail(
          row.line,
          `integer label ${row.labelText} is larger than ${MAX_INTEGER_LABEL}`,
          'class ids count from 0; check that the label column is the right one',
        );
      }
      ids[i] = value;
      max = Math.max(max, value);
    });
    classes = Array.from({ length: max + 1 }, (_, i) => String(i));
  } else {
    classes = [];
    const index = new Map<string, number>();
    rows.forEach((row, i) => {
      if (INTEGER_LABEL.test(row.labelText)) {
        fail(
          row.line,
          `label "${row.labelText}" is an integer, but line ${rows[0]!.line} has the name label "${rows[0]!.labelText}"`,
          'use integer labels throughout or names throughout',
        );
      }
      let id = index.get(row.labelText);
      if (id === undefined) {
        id = classes.length;
        index.set(row.labelText, id);
        classes.push(row.labelText);
      }
      ids[i] = id;
    });
  }
  const items = rows.map((row, i): LabeledSequence => {
    const item: LabeledSequence = {
      id: row.id,
      sequence: row.sequence,
      label: ids[i]!,
      file: source,
      line: row.line,
    };
    if (row.region) item.region = row.region;
    return item;
  });
  return { source, items, classes, classCounts: countClasses(items, classes.length) };
}

/** Sequences per class id, for `classCount` classes. */
export function countClasses(items: readonly { label: number }[], classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const { label } of items) {
    if (label >= 0 && label < classCount) counts[label]!++;
  }
  return counts;
}

/** A set with only some of its items, class list kept and counts recomputed. */
export function subsetLabeled(set: LabeledSet, items: LabeledSequence[]): LabeledSet {
  return { ...set, items, classCounts: countClasses(items, set.classes.length) };
}

/** Split a CSV line, honouring double quotes ("a,b" and "" inside quotes); null if a quote is open. */
function splitCsv(line: string): string[] | null {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  if (quoted) return null;
  fields.push(field);
  return fields;
}

/**
 * A table with a header line naming `sequence` and `label` columns (any order, any case, other
 * columns ignored). Tab-separated when the header has a tab, else comma-separated (CSV quoting
 * allowed). Blank lines are skipped.
 */
export async function readLabeledTable(path: string, options: LabelOptions = {}): Promise<LabeledSet> {
  const fail: Fail = failFor('Table', path);
  const TABLE_HINT = 'the first line must be a header naming the columns, e.g. "sequence,label"';
  let delimiter: '\t' | ',' | undefined;
  let sequenceColumn = -1;
  let labelColumn = -1;
  let headerCount = 0;
  const rows: RawRow[] = [];
  const split = (text: string, line: number): string[] => {
    if (delimiter === '\t') return text.split('\t');
    const fields = splitCsv(text);
    if (fields === null) fail(line, 'a quoted field is not closed', 'close every " you open, or remove it');
    return fields;
  };
  for await (const { text, number } of readTextLines(path, { signal: options.signal, kind: 'table' })) {
    if (text.trim() === '') continue;
    if (delimiter === undefined) {
      delimiter = text.includes('\t') ? '\t' : text.includes(',') ? ',' : undefined;
      if (delimiter === undefined) fail(number, `header "${text.slice(0, 60)}" has one column`, TABLE_HINT);
      const names = split(text, number).map((f) => f.trim().toLowerCase());
      headerCount = names.length;
      sequenceColumn = names.indexOf('sequence');
      labelColumn = names.indexOf('label');
      if (sequenceColumn < 0 || labelColumn < 0) {
        const missing = [sequenceColumn < 0 ? '"sequence"' : '', labelColumn < 0 ? '"label"' : '']
          .filter(Boolean)
          .join(' and ');
        fail(number, `the header has no ${missing} column (it has: ${names.join(', ')})`, TABLE_HINT);
      }
      continue;
    }
    const fields = split(text, number);
    const needed = Math.max(sequenceColumn, labelColumn) + 1;
    if (fields.length < needed) {
      fail(
        number,
        `${fields.length} column${fields.length === 1 ? '' : 's'}, but the header has ${headerCount} and the ${
          labelColumn >= fields.length ? 'label' : 'sequence'
        } column is column ${(labelColumn >= fields.length ? labelColumn : sequenceColumn) + 1}`,
        `separate columns with ${delimiter === '\t' ? 'tabs' : 'commas'}, as the header does`,
      );
    }
    const sequence = fields[sequenceColumn]!.trim();
    const labelText = fields[labelColumn]!.trim();
    checkSequence(sequence, number, fail);
    checkLabelText(labelText, number, fail);
    rows.push({ id: `line ${number}`, sequence, labelText, line: number });
  }
  if (delimiter === undefined) fail(1, 'the file is empty', TABLE_HINT);
  return resolveLabels(rows, path, fail, options);
}

const LABEL_FIELD = /(?:^|\s)label=(\S*)/;

/** FASTA whose header descriptions hold `label=X`, e.g. `>seq1 label=1` or `>seq2 cell=K562 label=enhancer`. */
export async function readLabeledFasta(path: string, options: LabelOptions = {}): Promise<LabeledSet> {
  const fail: Fail = failFor('FASTA', path);
  const rows: RawRow[] = [];
  for await (const record of readNumberedFasta(path, { signal: options.signal })) {
    const match = LABEL_FIELD.exec(record.description);
    if (!match) {
      fail(
        record.line,
        `the header of "${record.name}" has no label=`,
        'write the class in the header description, e.g. ">seq1 label=1"',
      );
    }
    const labelText = match[1]!;
    checkSequence(record.sequence, record.line, fail, (i) => lineOf(record, i));
    checkLabelText(labelText, record.line, fail);
    rows.push({ id: record.name, sequence: record.sequence, labelText, line: record.line });
  }
  return resolveLabels(rows, path, fail, options);
}

/**
 * BED intervals cut from a reference FASTA; the class is in column `labelColumn` (default 4, the
 * name). Strand (column 6) '-' reverse-complements; '+', '.' or no strand read the forward bases.
 * BED coordinates are 0-based half-open, used as they are.
 */
export async function readLabeledBed(
  bedPath: string,
  referencePath: string,
  options: LabeledBedOptions = {},
): Promise<LabeledSet> {
  const fail: Fail = failFor('BED', bedPath);
  const labelColumn = options.labelColumn ?? 4;
  if (!Number.isSafeInteger(labelColumn) || labelColumn < 4) {
    throw new RangeError(`labelColumn must be a 1-based column number >= 4, got ${String(labelColumn)}`);
  }
  const lines: { text: string; number: number }[] = [];
  for await (const line of readTextLines(bedPath, { signal: options.signal, kind: 'BED' })) lines.push(line);
  // Coordinates, column counts, track/browser/comment lines: exactly as the BED reader checks them.
  const columns: BedColumns = 3;
  parseBed(lines.map((l) => l.text).join('\n'), { source: bedPath, columns });
  const reference = await openGenome(referencePath, { load: options.load, signal: options.signal });
  const rows: RawRow[] = [];
  try {
    for (const { text, number } of lines) {
      const [record] = parseBed(text, { source: bedPath, columns });
      if (!record) continue; // header, comment or blank line
      const fields = text.split('\t');
      const labelText = fields[labelColumn - 1]?.trim();
      if (labelText === undefined) {
        fail(
          number,
          `${fields.length} columns, so there is no label column ${labelColumn}`,
          labelColumn === 4
            ? 'put the class in the name column (column 4), or give labelColumn'
            : `check labelColumn (${labelColumn})`,
        );
      }
      checkLabelText(labelText, number, fail);
      const strandText = fields[5]?.trim() ?? '.';
      if (strandText !== '+' && strandText !== '-' && strandText !== '.') {
        fail(number, `strand "${strandText}" (column 6) is not +, - or .`, 'write strand as +, - or .');
      }
      const { chrom, start, end } = record;
      const length = reference.length(chrom);
      if (length === undefined) {
        const names = reference.contigs.slice(0, 5).map((c) => c.name);
        fail(
          number,
          `contig "${chrom}" is not in the reference "${referencePath}"`,
          `use the reference the intervals were made on (its contigs are ${names.join(', ')}${
            reference.contigs.length > 5 ? ', ...' : ''
          }; check "chr" prefixes)`,
        );
      }
      if (end > length) {
        fail(
          number,
          `interval ${chrom}:${start}-${end} ends past the end of ${chrom} (length ${length}) in "${referencePath}"`,
          'BED is 0-based half-open: end must be at most the contig length; check the reference build',
        );
      }
      if (start === end)
        fail(number, 'empty interval (start = end) gives an empty sequence', 'remove the row');
      const strand = strandText === '-' ? '-' : '+';
      const forward = await reference.get(chrom, start, end);
      const sequence = strand === '-' ? reverseComplement(forward) : forward;
      const bad = findNonIupac(sequence);
      if (bad >= 0) {
        fail(
          number,
          `the reference "${referencePath}" has ${describeChar(sequence[bad]!)} inside this interval`,
          'use a reference FASTA of IUPAC DNA codes',
        );
      }
      const name = fields[3]?.trim();
      const id =
        labelColumn !== 4 && name && name !== '.'
          ? name
          : `${chrom}:${start + 1}-${end}${strandText === '.' ? '' : `(${strandText})`}`;
      rows.push({ id, sequence, labelText, line: number, region: { contig: chrom, start, end, strand } });
    }
  } finally {
    await reference.close();
  }
  return resolveLabels(rows, bedPath, fail, options);
}

function formatFromName(path: string): 'table' | 'fasta' | 'bed' | undefined {
  const ext = extname(path.replace(/\.(b?gz|bgzf)$/i, '')).toLowerCase();
  if (ext === '.tsv' || ext === '.csv' || ext === '.txt') return 'table';
  if (['.fa', '.fasta', '.fna', '.fas', '.ffn'].includes(ext)) return 'fasta';
  if (ext === '.bed') return 'bed';
  return undefined;
}

/** Read labeled sequences from a table, a labeled FASTA or a BED + reference, by file name. */
export async function readLabeled(path: string, options: ReadLabeledOptions = {}): Promise<LabeledSet> {
  const format = options.format ?? formatFromName(path);
  if (format === undefined) {
    throw new LocusInputError(
      path,
      `Cannot tell the format of "${path}" from its name`,
      'name it .tsv, .csv, .fa or .bed (optionally .gz), or give the format',
    );
  }
  if (format === 'table') return readLabeledTable(path, options);
  if (format === 'fasta') return readLabeledFasta(path, options);
  if (options.reference === undefined) {
    throw new LocusInputError(
      path,
      `BED "${path}" holds intervals, not sequences`,
      'give the reference FASTA the intervals are on',
    );
  }
  return readLabeledBed(path, options.reference, options);
}

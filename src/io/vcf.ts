/**
 * VCF 4.2: a writer whose output passes `bcftools view`, and a reader for plain, gzip and bgzip VCF.
 *
 * POS in a VCF is 1-based; Locus code is 0-based half-open, so a record carries both: `pos` as in the
 * file and `start = pos - 1`, `end = start + REF length` (or INFO/END when present). Writers take
 * `start`, like every other Locus API.
 *
 * String values are percent-encoded where the format gives a character meaning (`;` `=` `,` `:` `%`,
 * tab, newline, and space, which 4.2 forbids in INFO); this is the escape of the VCF 4.3 spec,
 * section 1.2, which bcftools passes through untouched and the reader here decodes.
 */
import { LocusInputError } from '../errors.js';
import {
  readTextLines,
  sourceName,
  splitTextLines,
  writeTextTo,
  type TextLine,
  type TextSource,
  type TextTarget,
} from './text-lines.js';

// ---------------------------------------------------------------------------------------------------
// Types

/** How many values a field has: a count, one per ALT (`A`), per allele (`R`), per genotype (`G`), or any (`.`). */
export type VcfNumber = number | 'A' | 'R' | 'G' | '.';
export type VcfType = 'Integer' | 'Float' | 'Flag' | 'Character' | 'String';

export interface VcfInfoDefinition {
  id: string;
  number: VcfNumber;
  type: VcfType;
  description: string;
}

export interface VcfFormatDefinition {
  id: string;
  number: VcfNumber;
  type: Exclude<VcfType, 'Flag'>;
  description: string;
}

export interface VcfFilterDefinition {
  id: string;
  description: string;
}

/** A `##contig` line. Same shape as a FASTA `Contig`, so `fasta.contigs()` can be passed directly. */
export interface VcfContig {
  name: string;
  length?: number;
}

/** A `##key=value` header line that Locus does not interpret; `value` is the raw text after `=`. */
export interface VcfMetaLine {
  key: string;
  value: string;
}

/** What a caller gives the writer. `fileformat` is always VCFv4.2. */
export interface VcfHeaderInput {
  /** Contigs in order; records are written sorted by this order, then by position. */
  contigs: readonly VcfContig[];
  /** The reference FASTA (path or URL) for `##reference`. */
  reference?: string;
  info?: readonly VcfInfoDefinition[];
  filters?: readonly VcfFilterDefinition[];
  formats?: readonly VcfFormatDefinition[];
  /** Sample names for the columns after FORMAT; none means a sites-only VCF. */
  samples?: readonly string[];
  /** Further `##` lines, written after the definitions (e.g. `{ key: 'locusCommand', value: '...' }`). */
  meta?: readonly VcfMetaLine[];
  /** `##fileDate`; default today (local time) as YYYYMMDD. */
  fileDate?: string | Date;
  /** `##source`; default `Locus`. */
  source?: string;
}

/** A parsed header. It can be given back to the writer as a `VcfHeaderInput`. */
export interface VcfHeader {
  /** As written in the file, e.g. `VCFv4.2`. */
  fileformat: string;
  fileDate?: string;
  source?: string;
  reference?: string;
  contigs: VcfContig[];
  info: VcfInfoDefinition[];
  filters: VcfFilterDefinition[];
  formats: VcfFormatDefinition[];
  samples: string[];
  /** Every other `##` line, in file order. */
  meta: VcfMetaLine[];
}

/** One INFO or sample value: a number or string, `null` for missing (`.`), or a list of them. */
export type VcfScalar = number | string;
export type VcfValue = VcfScalar | null | readonly (VcfScalar | null)[];
/** INFO values add `true` for a Flag that is set (`false` or absent: not written). */
export type VcfInfoValue = VcfValue | boolean;

/** What a caller gives the writer for one record. A `VcfRecord` from the reader fits as is. */
export interface VcfRecordInput {
  chrom: string;
  /** 0-based position of the first REF base (POS - 1). */
  start: number;
  /** 1-based POS; optional, and checked against `start` when given. */
  pos?: number;
  id?: string | readonly string[];
  ref: string;
  /** ALT alleles; none (or `[]`) writes `.`. */
  alt?: string | readonly string[];
  /** Phred quality; `null`/absent writes `.`. */
  qual?: number | null;
  /** Failed filters, or `['PASS']`; none (or `[]`) writes `.` (not filtered). */
  filter?: string | readonly string[];
  /** Declared INFO keys to values, written in header order. */
  info?: Readonly<Record<string, VcfInfoValue | undefined>>;
  /** FORMAT keys in column order; default: the keys present in the samples, GT first, header order. */
  format?: readonly string[];
  /** One map of FORMAT key to value per header sample, in header order. */
  samples?: readonly Readonly<Record<string, VcfValue | undefined>>[];
}

export interface VcfRecord {
  chrom: string;
  /** 1-based POS, as in the file. */
  pos: number;
  /** 0-based start (`pos - 1`). */
  start: number;
  /** 0-based exclusive end: INFO/END when present, else `start + ref.length`. */
  end: number;
  /** IDs; `[]` for `.`. */
  id: string[];
  ref: string;
  /** ALT alleles; `[]` for `.`. */
  alt: string[];
  qual: number | null;
  /** `[]` for `.` (filters not applied), `['PASS']`, or the failed filters. */
  filter: string[];
  /**
   * INFO values typed by their header definitions: Flag -> true, Number=1 -> one value, other
   * Numbers -> a list; Integer/Float -> number, `.` -> null. Undeclared keys keep their text.
   */
  info: Record<string, VcfInfoValue>;
  format: string[];
  /** One map per header sample, typed like INFO; GT stays text (`0/1`, `1|0`). */
  samples: Record<string, VcfValue>[];
  /** The line in the file, for messages about this record. */
  line: number;
}

export interface VcfReadOptions {
  signal?: AbortSignal;
}

export interface VcfWriteOptions {
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------------
// Shared rules

/** IUPAC nucleotide codes: the spec says ACGTN, but reference FASTAs carry the rest and htslib accepts them. */
const BASES = /^[ACGTNRYSWKMBDHVacgtnryswkmbdhv]+$/;
const SYMBOLIC = /^<[^<>,\s]+>$/;
const BREAKEND = /^[^\s,;]*[[\]][^\s,;]*$|^\.[A-Za-z]+$|^[A-Za-z]+\.$/;
/** INFO/FORMAT keys (spec 1.6.1; `1000G` is grandfathered). */
const KEY = /^([A-Za-z_][0-9A-Za-z_.]*|1000G)$/;
/** Contig names the VCF 4.3 spec allows (4.2 only says "no whitespace, no <>"; bcftools agrees with 4.3). */
const CONTIG = /^[0-9A-Za-z!#$%&+./:;?@^_|~-][0-9A-Za-z!#$%&*+./:;=?@^_|~-]*$/;
const INTEGER = /^[-+]?\d+$/;
const FLOAT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const FLOAT_SPECIAL = /^[-+]?(inf|infinity|nan)$/i;
/** htslib keeps int32 values below -2^31 + 8 for "missing" and "end of vector". */
const INT_MIN = -2147483640;
const INT_MAX = 2147483647;
const TYPES: readonly VcfType[] = ['Integer', 'Float', 'Flag', 'Character', 'String'];
const FIXED_COLUMNS = ['#CHROM', 'POS', 'ID', 'REF', 'ALT', 'QUAL', 'FILTER', 'INFO'];
const PASS: VcfFilterDefinition = { id: 'PASS', description: 'All filters passed' };

function isAllele(allele: string): boolean {
  return BASES.test(allele) || allele === '*' || SYMBOLIC.test(allele) || BREAKEND.test(allele);
}

const ENCODE = /[%:;=,\t\r\n ]/g;
const DECODE = /%(25|3A|3B|3D|2C|09|0D|0A|20)/gi;

function encodeText(text: string): string {
  return text.replace(ENCODE, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function decodeText(text: string): string {
  return text.includes('%')
    ? text.replace(DECODE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    : text;
}

/** Header values in quotes escape `\` and `"` with a backslash, as htslib reads them. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function parseNumber(text: string): VcfNumber | undefined {
  if (text === 'A' || text === 'R' || text === 'G' || text === '.') return text;
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** How many values a field must have for a record with `altCount` ALT alleles; undefined when not fixed. */
function expectedCount(number: VcfNumber, altCount: number): number | undefined {
  if (typeof number === 'number') return number;
  if (number === 'A') return altCount;
  if (number === 'R') return altCount + 1;
  return undefined; // G depends on ploidy; '.' is any
}

// ---------------------------------------------------------------------------------------------------
// Writing

function fail(message: string): never {
  throw new TypeError(message);
}

function noNewline(text: string, what: string): string {
  if (typeof text !== 'string' || /[\r\n]/.test(text))
    fail(`VCF header: ${what} must be text without newlines`);
  return text;
}

function formatDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}`;
}

function checkDefinition(kind: 'INFO' | 'FORMAT', d: VcfInfoDefinition | VcfFormatDefinition): void {
  if (!KEY.test(d.id)) fail(`VCF header: ${kind} ID "${d.id}" must match [A-Za-z_][0-9A-Za-z_.]*`);
  if (!TYPES.includes(d.type) || (kind === 'FORMAT' && d.type === 'Flag')) {
    fail(
      `VCF header: ${kind} ${d.id} has Type "${d.type}"; use Integer, Float, String, Character${kind === 'INFO' ? ' or Flag' : ''}`,
    );
  }
  if (parseNumber(String(d.number)) === undefined) {
    fail(`VCF header: ${kind} ${d.id} has Number "${d.number}"; use a count, A, R, G or .`);
  }
  if (d.type === 'Flag' && d.number !== 0)
    fail(`VCF header: INFO ${d.id} is a Flag, so its Number must be 0`);
  noNewline(d.description, `the Description of ${kind} ${d.id}`);
}

/** A validated header with the lookups record formatting needs. */
class VcfWriterHeader {
  readonly contigIndex = new Map<string, number>();
  readonly contigLength = new Map<string, number | undefined>();
  readonly info = new Map<string, VcfInfoDefinition>();
  readonly formats = new Map<string, VcfFormatDefinition>();
  readonly filters = new Set<string>(['PASS']);
  readonly samples: readonly string[];
  readonly text: string;

  constructor(header: VcfHeaderInput) {
    if (!header || !Array.isArray(header.contigs))
      fail('VCF header: contigs must be an array of { name, length }');
    const lines = ['##fileformat=VCFv4.2', `##FILTER=<ID=PASS,Description=${quote(PASS.description)}>`];
    const date = header.fileDate ?? new Date();
    lines.push(`##fileDate=${date instanceof Date ? formatDate(date) : noNewline(date, 'fileDate')}`);
    lines.push(`##source=${noNewline(header.source ?? 'Locus', 'source')}`);
    if (header.reference !== undefined) lines.push(`##reference=${noNewline(header.reference, 'reference')}`);
    header.contigs.forEach((contig, i) => {
      if (!CONTIG.test(contig.name ?? '')) {
        fail(
          `VCF header: contig name "${contig.name}" is not allowed in VCF (no whitespace, commas or <>; not starting with * or =)`,
        );
      }
      if (this.contigIndex.has(contig.name)) fail(`VCF header: contig "${contig.name}" is listed twice`);
      if (contig.length !== undefined && !(Number.isSafeInteger(contig.length) && contig.length > 0)) {
        fail(
          `VCF header: contig "${contig.name}" has length ${contig.length}; give a positive integer or none`,
        );
      }
      this.contigIndex.set(contig.name, i);
      this.contigLength.set(contig.name, contig.length);
      lines.push(
        `##contig=<ID=${contig.name}${contig.length === undefined ? '' : `,length=${contig.length}`}>`,
      );
    });
    for (const d of header.info ?? []) {
      checkDefinition('INFO', d);
      if (this.info.has(d.id)) fail(`VCF header: INFO ${d.id} is declared twice`);
      this.info.set(d.id, d);
      lines.push(`##INFO=<ID=${d.id},Number=${d.number},Type=${d.type},Description=${quote(d.description)}>`);
    }
    for (const d of header.filters ?? []) {
      if (d.id === 'PASS') continue; // always declared first, as bcftools does
      if (!/^[^\s;,=<>]+$/.test(d.id) || d.id === '0') {
        fail(`VCF header: FILTER ID "${d.id}" must be non-empty without whitespace, ; , = < > and not 0`);
      }
      if (this.filters.has(d.id)) fail(`VCF header: FILTER ${d.id} is declared twice`);
      this.filters.add(d.id);
      lines.push(
        `##FILTER=<ID=${d.id},Description=${quote(noNewline(d.description, `the Description of FILTER ${d.id}`))}>`,
      );
    }
    for (const d of header.formats ?? []) {
      checkDefinition('FORMAT', d);
      if (this.formats.has(d.id)) fail(`VCF header: FORMAT ${d.id} is declared twice`);
      if (d.id === 'GT' && (d.type !== 'String' || d.number !== 1)) {
        fail('VCF header: FORMAT GT must be Number=1, Type=String');
      }
      this.formats.set(d.id, d);
      lines.push(
        `##FORMAT=<ID=${d.id},Number=${d.number},Type=${d.type},Description=${quote(d.description)}>`,
      );
    }
    const reserved = new Set([
      'fileformat',
      'fileDate',
      'source',
      'reference',
      'contig',
      'INFO',
      'FILTER',
      'FORMAT',
    ]);
    for (const { key, value } of header.meta ?? []) {
      if (!/^[A-Za-z0-9_.-]+$/.test(key))
        fail(`VCF header: meta key "${key}" must be letters, digits, _ . or -`);
      // A parsed header's own fileDate/source/reference lines are rewritten above, not copied twice.
      if (reserved.has(key)) continue;
      lines.push(`##${key}=${noNewline(value, `the value of ##${key}`)}`);
    }
    this.samples = header.samples ?? [];
    const seen = new Set<string>();
    for (const sample of this.samples) {
      if (typeof sample !== 'string' || sample === '' || /[\t\r\n]/.test(sample)) {
        fail(`VCF header: sample name "${sample}" must be non-empty without tabs or newlines`);
      }
      if (seen.has(sample)) fail(`VCF header: sample "${sample}" is listed twice`);
      seen.add(sample);
    }
    const columns = [...FIXED_COLUMNS, ...(this.samples.length ? ['FORMAT', ...this.samples] : [])];
    lines.push(columns.join('\t'));
    this.text = `${lines.join('\n')}\n`;
  }

  /** Sort key of a record: contig order from the header, then position. */
  order(record: VcfRecordInput): [number, number] {
    return [this.contigIndex.get(record.chrom) ?? -1, record.start];
  }

  formatRecord(r: VcfRecordInput, index: number): string {
    const where = `VCF record #${index + 1} (${r.chrom}:${Number(r.start) + 1} ${r.ref})`;
    const bad = (problem: string): never => fail(`${where}: ${problem}`);

    if (!this.contigIndex.has(r.chrom)) {
      bad(`contig "${r.chrom}" is not in the header; add it to header.contigs`);
    }
    if (!Number.isSafeInteger(r.start) || r.start < 0)
      throw new RangeError(`${where}: start must be a non-negative integer`);
    if (r.pos !== undefined && r.pos !== r.start + 1)
      bad(`pos ${r.pos} does not match start ${r.start} (pos = start + 1)`);
    if (typeof r.ref !== 'string' || !BASES.test(r.ref))
      bad(`REF "${r.ref}" must be one or more of A, C, G, T, N`);
    const length = this.contigLength.get(r.chrom);
    if (length !== undefined && r.start + r.ref.length > length) {
      throw new RangeError(`${where}: REF runs past the end of ${r.chrom} (length ${length})`);
    }
    const ids = typeof r.id === 'string' ? [r.id] : (r.id ?? []);
    for (const id of ids) {
      if (id === '' || id === '.' || /[\s;]/.test(id))
        bad(`ID "${id}" must be non-empty without whitespace or ;`);
    }
    const alt = typeof r.alt === 'string' ? [r.alt] : (r.alt ?? []);
    for (const allele of alt)
      if (!isAllele(allele)) bad(`ALT allele "${allele}" is not bases, *, <ID> or a breakend`);
    if (r.qual !== undefined && r.qual !== null && !(typeof r.qual === 'number' && Number.isFinite(r.qual))) {
      bad(`QUAL must be a finite number or null, got ${r.qual}`);
    }
    const filter = typeof r.filter === 'string' ? [r.filter] : (r.filter ?? []);
    for (const f of filter) {
      if (!this.filters.has(f)) bad(`FILTER "${f}" is not declared; add it to header.filters`);
    }
    if (filter.includes('PASS') && filter.length > 1)
      bad('FILTER PASS cannot be combined with failed filters');

    const info: string[] = [];
    const given = r.info ?? {};
    for (const key of Object.keys(given)) {
      if (given[key] !== undefined && !this.info.has(key))
        bad(`INFO ${key} is not declared; add it to header.info`);
    }
    for (const [key, definition] of this.info) {
      const value = given[key];
      if (value === undefined || value === false) continue;
      if (definition.type === 'Flag') {
        if (value !== true) bad(`INFO ${key} is a Flag: give true or false, not ${JSON.stringify(value)}`);
        info.push(key);
        continue;
      }
      if (typeof value === 'boolean') bad(`INFO ${key} is ${definition.type}, not a Flag: give a value`);
      info.push(`${key}=${formatValue(value as VcfValue, definition, alt.length, `INFO ${key}`, bad)}`);
    }

    const columns = [
      r.chrom,
      String(r.start + 1),
      ids.length ? ids.join(';') : '.',
      r.ref,
      alt.length ? alt.join(',') : '.',
      r.qual === undefined || r.qual === null ? '.' : String(r.qual),
      filter.length ? filter.join(';') : '.',
      info.length ? info.join(';') : '.',
    ];

    const samples = r.samples ?? [];
    if (this.samples.length === 0) {
      if (samples.length > 0 || (r.format?.length ?? 0) > 0)
        bad('has sample data but the header has no samples');
      return columns.join('\t');
    }
    if (samples.length !== this.samples.length) {
      bad(`has ${samples.length} samples but the header has ${this.samples.length}`);
    }
    const keys = r.format ?? this.formatKeys(samples);
    if (keys.length > 0 && keys.includes('GT') && keys[0] !== 'GT') bad('FORMAT GT must come first');
    for (const key of keys)
      if (!this.formats.has(key)) bad(`FORMAT ${key} is not declared; add it to header.formats`);
    for (const sample of samples) {
      for (const key of Object.keys(sample)) {
        if (sample[key] !== undefined && !keys.includes(key))
          bad(`sample value ${key} is not among FORMAT keys ${keys.join(':')}`);
      }
    }
    columns.push(keys.length ? keys.join(':') : '.');
    samples.forEach((sample, s) => {
      if (keys.length === 0) {
        columns.push('.');
        return;
      }
      const values = keys.map((key) => {
        const value = sample[key];
        if (value === undefined || value === null) return '.';
        if (key === 'GT') {
          if (typeof value !== 'string' || !/^(\.|\d+)([/|](\.|\d+))*$/.test(value)) {
            bad(`sample ${this.samples[s]} GT "${String(value)}" is not a genotype like 0/1, 1|0 or ./.`);
          }
          return value as string;
        }
        return formatValue(
          value,
          this.formats.get(key)!,
          alt.length,
          `sample ${this.samples[s]} ${key}`,
          bad,
        );
      });
      // Trailing missing fields may be dropped (spec 1.6.2); GT, always first, stays.
      while (values.length > 1 && values[values.length - 1] === '.') values.pop();
      columns.push(values.join(':'));
    });
    return columns.join('\t');
  }

  /** FORMAT keys used by any sample: GT first, then in header order. */
  private formatKeys(samples: readonly Readonly<Record<string, VcfValue | undefined>>[]): string[] {
    const used = new Set<string>();
    for (const sample of samples)
      for (const [key, value] of Object.entries(sample)) if (value !== undefined) used.add(key);
    const declared = [...this.formats.keys()].filter((key) => used.has(key));
    const undeclared = [...used].filter((key) => !this.formats.has(key));
    const keys = [...declared, ...undeclared];
    return keys.includes('GT') ? ['GT', ...keys.filter((k) => k !== 'GT')] : keys;
  }
}

function formatValue(
  value: VcfValue,
  definition: VcfInfoDefinition | VcfFormatDefinition,
  altCount: number,
  what: string,
  bad: (problem: string) => never,
): string {
  if (value === null) return '.';
  const list: readonly (VcfScalar | null)[] = Array.isArray(value) ? value : [value as VcfScalar];
  const count = expectedCount(definition.number, altCount);
  if (list.length === 0) bad(`${what} is an empty list; give null for a missing value`);
  if (count !== undefined && list.length !== count) {
    bad(`${what} has ${list.length} values but Number=${definition.number} needs ${count}`);
  }
  return list
    .map((item) => {
      if (item === null) return '.';
      switch (definition.type) {
        case 'Integer':
          if (typeof item !== 'number' || !Number.isInteger(item) || item < INT_MIN || item > INT_MAX) {
            bad(`${what} must be an Integer (32-bit), got ${JSON.stringify(item)}`);
          }
          return String(item);
        case 'Float':
          if (typeof item !== 'number' || !Number.isFinite(item)) {
            bad(`${what} must be a finite Float, got ${JSON.stringify(item)}`);
          }
          return String(item);
        case 'Character':
          if (typeof item !== 'string' || [...item].length !== 1)
            bad(`${what} must be one Character, got ${JSON.stringify(item)}`);
          return encodeText(item);
        default:
          if (typeof item !== 'string' || item === '')
            bad(`${what} must be a non-empty String, got ${JSON.stringify(item)}`);
          return encodeText(item);
      }
    })
    .join(',');
}

/** The header text: `##` lines and the `#CHROM` line, ending in `\n`. */
export function formatVcfHeader(header: VcfHeaderInput): string {
  return new VcfWriterHeader(header).text;
}

/** One record line (no newline). Builds the header lookups each call: use `vcfLines` for many records. */
export function formatVcfRecord(header: VcfHeaderInput, record: VcfRecordInput): string {
  return new VcfWriterHeader(header).formatRecord(record, 0);
}

/**
 * The lines of a VCF, each ending in `\n`. An array of records is sorted (by header contig order,
 * then position; ties keep their order); any other iterable must already be sorted, since a stream
 * cannot be sorted without holding it all, and a record out of order throws.
 */
export async function* vcfLines(
  header: VcfHeaderInput,
  records: Iterable<VcfRecordInput> | AsyncIterable<VcfRecordInput>,
  options: VcfWriteOptions = {},
): AsyncGenerator<string> {
  const prepared = new VcfWriterHeader(header);
  yield prepared.text;
  if (Array.isArray(records)) {
    for (const line of sortedLines(prepared, records as VcfRecordInput[])) {
      options.signal?.throwIfAborted();
      yield line;
    }
    return;
  }
  let previous: [number, number] | undefined;
  let index = 0;
  for await (const record of records) {
    options.signal?.throwIfAborted();
    const line = prepared.formatRecord(record, index);
    const key = prepared.order(record);
    if (previous && (key[0] < previous[0] || (key[0] === previous[0] && key[1] < previous[1]))) {
      fail(
        `VCF record #${index + 1} (${record.chrom}:${record.start + 1}) is out of order: records must be sorted by header contig order, then position; pass an array to have them sorted`,
      );
    }
    previous = key;
    index++;
    yield `${line}\n`;
  }
}

function* sortedLines(prepared: VcfWriterHeader, records: readonly VcfRecordInput[]): Generator<string> {
  // Format (and so validate) before sorting, so a record with an unknown contig is reported as such.
  const lines = records.map((record, i) => ({
    line: prepared.formatRecord(record, i),
    key: prepared.order(record),
  }));
  lines.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1]);
  for (const { line } of lines) yield `${line}\n`;
}

/** A whole VCF as text; records are sorted. */
export function formatVcf(header: VcfHeaderInput, records: Iterable<VcfRecordInput>): string {
  const prepared = new VcfWriterHeader(header);
  return prepared.text + [...sortedLines(prepared, [...records])].join('');
}

/**
 * Write a VCF to a path (atomically; BGZF when it ends in `.gz`, ready for `tabix -p vcf`) or to an
 * open stream. Records follow the rules of `vcfLines`. Resolves to the number of records written.
 */
export async function writeVcf(
  target: TextTarget,
  header: VcfHeaderInput,
  records: Iterable<VcfRecordInput> | AsyncIterable<VcfRecordInput>,
  options: VcfWriteOptions = {},
): Promise<number> {
  let pieces = 0;
  const counted = async function* () {
    for await (const piece of vcfLines(header, records, options)) {
      pieces++;
      yield piece;
    }
  };
  await writeTextTo(target, counted());
  return pieces - 1; // the first piece is the header
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** Parse `<ID=x,Number=1,Description="a, \"b\"">` into ordered key/value pairs. */
function parseStructured(body: string): Map<string, string> | undefined {
  const fields = new Map<string, string>();
  let i = 1; // after '<'
  const end = body.length - 1; // the '>'
  while (i < end) {
    const eq = body.indexOf('=', i);
    if (eq < 0 || eq >= end) return undefined;
    const key = body.slice(i, eq).trim();
    i = eq + 1;
    let value = '';
    if (body[i] === '"') {
      i++;
      for (; i < end && body[i] !== '"'; i++) {
        if (body[i] === '\\' && i + 1 < end) i++;
        value += body[i];
      }
      if (body[i] !== '"') return undefined;
      i++;
    } else {
      const comma = body.indexOf(',', i);
      const stop = comma < 0 || comma > end ? end : comma;
      value = body.slice(i, stop);
      i = stop;
    }
    fields.set(key, value);
    if (i < end && body[i] !== ',') return undefined;
    i++;
  }
  return fields;
}

/** Reads header lines, then record lines, of one VCF. */
class VcfLineParser {
  readonly header: VcfHeader = {
    fileformat: '',
    contigs: [],
    info: [],
    filters: [],
    formats: [],
    samples: [],
    meta: [],
  };
  private headerDone = false;
  private hasFormatColumn = false;
  private columnCount = 8;
  private readonly info = new Map<string, VcfInfoDefinition>();
  private readonly formats = new Map<string, VcfFormatDefinition>();
  private readonly contigs = new Set<string>();

  constructor(private readonly source: string) {}

  get complete(): boolean {
    return this.headerDone;
  }

  private fail(line: number, problem: string, hint: string): never {
    throw new LocusInputError(this.source, `VCF "${this.source}" line ${line}: ${problem}`, hint);
  }

  /** Feed one line; returns a record for data lines, undefined for header lines. */
  parse(line: TextLine): VcfRecord | undefined {
    if (!this.headerDone) {
      this.parseHeaderLine(line);
      return undefined;
    }
    if (line.text === '') return undefined; // a blank line (often the last) carries nothing
    return this.parseRecord(line);
  }

  /** Called at end of input: a VCF without its #CHROM line is cut short or not a VCF. */
  finish(lastLine: number): void {
    if (this.header.fileformat === '') {
      throw new LocusInputError(
        this.source,
        `"${this.source}" is empty, not a VCF`,
        'a VCF starts with ##fileformat=VCFv4.2',
      );
    }
    if (!this.headerDone) {
      this.fail(
        lastLine,
        'the header ends without a #CHROM line',
        'the file is truncated, or the #CHROM header line is missing',
      );
    }
  }

  private parseHeaderLine({ text, number }: TextLine): void {
    if (number === 1) {
      const match = /^##fileformat=(VCFv4\.\d+)\s*$/.exec(text);
      if (!match) {
        const hint = text.startsWith('BCF')
          ? `it is BCF; convert it with \`bcftools view -Ov -o out.vcf ${this.source}\``
          : 'a VCF starts with the line ##fileformat=VCFv4.2';
        this.fail(number, `not a VCF 4.x file (first line "${text.slice(0, 40)}")`, hint);
      }
      this.header.fileformat = match[1]!;
      return;
    }
    if (text.startsWith('##')) {
      this.parseMetaLine(text, number);
      return;
    }
    if (text.startsWith('#CHROM')) {
      const columns = text.split('\t');
      const fixedOk = FIXED_COLUMNS.every((name, i) => columns[i] === name);
      if (!fixedOk || (columns.length > 8 && columns[8] !== 'FORMAT')) {
        this.fail(
          number,
          'the #CHROM line does not name the columns #CHROM POS ID REF ALT QUAL FILTER INFO [FORMAT samples...]',
          /\t/.test(text) ? 'fix the column names' : 'separate the #CHROM line columns with tabs, not spaces',
        );
      }
      this.hasFormatColumn = columns.length > 8;
      this.header.samples = columns.slice(9);
      this.columnCount = columns.length;
      const seen = new Set<string>();
      for (const sample of this.header.samples) {
        if (sample === '') this.fail(number, 'a sample name is empty', 'check for doubled or trailing tabs');
        if (seen.has(sample))
          this.fail(
            number,
            `sample "${sample}" appears twice`,
            'sample names must be unique; rename one (`bcftools reheader -s`)',
          );
        seen.add(sample);
      }
      this.headerDone = true;
      return;
    }
    this.fail(
      number,
      text.startsWith('#')
        ? 'a header line must start with ## or be the #CHROM line'
        : 'a record comes before the #CHROM header line',
      'the header is ##key=value lines, then the #CHROM line, then records',
    );
  }

  private parseMetaLine(text: string, number: number): void {
    const eq = text.indexOf('=');
    if (eq < 0)
      this.fail(number, `header line "${text.slice(0, 60)}" has no "="`, 'write header lines as ##key=value');
    const key = text.slice(2, eq);
    const value = text.slice(eq + 1);
    const structured = value.startsWith('<') && value.endsWith('>') ? parseStructured(value) : undefined;
    const needStructured = ['contig', 'INFO', 'FORMAT', 'FILTER'].includes(key);
    if (needStructured && !structured) {
      this.fail(
        number,
        `##${key} line is not of the form <ID=...,...>`,
        'check quotes and commas in the header line',
      );
    }
    const id = structured?.get('ID');
    if (structured && needStructured && !id)
      this.fail(number, `##${key} line has no ID`, `add ID=... to the ##${key} line`);
    const h = this.header;
    switch (key) {
      case 'fileDate':
      case 'source':
      case 'reference':
        if (h[key] === undefined) h[key] = value;
        else h.meta.push({ key, value });
        return;
      case 'contig': {
        const lengthText = structured!.get('length');
        if (lengthText !== undefined && !/^\d+$/.test(lengthText)) {
          this.fail(number, `contig ${id} has length "${lengthText}"`, 'write length as a whole number');
        }
        if (this.contigs.has(id!))
          this.fail(number, `contig ${id} is declared twice`, 'remove the duplicate ##contig line');
        this.contigs.add(id!);
        h.contigs.push(lengthText === undefined ? { name: id! } : { name: id!, length: Number(lengthText) });
        return;
      }
      case 'FILTER':
        h.filters.push({ id: id!, description: structured!.get('Description') ?? '' });
        return;
      case 'INFO':
      case 'FORMAT': {
        const numberText = structured!.get('Number') ?? '';
        const typeText = structured!.get('Type') ?? '';
        let parsedNumber = parseNumber(numberText);
        if (parsedNumber === undefined) {
          this.fail(number, `${key} ${id} has Number "${numberText}"`, 'Number is a count, A, R, G or .');
        }
        if (!TYPES.includes(typeText as VcfType) || (key === 'FORMAT' && typeText === 'Flag')) {
          this.fail(
            number,
            `${key} ${id} has Type "${typeText}"`,
            'Type is Integer, Float, String, Character (or Flag for INFO)',
          );
        }
        if (typeText === 'Flag') parsedNumber = 0; // htslib forces this too
        const definition = {
          id: id!,
          number: parsedNumber,
          type: typeText,
          description: structured!.get('Description') ?? '',
        };
        // A repeated definition is ignored, as htslib does: the first one wins.
        if (key === 'INFO' && !this.info.has(id!)) {
          this.info.set(id!, definition as VcfInfoDefinition);
          h.info.push(definition as VcfInfoDefinition);
        } else if (key === 'FORMAT' && !this.formats.has(id!)) {
          this.formats.set(id!, definition as VcfFormatDefinition);
          h.formats.push(definition as VcfFormatDefinition);
        }
        return;
      }
      default:
        h.meta.push({ key, value });
    }
  }

  private parseRecord({ text, number }: TextLine): VcfRecord {
    const fields = text.split('\t');
    if (fields.length !== this.columnCount) {
      this.fail(
        number,
        `${fields.length} columns where the #CHROM line has ${this.columnCount}`,
        fields.length < 8 && /\s/.test(text)
          ? 'separate VCF columns with tabs, not spaces'
          : 'every record needs the 8 fixed columns, then FORMAT and one column per sample when the header has samples',
      );
    }
    const [chrom, posText, idText, ref, altText, qualText, filterText, infoText] = fields as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    if (chrom === '') this.fail(number, 'CHROM is empty', 'give the contig name in column 1');
    const pos = Number(posText);
    if (!/^\d+$/.test(posText) || !Number.isSafeInteger(pos) || pos < 1) {
      this.fail(number, `POS "${posText}" is not a position`, 'POS is a 1-based whole number (1 or more)');
    }
    if (!BASES.test(ref))
      this.fail(number, `REF "${ref}" is not bases`, 'REF is the reference bases at POS (A, C, G, T, N)');
    const alt = altText === '.' ? [] : altText.split(',');
    for (const allele of alt) {
      if (!isAllele(allele))
        this.fail(
          number,
          `ALT allele "${allele}" is not bases, *, <ID> or a breakend`,
          'separate ALT alleles with commas',
        );
    }
    let qual: number | null = null;
    if (qualText !== '.') {
      if (!FLOAT.test(qualText) && !FLOAT_SPECIAL.test(qualText)) {
        this.fail(number, `QUAL "${qualText}" is not a number`, 'QUAL is a number or . for missing');
      }
      qual = Number(qualText.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity').replace(/^[-+]?nan$/i, 'NaN'));
    }
    const info: Record<string, VcfInfoValue> = {};
    if (infoText !== '.' && infoText !== '') {
      for (const entry of infoText.split(';')) {
        if (entry === '') continue; // a stray ';' (e.g. trailing) carries nothing
        const eq = entry.indexOf('=');
        const key = eq < 0 ? entry : entry.slice(0, eq);
        const definition = this.info.get(key);
        if (eq < 0) {
          info[key] = true;
        } else if (definition?.type === 'Flag') {
          info[key] = true; // htslib also tolerates a value on a Flag
        } else {
          info[key] = this.parseValue(entry.slice(eq + 1), definition, `INFO ${key}`, number);
        }
      }
    }
    let end = pos - 1 + ref.length;
    const endValue = info['END'];
    if (typeof endValue === 'number' || (typeof endValue === 'string' && /^\d+$/.test(endValue))) {
      end = Number(endValue);
      if (end < pos)
        this.fail(
          number,
          `INFO END ${end} is before POS ${pos}`,
          'END is the 1-based last position, at or after POS',
        );
    }

    const format = this.hasFormatColumn && fields[8] !== '.' ? fields[8]!.split(':') : [];
    const samples: Record<string, VcfValue>[] = [];
    for (let s = 0; s < this.header.samples.length; s++) {
      const column = fields[9 + s]!;
      const parts = column === '.' ? [] : column.split(':');
      if (parts.length > format.length) {
        this.fail(
          number,
          `sample ${this.header.samples[s]} has ${parts.length} values for ${format.length} FORMAT keys`,
          'each sample column has at most one value per FORMAT key, separated by :',
        );
      }
      const sample: Record<string, VcfValue> = {};
      format.forEach((key, k) => {
        const part = parts[k];
        if (part === undefined)
          sample[key] = null; // trailing fields may be dropped (spec 1.6.2)
        else if (key === 'GT') sample[key] = part;
        else
          sample[key] = this.parseValue(
            part,
            this.formats.get(key),
            `sample ${this.header.samples[s]} ${key}`,
            number,
          );
      });
      samples.push(sample);
    }
    return {
      chrom,
      pos,
      start: pos - 1,
      end,
      id: idText === '.' ? [] : idText.split(';'),
      ref,
      alt,
      qual,
      filter: filterText === '.' ? [] : filterText.split(';'),
      info,
      format,
      samples,
      line: number,
    };
  }

  /** Type a value by its definition; an undeclared key keeps its decoded text. */
  private parseValue(
    text: string,
    definition: VcfInfoDefinition | VcfFormatDefinition | undefined,
    what: string,
    line: number,
  ): VcfValue {
    if (text === '.') return null;
    if (!definition) return decodeText(text);
    const { type, number } = definition;
    // A Number=1 String is one value even if it (wrongly, but commonly) holds commas.
    const parts = number === 1 && type === 'String' ? [text] : text.split(',');
    const values = parts.map((part): VcfScalar | null => {
      if (part === '.') return null;
      if (type === 'Integer') {
        if (!INTEGER.test(part))
          this.fail(
            line,
            `${what} value "${part}" is not an Integer`,
            `fix the value or declare ${definition.id} as Float or String`,
          );
        return Number(part);
      }
      if (type === 'Float') {
        if (FLOAT_SPECIAL.test(part))
          return /nan/i.test(part) ? NaN : part.startsWith('-') ? -Infinity : Infinity;
        if (!FLOAT.test(part))
          this.fail(
            line,
            `${what} value "${part}" is not a Float`,
            `fix the value or declare ${definition.id} as String`,
          );
        return Number(part);
      }
      return decodeText(part);
    });
    return number === 1 ? (values[0] ?? null) : values;
  }
}

/** An open VCF: its header, and its records read on demand (iterate to the end, or `return()` to close). */
export interface VcfStream {
  header: VcfHeader;
  records: AsyncGenerator<VcfRecord>;
}

/** Read a VCF's header and stream its records (plain, gzip or bgzip). */
export async function openVcf(source: TextSource, options: VcfReadOptions = {}): Promise<VcfStream> {
  const parser = new VcfLineParser(sourceName(source));
  const lines = readTextLines(source, { signal: options.signal, kind: 'VCF' });
  let last = 0;
  try {
    while (!parser.complete) {
      const next = await lines.next();
      if (next.done) break;
      last = next.value.number;
      parser.parse(next.value);
    }
    parser.finish(last);
  } catch (err) {
    await lines.return(undefined);
    throw err;
  }
  const records = async function* (): AsyncGenerator<VcfRecord> {
    try {
      for await (const line of lines) {
        const record = parser.parse(line);
        if (record) yield record;
      }
    } finally {
      await lines.return(undefined);
    }
  };
  return { header: parser.header, records: records() };
}

/** A whole VCF in memory (plain, gzip or bgzip). */
export async function readVcf(
  source: TextSource,
  options: VcfReadOptions = {},
): Promise<{ header: VcfHeader; records: VcfRecord[] }> {
  const { header, records } = await openVcf(source, options);
  const all: VcfRecord[] = [];
  for await (const record of records) all.push(record);
  return { header, records: all };
}

/** Parse VCF text already in memory; `source` names it in error messages. */
export function parseVcf(
  text: string,
  options: { source?: string } = {},
): { header: VcfHeader; records: VcfRecord[] } {
  const parser = new VcfLineParser(options.source ?? '<text>');
  const records: VcfRecord[] = [];
  let last = 0;
  for (const line of splitTextLines(text)) {
    last = line.number;
    const record = parser.parse(line);
    if (record) records.push(record);
  }
  parser.finish(last);
  return { header: parser.header, records };
}

/**
 * The Drosophila (dm3) promoter task on `dm3_upstream2000.fa.gz` (Bioconductor Biostrings extdata):
 * 26,454 sequences, the 2,000 bp upstream of each annotated transcript start, soft-masked, header
 * `>NM_078863_up_2000_chr2L_16764737_f chr2L:16764737-16766736` (1-based inclusive coordinates;
 * `_f`/`_r` the transcript's strand).
 *
 * Task: the 500 bp next to the transcript start (label 1, `tss-proximal`) against the 500 bp furthest
 * upstream (label 0, `far-upstream`). The sequences are in transcript orientation (5'->3' towards the
 * TSS), so label 1 is the LAST 500 bases of each record and label 0 the FIRST 500. Records shorter
 * than 2 x 500 bases (two in the file, clipped at the start of chr3R) are skipped and counted.
 *
 * Split by chromosome arm, so no genomic region is on two sides. Default (counts are records; each
 * gives two sequences):
 *   validation  chr2L + chr2LHet   4,846 + 9   = 4,855   (18.4%)
 *   test        chr2R + chr2RHet   4,954 + 44  = 4,998   (18.9%)
 *   train       everything else: chr3L, chr3R, chrX, chr4, the other Het arms, chrU, chrUextra,
 *               chrYHet                          16,601  (62.8%; 16,599 after the 2 short records)
 * giving 33,198 / 9,690 / 9,982 sequences, classes balanced (after dropping 20 validation and 14
 * test sequences identical to earlier splits). About a third of the sequences in each split repeat
 * another in the same split (shared transcript starts): 11,849 / 3,384 / 3,125.
 * chr3R alone (6,329, 24%) is too large for a held-out set; chrX (4,436) was avoided for evaluation
 * because dosage compensation makes it atypical. Het arms go with their arm.
 *
 * Deduplication: transcripts of one gene often share a start, so identical upstream sequences recur.
 * A validation sequence identical to a training one, and a test sequence identical to a training or
 * validation one, is dropped and counted (identity ignores case and strand: a sequence equals its
 * reverse complement here, since the tokenizer ignores case and reverse-complement augmentation would
 * show the model both). Duplicates inside one split are kept (reported as `duplicatesWithin`) unless
 * `dedupeWithin` is set.
 */
import { LocusInputError } from '../../errors.js';
import { reverseComplement } from '../../tokenize/reverse-complement.js';
import { readNumberedFasta } from './fasta-lines.js';
import { countClasses, findNonIupac, type LabeledSequence, type LabeledSet } from './labeled.js';

export type SplitName = 'train' | 'validation' | 'test';

export interface Dm3Split {
  /** Arms for training; 'rest' (default) = every arm not in validation or test. */
  train?: readonly string[] | 'rest';
  validation: readonly string[];
  test: readonly string[];
}

/** The default split (see the top of this file). */
export const DM3_DEFAULT_SPLIT: Readonly<Required<Dm3Split>> = Object.freeze({
  train: 'rest',
  validation: Object.freeze(['chr2L', 'chr2LHet']),
  test: Object.freeze(['chr2R', 'chr2RHet']),
});

export const DM3_PROMOTER_CLASSES = ['far-upstream', 'tss-proximal'] as const;

export interface Dm3PromoterOptions {
  split?: Dm3Split;
  /** Bases per sequence. Default 500. */
  segmentLength?: number;
  /** Drop validation/test sequences identical to an earlier split's. Default true. */
  dedupeAcross?: boolean;
  /** Also drop repeats inside each split (keep the first). Default false. */
  dedupeWithin?: boolean;
  signal?: AbortSignal;
}

export interface Dm3PromoterReport {
  /** Records in the file. */
  records: number;
  /** Records shorter than 2 x segmentLength, skipped. */
  skippedShort: number;
  /** Records on arms assigned to no split (only with an explicit train list). */
  unassigned: number;
  /** Records per arm, and the split each arm went to. */
  arms: { arm: string; records: number; split: SplitName | 'unassigned' }[];
  /** Sequences dropped as identical to an earlier split's (validation vs train; test vs train + validation). */
  droppedAcross: { validation: number; test: number };
  /** Repeated sequences inside each split (dropped only with dedupeWithin). */
  duplicatesWithin: Record<SplitName, number>;
}

export interface Dm3PromoterTask {
  train: LabeledSet;
  validation: LabeledSet;
  test: LabeledSet;
  /** The split used, with 'rest' resolved to the arms it stood for. */
  split: Record<SplitName, string[]>;
  report: Dm3PromoterReport;
}

interface Dm3Header {
  transcript: string;
  chrom: string;
  /** 0-based half-open, as written (start may be negative for records clipped at the contig start). */
  start: number;
  end: number;
  strand: '+' | '-';
}

const NAME = /^(.+)_up_(\d+)_(.+)_(-?\d+)_([fr])$/;
const LOCATION = /^(\S+):(-?\d+)-(-?\d+)$/;

/** Parse `>NM_078863_up_2000_chr2L_16764737_f chr2L:16764737-16766736`; undefined if it is not that form. */
export function parseDm3Header(name: string, description: string): Dm3Header | undefined {
  const byName = NAME.exec(name);
  if (!byName) return undefined;
  const strand = byName[5] === 'f' ? '+' : '-';
  const location = LOCATION.exec(description.trim());
  if (location) {
    return {
      transcript: byName[1]!,
      chrom: location[1]!,
      start: Number(location[2]) - 1,
      end: Number(location[3]),
      strand,
    };
  }
  const start = Number(byName[4]) - 1;
  return { transcript: byName[1]!, chrom: byName[3]!, start, end: start + Number(byName[2]), strand };
}

/** The header of a record, or an error naming the file and line. */
function recordHeader(record: { name: string; description: string; line: number }, path: string): Dm3Header {
  const header = parseDm3Header(record.name, record.description);
  if (!header) {
    throw new LocusInputError(
      path,
      `FASTA "${path}" line ${record.line}: header ">${record.name} ${record.description}" is not the dm3 upstream form`,
      'expected ">TRANSCRIPT_up_2000_CHROM_START_f|r CHROM:START-END", as in Biostrings\' dm3_upstream2000.fa.gz',
    );
  }
  return header;
}

/**
 * Forward-strand interval of a record of n bases, anchored at the TSS side (clipped records lose the
 * far end). A '+' record reads this interval; a '-' record its reverse complement.
 */
function forwardInterval(header: Dm3Header, n: number): [number, number] {
  return header.strand === '+' ? [header.end - n, header.end] : [header.start, header.start + n];
}

/** Which split each arm goes to; TypeError if an arm is listed twice. */
function armAssignment(split: Dm3Split): (arm: string) => SplitName | 'unassigned' {
  const explicit = new Map<string, SplitName>();
  const lists: [SplitName, readonly string[] | 'rest' | undefined][] = [
    ['validation', split.validation],
    ['test', split.test],
    ['train', split.train ?? 'rest'],
  ];
  for (const [name, arms] of lists) {
    if (arms === 'rest') continue;
    if (!Array.isArray(arms)) throw new TypeError(`split.${name} must be an array of chromosome arms`);
    for (const arm of arms) {
      const other = explicit.get(arm);
      if (other !== undefined && other !== name) {
        throw new TypeError(`arm "${arm}" is in both split.${other} and split.${name}`);
      }
      explicit.set(arm, name);
    }
  }
  const rest = (split.train ?? 'rest') === 'rest';
  return (arm) => explicit.get(arm) ?? (rest ? 'train' : 'unassigned');
}

/** Uppercase complement of each byte (IUPAC pairs; anything else maps to itself). */
const COMPLEMENT_UPPER: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = 0; c < 256; c++) table[c] = c;
  for (const [a, b] of ['AT', 'CG', 'RY', 'KM', 'BV', 'DH', 'SS', 'WW', 'NN']) {
    table[a!.charCodeAt(0)] = b!.charCodeAt(0);
    table[b!.charCodeAt(0)] = a!.charCodeAt(0);
  }
  return table;
})();

/** Case- and strand-insensitive identity key: the smaller of the sequence and its reverse complement, uppercased. */
function identityKey(sequence: string): string {
  const forward = Buffer.from(sequence.toUpperCase(), 'latin1');
  const n = forward.length;
  const reverse = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) reverse[i] = COMPLEMENT_UPPER[forward[n - 1 - i]!]!;
  return (Buffer.compare(reverse, forward) < 0 ? reverse : forward).toString('latin1');
}

/** Load the dm3 promoter task: three labeled sets split by chromosome arm (see the top of this file). */
export async function dm3PromoterTask(
  path: string,
  options: Dm3PromoterOptions = {},
): Promise<Dm3PromoterTask> {
  const split = options.split ?? DM3_DEFAULT_SPLIT;
  const segment = options.segmentLength ?? 500;
  if (!Number.isSafeInteger(segment) || segment < 1) {
    throw new RangeError(`segmentLength must be a positive integer, got ${String(segment)}`);
  }
  const assign = armAssignment(split);
  const items: Record<SplitName, LabeledSequence[]> = { train: [], validation: [], test: [] };
  const armCounts = new Map<string, number>();
  let records = 0;
  let skippedShort = 0;
  let unassigned = 0;
  for await (const record of readNumberedFasta(path, { signal: options.signal })) {
    records++;
    const header = recordHeader(record, path);
    const bad = findNonIupac(record.sequence);
    if (bad >= 0) {
      throw new LocusInputError(
        path,
        `FASTA "${path}" line ${record.line}: "${record.sequence[bad]}" at base ${bad + 1} of ${record.name} is not a DNA base`,
        'the file is corrupt; re-copy it',
      );
    }
    armCounts.set(header.chrom, (armCounts.get(header.chrom) ?? 0) + 1);
    const side = assign(header.chrom);
    if (side === 'unassigned') {
      unassigned++;
      continue;
    }
    const { sequence } = record;
    const n = sequence.length;
    if (n < 2 * segment) {
      skippedShort++;
      continue;
    }
    const [from, to] = forwardInterval(header, n);
    // Record base i (transcript orientation) is forward position from + i on '+', to - 1 - i on '-'.
    const region = (i: number, j: number) =>
      header.strand === '+'
        ? { contig: header.chrom, start: from + i, end: from + j, strand: '+' as const }
        : { contig: header.chrom, start: to - j, end: to - i, strand: '-' as const };
    const common = { file: path, line: record.line };
    items[side].push(
      {
        id: `${record.name}:far-upstream`,
        sequence: sequence.slice(0, segment),
        label: 0,
        ...common,
        region: region(0, segment),
      },
      {
        id: `${record.name}:tss-proximal`,
        sequence: sequence.slice(n - segment),
        label: 1,
        ...common,
        region: region(n - segment, n),
      },
    );
  }

  // A given split must name only arms that occur (a typo would silently empty a split); the default
  // split may name Het arms that another upstream file lacks.
  for (const name of options.split ? (['train', 'validation', 'test'] as const) : []) {
    const listed = split[name] ?? 'rest';
    if (listed === 'rest') continue;
    const missing = listed.filter((arm) => !armCounts.has(arm));
    if (missing.length > 0) {
      throw new LocusInputError(
        missing[0]!,
        `split.${name} names ${missing.map((a) => `"${a}"`).join(', ')}, which ${missing.length === 1 ? 'has' : 'have'} no sequences in "${path}"`,
        `the arms in the file are ${[...armCounts.keys()].sort().join(', ')}`,
      );
    }
  }

  const seen = new Set<string>();
  const droppedAcross = { validation: 0, test: 0 };
  const duplicatesWithin: Record<SplitName, number> = { train: 0, validation: 0, test: 0 };
  const kept: Record<SplitName, LabeledSequence[]> = { train: [], validation: [], test: [] };
  for (const name of ['train', 'validation', 'test'] as const) {
    const earlier = new Set(seen);
    const here = new Set<string>();
    for (const item of items[name]) {
      const key = identityKey(item.sequence);
      if (name !== 'train' && options.dedupeAcross !== false && earlier.has(key)) {
        droppedAcross[name]++;
        continue;
      }
      if (here.has(key)) {
        duplicatesWithin[name]++;
        if (options.dedupeWithin) continue;
      }
      here.add(key);
      seen.add(key);
      kept[name].push(item);
    }
  }

  const classes = [...DM3_PROMOTER_CLASSES];
  const set = (name: SplitName): LabeledSet => ({
    source: path,
    items: kept[name],
    classes,
    classCounts: countClasses(kept[name], classes.length),
  });
  const arms = [...armCounts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([arm, count]) => ({ arm, records: count, split: assign(arm) }));
  const armsOf = (name: SplitName) => arms.filter((a) => a.split === name).map((a) => a.arm);
  return {
    train: set('train'),
    validation: set('validation'),
    test: set('test'),
    split: { train: armsOf('train'), validation: armsOf('validation'), test: armsOf('test') },
    report: { records, skippedShort, unassigned, arms, droppedAcross, duplicatesWithin },
  };
}

export interface Dm3GenomePiece {
  /** `CHROM_START_END` (0-based half-open), a FASTA name without ':' so region strings stay unambiguous. */
  name: string;
  chrom: string;
  start: number;
  end: number;
  /** Forward-strand bases, soft-masking kept. */
  sequence: string;
}

/**
 * The genome sequence of one side's arms that the upstream file covers, for pretraining a model on the
 * training arms only (nothing of the validation or test arms is read): every record is put back on the
 * forward strand at its coordinates, and overlapping or touching records merge into one piece (their
 * shared bases agree; a disagreement is an error naming both records). Pieces come sorted by arm and
 * position. Records clipped at the contig start keep only the bases they have.
 */
export async function dm3ArmSequence(
  path: string,
  side: SplitName = 'train',
  options: { split?: Dm3Split; signal?: AbortSignal } = {},
): Promise<Dm3GenomePiece[]> {
  const assign = armAssignment(options.split ?? DM3_DEFAULT_SPLIT);
  const intervals: { chrom: string; start: number; end: number; sequence: string; record: string }[] = [];
  for await (const record of readNumberedFasta(path, { signal: options.signal })) {
    const header = recordHeader(record, path);
    if (assign(header.chrom) !== side || record.sequence.length === 0) continue;
    const n = record.sequence.length;
    const [start, end] = forwardInterval(header, n);
    const forward = header.strand === '+' ? record.sequence : reverseComplement(record.sequence);
    intervals.push({ chrom: header.chrom, start, end, sequence: forward, record: record.name });
  }
  intervals.sort((a, b) => (a.chrom < b.chrom ? -1 : a.chrom > b.chrom ? 1 : a.start - b.start));
  const pieces: (Dm3GenomePiece & { parts: string[]; records: string[] })[] = [];
  for (const iv of intervals) {
    const last = pieces[pieces.length - 1];
    if (!last || last.chrom !== iv.chrom || iv.start > last.end) {
      pieces.push({ ...iv, name: '', parts: [iv.sequence], records: [iv.record] });
      continue;
    }
    // Overlap: the shared bases must agree (case aside), then append what extends past the piece.
    const sequence = last.parts.length === 1 ? last.parts[0]! : last.parts.join('');
    last.parts = [sequence];
    const overlap = Math.min(last.end, iv.end) - iv.start;
    const mine = sequence.slice(iv.start - last.start, iv.start - last.start + overlap).toUpperCase();
    if (mine !== iv.sequence.slice(0, overlap).toUpperCase()) {
      throw new LocusInputError(
        path,
        `FASTA "${path}": records ${last.records[last.records.length - 1]} and ${iv.record} overlap on ${iv.chrom} but disagree`,
        'the file is corrupt; re-copy it',
      );
    }
    if (iv.end > last.end) {
      last.parts.push(iv.sequence.slice(overlap));
      last.end = iv.end;
    }
    last.records.push(iv.record);
  }
  return pieces.map(({ chrom, start, end, parts }) => ({
    name: `${chrom}_${start}_${end}`,
    chrom,
    start,
    end,
    sequence: parts.join(''),
  }));
}

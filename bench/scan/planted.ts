/**
 * Planted-island genomes for the `locus scan` benchmark: the pure part (no files). Segments of donor
 * DNA are cut from donor sequences, optionally dinucleotide-shuffled or reverse-complemented, and
 * inserted into a host genome at random positions a fixed distance apart. Everything draws from one
 * seeded generator, so a seed gives the same genome byte for byte.
 *
 * Coordinates are 0-based half-open, like the rest of Locus and BED.
 */
import { Random } from '../../src/tokenize/random.js';
import { permutation, uniformBelow } from '../../src/train/data/rng.js';

/** What a planted segment tests; the truth BED's name column is `class:donor`. */
export type IslandClass =
  /** A foreign genome richer in GC than the host (Klebsiella pneumoniae, ~57% against 50.5%). */
  | 'high_gc'
  /** A foreign genome far poorer in GC than the host (C. elegans, ~37%). */
  | 'low_gc'
  /** Foreign DNA a few points below the host's GC (Drosophila promoters, Klebsiella capsule loci, ~41-42%). */
  | 'mild_low_gc'
  /** Phage DNA whose GC matches the host's (lambda, ~49.9%): only higher-order composition differs. */
  | 'phage_host_gc'
  /** Host DNA shuffled keeping every dinucleotide count: GC and dinucleotides match, longer words do not. */
  | 'shuffled_host';

export const ISLAND_CLASSES: readonly IslandClass[] = [
  'high_gc',
  'low_gc',
  'mild_low_gc',
  'phage_host_gc',
  'shuffled_host',
];

/** GC fraction of the A/C/G/T bases of a sequence (case-insensitive); NaN when it has none. */
export function gcFraction(sequence: string): number {
  let gc = 0;
  let acgt = 0;
  for (let i = 0; i < sequence.length; i++) {
    switch (sequence.charCodeAt(i) | 0x20) {
      case 0x63: // c
      case 0x67: // g
        gc++;
        acgt++;
        break;
      case 0x61: // a
      case 0x74: // t
        acgt++;
        break;
    }
  }
  return acgt === 0 ? Number.NaN : gc / acgt;
}

/** Whether a sequence is all A/C/G/T (upper case). */
export function isAcgt(sequence: string): boolean {
  return /^[ACGT]*$/.test(sequence);
}

const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A', N: 'N' };

/** Reverse complement of an upper-case A/C/G/T/N sequence; TypeError on any other letter. */
export function reverseComplement(sequence: string): string {
  const out: string[] = new Array<string>(sequence.length);
  for (let i = 0; i < sequence.length; i++) {
    const base = sequence[sequence.length - 1 - i]!;
    const c = COMPLEMENT[base];
    if (c === undefined) throw new TypeError(`cannot complement "${base}" (upper-case A/C/G/T/N only)`);
    out[i] = c;
  }
  return out.join('');
}

/** Counts of every ordered letter pair at adjacent positions, as "XY" -> count. */
export function dinucleotideCounts(sequence: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + 1 < sequence.length; i++) {
    const pair = sequence.slice(i, i + 2);
    counts.set(pair, (counts.get(pair) ?? 0) + 1);
  }
  return counts;
}

/**
 * A uniformly random sequence with exactly the dinucleotide counts, first letter and last letter of
 * `sequence` (Altschul & Erickson 1985, with the random-arborescence step of Kandel et al. 1996).
 *
 * The sequence is an Eulerian path in the multigraph whose vertices are letters and whose edges are
 * its adjacent pairs. Any other Eulerian path from the same first letter spells a sequence with the
 * same counts. For every letter except the last, one out-edge is chosen to be used last; those edges
 * must form a tree pointing at the last letter, or the walk would strand itself. Choosing each such
 * edge uniformly and rejecting choices that are not a tree, then ordering the remaining out-edges of
 * each letter uniformly, makes every valid sequence equally likely (BEST theorem). A plain shuffle of
 * letters would keep only the base composition; a shuffle of non-overlapping pairs would not keep the
 * pairs across their joins.
 */
export function dinucleotideShuffle(sequence: string, rng: Random): string {
  const n = sequence.length;
  if (n <= 2) return sequence;
  const letters = [...new Set(sequence)];
  const id = new Map(letters.map((l, i) => [l, i]));
  const codes = Int32Array.from(sequence, (l) => id.get(l)!);
  // out[v]: the letters that follow each occurrence of v, in sequence order (v's out-edges).
  const out: number[][] = letters.map(() => []);
  for (let i = 0; i + 1 < n; i++) out[codes[i]!]!.push(codes[i + 1]!);
  const last = codes[n - 1]!;

  // Pick each letter's last exit until the exits form a tree rooted at the last letter.
  const lastExit = new Int32Array(letters.length).fill(-1);
  for (;;) {
    for (let v = 0; v < letters.length; v++) {
      if (v !== last && out[v]!.length > 0) lastExit[v] = rng.nextInt(out[v]!.length);
    }
    if (exitsFormTree(out, lastExit, last)) break;
  }

  // Move each chosen exit to the end of its list and shuffle the rest in front of it (Fisher-Yates).
  for (let v = 0; v < letters.length; v++) {
    const edges = out[v]!;
    let m = edges.length;
    if (v !== last && m > 0) {
      swap(edges, lastExit[v]!, m - 1);
      m--;
    }
    for (let i = m - 1; i > 0; i--) swap(edges, i, rng.nextInt(i + 1));
  }

  // Walk: from the first letter, always take the next unused out-edge.
  const next = new Int32Array(letters.length);
  const result: string[] = new Array<string>(n);
  let v = codes[0]!;
  result[0] = letters[v]!;
  for (let i = 1; i < n; i++) {
    v = out[v]![next[v]!++]!;
    result[i] = letters[v]!;
  }
  return result.join('');
}

/** Whether following last exits from every letter that has out-edges reaches `root` without a cycle. */
function exitsFormTree(out: number[][], lastExit: Int32Array, root: number): boolean {
  for (let start = 0; start < out.length; start++) {
    if (start === root || out[start]!.length === 0) continue;
    let v = start;
    for (let steps = 0; v !== root; steps++) {
      if (steps > out.length) return false;
      v = out[v]![lastExit[v]!]!;
    }
  }
  return true;
}

function swap(list: number[], i: number, j: number): void {
  const t = list[i]!;
  list[i] = list[j]!;
  list[j] = t;
}

/**
 * `n` integers uniform in [0, slack], sorted ascending: the free space in front of each of n items
 * placed in a line (adding the lengths of the items before each turns them into positions).
 */
export function sortedOffsets(n: number, slack: number, rng: Random): number[] {
  if (!Number.isSafeInteger(slack) || slack < 0) {
    throw new RangeError(`no room: the items need ${-slack} more positions than there are`);
  }
  return Array.from({ length: n }, () => uniformBelow(rng, slack + 1)).sort((a, b) => a - b);
}

/**
 * `n` ascending positions in [low, high] with at least `minGap` between neighbours, uniform over all
 * such placements: the insertion points of the planted segments.
 */
export function spacedPositions(n: number, low: number, high: number, minGap: number, rng: Random): number[] {
  const slack = high - low - (n - 1) * minGap;
  return sortedOffsets(n, slack, rng).map((offset, i) => low + offset + i * minGap);
}

/**
 * Start positions for pieces of the given lengths laid without overlap in a sequence of `total`
 * bases, in random order along it; returned in the order of `lengths`.
 */
export function placePieces(total: number, lengths: readonly number[], rng: Random): number[] {
  const slack = total - lengths.reduce((a, b) => a + b, 0);
  const order = permutation(lengths.length, rng);
  const offsets = sortedOffsets(lengths.length, slack, rng);
  const starts = new Array<number>(lengths.length);
  let used = 0;
  order.forEach((piece, rank) => {
    starts[piece] = offsets[rank]! + used;
    used += lengths[piece]!;
  });
  return starts;
}

/**
 * `n` lengths spread over [min, max]: one uniform draw in each of n equal strata, in random order, so
 * every class gets short and long segments alike instead of whatever a few free draws give.
 */
export function stratifiedLengths(n: number, min: number, max: number, rng: Random): number[] {
  const width = (max - min) / n;
  const lengths = Array.from({ length: n }, (_, i) => Math.round(min + width * (i + rng.nextFloat())));
  const order = permutation(n, rng);
  return Array.from(order, (i) => lengths[i]!);
}

/**
 * Cut a sequence of `total` bases into `n` consecutive pieces of at least `min` bases each, cut points
 * uniform among those allowed: for a donor too short to give n separate pieces of free length (lambda,
 * 48.5 kb), so that no piece repeats another in the same genome.
 */
export function partitionLengths(total: number, n: number, min: number, rng: Random): number[] {
  if (n === 1) return [total];
  const cuts = spacedPositions(n - 1, min, total - min, min, rng);
  return [...cuts, total].map((cut, i) => cut - (i === 0 ? 0 : cuts[i - 1]!));
}

/** One segment to insert: its sequence and where it goes in the host (before host base `position`). */
export interface Insertion {
  position: number;
  sequence: string;
}

/**
 * The host with every insertion in place, and each insertion's [start, end) in the new genome (in the
 * order given). Insertions at the same position go in the order given.
 */
export function insertSegments(
  host: string,
  insertions: readonly Insertion[],
): { genome: string; placed: { start: number; end: number }[] } {
  const order = insertions
    .map((insertion, index) => ({ ...insertion, index }))
    .sort((a, b) => a.position - b.position || a.index - b.index);
  const parts: string[] = [];
  const placed = new Array<{ start: number; end: number }>(insertions.length);
  let hostAt = 0;
  let length = 0;
  for (const ins of order) {
    if (!Number.isSafeInteger(ins.position) || ins.position < 0 || ins.position > host.length) {
      throw new RangeError(`insertion position ${ins.position} is outside the host (0-${host.length})`);
    }
    parts.push(host.slice(hostAt, ins.position), ins.sequence);
    length += ins.position - hostAt;
    placed[ins.index] = { start: length, end: length + ins.sequence.length };
    length += ins.sequence.length;
    hostAt = ins.position;
  }
  parts.push(host.slice(hostAt));
  return { genome: parts.join(''), placed };
}

/** FASTA text of one record, `width` bases a line. */
export function formatFasta(name: string, sequence: string, width = 60): string {
  const lines = [`>${name}`];
  for (let i = 0; i < sequence.length; i += width) lines.push(sequence.slice(i, i + width));
  return lines.join('\n') + '\n';
}

/** A donor sequence as the planner sees it: the part of one record that the split may draw from. */
export interface DonorRecord {
  /** Record name in the donor file. */
  name: string;
  sequence: string;
  /** Where `sequence` starts in the record as the file has it (a split may use half a record). */
  offset: number;
}

export interface Donor {
  /** Short name used in the truth BED (`class:donor`) and the manifest, e.g. `kpneumoniae_HS11286`. */
  id: string;
  records: DonorRecord[];
}

/**
 * How one class's segments are cut from its donor:
 * - `spread`: non-overlapping pieces of stratified lengths anywhere in the first record;
 * - `partition`: consecutive pieces that tile the whole first record (a donor too short to spread);
 * - `per-record`: one piece from each of distinct records (a donor of many short records).
 */
export type CutRule = 'spread' | 'partition' | 'per-record';

export interface ClassSpec {
  class: IslandClass;
  donor: Donor;
  count: number;
  cut: CutRule;
  /** Dinucleotide-shuffle each piece (composition kept, longer words lost). */
  shuffle?: boolean;
}

export interface PlantOptions {
  seed: number;
  /** Shortest and longest segment (bases). */
  minLength: number;
  maxLength: number;
  /** Host bases between neighbouring insertion points, at least. */
  minGap: number;
  /** Host bases before the first and after the last insertion point, at least. */
  margin: number;
}

export interface PlantedSegment {
  /** BED name: `class:donor`. */
  name: string;
  class: IslandClass;
  donor: string;
  /** Donor record and the piece's [start, end) in it, as the donor file numbers it. */
  donorRecord: string;
  donorStart: number;
  donorEnd: number;
  /** '-' when the piece was reverse-complemented before insertion (islands land either way round). */
  orientation: '+' | '-';
  shuffled: boolean;
  length: number;
  gc: number;
  /** Host base before which the segment was inserted (coordinates of the unmodified host). */
  hostPosition: number;
  /** [start, end) in the planted genome. */
  start: number;
  end: number;
}

/** Tries at drawing pieces free of N and other non-ACGT letters before giving up. */
const MAX_DRAWS = 1000;

interface Piece {
  record: DonorRecord;
  start: number;
  end: number;
}

function cutPieces(spec: ClassSpec, options: PlantOptions, rng: Random): Piece[] {
  const first = spec.donor.records[0];
  if (!first) throw new TypeError(`donor ${spec.donor.id} has no records`);
  const ok = (p: Piece) => isAcgt(p.record.sequence.slice(p.start, p.end));
  if (spec.cut === 'partition') {
    const lengths = partitionLengths(first.sequence.length, spec.count, options.minLength, rng);
    let start = 0;
    return lengths.map((length) => {
      const piece = { record: first, start, end: start + length };
      start += length;
      if (!ok(piece)) throw new Error(`donor ${spec.donor.id} has non-ACGT letters; cannot partition it`);
      return piece;
    });
  }
  const lengths = stratifiedLengths(spec.count, options.minLength, options.maxLength, rng);
  if (spec.cut === 'spread') {
    for (let draw = 0; draw < MAX_DRAWS; draw++) {
      const starts = placePieces(first.sequence.length, lengths, rng);
      const pieces = starts.map((start, i) => ({ record: first, start, end: start + lengths[i]! }));
      if (pieces.every(ok)) return pieces;
    }
    throw new Error(`could not draw ${spec.count} ACGT-only pieces from donor ${spec.donor.id}`);
  }
  // per-record: each piece from its own record, long enough for it.
  const used = new Set<DonorRecord>();
  return lengths.map((length) => {
    for (let draw = 0; draw < MAX_DRAWS; draw++) {
      const fits = spec.donor.records.filter((r) => r.sequence.length >= length && !used.has(r));
      if (fits.length === 0) break;
      const record = fits[rng.nextInt(fits.length)]!;
      const start = uniformBelow(rng, record.sequence.length - length + 1);
      const piece = { record, start, end: start + length };
      if (ok(piece)) {
        used.add(record);
        return piece;
      }
    }
    throw new Error(`donor ${spec.donor.id} has no unused ACGT-only record of ${length} bases or more`);
  });
}

/**
 * Cut every class's pieces, shuffle or flip them, and insert them into the host at spaced random
 * positions (classes interleaved at random along the genome). Host and donors must be upper case.
 */
export function plantGenome(
  host: string,
  specs: readonly ClassSpec[],
  options: PlantOptions,
): { genome: string; segments: PlantedSegment[] } {
  const rng = new Random(options.seed);
  const drafts = specs.flatMap((spec) =>
    cutPieces(spec, options, rng).map((piece) => {
      let sequence = piece.record.sequence.slice(piece.start, piece.end);
      if (spec.shuffle) sequence = dinucleotideShuffle(sequence, rng);
      const orientation: '+' | '-' = rng.nextInt(2) === 0 ? '+' : '-';
      if (orientation === '-') sequence = reverseComplement(sequence);
      return { spec, piece, sequence, orientation };
    }),
  );
  const positions = spacedPositions(
    drafts.length,
    options.margin,
    host.length - options.margin,
    options.minGap,
    rng,
  );
  const slots = permutation(drafts.length, rng);
  const insertions = drafts.map((d, i) => ({ position: positions[slots[i]!]!, sequence: d.sequence }));
  const { genome, placed } = insertSegments(host, insertions);
  const segments = drafts.map((d, i): PlantedSegment => {
    const { start, end } = placed[i]!;
    return {
      name: `${d.spec.class}:${d.spec.donor.id}`,
      class: d.spec.class,
      donor: d.spec.donor.id,
      donorRecord: d.piece.record.name,
      donorStart: d.piece.record.offset + d.piece.start,
      donorEnd: d.piece.record.offset + d.piece.end,
      orientation: d.orientation,
      shuffled: d.spec.shuffle === true,
      length: d.sequence.length,
      gc: gcFraction(d.sequence),
      hostPosition: insertions[i]!.position,
      start,
      end,
    };
  });
  segments.sort((a, b) => a.start - b.start);
  return { genome, segments };
}

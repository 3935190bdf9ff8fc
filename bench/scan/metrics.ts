/**
 * Scoring island predictions against planted truth: segments found, base-level precision / recall /
 * F1, precision restricted to predictions that touch a planted segment, per-class results, and the
 * per-base AUROC of a score track. Exact integer base counts; no sampling.
 *
 * Conventions (0-based half-open intervals throughout):
 * - Predictions are merged first (their union), so overlapping calls never count a base twice.
 * - A truth segment is found when at least `minCoverage` (default 0.5) of its bases are predicted.
 * - "Planted-only" precision keeps only the merged predictions that share at least one base with a
 *   planted segment: the host has native islands of its own, which a good scanner also calls, and
 *   which the truth BED cannot know about.
 * - A truth segment's class is its BED name up to the first ':' (`high_gc:kpneumoniae_HS11286`).
 * - AUROC: every base of every contig is one example, positive when inside a truth segment, scored by
 *   the track bin that covers it. Bases in no bin (or in a bin whose value is NaN) get the lowest
 *   score. Ties count one half (the Mann-Whitney statistic), so a constant track scores 0.5.
 * - A ratio with a zero denominator is 0 (precision with nothing predicted), AUROC null without both
 *   positive and negative bases.
 * - "Host-native excluded" figures (when a mask is given) drop the host's own anomalous DNA, as every
 *   tool calls it in the unplanted host (host-calls.ts), from the predicted bases and from the AUROC's
 *   negatives; recall and segments found are unchanged, since the mask holds no planted base.
 */

export interface Interval {
  chrom: string;
  start: number;
  end: number;
}

export interface TruthSegment extends Interval {
  /** `class:donor`, or any name; the class is the part before the first ':'. */
  name: string;
}

/** One bin of a score track (a bedGraph row). */
export interface TrackBin extends Interval {
  value: number;
}

export interface ContigLength {
  name: string;
  length: number;
}

export interface SegmentResult {
  name: string;
  chrom: string;
  start: number;
  end: number;
  coveredBases: number;
  coveredFraction: number;
  found: boolean;
}

export interface GroupResult {
  segments: number;
  found: number;
  bases: number;
  coveredBases: number;
  /** Base recall inside the group: coveredBases / bases. */
  recall: number;
}

export interface IslandScores {
  minCoverage: number;
  segments: { total: number; found: number };
  perClass: Record<string, GroupResult>;
  /** All predictions against all planted bases. */
  bases: {
    truth: number;
    predicted: number;
    truePositive: number;
    precision: number;
    recall: number;
    f1: number;
  };
  /** Only the merged predictions that share a base with a planted segment. */
  plantedOnly: { intervals: number; predicted: number; truePositive: number; precision: number };
  /** The same figures with the host-native mask's bases left out (only when a mask is given). */
  hostNativeExcluded?: {
    maskBases: number;
    predicted: number;
    precision: number;
    f1: number;
    auroc: number | null;
  };
  /** Merged prediction intervals (after the union), and how many touch no planted segment. */
  predictions: { intervals: number; untouchedIntervals: number };
  auroc: { value: number | null; positiveBases: number; negativeBases: number; unscoredBases: number };
  perSegment: SegmentResult[];
}

export interface ScoreInput {
  contigs: readonly ContigLength[];
  truth: readonly TruthSegment[];
  predicted: readonly Interval[];
  track: readonly TrackBin[];
  /** Fraction of a segment's bases that must be predicted for it to count as found (default 0.5). */
  minCoverage?: number;
  /** The host's own anomalous DNA in this genome's coordinates; may not share a base with the truth. */
  hostNative?: readonly Interval[];
}

/** The class of a truth name: the text before the first ':' (all of it when there is none). */
export function classOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Throw unless every interval lies on a known contig with 0 <= start <= end <= length. */
function checkBounds(intervals: readonly Interval[], lengths: Map<string, number>, what: string): void {
  for (const iv of intervals) {
    const length = lengths.get(iv.chrom);
    if (length === undefined) throw new TypeError(`${what} interval on unknown contig "${iv.chrom}"`);
    if (
      !Number.isSafeInteger(iv.start) ||
      !Number.isSafeInteger(iv.end) ||
      iv.start < 0 ||
      iv.end < iv.start
    ) {
      throw new TypeError(`${what} interval ${iv.chrom}:${iv.start}-${iv.end} is not 0 <= start <= end`);
    }
    if (iv.end > length) {
      throw new TypeError(
        `${what} interval ${iv.chrom}:${iv.start}-${iv.end} ends past the contig (${length})`,
      );
    }
  }
}

/** Intervals grouped by contig, sorted by start. */
function byContig<T extends Interval>(intervals: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const iv of intervals) {
    const list = map.get(iv.chrom);
    if (list) list.push(iv);
    else map.set(iv.chrom, [iv]);
  }
  for (const list of map.values()) list.sort((a, b) => a.start - b.start || a.end - b.end);
  return map;
}

/** The union of intervals: sorted, non-overlapping, with touching intervals joined; empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const merged: Interval[] = [];
  for (const [chrom, list] of byContig(intervals)) {
    let current: Interval | undefined;
    for (const iv of list) {
      if (iv.end === iv.start) continue;
      if (current && iv.start <= current.end) current.end = Math.max(current.end, iv.end);
      else {
        current = { chrom, start: iv.start, end: iv.end };
        merged.push(current);
      }
    }
  }
  return merged;
}

/** Throw if any two intervals of a list share a base (truth segments, track bins). */
function checkDisjoint(intervals: readonly Interval[], what: string): void {
  for (const list of byContig(intervals).values()) {
    for (let i = 1; i < list.length; i++) {
      const [a, b] = [list[i - 1]!, list[i]!];
      if (b.start < a.end) {
        throw new TypeError(`${what} overlap: ${a.chrom}:${a.start}-${a.end} and ${b.start}-${b.end}`);
      }
    }
  }
}

/** Bases of [start, end) covered by `sorted` (merged, sorted intervals of one contig). */
function coveredBases(sorted: readonly Interval[], start: number, end: number): number {
  // First interval that ends after `start` (binary search), then walk while they begin before `end`.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.end <= start) lo = mid + 1;
    else hi = mid;
  }
  let covered = 0;
  for (let i = lo; i < sorted.length && sorted[i]!.start < end; i++) {
    covered += Math.min(end, sorted[i]!.end) - Math.max(start, sorted[i]!.start);
  }
  return covered;
}

/** Total bases of a list of intervals. */
export const totalBases = (intervals: readonly Interval[]): number =>
  intervals.reduce((s, iv) => s + iv.end - iv.start, 0);

/**
 * Per-base AUROC of a track: P(score of a planted base > score of a host base), ties one half.
 * Walks each contig once over the breakpoints of bins and truth, so the cost is in intervals, not bases.
 */
export function trackAuroc(
  contigs: readonly ContigLength[],
  truth: readonly Interval[],
  track: readonly TrackBin[],
  /** Bases left out of the comparison altogether (the host-native mask). */
  exclude: readonly Interval[] = [],
): IslandScores['auroc'] {
  // score -> [positive bases, negative bases]; unscored bases go under -Infinity.
  const groups = new Map<number, [number, number]>();
  const add = (score: number, positive: number, negative: number) => {
    const g = groups.get(score);
    if (g) {
      g[0] += positive;
      g[1] += negative;
    } else groups.set(score, [positive, negative]);
  };
  const truthByContig = byContig(mergeIntervals(truth));
  const binsByContig = byContig(track);
  const excludedByContig = byContig(mergeIntervals(exclude));
  let unscored = 0;
  for (const contig of contigs) {
    const bins = binsByContig.get(contig.name) ?? [];
    const planted = truthByContig.get(contig.name) ?? [];
    const excluded = excludedByContig.get(contig.name) ?? [];
    const cuts = new Set<number>([0, contig.length]);
    for (const iv of [...bins, ...planted, ...excluded]) cuts.add(iv.start).add(iv.end);
    const points = [...cuts].sort((a, b) => a - b);
    let b = 0;
    let t = 0;
    let x = 0;
    for (let i = 0; i + 1 < points.length; i++) {
      const [from, to] = [points[i]!, points[i + 1]!];
      while (b < bins.length && bins[b]!.end <= from) b++;
      while (t < planted.length && planted[t]!.end <= from) t++;
      while (x < excluded.length && excluded[x]!.end <= from) x++;
      if (x < excluded.length && excluded[x]!.start <= from) continue;
      const bin = bins[b];
      const scored = bin !== undefined && bin.start <= from && !Number.isNaN(bin.value);
      const score = scored ? bin.value : Number.NEGATIVE_INFINITY;
      if (!scored) unscored += to - from;
      const isPlanted = t < planted.length && planted[t]!.start <= from;
      add(score, isPlanted ? to - from : 0, isPlanted ? 0 : to - from);
    }
  }
  let positives = 0;
  let negatives = 0;
  for (const [p, n] of groups.values()) {
    positives += p;
    negatives += n;
  }
  // Mann-Whitney: each positive beats every negative of lower score, ties count one half.
  let wins = 0;
  let negativesBelow = 0;
  for (const score of [...groups.keys()].sort((a, b) => a - b)) {
    const [p, n] = groups.get(score)!;
    wins += p * (negativesBelow + n / 2);
    negativesBelow += n;
  }
  return {
    value: positives > 0 && negatives > 0 ? wins / (positives * negatives) : null,
    positiveBases: positives,
    negativeBases: negatives,
    unscoredBases: unscored,
  };
}

/** Found counts and base recall of truth segments grouped by `groupOf` (class by default). */
export function groupResults(
  perSegment: readonly SegmentResult[],
  groupOf: (segment: SegmentResult) => string = (s) => classOf(s.name),
): Record<string, GroupResult> {
  const groups: Record<string, GroupResult> = {};
  for (const s of perSegment) {
    const g = (groups[groupOf(s)] ??= { segments: 0, found: 0, bases: 0, coveredBases: 0, recall: 0 });
    g.segments++;
    if (s.found) g.found++;
    g.bases += s.end - s.start;
    g.coveredBases += s.coveredBases;
  }
  for (const g of Object.values(groups)) g.recall = ratio(g.coveredBases, g.bases);
  return groups;
}

/** Every score of one tool's predictions and track against the planted truth. */
export function scoreIslands(input: ScoreInput): IslandScores {
  const minCoverage = input.minCoverage ?? 0.5;
  const lengths = new Map(input.contigs.map((c) => [c.name, c.length]));
  checkBounds(input.truth, lengths, 'truth');
  checkBounds(input.predicted, lengths, 'predicted');
  checkBounds(input.track, lengths, 'track');
  checkDisjoint(input.truth, 'truth segments');
  checkDisjoint(input.track, 'track bins');
  if (input.hostNative) checkBounds(input.hostNative, lengths, 'host-native');

  const predicted = mergeIntervals(input.predicted);
  const predictedByContig = byContig(predicted);
  const truthByContig = byContig(mergeIntervals(input.truth));

  const perSegment = [...input.truth]
    .sort((a, b) => a.chrom.localeCompare(b.chrom) || a.start - b.start)
    .map((s): SegmentResult => {
      const covered = coveredBases(predictedByContig.get(s.chrom) ?? [], s.start, s.end);
      const fraction = ratio(covered, s.end - s.start);
      return { ...s, coveredBases: covered, coveredFraction: fraction, found: fraction >= minCoverage };
    });

  const truthBases = totalBases(input.truth);
  const predictedBases = totalBases(predicted);
  const truePositive = perSegment.reduce((sum, s) => sum + s.coveredBases, 0);
  const precision = ratio(truePositive, predictedBases);
  const recall = ratio(truePositive, truthBases);

  // Predictions that share a base with a planted segment; their planted bases are all of truePositive.
  const touching = predicted.filter(
    (p) => coveredBases(truthByContig.get(p.chrom) ?? [], p.start, p.end) > 0,
  );
  const touchingBases = totalBases(touching);

  let hostNativeExcluded: IslandScores['hostNativeExcluded'];
  if (input.hostNative) {
    const mask = mergeIntervals(input.hostNative);
    const maskByContig = byContig(mask);
    for (const iv of mask) {
      if (coveredBases(truthByContig.get(iv.chrom) ?? [], iv.start, iv.end) > 0) {
        throw new TypeError(
          `host-native interval ${iv.chrom}:${iv.start}-${iv.end} overlaps a planted segment`,
        );
      }
    }
    const masked = predicted.reduce(
      (sum, p) => sum + coveredBases(maskByContig.get(p.chrom) ?? [], p.start, p.end),
      0,
    );
    const maskedPrecision = ratio(truePositive, predictedBases - masked);
    hostNativeExcluded = {
      maskBases: totalBases(mask),
      predicted: predictedBases - masked,
      precision: maskedPrecision,
      f1: ratio(2 * maskedPrecision * recall, maskedPrecision + recall),
      auroc: trackAuroc(input.contigs, input.truth, input.track, mask).value,
    };
  }

  return {
    minCoverage,
    segments: { total: perSegment.length, found: perSegment.filter((s) => s.found).length },
    perClass: groupResults(perSegment),
    bases: {
      truth: truthBases,
      predicted: predictedBases,
      truePositive,
      precision,
      recall,
      f1: ratio(2 * precision * recall, precision + recall),
    },
    plantedOnly: {
      intervals: touching.length,
      predicted: touchingBases,
      truePositive,
      precision: ratio(truePositive, touchingBases),
    },
    ...(hostNativeExcluded ? { hostNativeExcluded } : {}),
    predictions: { intervals: predicted.length, untouchedIntervals: predicted.length - touching.length },
    auroc: trackAuroc(input.contigs, input.truth, input.track),
    perSegment,
  };
}

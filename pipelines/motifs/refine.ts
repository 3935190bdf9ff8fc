/**
 * Refinement of a seed into a PWM by a discriminative objective, as STREME does: score every window of
 * targets and background, pick the score threshold at which the targets hold the most surprising share
 * of the sites (binomial test, enrichment.ts), re-estimate the matrix from the target sites, repeat.
 * Sites are local maxima (no two sites of one motif overlap), and each target window counts with a
 * weight that rises smoothly through the threshold, so weak true sites shape the matrix too and it does
 * not harden into the consensus word.
 */
import { enrichmentLogP } from './enrichment.js';
import { logOdds, scanScores, type LogOdds, type Strands } from './pwm.js';
import { MASKED, type CodedSequence } from './sequences.js';
import type { Background, Matrix } from './types.js';

/** One non-overlapping site candidate: the best window within a motif width either side. */
export interface Peak {
  sequence: number;
  start: number;
  /** 0 forward, 1 reverse. */
  strand: number;
  score: number;
}

/** Local maxima of the better-strand score: windows that no overlapping window beats. */
export function peaks(
  sequences: readonly CodedSequence[],
  pwm: LogOdds,
  floor = -Infinity,
  strands: Strands = 'both',
): Peak[] {
  const out: Peak[] = [];
  const w = pwm.width;
  sequences.forEach((seq, index) => {
    const strandOf = new Uint8Array(Math.max(0, seq.codes.length - w + 1));
    const scores = scanScores(seq, pwm, strandOf, strands);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (!(s > floor)) continue;
      let isPeak = true;
      // Ties go to the leftmost window, so equal neighbours give one peak, not two.
      for (let j = Math.max(0, i - w + 1); j < i && isPeak; j++) if (scores[j]! >= s) isPeak = false;
      for (let j = i + 1; j < Math.min(scores.length, i + w) && isPeak; j++)
        if (scores[j]! > s) isPeak = false;
      if (isPeak) out.push({ sequence: index, start: i, strand: strandOf[i]!, score: s });
    }
  });
  return out;
}

/** Windows of `width` in the sequences, each sequence counted by its weight. */
/** A motif's sites: its peaks that score at least `threshold` (to within rounding). */
export function sitesAt(
  sequences: readonly CodedSequence[],
  pwm: LogOdds,
  threshold: number,
  strands: Strands = 'both',
): Peak[] {
  return peaks(sequences, pwm, threshold - 1e-9, strands);
}

/**
 * The best window of each sequence above `floor`, both strands (forward wins a tie, the leftmost
 * window a tie between windows): what counting sequences needs, in one pass that scores both strands
 * together and keeps no per-window arrays. Equal to bestPerSequence(peaks(...)), much faster.
 */
export function bestWindows(sequences: readonly CodedSequence[], pwm: LogOdds, floor = -Infinity): Peak[] {
  const out: Peak[] = [];
  const w = pwm.width;
  const forward = pwm.forward;
  const reverse = pwm.reverse;
  for (let index = 0; index < sequences.length; index++) {
    const codes = sequences[index]!.codes;
    let best = floor;
    let bestStart = -1;
    let bestStrand = 0;
    next: for (let i = 0; i + w <= codes.length; i++) {
      let f = 0;
      let r = 0;
      for (let j = 0; j < w; j++) {
        const c = codes[i + j]!;
        if (c === MASKED) {
          // No window that holds this base can score: jump past it.
          i += j;
          continue next;
        }
        f += forward[j * 4 + c]!;
        r += reverse[j * 4 + c]!;
      }
      if (f > best) {
        best = f;
        bestStart = i;
        bestStrand = 0;
      }
      if (r > best) {
        best = r;
        bestStart = i;
        bestStrand = 1;
      }
    }
    if (bestStart >= 0) out.push({ sequence: index, start: bestStart, strand: bestStrand, score: best });
  }
  return out;
}

export function windowCount(sequences: readonly CodedSequence[], width: number): number {
  let n = 0;
  for (const s of sequences) n += (s.weight ?? 1) * Math.max(0, s.codes.length - width + 1);
  return n;
}

/** Sum of the sequences' weights. */
function sequenceCount(sequences: readonly CodedSequence[]): number {
  let n = 0;
  for (const s of sequences) n += s.weight ?? 1;
  return n;
}

/** A peak's score and how much it counts (its sequence's weight). */
interface Counted1 {
  score: number;
  weight: number;
}

export interface Threshold {
  score: number;
  /** ln p-value of the site counts at this threshold. */
  logP: number;
  targetSites: number;
  backgroundSites: number;
}

/** The score threshold that makes the target share of sites most significant. */
export function bestThreshold(
  targetPeaks: readonly Counted1[],
  backgroundPeaks: readonly Counted1[],
  targetWindows: number,
  backgroundWindows: number,
): Threshold {
  const all = [
    ...targetPeaks.map((p) => ({ score: p.score, target: 1, weight: p.weight })),
    ...backgroundPeaks.map((p) => ({ score: p.score, target: 0, weight: p.weight })),
  ].sort((a, b) => b.score - a.score);
  let best: Threshold = { score: Infinity, logP: 0, targetSites: 0, backgroundSites: 0 };
  let target = 0;
  let background = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.target) target += all[i]!.weight;
    else background += all[i]!.weight;
    // Only where the next score is lower can a threshold sit; far down the list, test a sparser grid.
    if (i + 1 < all.length && all[i + 1]!.score === all[i]!.score) continue;
    if (i > 4000 && i % Math.ceil(i / 1000) !== 0) continue;
    const logP = enrichmentLogP({ target, background, targetWindows, backgroundWindows });
    if (logP < best.logP)
      best = { score: all[i]!.score, logP, targetSites: target, backgroundSites: background };
  }
  return best;
}

/** Letter counts of the sites, each read on its own strand, weighted. */
function siteMatrix(
  sequences: readonly CodedSequence[],
  sites: readonly { peak: Peak; weight: number }[],
  width: number,
  background: Background,
): Matrix {
  const counts = Array.from({ length: width }, () => [0, 0, 0, 0]);
  for (const { peak, weight } of sites) {
    const codes = sequences[peak.sequence]!.codes;
    for (let j = 0; j < width; j++) {
      const c = codes[peak.start + j]!;
      if (c > 3) continue;
      if (peak.strand === 0) counts[j]![c]! += weight;
      else counts[width - 1 - j]![3 - c]! += weight;
    }
  }
  // One pseudo-site spread as the background keeps unseen letters possible.
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0) + 1;
    return row.map((n, b) => (n + background[b]!) / total);
  });
}

export interface Refined {
  matrix: Matrix;
  threshold: Threshold;
  iterations: number;
}

export interface RefineData {
  targets: readonly CodedSequence[];
  background: readonly CodedSequence[];
  letters: Background;
  /**
   * What the enrichment test counts. 'sequences' (STREME's choice, for sequences up to a few kb):
   * sequences with at least one site, so a motif must be shared by more targets than background
   * sequences, and a frequent, composition-like word that occurs in every sequence gains nothing by a
   * low threshold. 'sites': every site, for long sequences, where every motif occurs in every one.
   */
  countBy: 'sequences' | 'sites';
}

/** Median length of at most this many bases: count sequences; longer inputs count sites. */
export const COUNT_SEQUENCES_UP_TO = 2000;

export function countingFor(targets: readonly CodedSequence[]): RefineData['countBy'] {
  const lengths = targets.map((s) => s.codes.length).sort((a, b) => a - b);
  return (lengths[Math.floor(lengths.length / 2)] ?? 0) <= COUNT_SEQUENCES_UP_TO ? 'sequences' : 'sites';
}

/** The best peak of each sequence (sequences with none are left out). */
export function bestPerSequence(list: readonly Peak[]): Peak[] {
  const best = new Map<number, Peak>();
  for (const p of list) {
    const current = best.get(p.sequence);
    if (!current || p.score > current.score) best.set(p.sequence, p);
  }
  return [...best.values()];
}

/**
 * The units the test counts in `sequences` (peaks, or each sequence's best window, scoring above
 * `floor`) and how many chances there were (windows, or sequences), as `data.countBy` says.
 */
export function countUnits(
  data: Pick<RefineData, 'countBy'>,
  sequences: readonly CodedSequence[],
  pwm: LogOdds,
  floor: number,
) {
  const width = pwm.width;
  const chosen =
    data.countBy === 'sequences' ? bestWindows(sequences, pwm, floor) : peaks(sequences, pwm, floor);
  return {
    peaks: chosen,
    weighted: chosen.map((p) => ({ score: p.score, weight: sequences[p.sequence]!.weight ?? 1 })),
    opportunities: data.countBy === 'sequences' ? sequenceCount(sequences) : windowCount(sequences, width),
  };
}

/** The units' total weight (units already come floored at the threshold). */
const totalWeight = (list: readonly Counted1[]) => list.reduce((n, p) => n + p.weight, 0);

/** A threshold's counts with the chances the sites had (windows, or sequences). */
export interface Counted extends Threshold {
  targetChances: number;
  backgroundChances: number;
}

/** Counts and ln p-value of `matrix`'s sites at a fixed threshold (no fitting): the held-out test. */
export function enrichmentAt(data: RefineData, matrix: Matrix, threshold: number): Counted {
  const pwm = logOdds(matrix, data.letters);
  const t = countUnits(data, data.targets, pwm, threshold - 1e-9);
  const b = countUnits(data, data.background, pwm, threshold - 1e-9);
  const target = totalWeight(t.weighted);
  const background = totalWeight(b.weighted);
  return {
    score: threshold,
    logP: enrichmentLogP({
      target,
      background,
      targetWindows: t.opportunities,
      backgroundWindows: b.opportunities,
    }),
    targetSites: target,
    backgroundSites: background,
    targetChances: t.opportunities,
    backgroundChances: b.opportunities,
  };
}

/** Refine `start` on the data until the sites stop changing (or `maxIterations`). */
export function refine(start: Matrix, data: RefineData, maxIterations = 20): Refined {
  let matrix = start;
  const width = matrix.length;
  let threshold: Threshold = { score: Infinity, logP: 0, targetSites: 0, backgroundSites: 0 };
  let best: Refined = { matrix, threshold, iterations: 0 };
  let worse = 0;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const pwm = logOdds(matrix, data.letters);
    const t = countUnits(data, data.targets, pwm, 0);
    const b = countUnits(data, data.background, pwm, 0);
    const targetPeaks = t.peaks;
    threshold = bestThreshold(t.weighted, b.weighted, t.opportunities, b.opportunities);
    // The objective is not monotone in these updates: keep the best, allow a few worse steps.
    if (threshold.logP < best.threshold.logP || iteration === 1) {
      best = { matrix, threshold, iterations: iteration };
      worse = 0;
    } else if (++worse >= 3) break;
    if (threshold.targetSites === 0) break;
    // A window's weight is the probability that it is a site if the threshold is where a site and
    // a non-site are equally likely: logistic in the score (bits) around the threshold.
    const sites = targetPeaks
      .filter((p) => p.score > threshold.score - 6)
      .map((peak) => ({ peak, weight: 1 / (1 + 2 ** (threshold.score - peak.score)) }));
    const next = siteMatrix(data.targets, sites, width, data.letters);
    const change = Math.max(...next.flatMap((row, j) => row.map((p, b) => Math.abs(p - matrix[j]![b]!))));
    matrix = next;
    if (change < 1e-3) break;
  }
  return best;
}

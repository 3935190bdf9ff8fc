/**
 * Refinement of a seed into a PWM by a discriminative objective, as STREME does: score every window of
 * targets and background, pick the score threshold at which the targets hold the most surprising share
 * of the sites (binomial test, enrichment.ts), re-estimate the matrix from the target sites, repeat.
 * Sites are local maxima (no two sites of one motif overlap), and each target window counts with a
 * weight that rises smoothly through the threshold, so weak true sites shape the matrix too and it does
 * not harden into the consensus word.
 */
import { enrichmentLogP } from './enrichment.js';
import { logOdds, scanScores, type LogOdds } from './pwm.js';
import type { CodedSequence } from './sequences.js';
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
export function peaks(sequences: readonly CodedSequence[], pwm: LogOdds, floor = -Infinity): Peak[] {
  const out: Peak[] = [];
  const w = pwm.width;
  sequences.forEach((seq, index) => {
    const strands = new Uint8Array(Math.max(0, seq.codes.length - w + 1));
    const scores = scanScores(seq, pwm, strands);
    for (let i = 0; i < scores.length; i++) {
      const s = scores[i]!;
      if (!(s > floor)) continue;
      let isPeak = true;
      // Ties go to the leftmost window, so equal neighbours give one peak, not two.
      for (let j = Math.max(0, i - w + 1); j < i && isPeak; j++) if (scores[j]! >= s) isPeak = false;
      for (let j = i + 1; j < Math.min(scores.length, i + w) && isPeak; j++)
        if (scores[j]! > s) isPeak = false;
      if (isPeak) out.push({ sequence: index, start: i, strand: strands[i]!, score: s });
    }
  });
  return out;
}

export function windowCount(sequences: readonly CodedSequence[], width: number): number {
  let n = 0;
  for (const s of sequences) n += Math.max(0, s.codes.length - width + 1);
  return n;
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
  targetPeaks: readonly Peak[],
  backgroundPeaks: readonly Peak[],
  targetWindows: number,
  backgroundWindows: number,
): Threshold {
  const all = [
    ...targetPeaks.map((p) => ({ score: p.score, target: 1 })),
    ...backgroundPeaks.map((p) => ({ score: p.score, target: 0 })),
  ].sort((a, b) => b.score - a.score);
  let best: Threshold = { score: Infinity, logP: 0, targetSites: 0, backgroundSites: 0 };
  let target = 0;
  let background = 0;
  for (let i = 0; i < all.length; i++) {
    if (all[i]!.target) target++;
    else background++;
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
}

/** Refine `start` on the data until the sites stop changing (or `maxIterations`). */
export function refine(start: Matrix, data: RefineData, maxIterations = 20): Refined {
  let matrix = start;
  const width = matrix.length;
  const targetWindows = windowCount(data.targets, width);
  const backgroundWindows = windowCount(data.background, width);
  let threshold: Threshold = { score: Infinity, logP: 0, targetSites: 0, backgroundSites: 0 };
  let best: Refined = { matrix, threshold, iterations: 0 };
  let worse = 0;
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const pwm = logOdds(matrix, data.letters);
    const targetPeaks = peaks(data.targets, pwm, 0);
    const backgroundPeaks = peaks(data.background, pwm, 0);
    threshold = bestThreshold(targetPeaks, backgroundPeaks, targetWindows, backgroundWindows);
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

/**
 * The model-guided mode of `locus motifs`: which motifs a classifier that tells the targets from the
 * background relies on. The classifier is given (`--model`) or trained here (`--train-model`,
 * model-classifier.ts); input x gradient (model-attribution.ts) says how much its decision depends on
 * each base of each target.
 *
 *   - Motifs from the model: around the base the model depends on most in each target (attribution
 *     smoothed over ATTRIBUTION_WINDOW bases), a window of PEAK_WINDOW bases is cut out; windows cut at
 *     random places of the same targets, away from that peak, are their background. The enrichment
 *     search (discover.ts) runs on these windows, so what it finds is what the model's peaks share.
 *     The model picks the motif; its matrix is then re-estimated on the whole targets against the
 *     background, as the enrichment search refines and grows its seeds. One peak window per target is
 *     too little to estimate from: some targets have no site, and a long motif's peak may sit on one
 *     half of it (on the CTCF validation set the peak windows gave its two halves, AGGKGGC and
 *     RCCAGN, as two motifs). Its E-value stays the one from the peak windows. Pieces that grow back
 *     into one motif are reported once.
 *   - How much of the decision a motif explains: the share of all positive attribution on the targets
 *     that falls inside the motif's sites, next to the share of bases those sites cover. A motif the
 *     model uses carries much more attribution than its bases' share; one it ignores, about its share.
 */
import { Random } from '../../src/tokenize/random.js';
import { alignMotifs } from './compare.js';
import { DISCOVER_DEFAULTS, discoverMotifs, refineAndGrow, type DiscoveredMotif } from './discover.js';
import { consensus } from './matrix.js';
import { countingFor, type RefineData } from './refine.js';
import { decodeSequence, type CodedSequence } from './sequences.js';
import { scanSites } from './sites.js';
import type { Background, Matrix } from './types.js';

/** Attribution is summed over this many bases before its peak is taken (about a motif's width). */
export const ATTRIBUTION_WINDOW = 14;
/** Bases cut out around each target's attribution peak. */
export const PEAK_WINDOW = 30;

export interface AttributionShare {
  /** Share of the positive attribution on the targets inside the motif's sites. */
  attribution: number;
  /** Share of the targets' bases inside the motif's sites. */
  bases: number;
}

/** The position whose ATTRIBUTION_WINDOW-wide window holds the most positive attribution. */
export function attributionPeak(scores: Float32Array): number {
  const w = Math.min(ATTRIBUTION_WINDOW, scores.length);
  let sum = 0;
  for (let i = 0; i < w; i++) sum += Math.max(0, scores[i]!);
  let best = sum;
  let bestStart = 0;
  for (let i = w; i < scores.length; i++) {
    sum += Math.max(0, scores[i]!) - Math.max(0, scores[i - w]!);
    if (sum > best) {
      best = sum;
      bestStart = i - w + 1;
    }
  }
  return bestStart + Math.floor(w / 2);
}

/** A window of `length` centred on `centre`, kept inside the sequence. */
function cut(seq: CodedSequence, centre: number, length: number, name: string): CodedSequence {
  const start = Math.max(0, Math.min(seq.codes.length - length, centre - Math.floor(length / 2)));
  return { name, codes: seq.codes.slice(start, start + length) };
}

/** Peak windows of every target and, as their background, random windows away from the peaks. */
export function peakWindows(
  targets: readonly CodedSequence[],
  attribution: readonly Float32Array[],
  seed: number,
): { peaks: CodedSequence[]; background: CodedSequence[] } {
  const rng = new Random(seed);
  const peaks: CodedSequence[] = [];
  const background: CodedSequence[] = [];
  targets.forEach((seq, i) => {
    if (seq.codes.length < PEAK_WINDOW) return;
    const peak = attributionPeak(attribution[i]!);
    peaks.push(cut(seq, peak, PEAK_WINDOW, `${seq.name}_peak`));
    // Two control windows per target, each at least a window away from the peak when the target allows.
    for (let k = 0; k < 2; k++) {
      let centre = rng.nextInt(seq.codes.length);
      for (let tries = 0; tries < 20 && Math.abs(centre - peak) < PEAK_WINDOW; tries++) {
        centre = rng.nextInt(seq.codes.length);
      }
      background.push(cut(seq, centre, PEAK_WINDOW, `${seq.name}_control${k}`));
    }
  });
  return { peaks, background };
}

/** The share of positive attribution, and of bases, inside a motif's sites on the targets. */
export function attributionShare(
  matrix: Matrix,
  threshold: number,
  targets: readonly CodedSequence[],
  attribution: readonly Float32Array[],
  letters: Background,
): AttributionShare {
  const { sites } = scanSites('share', matrix, threshold, targets, letters);
  const byName = new Map(targets.map((t, i) => [t.name, i]));
  const covered = targets.map((t) => new Uint8Array(t.codes.length));
  for (const site of sites) covered[byName.get(site.sequence)!]!.fill(1, site.start, site.end);
  let inside = 0;
  let total = 0;
  let basesInside = 0;
  let bases = 0;
  attribution.forEach((scores, i) => {
    for (let j = 0; j < scores.length; j++) {
      const a = Math.max(0, scores[j]!);
      total += a;
      bases++;
      if (covered[i]![j]) {
        inside += a;
        basesInside++;
      }
    }
  });
  return { attribution: total > 0 ? inside / total : 0, bases: bases > 0 ? basesInside / bases : 0 };
}

export interface ModelGuidedOptions {
  minWidth: number;
  maxWidth: number;
  maxMotifs: number;
  seed: number;
  signal?: AbortSignal;
}

/** A motif of the model's peaks, re-estimated on the whole sequences. */
export interface GuidedMotif extends DiscoveredMotif {
  /** The matrix as found on the peak windows. */
  peakMatrix: Matrix;
}

/**
 * Motifs of the model's attribution peaks: discovered on the peak windows against control windows,
 * then re-estimated on the targets against `background` (see the top of this file).
 */
export function modelGuidedMotifs(
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
  attribution: readonly Float32Array[],
  letters: Background,
  options: ModelGuidedOptions,
): GuidedMotif[] {
  const windows = peakWindows(targets, attribution, options.seed);
  const discover = {
    ...DISCOVER_DEFAULTS,
    minWidth: options.minWidth,
    maxWidth: options.maxWidth,
    maxMotifs: options.maxMotifs,
    seed: options.seed,
  };
  const found = discoverMotifs(
    windows.peaks,
    windows.background,
    letters,
    { ...discover, maxWidth: Math.min(options.maxWidth, PEAK_WINDOW), countBy: 'sequences' },
    undefined,
    options.signal,
  );
  const whole: RefineData = { targets, background, letters, countBy: countingFor(targets) };
  const kept: GuidedMotif[] = [];
  for (const motif of found.motifs) {
    options.signal?.throwIfAborted();
    const { matrix, threshold } = refineAndGrow(motif.matrix, whole, discover);
    // Pieces of one motif in the peak windows (a long motif's two halves) grow back into the same
    // motif: it is reported once, as the first (most significant) of them.
    if (kept.some((k) => sameMotif(k.matrix, matrix))) continue;
    kept.push({
      ...motif,
      consensus: consensus(matrix),
      matrix,
      threshold: threshold.score,
      peakMatrix: motif.matrix,
    });
  }
  return kept;
}

/** Similarity (either strand, compare.ts) at which two re-estimated motifs count as one. */
export const SAME_MOTIF_SIMILARITY = 0.9;

/** Whether either matrix matches the other at SAME_MOTIF_SIMILARITY. */
function sameMotif(a: Matrix, b: Matrix): boolean {
  const similarity = Math.max(alignMotifs(a, b).similarity, alignMotifs(b, a).similarity);
  return similarity >= SAME_MOTIF_SIMILARITY;
}

/** Targets as the strings the model reads. */
export function sequenceTexts(sequences: readonly CodedSequence[]): string[] {
  return sequences.map((s) => decodeSequence(s.codes));
}

/**
 * Enrichment-based motif discovery, one motif at a time (STREME's plan):
 *   1. hold out a share of targets and background to test each motif on data it was not fitted to;
 *   2. seeds: the most enriched exact and gapped words in the training part (seeds.ts);
 *   3. each seed refined into a PWM (refine.ts), the best few widened to the largest width, trimmed of
 *      uninformative edge columns, and refined again;
 *   4. the best motif's p-value on the held-out part, times the number of motifs tested, is its E-value
 *      (motifs are ranked by it when enough sequences are held out, see RANK_BY_TEST_MIN);
 *   5. its sites are masked everywhere, so the next motif is a new one; stop after `maxMotifs` or after
 *      `patience` motifs in a row above the E-value threshold.
 */
import { Random } from '../../src/tokenize/random.js';
import { emPolish } from './em.js';
import { enrichmentLogP } from './enrichment.js';
import { consensus, informationContent } from './matrix.js';
import { logOdds } from './pwm.js';
import { peaks, refine, windowCount, type Peak, type RefineData, type Refined } from './refine.js';
import { findSeeds, seedMatrix, SEED_DEFAULTS } from './seeds.js';
import { MASKED, type CodedSequence } from './sequences.js';
import type { Background, Matrix } from './types.js';

export interface DiscoverOptions {
  minWidth: number;
  maxWidth: number;
  maxMotifs: number;
  /** Stop after this many motifs in a row with an E-value above `evalueThreshold`. */
  patience: number;
  evalueThreshold: number;
  /** Share of the sequences held out for the significance test. */
  holdoutFraction: number;
  /** Seeds refined at their own width; the best `widened` of them are grown to full width. */
  seeds: number;
  widened: number;
  /** Edge columns with less information than this (bits) are trimmed. */
  trimBits: number;
  seed: number;
}

export const DISCOVER_DEFAULTS: Omit<DiscoverOptions, 'seed'> = {
  minWidth: 6,
  maxWidth: 20,
  maxMotifs: 5,
  patience: 3,
  evalueThreshold: 0.05,
  holdoutFraction: 0.1,
  seeds: 16,
  widened: 3,
  trimBits: 0.3,
};

/** Hold-out sets smaller than this give no test: the training data are tested instead (and said so). */
export const MIN_HOLDOUT = 5;

/**
 * With at least this many held-out targets, motifs are ranked by their held-out p-value, as STREME
 * ranks them; with fewer, a handful of held-out sequences would rank by chance, so the ranking follows
 * the training enrichment and the held-out test only sets the E-values.
 */
export const RANK_BY_TEST_MIN = 100;

export interface DiscoveredMotif {
  rank: number;
  consensus: string;
  matrix: Matrix;
  /** The seed word it grew from. */
  seedWord: string;
  /** Site score threshold (bits): windows at or above it are this motif's sites. */
  threshold: number;
  /** ln p-value on the training part (the fitted objective). */
  trainLogP: number;
  /** ln p-value on the held-out part, or on the training part when nothing was held out. */
  testLogP: number;
  evalue: number;
  trainTargetSites: number;
  trainBackgroundSites: number;
  testTargetSites: number;
  testBackgroundSites: number;
  /** Order in which it was found (1 = first). */
  found: number;
}

export interface DiscoverProgress {
  motif: number;
  maxMotifs: number;
  step: string;
}

export interface Split {
  train: CodedSequence[];
  test: CodedSequence[];
}

/** A seeded split of the sequences: the test part gets round(fraction * n). */
export function holdout(sequences: readonly CodedSequence[], fraction: number, seed: number): Split {
  const order = sequences.map((_, i) => i);
  const rng = new Random(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const nTest = Math.round(fraction * sequences.length);
  const test = new Set(order.slice(0, nTest));
  return {
    train: sequences.filter((_, i) => !test.has(i)),
    test: sequences.filter((_, i) => test.has(i)),
  };
}

/** A matrix grown to `width` with background columns, `left` of them before the motif. */
function pad(matrix: Matrix, width: number, background: Background): Matrix {
  const extra = Math.max(0, width - matrix.length);
  const left = Math.floor(extra / 2);
  return [
    ...Array.from({ length: left }, () => [...background]),
    ...matrix,
    ...Array.from({ length: extra - left }, () => [...background]),
  ];
}

/** Edge columns below `bits` removed, keeping at least `minWidth` (the most informative stretch). */
export function trim(matrix: Matrix, bits: number, minWidth: number, background: Background): Matrix {
  const ic = matrix.map((row) => informationContent(row, background));
  let start = 0;
  let end = matrix.length;
  while (end - start > minWidth && ic[start]! < bits) start++;
  while (end - start > minWidth && ic[end - 1]! < bits) end--;
  return matrix.slice(start, end);
}

/** Sites at or above `threshold` among the peaks of `pwm`. */
function sitesAbove(
  sequences: readonly CodedSequence[],
  matrix: Matrix,
  letters: Background,
  threshold: number,
): Peak[] {
  return peaks(sequences, logOdds(matrix, letters), threshold - 1e-9).filter(
    (p) => p.score >= threshold - 1e-9,
  );
}

/** Replace every site's bases with MASKED, in place. */
function mask(sequences: readonly CodedSequence[], sites: readonly Peak[], width: number): void {
  for (const s of sites) sequences[s.sequence]!.codes.fill(MASKED, s.start, s.start + width);
}

function bestOf(results: readonly Refined[]): Refined {
  return results.reduce((a, b) => (b.threshold.logP < a.threshold.logP ? b : a));
}

/**
 * A refined seed grown into a full motif: padded to the largest width with background columns and
 * refined again, so the flanks learn whatever the sites share; uninformative edge columns trimmed and
 * refined once more; then its letter probabilities re-estimated by EM on the training targets (em.ts).
 * The EM matrix is kept when it holds at least 90% of the refined enrichment (in log p): EM drifting to
 * a different, commoner pattern would lose much more.
 */
function grow(refined: Refined, train: RefineData, options: DiscoverOptions): Refined {
  const letters = train.letters;
  const wide = refine(pad(refined.matrix, options.maxWidth, letters), train);
  const trimmed = refine(trim(wide.matrix, options.trimBits, options.minWidth, letters), train);
  const core = refined.matrix.length >= options.minWidth ? bestOf([trimmed, refined]) : trimmed;
  const excess = core.threshold.targetSites - core.threshold.backgroundSites;
  const lambda = Math.min(
    0.1,
    Math.max(excess, 1) / Math.max(windowCount(train.targets, core.matrix.length), 1),
  );
  const polished = refine(emPolish(core.matrix, train.targets, letters, lambda).matrix, train, 1);
  return polished.threshold.logP <= 0.9 * core.threshold.logP ? polished : core;
}

/**
 * Find up to `maxMotifs` motifs enriched in `targets` against `background`, ranked by E-value.
 * The sequences are copied: masking never touches the caller's arrays.
 */
export function discoverMotifs(
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
  letters: Background,
  options: DiscoverOptions,
  onProgress?: (p: DiscoverProgress) => void,
  signal?: AbortSignal,
): { motifs: DiscoveredMotif[]; heldOut: boolean; rankedByTest: boolean; tested: number } {
  const copy = (list: readonly CodedSequence[]) =>
    list.map((s) => ({ name: s.name, codes: s.codes.slice() }));
  const t = holdout(copy(targets), options.holdoutFraction, options.seed);
  const b = holdout(copy(background), options.holdoutFraction, options.seed + 1);
  const heldOut = t.test.length >= MIN_HOLDOUT && b.test.length >= MIN_HOLDOUT;
  const train: RefineData = { targets: t.train, background: b.train, letters };
  const test: RefineData = heldOut ? { targets: t.test, background: b.test, letters } : train;
  const found: DiscoveredMotif[] = [];
  let misses = 0;
  for (let m = 1; m <= options.maxMotifs && misses < options.patience; m++) {
    signal?.throwIfAborted();
    const report = (step: string) => onProgress?.({ motif: m, maxMotifs: options.maxMotifs, step });
    report('seeds');
    const seeds = findSeeds(train.targets, train.background, {
      ...SEED_DEFAULTS,
      exactWidths: [Math.max(options.minWidth, 6), Math.max(options.minWidth, 8)].filter(
        (k, i, all) => all.indexOf(k) === i && k <= options.maxWidth,
      ),
      count: options.seeds,
    });
    if (seeds.length === 0) break;
    report('refine');
    const atSeedWidth = seeds.map((s) => ({ seed: s, refined: refine(seedMatrix(s.word, letters), train) }));
    atSeedWidth.sort((x, y) => x.refined.threshold.logP - y.refined.threshold.logP);
    const grown = atSeedWidth
      .slice(0, options.widened)
      .map(({ seed, refined }) => ({ seed, refined: grow(refined, train, options) }));
    const best = grown.reduce((x, c) => (c.refined.threshold.logP < x.refined.threshold.logP ? c : x));
    const { matrix, threshold } = best.refined;
    if (threshold.targetSites === 0) break;

    const width = matrix.length;
    const testTargetSites = sitesAbove(test.targets, matrix, letters, threshold.score);
    const testBackgroundSites = sitesAbove(test.background, matrix, letters, threshold.score);
    const testLogP = enrichmentLogP({
      target: testTargetSites.length,
      background: testBackgroundSites.length,
      targetWindows: windowCount(test.targets, width),
      backgroundWindows: windowCount(test.background, width),
    });
    // E-values are set below, once the number of motifs tested is known.
    const evalue = Math.exp(testLogP) * m;
    found.push({
      rank: 0,
      consensus: consensus(matrix),
      matrix,
      seedWord: best.seed.word,
      threshold: threshold.score,
      trainLogP: threshold.logP,
      testLogP,
      evalue,
      trainTargetSites: threshold.targetSites,
      trainBackgroundSites: threshold.backgroundSites,
      testTargetSites: testTargetSites.length,
      testBackgroundSites: testBackgroundSites.length,
      found: m,
    });
    misses = evalue > options.evalueThreshold ? misses + 1 : 0;
    // Mask this motif's sites everywhere so that the next round finds something new.
    for (const set of [t.train, b.train, ...(heldOut ? [t.test, b.test] : [])]) {
      mask(set, sitesAbove(set, matrix, letters, threshold.score), width);
    }
  }
  for (const motif of found) motif.evalue = Math.min(1e300, Math.exp(motif.testLogP) * found.length);
  const byTest = heldOut && t.test.length >= RANK_BY_TEST_MIN;
  const ranked = [...found].sort((x, y) =>
    byTest ? x.testLogP - y.testLogP || x.trainLogP - y.trainLogP : x.trainLogP - y.trainLogP,
  );
  ranked.forEach((motif, i) => (motif.rank = i + 1));
  return { motifs: ranked, heldOut, rankedByTest: byTest, tested: found.length };
}

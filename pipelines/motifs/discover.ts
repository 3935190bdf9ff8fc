/**
 * Enrichment-based motif discovery, one motif at a time (STREME's plan):
 *   1. hold out a share of targets and background to test each motif on data it was not fitted to (long
 *      sequences are cut into pieces first, HOLDOUT_PIECE_BASES);
 *   2. seeds: the most enriched exact and gapped words in the training part (seeds.ts);
 *   3. each seed refined into a PWM (refine.ts) on a sample, the best few refined on all the training
 *      data and grown to the columns their sites share (grow), then re-estimated by EM;
 *   4. the best motif's p-value on the held-out part, times the number of motifs tested, is its E-value
 *      (motifs are ranked by it when enough sequences are held out, see RANK_BY_TEST_MIN);
 *   5. its sites are masked everywhere, so the next motif is a new one; stop after `maxMotifs` or after
 *      `patience` motifs in a row above the E-value threshold.
 */
import { Random } from '../../src/tokenize/random.js';
import { permutation } from '../../src/train/data/rng.js';
import { EM_DEFAULTS, emPolish, type SiteModel } from './em.js';
import { enrichmentLogP } from './enrichment.js';
import { consensus, informationContent } from './matrix.js';
import { palindromicForm } from './palindrome.js';
import { logOdds } from './pwm.js';
import {
  bestPerSequence,
  countingFor,
  enrichmentAt,
  refine,
  sitesAt,
  windowCount,
  type Peak,
  type RefineData,
  type Refined,
} from './refine.js';
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
  /** At most this many of them from one word pattern. */
  seedsPerPattern: number;
  widened: number;
  /**
   * The same three when the test counts sites (long sequences). Sites are sparse among the bases
   * there, so a real motif's words stand out less from chance words (CTCF's best 8-mer ranked 17th
   * of the 8-mer seeds on the 10 kb validation set) and more seeds must be refined to reach it.
   */
  sitesSearch: { seeds: number; seedsPerPattern: number; widened: number };
  /** Gapped seed words span up to this many unspecified bases between their halves (0: none). */
  maxGap: number;
  /** What the enrichment test counts (refine.ts RefineData.countBy); 'auto' chooses by length. */
  countBy: 'auto' | 'sequences' | 'sites';
  /**
   * EM steps that re-estimate a grown motif's letter probabilities, and the share of its enrichment
   * (in log p) the result must keep to replace it. A few steps soften a matrix that the discriminative
   * fit made too sharp; many let it drift to commoner patterns (validation sets, docs/motifs.md).
   */
  polishIterations: number;
  polishKeep: number;
  /** Columns around a motif's sites join it only with at least this much information (bits). */
  flankBits: number;
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
  seedsPerPattern: 3,
  widened: 3,
  sitesSearch: { seeds: 48, seedsPerPattern: 12, widened: 6 },
  maxGap: 8,
  flankBits: 0.15,
  polishIterations: 3,
  polishKeep: 0.8,
  countBy: 'auto',
};

/**
 * Seeds are refined on at most this many bases of the training targets (and as many of the
 * background), a seeded sample of whole sequences: sixteen seeds refined on a whole large input would
 * take most of the run, and a sample this size already tells a real motif from chance. The chosen
 * seeds are grown and refined on all the training data.
 */
export const SEED_REFINE_BASES = 400_000;

/** Whole sequences in seeded random order until `maxBases`; the same objects, so masking reaches them. */
function sample(sequences: readonly CodedSequence[], maxBases: number, seed: number): CodedSequence[] {
  let total = 0;
  for (const s of sequences) total += s.codes.length;
  if (total <= maxBases) return [...sequences];
  const order = permutation(sequences.length, new Random(seed));
  const out: CodedSequence[] = [];
  let bases = 0;
  for (const i of order) {
    if (bases >= maxBases) break;
    out.push(sequences[i]!);
    bases += sequences[i]!.codes.length;
  }
  return out;
}

/** Hold-out sets smaller than this give no test: the training data are tested instead (and said so). */
export const MIN_HOLDOUT = 5;

/**
 * When the test counts sites (long sequences), the sequences are cut into pieces of about this many
 * bases before the hold-out split, so that a few long sequences (20 of 10 kb) still leave a held-out
 * part and E-values are not computed on the data the motifs were fitted to. A site across a cut is lost
 * to discovery (about width / 2,000 of them); sites are reported from the whole sequences.
 */
export const HOLDOUT_PIECE_BASES = 2000;

/** Each sequence cut into near-equal pieces of about `bases` (copies; weights kept). */
export function pieces(sequences: readonly CodedSequence[], bases: number): CodedSequence[] {
  return sequences.flatMap((s) => {
    const n = Math.max(1, Math.round(s.codes.length / bases));
    return Array.from({ length: n }, (_, i) => ({
      ...s,
      name: n === 1 ? s.name : `${s.name}:${i + 1}`,
      codes: s.codes.slice(Math.floor((i * s.codes.length) / n), Math.floor(((i + 1) * s.codes.length) / n)),
    }));
  });
}

/**
 * With at least this many held-out targets, motifs are ranked by their held-out p-value, as STREME
 * ranks them; with fewer, a handful of held-out sequences would rank by chance, so the ranking follows
 * the cross-fitted enrichment within the training part (crossFitLogP) and the held-out test only sets
 * the E-values. When sites are counted (long sequences, cut into pieces) any held-out part ranks.
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
  /** ln p-value of out-of-fold site counts within the training part (crossFitLogP). */
  crossFitLogP: number;
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
  const order = permutation(sequences.length, new Random(seed));
  const nTest = Math.round(fraction * sequences.length);
  const test = new Set(order.slice(0, nTest));
  return {
    train: sequences.filter((_, i) => !test.has(i)),
    test: sequences.filter((_, i) => test.has(i)),
  };
}

/** Replace every site's bases with MASKED, in place. */
export function mask(sequences: readonly CodedSequence[], sites: readonly Peak[], width: number): void {
  for (const s of sites) sequences[s.sequence]!.codes.fill(MASKED, s.start, s.start + width);
}

/** Two halves of the training data; in each fold one half fits a matrix and the other counts its sites. */
interface Fold {
  fit: RefineData;
  count: RefineData;
}

function twoFolds(data: RefineData, seed: number): Fold[] {
  const t = holdout(data.targets, 0.5, seed);
  const b = holdout(data.background, 0.5, seed + 1);
  const part = (targets: CodedSequence[], background: CodedSequence[]): RefineData => ({
    ...data,
    targets,
    background,
  });
  return [
    { fit: part(t.train, b.train), count: part(t.test, b.test) },
    { fit: part(t.test, b.test), count: part(t.train, b.train) },
  ];
}

/**
 * ln p-value of a motif's out-of-fold site counts: refined on one half of the training data, its sites
 * counted on the other, both ways, counts summed. A matrix fitted to chance agreements among a few
 * dozen target windows finds its sites in the targets it was fitted to and nowhere else; a real motif
 * finds them in the other half too. Candidates are chosen, and ranked when nothing decisive is held
 * out, by this rather than by the fitted enrichment.
 */
function crossFitLogP(matrix: Matrix, folds: readonly Fold[], iterations = 5): number {
  let target = 0;
  let background = 0;
  let targetChances = 0;
  let backgroundChances = 0;
  for (const fold of folds) {
    const fitted = refine(matrix, fold.fit, iterations);
    if (!Number.isFinite(fitted.threshold.score)) continue;
    const counted = enrichmentAt(fold.count, fitted.matrix, fitted.threshold.score);
    target += counted.targetSites;
    background += counted.backgroundSites;
    targetChances += counted.targetChances;
    backgroundChances += counted.backgroundChances;
  }
  return enrichmentLogP({
    target,
    background,
    targetWindows: targetChances,
    backgroundWindows: backgroundChances,
  });
}

function bestOf(results: readonly Refined[]): Refined {
  return results.reduce((a, b) => (b.threshold.logP < a.threshold.logP ? b : a));
}

/** ln P(chi-square with 3 degrees of freedom >= x): the G-test of a column against the background. */
function logChiSquare3Tail(x: number): number {
  if (x <= 0) return 0;
  // Survival of chi-square(3): erfc(sqrt(x/2)) + sqrt(2x/pi) exp(-x/2).
  const tail = erfc(Math.sqrt(x / 2)) + Math.sqrt((2 * x) / Math.PI) * Math.exp(-x / 2);
  return Math.log(Math.max(tail, Number.MIN_VALUE));
}

/** Complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851343 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Letter counts at every offset from -flank to width + flank around the sites, read on each site's
 * strand: (width + 2 * flank, 4). Bases outside a sequence or masked are not counted.
 */
export function flankCounts(
  sequences: readonly CodedSequence[],
  sites: readonly Peak[],
  width: number,
  flank: number,
): number[][] {
  const counts = Array.from({ length: width + 2 * flank }, () => [0, 0, 0, 0]);
  for (const site of sites) {
    const codes = sequences[site.sequence]!.codes;
    for (let j = -flank; j < width + flank; j++) {
      // Column j of the motif as read on the site's strand.
      const at = site.strand === 0 ? site.start + j : site.start + width - 1 - j;
      if (at < 0 || at >= codes.length) continue;
      const c = codes[at]!;
      if (c === MASKED) continue;
      counts[j + flank]![site.strand === 0 ? c : 3 - c]!++;
    }
  }
  return counts;
}

/**
 * Whether a column of site counts belongs to the motif: it differs from the background by a G-test
 * (ln p below `logAlpha`) and by at least `minBits` of information. With thousands of sites the test
 * alone would take in flanks that differ from the genome average only by the local composition.
 */
export function isInformative(
  row: readonly number[],
  letters: Background,
  logAlpha: number,
  minBits: number,
): boolean {
  const n = row[0]! + row[1]! + row[2]! + row[3]!;
  if (n === 0) return false;
  if (
    informationContent(
      row.map((x) => x / n),
      letters,
    ) < minBits
  )
    return false;
  let g = 0;
  for (let b = 0; b < 4; b++) if (row[b]! > 0) g += 2 * row[b]! * Math.log(row[b]! / (n * letters[b]!));
  return logChiSquare3Tail(g) < logAlpha;
}

/**
 * The matrix of the columns around `sites` (width `width`, each read on its strand) that belong to the
 * motif: from the sites' own columns, grow to each side while the next column (or the one after,
 * bridging one weak column) is informative (`isInformative`, G-test p < 0.001 and `flankBits`), drop
 * uninformative edge columns, keep the width within [minWidth, maxWidth]. Letter probabilities are the
 * site counts with one background-weighted pseudocount.
 */
export function grownMatrix(
  sequences: readonly CodedSequence[],
  sites: readonly Peak[],
  width: number,
  letters: Background,
  options: Pick<DiscoverOptions, 'minWidth' | 'maxWidth' | 'flankBits'>,
): Matrix {
  const flank = Math.max(0, options.maxWidth - options.minWidth);
  const counts = flankCounts(sequences, sites, width, flank);
  const informative = counts.map((row) => isInformative(row, letters, Math.log(1e-3), options.flankBits));
  // Core columns [start, end) in `counts` coordinates; grow outwards, then drop weak edge columns.
  let start = flank;
  let end = flank + width;
  const grows = (at: number, step: number) =>
    informative[at] === true || (informative[at] === false && informative[at + step] === true);
  while (end - start < options.maxWidth && start > 0 && grows(start - 1, -1)) start--;
  while (end - start < options.maxWidth && end < counts.length && grows(end, 1)) end++;
  while (end - start > options.minWidth && !informative[start]) start++;
  while (end - start > options.minWidth && !informative[end - 1]) end--;
  while (end - start < options.minWidth) {
    if (start > 0) start--;
    if (end - start < options.minWidth && end < counts.length) end++;
  }
  return counts.slice(start, end).map((row) => {
    const total = row[0]! + row[1]! + row[2]! + row[3]! + 1;
    return row.map((n, b) => (n + letters[b]!) / total);
  });
}

/**
 * A refined seed grown into a full motif. The seed's sites (at its threshold) are aligned and the
 * columns around them counted: the motif spreads to each side while the next column (or the one after,
 * bridging one weak column) differs from the background by a G-test at p < 0.001, and its own edge
 * columns that do not are dropped. Counting columns around fixed sites, rather than refining a wide
 * matrix, keeps the flanks from fitting chance agreements among a few dozen sites. The grown matrix is
 * refined, then its letter probabilities re-estimated by a few EM steps (em.ts; ZOOPS when the test
 * counts sequences, TCM when it counts sites); the EM matrix is kept
 * when it holds at least `polishKeep` of the enrichment (in log p): EM drifting to a commoner pattern
 * would lose much more. A palindromic result is made symmetric (palindrome.ts) on the same terms.
 */
function grow(refined: Refined, train: RefineData, options: DiscoverOptions): Refined {
  const letters = train.letters;
  const width = refined.matrix.length;
  const above = sitesAt(train.targets, logOdds(refined.matrix, letters), refined.threshold.score);
  const sites = train.countBy === 'sequences' ? bestPerSequence(above) : above;
  if (sites.length === 0) return refined;
  const matrix = grownMatrix(train.targets, sites, width, letters, options);
  const core = bestOf([refine(matrix, train), ...(width >= options.minWidth ? [refined] : [])]);
  // The prior EM starts from: the sites in excess of the background's, per sequence (ZOOPS, when the
  // test counts sequences) or per window (TCM, when it counts sites).
  const excess = Math.max(core.threshold.targetSites - core.threshold.backgroundSites, 1);
  const model: SiteModel =
    train.countBy === 'sequences'
      ? { kind: 'zoops', gamma: Math.min(0.99, excess / Math.max(train.targets.length, 1)) }
      : {
          kind: 'tcm',
          lambda: Math.min(0.1, excess / Math.max(windowCount(train.targets, core.matrix.length), 1)),
        };
  const em = emPolish(core.matrix, train.targets, letters, model, {
    ...EM_DEFAULTS,
    iterations: options.polishIterations,
  });
  const polished = refine(em.matrix, train, 1);
  return symmetricIfPalindrome(keepIfHolding(polished, core, options), train, options);
}

/** `candidate` when it holds `polishKeep` of `current`'s enrichment (in log p), else `current`. */
function keepIfHolding(candidate: Refined, current: Refined, options: DiscoverOptions): Refined {
  return candidate.threshold.logP <= options.polishKeep * current.threshold.logP ? candidate : current;
}

/**
 * A palindromic motif averaged with its reverse complement (palindrome.ts), its threshold fitted
 * again (refine with one iteration keeps the matrix); kept when it holds `polishKeep` of the enrichment
 * and fits within the widths asked for.
 */
function symmetricIfPalindrome(refined: Refined, train: RefineData, options: DiscoverOptions): Refined {
  const symmetric = palindromicForm(refined.matrix);
  if (!symmetric || symmetric.length > options.maxWidth) return refined;
  return keepIfHolding(refine(symmetric, train, 1), refined, options);
}

/**
 * A starting matrix refined on `data` and grown to the columns its sites share, as every seed of the
 * search is (without the search's held-out test): for a motif found elsewhere, e.g. on the windows
 * a model's attribution peaks on (model-guided.ts).
 */
export function refineAndGrow(start: Matrix, data: RefineData, options: DiscoverOptions): Refined {
  return grow(refine(start, data, 10), data, options);
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
): {
  motifs: DiscoveredMotif[];
  /**
   * Sequences (or pieces of pieceBases, when the test counts sites) held out for the test (0 and 0 when
   * too few to hold out: the training part was tested).
   */
  heldOut: { targets: number; background: number; pieceBases: number | null };
  rankedByTest: boolean;
  countBy: RefineData['countBy'];
  tested: number;
} {
  const countBy = options.countBy === 'auto' ? countingFor(targets) : options.countBy;
  const pieceBases = countBy === 'sites' ? HOLDOUT_PIECE_BASES : null;
  const search = countBy === 'sites' ? options.sitesSearch : options;
  const copy = (list: readonly CodedSequence[]) =>
    pieceBases === null ? list.map((s) => ({ ...s, codes: s.codes.slice() })) : pieces(list, pieceBases);
  const t = holdout(copy(targets), options.holdoutFraction, options.seed);
  const b = holdout(copy(background), options.holdoutFraction, options.seed + 1);
  const heldOut = t.test.length >= MIN_HOLDOUT && b.test.length >= MIN_HOLDOUT;
  const train: RefineData = { targets: t.train, background: b.train, letters, countBy };
  const test: RefineData = heldOut ? { targets: t.test, background: b.test, letters, countBy } : train;
  const quick: RefineData = {
    targets: sample(t.train, SEED_REFINE_BASES, options.seed + 2),
    background: sample(b.train, SEED_REFINE_BASES, options.seed + 3),
    letters,
    countBy,
  };
  const quickFolds = twoFolds(quick, options.seed + 4);
  const trainFolds = twoFolds(train, options.seed + 6);
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
      count: search.seeds,
      perPattern: search.seedsPerPattern,
      maxGap: options.maxGap,
    });
    if (seeds.length === 0) break;
    report('refine');
    const atSeedWidth = seeds.map((s) => {
      const start = seedMatrix(s.word, letters);
      return { seed: s, start, cv: crossFitLogP(start, quickFolds, 10) };
    });
    atSeedWidth.sort((x, y) => x.cv - y.cv);
    const grown = atSeedWidth.slice(0, search.widened).map(({ seed, start }) => {
      signal?.throwIfAborted();
      const refined = grow(refine(start, train, 10), train, options);
      return { seed, refined, cv: crossFitLogP(refined.matrix, trainFolds) };
    });
    const best = grown.reduce((x, c) => (c.cv < x.cv ? c : x));
    const { matrix, threshold } = best.refined;
    if (threshold.targetSites === 0) break;

    const width = matrix.length;
    const tested = enrichmentAt(test, matrix, threshold.score);
    const testLogP = tested.logP;
    // E-values are set below, once the number of motifs tested is known.
    const evalue = Math.exp(testLogP) * m;
    found.push({
      rank: 0,
      consensus: consensus(matrix),
      matrix,
      seedWord: best.seed.word,
      threshold: threshold.score,
      trainLogP: threshold.logP,
      crossFitLogP: best.cv,
      testLogP,
      evalue,
      trainTargetSites: threshold.targetSites,
      trainBackgroundSites: threshold.backgroundSites,
      testTargetSites: tested.targetSites,
      testBackgroundSites: tested.backgroundSites,
      found: m,
    });
    misses = evalue > options.evalueThreshold ? misses + 1 : 0;
    // Mask this motif's sites everywhere so that the next round finds something new.
    for (const set of [t.train, b.train, ...(heldOut ? [t.test, b.test] : [])]) {
      mask(set, sitesAt(set, logOdds(matrix, letters), threshold.score), width);
    }
  }
  for (const motif of found) motif.evalue = Math.min(1e300, Math.exp(motif.testLogP) * found.length);
  // Counting sites, the test's power comes from the held-out bases, not from how many pieces hold them.
  const byTest = heldOut && (countBy === 'sites' || t.test.length >= RANK_BY_TEST_MIN);
  const ranked = [...found].sort((x, y) =>
    byTest ? x.testLogP - y.testLogP || x.crossFitLogP - y.crossFitLogP : x.crossFitLogP - y.crossFitLogP,
  );
  ranked.forEach((motif, i) => (motif.rank = i + 1));
  return {
    motifs: ranked,
    heldOut: heldOut
      ? { targets: t.test.length, background: b.test.length, pieceBases }
      : { targets: 0, background: 0, pieceBases },
    rankedByTest: byTest,
    countBy,
    tested: found.length,
  };
}

/**
 * Positional motif discovery, for targets aligned at a common point (`locus motifs --anchor`):
 * promoters that end at the transcription start, ChIP-seq peaks centred on their summits. A motif that
 * sits at a fixed distance from that point (the TATA box about 30 bases upstream of a TSS, the
 * initiator at it) need be no commoner in the targets than in a background, so enrichment misses it,
 * yet its sites crowd into a narrow window of positions. This asks CentriMo's question (are a motif's
 * sites concentrated around a position?) as discovery, one motif at a time:
 *
 *   1. Words: every k-mer's sites, placed by their centre relative to the anchor, against where any
 *      k-mer window can sit (the null density: N runs, masked sites and unequal lengths are accounted
 *      for); per word the window of positions (8 bases to half the range wide) with the smallest
 *      binomial p of its sites falling there.
 *   2. The best words refined into PWMs: the score threshold and window that best concentrate the
 *      sites, the letter probabilities re-estimated from the sites in the window, grown to the flank
 *      columns those sites share (discover.ts grownMatrix).
 *   3. E-value: the binomial p of the held-out targets' sites falling in that window (the same held-out
 *      targets as the enrichment search), times the positional motifs tested.
 *   4. The motif's sites are masked, and the next is sought.
 *
 * Anchored at an end, sequences have an orientation (a promoter's strand), so words and sites are read
 * on the given strand only; centred sequences have none and are searched on both strands.
 */
import { consensus } from './matrix.js';
import { logBinomialTail } from './enrichment.js';
import {
  grownMatrix,
  holdout,
  mask,
  type DiscoveredMotif,
  type DiscoverOptions,
  type DiscoverProgress,
} from './discover.js';
import { logOdds, type LogOdds, type Strands } from './pwm.js';
import { peaks, type Peak } from './refine.js';
import { seedMatrix } from './seeds.js';
import { MASKED, type CodedSequence } from './sequences.js';
import type { Background, Matrix, PositionalWindow } from './types.js';

export const ANCHORS = ['start', 'center', 'end'] as const;
export type Anchor = PositionalWindow['anchor'];

/** The search limits it shares with the enrichment search (discover.ts), and its own. */
export interface PositionalOptions extends Pick<
  DiscoverOptions,
  | 'minWidth'
  | 'maxWidth'
  | 'maxMotifs'
  | 'patience'
  | 'evalueThreshold'
  | 'holdoutFraction'
  | 'flankBits'
  | 'seed'
> {
  anchor: Anchor;
  /** Length of the seed words. */
  wordLength: number;
  /** The best this many words are refined into matrices each round. */
  seeds: number;
}

export const POSITIONAL_DEFAULTS = { wordLength: 6, seeds: 4 };

export type PositionalMotif = DiscoveredMotif & { position: PositionalWindow };

/** Words and sites are read on the given strand only (an end anchor orients the sequences), or on both. */
export function strandsOf(anchor: Anchor): Strands {
  return anchor === 'center' ? 'both' : 'forward';
}

/** Position of the anchor in a sequence of `length` bases. */
function anchorAt(anchor: Anchor, length: number): number {
  return anchor === 'start' ? 0 : anchor === 'end' ? length : Math.floor(length / 2);
}

/**
 * The offsets a site centre can take, as indices 0..range-1: offset = start + floor(width / 2) -
 * anchorAt(length), index = offset - minOffset. Fixed by the longest sequence, so one frame serves every
 * width.
 */
export interface Frame {
  anchor: Anchor;
  minOffset: number;
  range: number;
}

export function frameOf(anchor: Anchor, sequences: readonly CodedSequence[]): Frame {
  let longest = 0;
  for (const s of sequences) longest = Math.max(longest, s.codes.length);
  const minOffset = anchor === 'start' ? 0 : anchor === 'end' ? -longest : -Math.ceil(longest / 2);
  return { anchor, minOffset, range: longest + 1 };
}

function indexOf(frame: Frame, start: number, width: number, length: number): number {
  return start + (width >> 1) - anchorAt(frame.anchor, length) - frame.minOffset;
}

/**
 * The null: how many windows of `width` free of masked bases have their centre at each index, summed
 * over the sequences, as a cumulative array (range + 1): windows in [a, b) = cum[b] - cum[a].
 */
export function windowDensity(
  sequences: readonly CodedSequence[],
  width: number,
  frame: Frame,
): Float64Array {
  const cum = new Float64Array(frame.range + 1);
  for (const s of sequences) {
    const codes = s.codes;
    let lastMasked = -1;
    for (let i = 0; i < codes.length; i++) {
      if (codes[i] === MASKED) lastMasked = i;
      const start = i - width + 1;
      if (start >= 0 && lastMasked < start) cum[indexOf(frame, start, width, codes.length) + 1]!++;
    }
  }
  for (let i = 1; i <= frame.range; i++) cum[i]! += cum[i - 1]!;
  return cum;
}

/** The windows tested per word or motif: widths from 8 bases (in steps of about 1.5x) to half the range, each slid by a quarter of its width. */
export function windowGrid(range: number): { from: number; to: number }[] {
  const widths: number[] = [];
  for (let w = 8; w <= Math.max(8, range / 2); w = w % 3 === 0 ? (w / 3) * 4 : (w / 2) * 3) widths.push(w);
  const grid: { from: number; to: number }[] = [];
  for (const w of widths) {
    for (let a = 0; a + w <= range; a += Math.max(1, w >> 2)) grid.push({ from: a, to: a + w });
  }
  return grid;
}

/**
 * A window must hold at least this many times the sites the null expects there: at least half its
 * sites are then the motif's rather than chance's. Without it, a gentle gradient of composition along
 * the sequences (A/T-richness rising towards a TSS) wins wide windows by sheer numbers of sites, and
 * the refinement follows it into low-information matrices.
 */
export const MIN_FOLD = 2;

interface WindowFit {
  from: number;
  to: number;
  inWindow: number;
  expected: number;
  logP: number;
}

/**
 * The window of `grid` where `hits` (cumulative counts per index, n in all) are most concentrated
 * against the null `density`: the smallest binomial ln p. Windows whose count is within noise of the
 * expectation are skipped before the exact tail is computed.
 */
function bestWindow(
  hits: Float64Array,
  n: number,
  density: Float64Array,
  grid: readonly { from: number; to: number }[],
): WindowFit {
  const total = density[density.length - 1]!;
  let best: WindowFit = { from: 0, to: 0, inWindow: 0, expected: 0, logP: 0 };
  if (n === 0 || total === 0) return best;
  for (const { from, to } of grid) {
    const x = hits[to]! - hits[from]!;
    const q = (density[to]! - density[from]!) / total;
    const expected = n * q;
    if (x < 3 || x < MIN_FOLD * expected || x <= expected + 2 * Math.sqrt(expected) + 1) continue;
    const logP = logBinomialTail(x, n, q);
    if (logP < best.logP) best = { from, to, inWindow: x, expected, logP };
  }
  return best;
}

/** Every word's site indices, grouped by word code (CSR): word w's at offsets[starts[w] .. starts[w+1]). */
function wordSites(sequences: readonly CodedSequence[], k: number, frame: Frame, both: boolean) {
  const words = 4 ** k;
  const mask = words - 1;
  const counts = new Int32Array(words + 1);
  const visit = (emit: (word: number, index: number) => void) => {
    for (const s of sequences) {
      const codes = s.codes;
      let forward = 0;
      let reverse = 0;
      let run = 0; // unmasked bases ending here
      for (let i = 0; i < codes.length; i++) {
        const c = codes[i]!;
        if (c === MASKED) {
          run = 0;
          continue;
        }
        forward = ((forward << 2) | c) & mask;
        reverse = (reverse >>> 2) | ((3 - c) << (2 * (k - 1)));
        if (++run < k) continue;
        const start = i - k + 1;
        const index = indexOf(frame, start, k, codes.length);
        emit(both ? Math.min(forward, reverse) : forward, index);
      }
    }
  };
  visit((word) => counts[word + 1]!++);
  for (let w = 1; w <= words; w++) counts[w]! += counts[w - 1]!;
  const offsets = new Int32Array(counts[words]!);
  const fill = counts.slice(0, words);
  visit((word, index) => (offsets[fill[word]!++] = index));
  return { starts: counts, offsets };
}

function wordText(code: number, k: number): string {
  let text = '';
  for (let j = k - 1; j >= 0; j--) text += 'ACGT'[(code >> (2 * j)) & 3];
  return text;
}

interface WordCandidate extends WindowFit {
  word: string;
  sites: number;
}

/** The `count` words whose sites are most concentrated in some window, most significant first. */
export function positionalWords(
  sequences: readonly CodedSequence[],
  frame: Frame,
  k: number,
  count: number,
): { words: WordCandidate[]; tests: number } {
  const both = strandsOf(frame.anchor) === 'both';
  const { starts, offsets } = wordSites(sequences, k, frame, both);
  const density = windowDensity(sequences, k, frame);
  const grid = windowGrid(frame.range);
  const hits = new Float64Array(frame.range + 1);
  const found: WordCandidate[] = [];
  let words = 0;
  for (let w = 0; w < 4 ** k; w++) {
    const n = starts[w + 1]! - starts[w]!;
    if (n === 0) continue;
    words++;
    if (n < 10) continue;
    hits.fill(0);
    for (let i = starts[w]!; i < starts[w + 1]!; i++) hits[offsets[i]! + 1]!++;
    for (let i = 1; i <= frame.range; i++) hits[i]! += hits[i - 1]!;
    const fit = bestWindow(hits, n, density, grid);
    if (fit.logP < 0) found.push({ ...fit, word: wordText(w, k), sites: n });
  }
  found.sort((a, b) => a.logP - b.logP);
  return { words: found.slice(0, count), tests: words * grid.length };
}

/** A site: its index in the frame as well as where it is. */
interface PlacedSite extends Peak {
  index: number;
}

/** Sites of `pwm` scoring at least `floor` (no two overlapping), on the strands the anchor reads. */
function placedSites(
  sequences: readonly CodedSequence[],
  pwm: LogOdds,
  frame: Frame,
  floor: number,
): PlacedSite[] {
  return peaks(sequences, pwm, floor, strandsOf(frame.anchor)).map((p) => ({
    ...p,
    index: indexOf(frame, p.start, pwm.width, sequences[p.sequence]!.codes.length),
  }));
}

interface PositionalFit extends WindowFit {
  matrix: Matrix;
  threshold: number;
  sites: number;
}

/** Thresholds tried: the scores at about this many quantiles of the sites (at least 5 sites kept). */
const THRESHOLD_LEVELS = 40;

/**
 * The score threshold and window at which `matrix`'s sites are most concentrated: thresholds at
 * quantiles of the site scores (from the best 5 sites to every site scoring above 0 bits), each with
 * its best window.
 */
function fitThreshold(
  sequences: readonly CodedSequence[],
  matrix: Matrix,
  letters: Background,
  frame: Frame,
  grid: readonly { from: number; to: number }[],
): { fit: PositionalFit; sites: PlacedSite[] } {
  const pwm = logOdds(matrix, letters);
  const density = windowDensity(sequences, pwm.width, frame);
  const sites = placedSites(sequences, pwm, frame, 0).sort((a, b) => b.score - a.score);
  let best: PositionalFit = {
    matrix,
    threshold: Infinity,
    sites: 0,
    from: 0,
    to: 0,
    inWindow: 0,
    expected: 0,
    logP: 0,
  };
  // Sites are added level by level (they are sorted by score), counted per index, then made cumulative.
  const counts = new Float64Array(frame.range);
  const hits = new Float64Array(frame.range + 1);
  let kept = 0;
  for (let level = 0; level <= THRESHOLD_LEVELS && kept < sites.length; level++) {
    const n = Math.min(sites.length, Math.max(5, Math.round((sites.length * level) / THRESHOLD_LEVELS)));
    if (n <= kept) continue;
    const threshold = sites[n - 1]!.score;
    while (kept < sites.length && sites[kept]!.score >= threshold) counts[sites[kept++]!.index]!++; // ties join
    for (let i = 0; i < frame.range; i++) hits[i + 1] = hits[i]! + counts[i]!;
    const fit = bestWindow(hits, kept, density, grid);
    if (fit.logP < best.logP) best = { ...fit, matrix, threshold, sites: kept };
  }
  return { fit: best, sites };
}

/** Letter probabilities of the sites in the window (read on their strand), one background pseudocount. */
function windowMatrix(
  sequences: readonly CodedSequence[],
  sites: readonly PlacedSite[],
  fit: PositionalFit,
  letters: Background,
): Matrix {
  const width = fit.matrix.length;
  const counts = Array.from({ length: width }, () => [0, 0, 0, 0]);
  for (const site of inWindow(sites, fit)) {
    const codes = sequences[site.sequence]!.codes;
    for (let j = 0; j < width; j++) {
      const c = codes[site.strand === 0 ? site.start + j : site.start + width - 1 - j]!;
      counts[j]![site.strand === 0 ? c : 3 - c]!++;
    }
  }
  return counts.map((row) => {
    const total = row[0]! + row[1]! + row[2]! + row[3]! + 1;
    return row.map((n, b) => (n + letters[b]!) / total);
  });
}

function inWindow(sites: readonly PlacedSite[], fit: PositionalFit): PlacedSite[] {
  return sites.filter((s) => s.score >= fit.threshold && s.index >= fit.from && s.index < fit.to);
}

/**
 * A seed word grown into a positional motif: threshold and window fitted, letters re-estimated from the
 * window's sites (a few rounds), flank columns the window's sites share added, and fitted once more.
 */
function refinePositional(
  word: string,
  sequences: readonly CodedSequence[],
  letters: Background,
  frame: Frame,
  grid: readonly { from: number; to: number }[],
  options: PositionalOptions,
): PositionalFit {
  let { fit, sites } = fitThreshold(sequences, seedMatrix(word, letters), letters, frame, grid);
  for (let round = 0; round < 3 && fit.inWindow > 0; round++) {
    const next = fitThreshold(sequences, windowMatrix(sequences, sites, fit, letters), letters, frame, grid);
    if (!(next.fit.logP < fit.logP)) break;
    ({ fit, sites } = next);
  }
  if (fit.inWindow === 0) return fit;
  const grown = grownMatrix(sequences, inWindow(sites, fit), fit.matrix.length, letters, options);
  const refit = fitThreshold(sequences, grown, letters, frame, grid);
  return refit.fit.logP < fit.logP ? refit.fit : fit;
}

/**
 * The score down to which a found motif's sites are masked: the loosest threshold at which its window
 * still holds MIN_FOLD times the sites the null expects there (never above the fitted threshold).
 * Masking only the sites above the fitted, strict threshold leaves the motif's weaker sites crowding
 * in the same window, and the next round finds the same motif again.
 */
function maskThreshold(
  sequences: readonly CodedSequence[],
  fit: PositionalFit,
  letters: Background,
  frame: Frame,
): number {
  const pwm = logOdds(fit.matrix, letters);
  const density = windowDensity(sequences, pwm.width, frame);
  const total = density[density.length - 1]!;
  const q = total > 0 ? (density[fit.to]! - density[fit.from]!) / total : 0;
  const sites = placedSites(sequences, pwm, frame, 0).sort((a, b) => b.score - a.score);
  let loosest = fit.threshold;
  let x = 0;
  for (let n = 1; n <= sites.length; n++) {
    const site = sites[n - 1]!;
    if (site.index >= fit.from && site.index < fit.to) x++;
    if (site.score < fit.threshold && x >= MIN_FOLD * n * q) loosest = site.score;
  }
  return loosest;
}

/** Sites of a fitted motif counted on other sequences, in its window, against the null there. */
function countInWindow(
  sequences: readonly CodedSequence[],
  fit: PositionalFit,
  letters: Background,
  frame: Frame,
) {
  const pwm = logOdds(fit.matrix, letters);
  const sites = placedSites(sequences, pwm, frame, fit.threshold - 1e-9);
  const density = windowDensity(sequences, pwm.width, frame);
  const total = density[density.length - 1]!;
  const q = total > 0 ? (density[fit.to]! - density[fit.from]!) / total : 0;
  const x = sites.filter((s) => s.index >= fit.from && s.index < fit.to).length;
  return {
    sites,
    n: sites.length,
    inWindow: x,
    expected: sites.length * q,
    logP: logBinomialTail(x, sites.length, q),
  };
}

/**
 * Up to `maxMotifs` motifs whose sites crowd at a distance from the anchor. The targets are copied
 * (masking never touches the caller's arrays) and split as `discoverMotifs` splits them, so both
 * searches hold out the same targets.
 */
export function discoverPositional(
  targets: readonly CodedSequence[],
  letters: Background,
  options: PositionalOptions,
  onProgress?: (p: DiscoverProgress) => void,
  signal?: AbortSignal,
): { motifs: PositionalMotif[]; heldOut: number } {
  const copy = targets.map((s) => ({ ...s, codes: s.codes.slice() }));
  const split = holdout(copy, options.holdoutFraction, options.seed);
  const heldOut = split.test.length >= 5;
  const train = split.train;
  const test = heldOut ? split.test : train;
  const frame = frameOf(options.anchor, targets);
  const grid = windowGrid(frame.range);
  const found: PositionalMotif[] = [];
  let misses = 0;
  for (let m = 1; m <= options.maxMotifs && misses < options.patience; m++) {
    signal?.throwIfAborted();
    onProgress?.({ motif: m, maxMotifs: options.maxMotifs, step: 'positional words' });
    const { words, tests } = positionalWords(train, frame, options.wordLength, options.seeds);
    if (words.length === 0) break;
    onProgress?.({ motif: m, maxMotifs: options.maxMotifs, step: 'positional refine' });
    const fits = words.map((w) => {
      signal?.throwIfAborted();
      return { word: w.word, fit: refinePositional(w.word, train, letters, frame, grid, options) };
    });
    const best = fits.reduce((a, b) => (b.fit.logP < a.fit.logP ? b : a));
    const { fit } = best;
    if (fit.inWindow === 0) break;
    const tested = countInWindow(test, fit, letters, frame);
    const evalue = Math.exp(tested.logP) * m;
    found.push({
      rank: 0,
      consensus: consensus(fit.matrix),
      matrix: fit.matrix,
      seedWord: best.word,
      threshold: fit.threshold,
      trainLogP: fit.logP,
      // No cross-fit here: the training p-value with a Bonferroni factor for every word and window tried.
      crossFitLogP: Math.min(0, fit.logP + Math.log(tests)),
      testLogP: tested.logP,
      evalue,
      trainTargetSites: fit.sites,
      trainBackgroundSites: 0,
      testTargetSites: tested.n,
      testBackgroundSites: 0,
      found: m,
      position: {
        anchor: options.anchor,
        from: fit.from + frame.minOffset,
        to: fit.to + frame.minOffset,
        testSites: tested.n,
        testInWindow: tested.inWindow,
        testExpected: tested.expected,
        trainSites: fit.sites,
        trainInWindow: fit.inWindow,
        trainExpected: fit.expected,
      },
    });
    misses = evalue > options.evalueThreshold ? misses + 1 : 0;
    const pwm = logOdds(fit.matrix, letters);
    const masked = maskThreshold(train, fit, letters, frame);
    for (const set of heldOut ? [train, test] : [train]) {
      mask(set, placedSites(set, pwm, frame, masked - 1e-9), pwm.width);
    }
  }
  for (const motif of found) motif.evalue = Math.min(1e300, Math.exp(motif.testLogP) * found.length);
  return { motifs: found, heldOut: heldOut ? split.test.length : 0 };
}

/**
 * The one train / validation / test split of a genome that every Locus tool uses: `locus pretrain`,
 * `locus eval`, `locus baseline markov` and the genome-window sampler all cut contigs here, so a
 * model and its baselines are trained, tuned and tested on the same bases.
 *
 * Rule (per contig, by position, deterministic): with h = floor(fraction * length),
 *   train      = [0, length - 2h)
 *   validation = [length - 2h, length - h)
 *   test       = [length - h, length)
 * Model selection, early stopping and `best/` read validation only; test is read by
 * `locus eval --split test` (and the baselines' test report) and nowhere else.
 *
 * Contiguous tails rather than scattered blocks: a 10 kb context window never straddles two sides
 * except at the two cuts, and the cuts are the same whatever the window size.
 */

export type SplitSide = 'train' | 'validation' | 'test';

export const SPLIT_SIDES: readonly SplitSide[] = ['train', 'validation', 'test'];

/** Validation and test each take this fraction of every contig unless told otherwise. */
export const DEFAULT_SPLIT_FRACTION = 0.1;

/** The rule in words, written into every result that uses the split. */
export const SPLIT_RULE =
  'per contig, h = floor(fraction * length): train [0, length-2h), validation [length-2h, length-h), test [length-h, length)';

export interface ContigSplit {
  train: [number, number];
  validation: [number, number];
  test: [number, number];
}

/** Throw unless 0 < fraction < 0.5 (validation and test together must leave some training bases). */
export function checkSplitFraction(fraction: number): void {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 0.5)) {
    throw new RangeError(`split fraction must be a number with 0 < f < 0.5, got ${String(fraction)}`);
  }
}

/** The three intervals of one contig of `length` bases (0-based half-open). */
export function contigSplit(length: number, fraction: number): ContigSplit {
  checkSplitFraction(fraction);
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new RangeError(`contig length must be a non-negative integer, got ${String(length)}`);
  }
  const h = Math.floor(fraction * length);
  return {
    train: [0, length - 2 * h],
    validation: [length - 2 * h, length - h],
    test: [length - h, length],
  };
}

/** What a result records about the split it used. */
export function splitDescription(fraction: number): { fraction: number; rule: string } {
  checkSplitFraction(fraction);
  return { fraction, rule: SPLIT_RULE };
}

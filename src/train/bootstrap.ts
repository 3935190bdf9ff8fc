/**
 * Uncertainty for the numbers Locus reports: bootstrap 95% intervals.
 *
 * - Language models: a *paired* block bootstrap of the difference in bits per base between two
 *   models scored on the same blocks (tiles). Resampling whole 10 kb blocks, not bases, keeps the
 *   local dependence of genome sequence inside each draw; pairing (the same blocks for both models)
 *   removes the variation that both share, which is most of it.
 * - Classifiers: a case bootstrap of AUROC and MCC (resampling sequences with replacement).
 *
 * Intervals are percentile intervals over `replicates` draws from a seeded generator, so a rerun gives
 * the same interval.
 */
import { Random } from '../tokenize/random.js';
import type { LmBlock } from './lm-scoring.js';
import { argmax, auroc, confusionMatrix, mccFromConfusion } from './metrics.js';

export interface Interval {
  estimate: number;
  /** 2.5% and 97.5% percentiles of the bootstrap distribution. */
  low: number;
  high: number;
}

export interface BootstrapSettings {
  replicates?: number;
  seed?: number;
}

const DEFAULT_REPLICATES = 2000;

function percentile(sorted: Float64Array, q: number): number {
  const position = q * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.min(sorted.length - 1, lower + 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

function interval(estimate: number, draws: Float64Array): Interval {
  const sorted = draws.slice().sort();
  return { estimate, low: percentile(sorted, 0.025), high: percentile(sorted, 0.975) };
}

/** Throw unless two block lists cover the same tiles with the same number of scored bases. */
export function checkSameBases(a: readonly LmBlock[], b: readonly LmBlock[], names = ['a', 'b']): void {
  if (a.length !== b.length) {
    throw new RangeError(
      `${names[0]} has ${a.length} blocks and ${names[1]} ${b.length}: they scored different tiles`,
    );
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.contig !== y.contig || x.start !== y.start || x.end !== y.end || x.bases !== y.bases) {
      throw new RangeError(
        `block ${i} differs: ${names[0]} scored ${x.bases} bases of ${x.contig}:${x.start}-${x.end}, ` +
          `${names[1]} ${y.bases} bases of ${y.contig}:${y.start}-${y.end}; the two did not score the same bases`,
      );
    }
  }
}

export interface PairedLmComparison {
  /** Scored bases (the same for both). */
  bases: number;
  blocks: number;
  bitsPerBaseA: number;
  bitsPerBaseB: number;
  /** bits per base of A minus B: negative when A is better. */
  difference: Interval;
  replicates: number;
  seed: number;
}

/** Bits per base of A minus B with a paired block-bootstrap 95% interval. */
export function pairedBlockBootstrap(
  a: readonly LmBlock[],
  b: readonly LmBlock[],
  settings: BootstrapSettings & { names?: [string, string] } = {},
): PairedLmComparison {
  checkSameBases(a, b, settings.names);
  const replicates = settings.replicates ?? DEFAULT_REPLICATES;
  const seed = settings.seed ?? 0;
  const n = a.length;
  if (n === 0) throw new RangeError('no blocks to compare');
  const bits = (blocks: readonly LmBlock[], pick: (i: number) => number) => {
    let nats = 0;
    let bases = 0;
    for (let i = 0; i < n; i++) {
      const block = blocks[pick(i)]!;
      nats += block.nats;
      bases += block.bases;
    }
    return nats / bases / Math.LN2;
  };
  const identity = (i: number) => i;
  const bitsA = bits(a, identity);
  const bitsB = bits(b, identity);
  const random = new Random(seed);
  const draws = new Float64Array(replicates);
  const picks = new Int32Array(n);
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < n; i++) picks[i] = random.nextInt(n);
    const pick = (i: number) => picks[i]!;
    draws[r] = bits(a, pick) - bits(b, pick);
  }
  return {
    bases: a.reduce((sum, block) => sum + block.bases, 0),
    blocks: n,
    bitsPerBaseA: bitsA,
    bitsPerBaseB: bitsB,
    difference: interval(bitsA - bitsB, draws),
    replicates,
    seed,
  };
}

export interface ClassificationIntervals {
  auroc: Interval;
  mcc: Interval;
  replicates: number;
  seed: number;
}

/** AUROC (binary: class 1's probability) and MCC with case-bootstrap 95% intervals. */
export function classificationBootstrap(
  yTrue: ArrayLike<number>,
  probabilities: ArrayLike<ArrayLike<number>>,
  settings: BootstrapSettings = {},
): ClassificationIntervals {
  const n = yTrue.length;
  if (n !== probabilities.length) throw new TypeError('yTrue and probabilities differ in length');
  if (n === 0) throw new RangeError('no examples to bootstrap');
  const classes = probabilities[0]!.length;
  if (classes !== 2)
    throw new RangeError(`classificationBootstrap needs a binary classifier, got ${classes} classes`);
  const replicates = settings.replicates ?? DEFAULT_REPLICATES;
  const seed = settings.seed ?? 0;
  const scores = Float64Array.from({ length: n }, (_, i) => probabilities[i]![1]!);
  const predicted = Int32Array.from({ length: n }, (_, i) => argmax(probabilities[i]!));
  const labels = Int32Array.from(yTrue as ArrayLike<number>);
  const metrics = (y: Int32Array, s: Float64Array, p: Int32Array) => ({
    auroc: auroc(y, s),
    mcc: mccFromConfusion(confusionMatrix(y, p, 2)),
  });
  const full = metrics(labels, scores, predicted);
  const random = new Random(seed);
  const aurocDraws = new Float64Array(replicates);
  const mccDraws = new Float64Array(replicates);
  const y = new Int32Array(n);
  const s = new Float64Array(n);
  const p = new Int32Array(n);
  for (let r = 0; r < replicates; r++) {
    for (let i = 0; i < n; i++) {
      const j = random.nextInt(n);
      y[i] = labels[j]!;
      s[i] = scores[j]!;
      p[i] = predicted[j]!;
    }
    const m = metrics(y, s, p);
    aurocDraws[r] = m.auroc;
    mccDraws[r] = m.mcc;
  }
  return {
    auroc: interval(full.auroc, aurocDraws),
    mcc: interval(full.mcc, mccDraws),
    replicates,
    seed,
  };
}

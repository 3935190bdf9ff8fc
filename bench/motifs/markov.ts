/**
 * A Markov-chain background for planted-motif benchmarks: fitted on real DNA (A/C/G/T only; the
 * chain restarts after any other letter, so N runs and IUPAC codes contribute nothing), then sampled
 * from a seeded generator.
 */
import type { Random } from '../../src/tokenize/random.js';

const CODE = new Int8Array(128).fill(-1);
for (const [i, b] of ['A', 'C', 'G', 'T'].entries()) {
  CODE[b.charCodeAt(0)] = i;
  CODE[b.toLowerCase().charCodeAt(0)] = i;
}

export interface MarkovModel {
  order: number;
  /** Counts of every (order + 1)-mer, indexed by its bases in base 4 (A=0 ... T=3, first base most significant). */
  counts: Float64Array;
  /** P(next base | previous `order` bases), (4^order, 4), with a pseudocount of 1 per cell. */
  transition: Float64Array;
  /** Distribution of the first `order` bases: the frequencies of `order`-mers. */
  start: Float64Array;
  /** Base frequencies A C G T. */
  baseFrequencies: [number, number, number, number];
  /** Bases that contributed a counted (order + 1)-mer. */
  basesCounted: number;
}

/** Fit an order-`order` chain on `sequences` (case-insensitive; non-ACGT letters break the chain). */
export function fitMarkov(sequences: Iterable<string>, order: number): MarkovModel {
  if (!Number.isInteger(order) || order < 0 || order > 8)
    throw new RangeError(`order must be 0..8, got ${order}`);
  const k = order + 1;
  const size = 4 ** k;
  const mask = size - 1;
  const counts = new Float64Array(size);
  let counted = 0;
  for (const seq of sequences) {
    let word = 0;
    let run = 0;
    for (let i = 0; i < seq.length; i++) {
      const c = seq.charCodeAt(i);
      const b = c < 128 ? CODE[c]! : -1;
      if (b < 0) {
        run = 0;
        word = 0;
        continue;
      }
      word = ((word << 2) | b) & mask;
      if (++run >= k) {
        counts[word]!++;
        counted++;
      }
    }
  }
  if (counted === 0) throw new RangeError('no A/C/G/T run is long enough to fit the Markov chain');
  const contexts = 4 ** order;
  const transition = new Float64Array(contexts * 4);
  const start = new Float64Array(contexts);
  const bases: [number, number, number, number] = [0, 0, 0, 0];
  for (let ctx = 0; ctx < contexts; ctx++) {
    let total = 0;
    for (let b = 0; b < 4; b++) total += counts[ctx * 4 + b]! + 1;
    for (let b = 0; b < 4; b++) {
      transition[ctx * 4 + b] = (counts[ctx * 4 + b]! + 1) / total;
      start[ctx]! += counts[ctx * 4 + b]!;
      bases[b]! += counts[ctx * 4 + b]!;
    }
  }
  const startTotal = start.reduce((a, b) => a + b, 0);
  for (let ctx = 0; ctx < contexts; ctx++) start[ctx]! /= startTotal;
  const baseTotal = bases.reduce((a, b) => a + b, 0);
  return {
    order,
    counts,
    transition,
    start,
    baseFrequencies: bases.map((b) => b / baseTotal) as [number, number, number, number],
    basesCounted: counted,
  };
}

function draw(probabilities: Float64Array, offset: number, n: number, rng: Random): number {
  const u = rng.nextFloat();
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += probabilities[offset + i]!;
    if (u < acc) return i;
  }
  return n - 1;
}

/** A sequence of `length` bases (upper case) from the chain. */
export function sampleMarkov(model: MarkovModel, length: number, rng: Random): string {
  const { order } = model;
  const contexts = 4 ** order;
  const out = new Array<string>(length);
  let ctx = order > 0 ? draw(model.start, 0, contexts, rng) : 0;
  // The first `order` bases spell the start context, most significant base first.
  for (let i = 0; i < Math.min(order, length); i++) out[i] = 'ACGT'[(ctx >> (2 * (order - 1 - i))) & 3]!;
  for (let i = order; i < length; i++) {
    const b = draw(model.transition, ctx * 4, 4, rng);
    out[i] = 'ACGT'[b]!;
    ctx = order > 0 ? ((ctx << 2) | b) & (contexts - 1) : 0;
  }
  return out.join('');
}

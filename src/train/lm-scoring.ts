/**
 * Which bases a causal language model is scored on, so that a Reformer and its baselines are
 * compared on exactly the same bases (`locus eval` and `locus baseline markov` both use this file).
 *
 * The bases of a split side are cut into tiles of `context` bases (the model's window; the last tile
 * of a region may be shorter). Inside a tile, token i covers bases [i*k, (i+1)*k) (stride k, as a
 * causal model needs). A token is scored when
 *   - it is not the tile's first token: that one has no context inside the window, and giving it the
 *     previous tile's context would need overlapping windows; it is excluded from model and baseline
 *     alike rather than scored with different information;
 *   - all k of its bases are A/C/G/T (either case): a k-mer with N or another IUPAC code is `[UNK]`
 *     for the model and breaks the context for the Markov model; neither scores it.
 * The trailing bases of a tile that make no whole token are not scored either.
 *
 * Per-tile sums (`LmBlock`) are what the bootstrap resamples: a tile is the natural unit, long enough
 * (10 kb by default) that neighbouring blocks are nearly independent.
 */
import { BASE_CODE } from '../tokenize/vocab.js';

/** Summed loss over one tile of a split side. */
export interface LmBlock {
  contig: string;
  /** 0-based half-open interval of the tile on the forward strand. */
  start: number;
  end: number;
  /** Bases scored in the tile. */
  bases: number;
  /** -sum ln p over those bases. */
  nats: number;
}

/** 1 for each base of `sequence` (one tile) that a causal k-mer model scores, 0 elsewhere. */
export function causalScoredBases(sequence: string, k: number): Uint8Array {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${String(k)}`);
  const scored = new Uint8Array(sequence.length);
  const tokens = Math.floor(sequence.length / k);
  for (let t = 1; t < tokens; t++) {
    let acgt = true;
    for (let i = t * k; i < (t + 1) * k && acgt; i++) {
      const c = sequence.charCodeAt(i);
      acgt = c < 128 && BASE_CODE[c]! < 4;
    }
    if (acgt) scored.fill(1, t * k, (t + 1) * k);
  }
  return scored;
}

/** Number of 1s in a mask. */
export function countScored(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i]!;
  return n;
}

/** Totals over blocks, in bits per base. */
export function blockTotals(blocks: readonly LmBlock[]): {
  bases: number;
  nats: number;
  bitsPerBase: number;
} {
  let bases = 0;
  let nats = 0;
  for (const b of blocks) {
    bases += b.bases;
    nats += b.nats;
  }
  return { bases, nats, bitsPerBase: bases > 0 ? nats / bases / Math.LN2 : Number.NaN };
}

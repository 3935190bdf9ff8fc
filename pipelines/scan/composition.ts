/**
 * What a scan needs to know of every bin of a contig without a model: its A/C/G/T and G/C counts, and
 * its short-word counts on both strands, from which the *local* model of any window is built.
 *
 * The local model of a window is an order-m Markov chain fitted on that window alone (both strands).
 * It stands for "how well the region explains itself": a foreign island is poorly explained by the
 * genome's model yet well explained by its own statistics, while a native region is explained by
 * both. Its log-loss is computed from the word counts alone (no second pass over the bases), with
 * leave-one-out estimates so that short windows (contig ends, small contigs) are not flattered by
 * fitting themselves.
 */
import { BASE_CODE } from '../../src/tokenize/vocab.js';

export interface BinComposition {
  contig: string;
  length: number;
  binSize: number;
  /** Local model order m: words are m + 1 bases long. */
  order: number;
  /** A/C/G/T bases per bin (either case). */
  acgt: Int32Array;
  /** G/C bases per bin. */
  gc: Int32Array;
  /**
   * Word counts per bin, forward strand: forward[bin * W + code], W = 4^(m+1), code = the word read
   * 5'->3' in base 4 (A=0, C=1, G=2, T=3). A word belongs to the bin of its last base; words with a
   * base other than A/C/G/T are skipped.
   */
  forward: Uint32Array;
  /** The same words as read on the reverse strand (the reverse complement of each forward word). */
  reverse: Uint32Array;
}

export const binCount = (length: number, binSize: number): number => Math.ceil(length / binSize);

/** Count bases and words of one contig per bin. `sequence` may be soft-masked and hold N or IUPAC codes. */
export function binComposition(
  contig: string,
  sequence: string,
  binSize: number,
  order: number,
): BinComposition {
  if (!Number.isInteger(order) || order < 0 || order > 5) {
    throw new RangeError(`local model order must be an integer from 0 to 5, got ${order}`);
  }
  const bins = binCount(sequence.length, binSize);
  const wordLength = order + 1;
  const words = 4 ** wordLength;
  const mask = words - 1;
  const acgt = new Int32Array(bins);
  const gc = new Int32Array(bins);
  const forward = new Uint32Array(bins * words);
  const reverse = new Uint32Array(bins * words);
  // Rolling codes: `code` is the last wordLength bases forward; `rcCode` their reverse complement,
  // whose first base is the complement of the newest base.
  const topShift = 2 * order;
  let code = 0;
  let rcCode = 0;
  let run = 0; // A/C/G/T bases since the last other symbol
  for (let p = 0; p < sequence.length; p++) {
    const c = sequence.charCodeAt(p);
    const b = c < 128 ? BASE_CODE[c]! : 4;
    if (b === 4) {
      run = 0;
      continue;
    }
    const bin = (p / binSize) | 0;
    acgt[bin]!++;
    if (b === 1 || b === 2) gc[bin]!++;
    code = ((code << 2) | b) & mask;
    rcCode = (rcCode >>> 2) | ((3 - b) << topShift);
    if (++run >= wordLength) {
      forward[bin * words + code]!++;
      reverse[bin * words + rcCode]!++;
    }
  }
  return { contig, length: sequence.length, binSize, order, acgt, gc, forward, reverse };
}

/** Sums of bins [first, last) of a composition, into reusable arrays. */
export class WindowCounts {
  readonly forward: Float64Array;
  readonly reverse: Float64Array;
  acgt = 0;
  gc = 0;
  private readonly words: number;

  constructor(order: number) {
    this.words = 4 ** (order + 1);
    this.forward = new Float64Array(this.words);
    this.reverse = new Float64Array(this.words);
  }

  /** Add (sign 1) or remove (sign -1) bin `bin` of `composition`. */
  add(composition: BinComposition, bin: number, sign: 1 | -1): void {
    const { words } = this;
    const offset = bin * words;
    for (let w = 0; w < words; w++) {
      this.forward[w]! += sign * composition.forward[offset + w]!;
      this.reverse[w]! += sign * composition.reverse[offset + w]!;
    }
    this.acgt += sign * composition.acgt[bin]!;
    this.gc += sign * composition.gc[bin]!;
  }

  /** Forward-strand words counted (the bases the local model scores). */
  scoredBases(): number {
    let n = 0;
    for (let w = 0; w < this.words; w++) n += this.forward[w]!;
    return n;
  }
}

/**
 * Leave-one-out log-loss (nats, summed) of the window's forward words under the order-m chain fitted
 * on the window's words of both strands with additive smoothing `alpha`:
 * p(b | c) = (N(c,b) - 1 + alpha) / (N(c) - 1 + 4 alpha), N = forward + reverse counts. Removing the
 * scored word from its own estimate keeps a 1 kb window from looking better explained than a 5 kb one.
 */
export function localNats(window: WindowCounts, alpha: number): number {
  const { forward, reverse } = window;
  let nats = 0;
  for (let context = 0; context < forward.length; context += 4) {
    let total = 0;
    for (let b = 0; b < 4; b++) total += forward[context + b]! + reverse[context + b]!;
    for (let b = 0; b < 4; b++) {
      const n = forward[context + b]!;
      if (n === 0) continue;
      const hits = n + reverse[context + b]!;
      nats -= n * Math.log((hits - 1 + alpha) / (total - 1 + 4 * alpha));
    }
  }
  return nats;
}

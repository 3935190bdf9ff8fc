/**
 * Position weight matrices: log-odds against the background, scanning both strands, and exact score
 * p-values (the distribution of a PWM's score over background sequence, computed on a score grid as
 * FIMO and STREME do).
 */
import type { Background, Matrix } from './types.js';
import { MASKED, type CodedSequence } from './sequences.js';

export interface LogOdds {
  width: number;
  /** (width * 4) log2(p / q) in bits, forward strand. */
  forward: Float64Array;
  /** (width * 4) the same for the reverse complement: row w-1-j, base 3-b. */
  reverse: Float64Array;
}

/** Rows with a pseudocount so that no log-odds is -infinity. */
export function smoothMatrix(matrix: Matrix, background: Background, pseudo = 0.01): Matrix {
  return matrix.map((row) => row.map((p, b) => (p + pseudo * background[b]!) / (1 + pseudo)));
}

export function logOdds(matrix: Matrix, background: Background): LogOdds {
  const width = matrix.length;
  const forward = new Float64Array(width * 4);
  const reverse = new Float64Array(width * 4);
  const smooth = smoothMatrix(matrix, background);
  for (let j = 0; j < width; j++) {
    for (let b = 0; b < 4; b++) {
      const s = Math.log2(smooth[j]![b]! / background[b]!);
      forward[j * 4 + b] = s;
      reverse[(width - 1 - j) * 4 + (3 - b)] = s;
    }
  }
  return { width, forward, reverse };
}

/** Score of `pwm` (one strand's table) at `start`; -Infinity where the window holds a masked base. */
export function scoreAt(codes: Uint8Array, start: number, table: Float64Array, width: number): number {
  let s = 0;
  for (let j = 0; j < width; j++) {
    const c = codes[start + j]!;
    if (c === MASKED) return -Infinity;
    s += table[j * 4 + c]!;
  }
  return s;
}

/** Which strands a scan reads: both (the better one scores), or the sequence as given (oriented inputs). */
export type Strands = 'both' | 'forward';

/**
 * Every window's better-strand score (or forward score), for all sequences at once, into one array
 * per sequence: (length - width + 1) scores, -Infinity over masked bases. `strandOf` records which
 * strand won (0 forward, 1 reverse) when given.
 */
export function scanScores(
  seq: CodedSequence,
  pwm: LogOdds,
  strandOf?: Uint8Array,
  strands: Strands = 'both',
): Float64Array {
  const n = Math.max(0, seq.codes.length - pwm.width + 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const f = scoreAt(seq.codes, i, pwm.forward, pwm.width);
    const r = strands === 'both' ? scoreAt(seq.codes, i, pwm.reverse, pwm.width) : -Infinity;
    out[i] = f >= r ? f : r;
    if (strandOf) strandOf[i] = f >= r ? 0 : 1;
  }
  return out;
}

/** Score distribution of a PWM over background sequence: p-value of a score, one strand. */
export class ScorePvalues {
  private readonly min: number;
  private readonly step: number;
  /** tail[k] = P(score >= min + k * step) */
  private readonly tail: Float64Array;
  /** Each column's score is rounded to the grid: a sum is off by at most this many bins. */
  private readonly slack: number;

  constructor(pwm: LogOdds, background: Background, binsPerBit = 1000) {
    const w = pwm.width;
    let min = 0;
    let max = 0;
    for (let j = 0; j < w; j++) {
      const row = pwm.forward.subarray(j * 4, j * 4 + 4);
      min += Math.min(...row);
      max += Math.max(...row);
    }
    this.min = min;
    this.step = 1 / binsPerBit;
    this.slack = w / 2;
    const bins = Math.ceil((max - min) * binsPerBit) + w + 1;
    // Dynamic programming over columns: prob[k] = P(partial score falls in bin k). Each column's
    // scores are rounded to the grid; the rounding error is at most w / (2 * binsPerBit) bits, and
    // pvalue() counts that much below the score in, so p-values err on the conservative side.
    let prob = new Float64Array(bins);
    prob[0] = 1;
    for (let j = 0; j < w; j++) {
      const row = pwm.forward.subarray(j * 4, j * 4 + 4);
      const rowMin = Math.min(...row);
      const next = new Float64Array(bins);
      for (let b = 0; b < 4; b++) {
        const shift = Math.round((row[b]! - rowMin) * binsPerBit);
        const q = background[b]!;
        for (let k = 0; k + shift < bins; k++) if (prob[k]! > 0) next[k + shift]! += prob[k]! * q;
      }
      prob = next;
    }
    this.tail = new Float64Array(bins + 1);
    for (let k = bins - 1; k >= 0; k--) this.tail[k] = this.tail[k + 1]! + prob[k]!;
  }

  /** P(one strand's score at a background position >= score). */
  pvalue(score: number): number {
    if (score === -Infinity) return 1;
    const k = Math.ceil((score - this.min) / this.step - this.slack - 1e-9);
    if (k <= 0) return 1;
    if (k >= this.tail.length) return this.tail[this.tail.length - 2]! > 0 ? Number.MIN_VALUE : 0;
    return Math.max(this.tail[k]!, Number.MIN_VALUE);
  }

  /** The smallest score whose p-value is at most p. */
  scoreFor(p: number): number {
    for (let k = 0; k < this.tail.length; k++) if (this.tail[k]! <= p) return this.min + k * this.step;
    return Infinity;
  }
}

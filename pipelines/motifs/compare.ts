/**
 * How alike two motifs are, and which database motifs a found motif matches (a Tomtom-like search).
 *
 * Similarity of a query to a target (a database or true motif), in [0, 1]:
 *   - columns are compared by 1 - |p - q| / sqrt(2), where |p - q| is the Euclidean distance of the two
 *     letter distributions (Tomtom's default distance, scaled so that identical = 1, disjoint = 0);
 *   - every target column counts, weighted by its information content, so the informative core of the
 *     target decides; target columns the query does not cover are compared with the uniform column
 *     (the query says nothing there);
 *   - the best over every offset and both orientations of the query.
 * It asks "does the query reproduce the target's letter probabilities", so a query that has the right
 * consensus but is far too soft or too hard scores below one that matches the probabilities.
 *
 * Match p-values, as Tomtom computes them (Gupta et al. 2007): the match score at an alignment is the
 * sum over the aligned columns of the Pearson correlation of their letter probabilities. Under the null
 * each query column meets a column drawn at random from the whole database, so the null distribution of
 * the score at an alignment is the convolution of the per-column distributions (on a grid of 0.05). The
 * smallest p-value over the alignments is corrected for their number; q-values by Benjamini-Hochberg
 * over the database.
 */
import { informationContent, reverseComplementMatrix, UNIFORM } from './matrix.js';
import type { Matrix, Motif } from './types.js';

export function columnSimilarity(p: readonly number[], q: readonly number[]): number {
  let d = 0;
  for (let b = 0; b < 4; b++) d += (p[b]! - q[b]!) ** 2;
  return 1 - Math.sqrt(d) / Math.SQRT2;
}

export interface Alignment {
  similarity: number;
  /** Target column that the query's first column lies on (may be negative). */
  offset: number;
  /** True when the query's reverse complement aligned best. */
  reverse: boolean;
  /** Columns the two share. */
  overlap: number;
}

/** Columns' information (bits against uniform), with a floor so that a flat target still has weight. */
function weights(target: Matrix): number[] {
  return target.map((row) => Math.max(informationContent(row, UNIFORM), 1e-3));
}

function alignOneWay(
  query: Matrix,
  target: Matrix,
  w: readonly number[],
  total: number,
): Omit<Alignment, 'reverse'> {
  const minOverlap = Math.min(query.length, target.length, Math.max(3, Math.floor(target.length / 2)));
  let best = { similarity: -Infinity, offset: 0, overlap: 0 };
  for (let offset = -(query.length - minOverlap); offset <= target.length - minOverlap; offset++) {
    let s = 0;
    let overlap = 0;
    for (let j = 0; j < target.length; j++) {
      const qi = j - offset;
      const q = qi >= 0 && qi < query.length ? query[qi]! : UNIFORM;
      if (q !== UNIFORM) overlap++;
      s += w[j]! * columnSimilarity(target[j]!, q);
    }
    if (s / total > best.similarity) best = { similarity: s / total, offset, overlap };
  }
  return best;
}

/** The best alignment of `query` on `target` (both orientations of the query). */
export function alignMotifs(query: Matrix, target: Matrix): Alignment {
  const w = weights(target);
  const total = w.reduce((a, b) => a + b, 0);
  const forward = alignOneWay(query, target, w, total);
  const reverse = alignOneWay(reverseComplementMatrix(query), target, w, total);
  return reverse.similarity > forward.similarity
    ? { ...reverse, reverse: true }
    : { ...forward, reverse: false };
}

/** Pearson correlation of two columns; 0 when either is flat. */
function columnCorrelation(p: readonly number[], q: readonly number[]): number {
  let sp = 0;
  let sq = 0;
  let spq = 0;
  for (let b = 0; b < 4; b++) {
    const x = p[b]! - 0.25;
    const y = q[b]! - 0.25;
    sp += x * x;
    sq += y * y;
    spq += x * y;
  }
  return sp > 1e-12 && sq > 1e-12 ? spq / Math.sqrt(sp * sq) : 0;
}

export interface DatabaseMatch {
  target: Motif;
  alignment: Alignment;
  pvalue: number;
  qvalue: number;
}

export interface CompareOptions {
  /** Matches kept per query, best first. */
  top: number;
}

export const COMPARE_DEFAULTS: CompareOptions = { top: 5 };

/** Column correlations are rounded to 1/BINS_PER_UNIT, so sums live on an integer grid. */
const BINS_PER_UNIT = 20;

/**
 * The null distribution of the match score for one orientation of a query: per query column, the
 * distribution of its (rounded) correlation with a random database column; per run of query columns
 * [start, end), their convolution, built on demand and cached.
 */
class QueryNull {
  /** columns[i][k] = P(rounded correlation of query column i = k / BINS_PER_UNIT - 1). */
  private readonly columns: Float64Array[];
  private readonly sums = new Map<number, Float64Array>();

  constructor(
    private readonly query: Matrix,
    databaseColumns: readonly (readonly number[])[],
  ) {
    this.columns = query.map((column) => {
      const dist = new Float64Array(2 * BINS_PER_UNIT + 1);
      for (const other of databaseColumns) dist[roundedCorrelation(column, other) + BINS_PER_UNIT]!++;
      return dist.map((n) => n / databaseColumns.length);
    });
  }

  /** Distribution of the summed rounded correlation of columns [start, end): index = sum + (end - start) * BINS. */
  private distribution(start: number, end: number): Float64Array {
    const key = start * 1024 + end;
    const cached = this.sums.get(key);
    if (cached) return cached;
    const column = this.columns[end - 1]!;
    let dist: Float64Array;
    if (end - start === 1) dist = column;
    else {
      const before = this.distribution(start, end - 1);
      dist = new Float64Array(before.length + 2 * BINS_PER_UNIT);
      for (let a = 0; a < before.length; a++) {
        const pa = before[a]!;
        if (pa === 0) continue;
        for (let b = 0; b < column.length; b++) dist[a + b]! += pa * column[b]!;
      }
    }
    this.sums.set(key, dist);
    return dist;
  }

  /** P(null score over query columns [start, end) >= observed), observed on the rounded grid. */
  tail(start: number, end: number, observed: number): number {
    const dist = this.distribution(start, end);
    let p = 0;
    for (let k = Math.max(0, observed + (end - start) * BINS_PER_UNIT); k < dist.length; k++) p += dist[k]!;
    return Math.min(1, p);
  }

  get length(): number {
    return this.query.length;
  }
}

function roundedCorrelation(p: readonly number[], q: readonly number[]): number {
  return Math.round(columnCorrelation(p, q) * BINS_PER_UNIT);
}

/** Tomtom-style p-value of the best alignment of a query (both orientations) on a target. */
function matchPvalue(nulls: readonly [QueryNull, Matrix][], target: Matrix): number {
  let best = 1;
  let alignments = 0;
  for (const [nullModel, query] of nulls) {
    const minOverlap = Math.min(query.length, target.length, Math.max(3, Math.floor(target.length / 2)));
    for (let offset = -(query.length - minOverlap); offset <= target.length - minOverlap; offset++) {
      const qStart = Math.max(0, -offset);
      const qEnd = Math.min(query.length, target.length - offset);
      let observed = 0;
      for (let i = qStart; i < qEnd; i++) observed += roundedCorrelation(query[i]!, target[i + offset]!);
      best = Math.min(best, nullModel.tail(qStart, qEnd, observed));
      alignments++;
    }
  }
  // The best of many alignments: P(at least one null alignment scores this well).
  return -Math.expm1(alignments * Math.log1p(-Math.min(best, 1 - 1e-16)));
}

/** Benjamini-Hochberg q-values, in the order of `pvalues`. */
export function qvalues(pvalues: readonly number[]): number[] {
  const order = pvalues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const q = new Array<number>(pvalues.length);
  let running = 1;
  for (let r = order.length - 1; r >= 0; r--) {
    running = Math.min(running, (order[r]!.p * order.length) / (r + 1));
    q[order[r]!.i] = running;
  }
  return q;
}

/** Every query against every database motif: the `top` best matches per query by p-value, then similarity. */
export function compareToDatabase(
  queries: readonly Matrix[],
  database: readonly Motif[],
  options: CompareOptions = COMPARE_DEFAULTS,
): DatabaseMatch[][] {
  const databaseColumns = database.flatMap((m) => m.matrix);
  return queries.map((query) => {
    const reverse = reverseComplementMatrix(query);
    const nulls: [QueryNull, Matrix][] = [
      [new QueryNull(query, databaseColumns), query],
      [new QueryNull(reverse, databaseColumns), reverse],
    ];
    const pvalues = database.map((target) => matchPvalue(nulls, target.matrix));
    const q = qvalues(pvalues);
    return database
      .map((target, i) => ({
        target,
        alignment: alignMotifs(query, target.matrix),
        pvalue: pvalues[i]!,
        qvalue: q[i]!,
      }))
      .sort((a, b) => a.pvalue - b.pvalue || b.alignment.similarity - a.alignment.similarity)
      .slice(0, options.top);
  });
}

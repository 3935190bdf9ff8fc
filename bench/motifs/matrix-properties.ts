/**
 * Properties of a probability matrix (pipelines/motifs/types.ts: rows A C G T) used to choose and
 * describe the planted motifs, and sampling a site from one.
 */
import type { Random } from '../../src/tokenize/random.js';
import type { Matrix } from '../../pipelines/motifs/types.js';

/** Information content of one column in bits against a uniform background: 2 + sum p log2 p. */
export function columnInformation(row: readonly number[]): number {
  let h = 0;
  for (const p of row) if (p > 0) h -= p * Math.log2(p);
  return 2 - h;
}

/** Mean information content per column (bits, 0..2). */
export function meanInformation(matrix: Matrix): number {
  return matrix.reduce((sum, row) => sum + columnInformation(row), 0) / matrix.length;
}

/** The matrix of the other strand: rows reversed, each row complemented (A<->T, C<->G). */
export function reverseComplementMatrix(matrix: Matrix): Matrix {
  return matrix.map((_, i) => {
    const row = matrix[matrix.length - 1 - i]!;
    return [row[3]!, row[2]!, row[1]!, row[0]!];
  });
}

/**
 * How close a matrix is to its own reverse complement, aligned end to end: 1 minus the mean over
 * positions of the total-variation distance (half the L1 distance) between a row and the matching row
 * of the reverse complement. 1 = a perfect palindrome (CACGTG), near 0 = the strands share nothing.
 */
export function palindromicity(matrix: Matrix): number {
  const rc = reverseComplementMatrix(matrix);
  let distance = 0;
  for (let i = 0; i < matrix.length; i++) {
    const a = matrix[i]!;
    const b = rc[i]!;
    distance += 0.5 * a.reduce((s, p, k) => s + Math.abs(p - b[k]!), 0);
  }
  return 1 - distance / matrix.length;
}

/** The most likely base of each column (a consensus without IUPAC codes). */
export function consensus(matrix: Matrix): string {
  return matrix.map((row) => 'ACGT'[row.indexOf(Math.max(...row))]).join('');
}

/** A site drawn from the matrix: each position's base drawn independently from its row. */
export function sampleSite(matrix: Matrix, rng: Random): string {
  let site = '';
  for (const row of matrix) {
    const u = rng.nextFloat();
    let acc = 0;
    let base = 3;
    for (let k = 0; k < 4; k++) {
      acc += row[k]!;
      if (u < acc) {
        base = k;
        break;
      }
    }
    site += 'ACGT'[base];
  }
  return site;
}

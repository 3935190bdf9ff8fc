/**
 * Properties of a probability matrix (pipelines/motifs/types.ts: rows A C G T) used to choose and
 * describe the planted motifs, and sampling a site from one.
 */
import type { Random } from '../../src/tokenize/random.js';
import { informationContent, reverseComplementMatrix } from '../../pipelines/motifs/matrix.js';
import type { Matrix } from '../../pipelines/motifs/types.js';

/** Mean information content per column (bits, 0..2). */
export function meanInformation(matrix: Matrix): number {
  return matrix.reduce((sum, row) => sum + informationContent(row), 0) / matrix.length;
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

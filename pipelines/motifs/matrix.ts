/** Letter-probability matrices as biologists read them: information, orientation, consensus. */
import type { Background, Matrix } from './types.js';

/** Equal letter frequencies: the background when none is known. */
export const UNIFORM: Background = [0.25, 0.25, 0.25, 0.25];

/** Information content of a column in bits: relative entropy to the background (uniform: 2 - H). */
export function informationContent(row: readonly number[], background: Background = UNIFORM): number {
  let bits = 0;
  for (let i = 0; i < 4; i++) {
    const p = row[i] ?? 0;
    if (p > 0) bits += p * Math.log2(p / background[i]!);
  }
  // Rounding in rows that only nearly sum to 1 can give a tiny negative for a background-like row.
  return Math.max(0, bits);
}

/** The matrix as read on the other strand: positions reversed, A<->T and C<->G swapped. */
export function reverseComplementMatrix(matrix: Matrix): Matrix {
  // Columns are A C G T, so complementing a row is reversing it.
  return matrix.map((row) => [...row].reverse()).reverse();
}

/** IUPAC consensus: a base above 0.6 (or twice the next), else a two-base code above 0.75 together, else N. */
export function consensus(matrix: Matrix): string {
  const pairs: Record<string, string> = { AC: 'M', AG: 'R', AT: 'W', CG: 'S', CT: 'Y', GT: 'K' };
  return matrix
    .map((row) => {
      const order = [0, 1, 2, 3].sort((a, b) => row[b]! - row[a]!);
      const [a, b] = [order[0]!, order[1]!];
      if (row[a]! >= 0.6 || row[a]! >= 2 * row[b]!) return 'ACGT'[a]!;
      if (row[a]! + row[b]! >= 0.75) return pairs['ACGT'[Math.min(a, b)]! + 'ACGT'[Math.max(a, b)]!]!;
      return 'N';
    })
    .join('');
}

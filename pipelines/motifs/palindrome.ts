/**
 * Palindromic motifs (the sites of homodimers such as NF-kB, C/EBP or DRE read the same on both
 * strands), made symmetric as MEME's -pal option makes them. Discovery scores each site on its better
 * strand, and for a palindrome that choice is decided by the site's own letters: at a degenerate centre
 * (NFKB1's W in GGGAAWTCCC) every site is read on the strand that puts the commoner letter there, and
 * the matrix shows an A that the sites do not have. Averaging the matrix with its reverse complement,
 * aligned on the palindrome's centre, gives each site both readings.
 */
import { columnSimilarity } from './compare.js';
import { informationContent, reverseComplementMatrix } from './matrix.js';
import type { Matrix } from './types.js';

/**
 * A motif this similar to its own reverse complement (information-weighted column similarity,
 * 1 = identical) is treated as a palindrome. Chosen on the validation sets (bench/motifs): the top
 * motifs found for palindromic matrices score 0.93-0.99 once aligned on their centre, those of the
 * others at most 0.76.
 */
export const PALINDROME_SIMILARITY = 0.85;

/** How far the reverse complement may be shifted against the matrix, in columns. */
const MAX_SHIFT = 2;
/** Fewer shared columns say nothing about symmetry. */
const MIN_OVERLAP = 4;

export interface PalindromeFit {
  /** Information-weighted similarity of the matrix to its reverse complement over their overlap. */
  similarity: number;
  /**
   * Column of the matrix on which the reverse complement's first column lies (0: the centre of
   * symmetry is the matrix's centre; +1: half a column to the right, and so on).
   */
  offset: number;
}

/** How palindromic `matrix` is: its best alignment with its own reverse complement. */
export function palindromeFit(matrix: Matrix): PalindromeFit {
  const reverse = reverseComplementMatrix(matrix);
  const width = matrix.length;
  let best: PalindromeFit = { similarity: -Infinity, offset: 0 };
  for (let offset = -MAX_SHIFT; offset <= MAX_SHIFT; offset++) {
    if (width - Math.abs(offset) < MIN_OVERLAP) continue;
    let sum = 0;
    let weight = 0;
    for (let j = Math.max(0, offset); j < Math.min(width, width + offset); j++) {
      const a = matrix[j]!;
      const b = reverse[j - offset]!;
      const w = Math.max((informationContent(a) + informationContent(b)) / 2, 1e-3);
      sum += w * columnSimilarity(a, b);
      weight += w;
    }
    if (weight > 0 && sum / weight > best.similarity) best = { similarity: sum / weight, offset };
  }
  return best;
}

/**
 * The average of `matrix` and its reverse complement laid at `offset`: a matrix |offset| columns
 * wider, equal to its own reverse complement. Columns that only one of the two covers keep that one.
 */
export function symmetrize(matrix: Matrix, offset: number): Matrix {
  const reverse = reverseComplementMatrix(matrix);
  const width = matrix.length;
  const first = Math.min(0, offset);
  const end = Math.max(width, width + offset);
  const out: Matrix = [];
  for (let j = first; j < end; j++) {
    const columns = [j >= 0 && j < width ? matrix[j] : undefined, reverse[j - offset]].filter(
      (c): c is number[] => c !== undefined,
    );
    out.push([0, 1, 2, 3].map((b) => columns.reduce((s, c) => s + c[b]!, 0) / columns.length));
  }
  return out;
}

/** The symmetric form of a palindromic matrix, or undefined when it is not a palindrome. */
export function palindromicForm(matrix: Matrix): Matrix | undefined {
  const fit = palindromeFit(matrix);
  return fit.similarity >= PALINDROME_SIMILARITY ? symmetrize(matrix, fit.offset) : undefined;
}

/** JASPAR matrices the motif tests share, rounded to three decimals. */
import type { Matrix } from '../../pipelines/motifs/types.js';

/**
 * JASPAR 2024 MA0105.4 (NFKB1): GGGGAWTCCCC with flanks. Palindromic about its W, and self-similar
 * when shifted by a column.
 */
export const NFKB1: Matrix = [
  [0.688, 0.164, 0.081, 0.067],
  [0.0, 0.0, 1.0, 0.0],
  [0.0, 0.0, 1.0, 0.0],
  [0.0, 0.0, 0.983, 0.017],
  [0.012, 0.0, 0.987, 0.001],
  [0.93, 0.005, 0.064, 0.001],
  [0.508, 0.001, 0.002, 0.489],
  [0.001, 0.083, 0.007, 0.909],
  [0.002, 0.984, 0.0, 0.014],
  [0.05, 0.95, 0.0, 0.0],
  [0.0, 0.999, 0.0, 0.001],
  [0.001, 0.998, 0.0, 0.001],
  [0.081, 0.085, 0.219, 0.615],
];

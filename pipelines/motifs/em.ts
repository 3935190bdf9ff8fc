/**
 * Expectation-maximisation of a motif's letter probabilities on the targets (MEME's two-component
 * mixture, TCM: any window may be a site, on either strand, with prior probability lambda).
 *
 * The discriminative refinement (refine.ts) finds where the motif is and how wide, but it estimates the
 * matrix from the windows it selects, which leans towards the consensus. EM weighs every window by its
 * posterior probability of being a site, so the matrix it returns estimates the letter probabilities of
 * the sites themselves, which is what a biologist compares with JASPAR.
 */
import { MASKED, type CodedSequence } from './sequences.js';
import type { Background, Matrix } from './types.js';

export interface EmOptions {
  iterations: number;
  /** Pseudo-sites spread as the background, per column. */
  pseudo: number;
  /** Stop when no probability moves more than this. */
  tolerance: number;
}

export const EM_DEFAULTS: EmOptions = { iterations: 30, pseudo: 0.5, tolerance: 1e-4 };

/**
 * Polish `start` by EM on `targets`, starting from `lambda` (the share of windows that are sites).
 * Returns the matrix and the fitted lambda.
 */
export function emPolish(
  start: Matrix,
  targets: readonly CodedSequence[],
  letters: Background,
  lambda: number,
  options: EmOptions = EM_DEFAULTS,
): { matrix: Matrix; lambda: number; iterations: number } {
  const w = start.length;
  let matrix = start.map((row) => [...row]);
  let iteration = 0;
  for (iteration = 1; iteration <= options.iterations; iteration++) {
    // Likelihood ratios per letter and column, both strands: (w * 4).
    const forward = new Float64Array(w * 4);
    const reverse = new Float64Array(w * 4);
    for (let j = 0; j < w; j++) {
      for (let b = 0; b < 4; b++) {
        const r = Math.max(matrix[j]![b]!, 1e-6) / letters[b]!;
        forward[j * 4 + b] = r;
        reverse[(w - 1 - j) * 4 + (3 - b)] = r;
      }
    }
    const counts = Array.from({ length: w }, () => [0, 0, 0, 0]);
    let expectedSites = 0;
    let windows = 0;
    const prior = lambda / (1 - lambda);
    for (const { codes } of targets) {
      next: for (let i = 0; i + w <= codes.length; i++) {
        let f = 1;
        let r = 1;
        for (let j = 0; j < w; j++) {
          const c = codes[i + j]!;
          if (c === MASKED) continue next;
          f *= forward[j * 4 + c]!;
          r *= reverse[j * 4 + c]!;
        }
        windows++;
        // Each strand is half the prior: P(site on + | window) and P(site on - | window).
        const odds = prior * 0.5;
        const denominator = 1 + odds * (f + r);
        const pf = (odds * f) / denominator;
        const pr = (odds * r) / denominator;
        if (pf + pr < 1e-6) continue;
        expectedSites += pf + pr;
        for (let j = 0; j < w; j++) {
          const c = codes[i + j]!;
          counts[j]![c]! += pf;
          counts[w - 1 - j]![3 - c]! += pr;
        }
      }
    }
    if (windows === 0) break;
    lambda = Math.min(0.5, Math.max(expectedSites / windows, 1e-7));
    const next = counts.map((row) => {
      const total = row.reduce((a, b) => a + b, 0) + options.pseudo;
      return row.map((n, b) => (n + options.pseudo * letters[b]!) / total);
    });
    const change = Math.max(...next.flatMap((row, j) => row.map((p, b) => Math.abs(p - matrix[j]![b]!))));
    matrix = next;
    if (change < options.tolerance) break;
  }
  return { matrix, lambda, iterations: iteration };
}

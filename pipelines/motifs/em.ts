/**
 * Expectation-maximisation of a motif's letter probabilities on the targets, under one of MEME's two
 * models of where sites are (both strands, each with half the prior):
 *   - ZOOPS (zero or one site per sequence): a sequence holds one site with probability gamma, at any of
 *     its windows. The windows of a sequence compete for its one site, so a window that reads the site
 *     one column off gets the share its likelihood earns beside the true one, which is small. For sets
 *     of short sequences (ChIP peaks, promoters), where STREME counts sequences too.
 *   - TCM (two-component mixture): any window is a site with probability lambda, independently, then
 *     MEME's smoothing (limitOverlaps). For long sequences that hold many sites each.
 *
 * The discriminative refinement (refine.ts) finds where the motif is and how wide, but it estimates the
 * matrix from the windows it selects, which leans towards the consensus. EM weighs every window by its
 * posterior probability of being a site, so the matrix it returns estimates the letter probabilities of
 * the sites themselves, which is what a biologist compares with JASPAR.
 *
 * Why ZOOPS for short sequences: under TCM a motif that resembles itself one column along (NF-kB's
 * GGGGAATTCCCC) has a second window per site whose posterior is near 1 as well, both count, and even
 * started from the true matrix EM drifts to a blend of the two registers (fifth column G .99 -> .60 in
 * ten steps on the planted NFKB1 set); under ZOOPS it stays (G .98 after thirty).
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

/** Where sites are, and the prior that EM refits: the share of sequences (ZOOPS) or windows (TCM). */
export type SiteModel = { kind: 'zoops'; gamma: number } | { kind: 'tcm'; lambda: number };

/**
 * MEME's smoothing of the TCM posteriors: no run of `w` consecutive windows may hold more than one
 * expected site, so where the sum is larger the run's posteriors (both strands) are scaled down to 1.
 * Runs start at every offset below w and tile the sequence.
 */
export function limitOverlaps(zf: Float64Array, zr: Float64Array, w: number): void {
  const n = zf.length;
  for (let offset = 0; offset < Math.min(w, n); offset++) {
    for (let start = offset; start < n; start += w) {
      const end = Math.min(start + w, n);
      let sum = 0;
      for (let i = start; i < end; i++) sum += zf[i]! + zr[i]!;
      if (sum <= 1) continue;
      for (let i = start; i < end; i++) {
        zf[i]! /= sum;
        zr[i]! /= sum;
      }
    }
  }
}

/**
 * Each window's likelihood ratio, site against background, on each strand: f and r of shape (n,),
 * n = length - w + 1; 0 where the window holds a masked base. Returns the number of unmasked windows.
 */
function windowRatios(
  codes: Uint8Array,
  forward: Float64Array,
  reverse: Float64Array,
  w: number,
  f: Float64Array,
  r: Float64Array,
): number {
  let windows = 0;
  next: for (let i = 0; i < f.length; i++) {
    let pf = 1;
    let pr = 1;
    for (let j = 0; j < w; j++) {
      const c = codes[i + j]!;
      if (c === MASKED) {
        f[i] = 0;
        r[i] = 0;
        continue next;
      }
      pf *= forward[j * 4 + c]!;
      pr *= reverse[j * 4 + c]!;
    }
    f[i] = pf;
    r[i] = pr;
    windows++;
  }
  return windows;
}

/**
 * Turn the ratios into posteriors in place (P(site on + at i), P(site on - at i)) under `model`.
 * Returns the expected number of sites in the sequence.
 */
function posteriors(f: Float64Array, r: Float64Array, windows: number, model: SiteModel, w: number): number {
  let expected = 0;
  if (model.kind === 'tcm') {
    // Each strand is half the prior.
    const odds = (model.lambda / (1 - model.lambda)) * 0.5;
    for (let i = 0; i < f.length; i++) {
      const denominator = 1 + odds * (f[i]! + r[i]!);
      f[i] = (odds * f[i]!) / denominator;
      r[i] = (odds * r[i]!) / denominator;
    }
    limitOverlaps(f, r, w);
  } else {
    // One site with probability gamma, at one of the 2 * windows placements, each equally likely.
    const each = model.gamma / (2 * windows);
    let sum = 0;
    for (let i = 0; i < f.length; i++) sum += f[i]! + r[i]!;
    const denominator = 1 - model.gamma + each * sum;
    for (let i = 0; i < f.length; i++) {
      f[i] = (each * f[i]!) / denominator;
      r[i] = (each * r[i]!) / denominator;
    }
  }
  for (let i = 0; i < f.length; i++) expected += f[i]! + r[i]!;
  return expected;
}

/** Polish `start` by EM on `targets` under `model`. Returns the matrix and the refitted model. */
export function emPolish(
  start: Matrix,
  targets: readonly CodedSequence[],
  letters: Background,
  model: SiteModel,
  options: EmOptions = EM_DEFAULTS,
): { matrix: Matrix; model: SiteModel; iterations: number } {
  const w = start.length;
  let matrix = start.map((row) => [...row]);
  let iteration = 0;
  for (iteration = 1; iteration <= options.iterations; iteration++) {
    // Likelihood ratios per letter and column, both strands: (w * 4).
    const forward = new Float64Array(w * 4);
    const reverse = new Float64Array(w * 4);
    for (let j = 0; j < w; j++) {
      for (let b = 0; b < 4; b++) {
        const ratio = Math.max(matrix[j]![b]!, 1e-6) / letters[b]!;
        forward[j * 4 + b] = ratio;
        reverse[(w - 1 - j) * 4 + (3 - b)] = ratio;
      }
    }
    const counts = Array.from({ length: w }, () => [0, 0, 0, 0]);
    let expectedSites = 0;
    let windows = 0;
    let sequences = 0;
    for (const { codes } of targets) {
      const n = codes.length - w + 1;
      if (n <= 0) continue;
      const f = new Float64Array(n);
      const r = new Float64Array(n);
      const open = windowRatios(codes, forward, reverse, w, f, r);
      if (open === 0) continue;
      windows += open;
      sequences++;
      expectedSites += posteriors(f, r, open, model, w);
      for (let i = 0; i < n; i++) {
        const pf = f[i]!;
        const pr = r[i]!;
        if (pf + pr < 1e-6) continue;
        for (let j = 0; j < w; j++) {
          const c = codes[i + j]!;
          counts[j]![c]! += pf;
          counts[w - 1 - j]![3 - c]! += pr;
        }
      }
    }
    if (windows === 0) break;
    model =
      model.kind === 'tcm'
        ? { kind: 'tcm', lambda: Math.min(0.5, Math.max(expectedSites / windows, 1e-7)) }
        : { kind: 'zoops', gamma: Math.min(0.999, Math.max(expectedSites / sequences, 1e-4)) };
    const next = counts.map((row) => {
      const total = row.reduce((a, b) => a + b, 0) + options.pseudo;
      return row.map((n, b) => (n + options.pseudo * letters[b]!) / total);
    });
    const change = Math.max(...next.flatMap((row, j) => row.map((p, b) => Math.abs(p - matrix[j]![b]!))));
    matrix = next;
    if (change < options.tolerance) break;
  }
  return { matrix, model, iterations: iteration };
}

/**
 * How surprising a count of sites in the targets is, given the count in the background. Sites are
 * counted per window, so long sequences (where every short word occurs somewhere) are judged by how
 * much more often a motif occurs, not just whether it does: under the null, each of the n sites lands
 * in the targets with probability q = target windows / all windows, and the p-value is the binomial
 * upper tail P(X >= k). Natural logs throughout: p-values of 1e-500 are common on big inputs.
 */
import { logChoose } from '../../src/math/log-choose.js';

/** ln P(X >= k) for X ~ Binomial(n, q); 0 when k is at or below the expectation. */
export function logBinomialTail(k: number, n: number, q: number): number {
  if (k <= 0 || k <= n * q) return 0;
  if (q <= 0) return -Infinity;
  if (q >= 1) return 0;
  const lq = Math.log(q);
  const l1q = Math.log1p(-q);
  // Terms fall from k onwards (k is above the mode): sum until they stop mattering.
  const first = logChoose(n, k) + k * lq + (n - k) * l1q;
  let sum = 1;
  for (let x = k + 1; x <= n; x++) {
    const rel = logChoose(n, x) + x * lq + (n - x) * l1q - first;
    if (rel < -40) break;
    sum += Math.exp(rel);
  }
  return Math.min(0, first + Math.log(sum));
}

export interface SiteCounts {
  /** Sites in the targets / in the background. */
  target: number;
  background: number;
  /** Windows scanned in each (the opportunity for a site). */
  targetWindows: number;
  backgroundWindows: number;
}

/**
 * ln p-value that the targets hold this many of the sites by chance. Weighted (GC-matched) counts are
 * rounded to whole sites for the test.
 */
export function enrichmentLogP(c: SiteCounts): number {
  const total = c.targetWindows + c.backgroundWindows;
  if (total === 0) return 0;
  const target = Math.round(c.target);
  return logBinomialTail(target, target + Math.round(c.background), c.targetWindows / total);
}

/** log10 of a natural-log p-value, for people. */
export function log10OfLn(lnP: number): number {
  return lnP / Math.LN10;
}

/**
 * Segmentation of the z-score track into anomalous segments with a two-state hidden Markov model, as
 * alien_hunter refines its islands, but fitted to the genome at hand instead of using fixed cut-offs.
 *
 * - State 0 (the genome's bulk) emits N(0, 1): the track is already z-scored against the bulk.
 * - State 1 (anomalous) emits N(mu, sd); mu, sd and both switch probabilities are fitted by EM
 *   (Baum-Welch) on the genome's own track. mu is kept >= MIN_ANOMALY_MEAN so the second state cannot
 *   settle on the upper half of ordinary noise: a genome with nothing foreign then yields (almost) no
 *   segments instead of a split of its bulk.
 * - Segments are the runs of state 1 on the Viterbi path. Unscored bins (N runs) emit nothing: both
 *   states explain them equally, so a segment may bridge a short gap but never starts in one.
 *
 * No truth is used anywhere: this is the "mixture fit" way of choosing the threshold.
 */

/** Chosen on the validation planted genome (bench/scan): 4 kept the segments found and cut native calls. */
export const MIN_ANOMALY_MEAN = 4;
const MIN_ANOMALY_SD = 0.5;
const EM_ITERATIONS = 30;

export interface HmmParameters {
  /** Anomalous state's mean and standard deviation (track z-score units). */
  mean: number;
  sd: number;
  /** Probability per bin of entering / leaving the anomalous state. */
  enter: number;
  leave: number;
}

export interface HmmFit extends HmmParameters {
  iterations: number;
  /** Log-likelihood of the track under the fitted model. */
  logLikelihood: number;
  /** z above which a bin's own evidence favours the anomalous state (ignoring its neighbours). */
  threshold: number;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function logNormal(x: number, mean: number, sd: number): number {
  const u = (x - mean) / sd;
  return -0.5 * u * u - Math.log(sd) - LOG_SQRT_2PI;
}

/** Emission log-likelihoods of each bin under the two states; 0 for both where the bin is NaN. */
function emissions(track: Float64Array, p: HmmParameters): [Float64Array, Float64Array] {
  const e0 = new Float64Array(track.length);
  const e1 = new Float64Array(track.length);
  for (let i = 0; i < track.length; i++) {
    const x = track[i]!;
    if (!Number.isFinite(x)) continue;
    e0[i] = logNormal(x, 0, 1);
    e1[i] = logNormal(x, p.mean, p.sd);
  }
  return [e0, e1];
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

interface Posterior {
  /** P(state 1 | track) per bin. */
  anomalous: Float64Array;
  /** Expected 0->1 and 1->0 transitions, and expected time in each state before a transition. */
  enters: number;
  leaves: number;
  from0: number;
  from1: number;
  logLikelihood: number;
}

/** Log transition probabilities (lAB: from state A to B) and the stationary start of each state. */
function logTransitions(p: HmmParameters) {
  return {
    l00: Math.log1p(-p.enter),
    l01: Math.log(p.enter),
    l10: Math.log(p.leave),
    l11: Math.log1p(-p.leave),
    start0: Math.log(p.leave / (p.enter + p.leave)),
    start1: Math.log(p.enter / (p.enter + p.leave)),
  };
}

/** Forward-backward in log space on each contig's track (contigs are independent chains). */
function posterior(tracks: readonly Float64Array[], p: HmmParameters): Posterior[] {
  const { l00, l01, l10, l11, start0, start1 } = logTransitions(p);
  return tracks.map((track) => {
    const n = track.length;
    const [e0, e1] = emissions(track, p);
    const f0 = new Float64Array(n);
    const f1 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const prev0 = i === 0 ? start0 : logAdd(f0[i - 1]! + l00, f1[i - 1]! + l10);
      const prev1 = i === 0 ? start1 : logAdd(f0[i - 1]! + l01, f1[i - 1]! + l11);
      f0[i] = prev0 + e0[i]!;
      f1[i] = prev1 + e1[i]!;
    }
    const logLikelihood = n === 0 ? 0 : logAdd(f0[n - 1]!, f1[n - 1]!);
    let b0 = 0;
    let b1 = 0;
    const anomalous = new Float64Array(n);
    let enters = 0;
    let leaves = 0;
    let from0 = 0;
    let from1 = 0;
    for (let i = n - 1; i >= 0; i--) {
      const g1 = Math.exp(f1[i]! + b1 - logLikelihood);
      anomalous[i] = g1;
      // Backward values of bin i-1, from those of bin i.
      const nb0 = logAdd(l00 + e0[i]! + b0, l01 + e1[i]! + b1);
      const nb1 = logAdd(l10 + e0[i]! + b0, l11 + e1[i]! + b1);
      if (i > 0) {
        // Expected transitions between bins i-1 and i, and time in each state at bin i-1.
        enters += Math.exp(f0[i - 1]! + l01 + e1[i]! + b1 - logLikelihood);
        leaves += Math.exp(f1[i - 1]! + l10 + e0[i]! + b0 - logLikelihood);
        from0 += Math.exp(f0[i - 1]! + nb0 - logLikelihood);
        from1 += Math.exp(f1[i - 1]! + nb1 - logLikelihood);
      }
      b0 = nb0;
      b1 = nb1;
    }
    return { anomalous, enters, leaves, from0, from1, logLikelihood };
  });
}

/** Fit the anomalous state and the switch rates by EM, starting from `initial`. */
export function fitHmm(
  tracks: readonly Float64Array[],
  initial: HmmParameters,
  minMean = MIN_ANOMALY_MEAN,
): HmmFit {
  let p = { ...initial };
  let logLikelihood = -Infinity;
  let iterations = 0;
  for (; iterations < EM_ITERATIONS; iterations++) {
    const posts = posterior(tracks, p);
    let weight = 0;
    let sum = 0;
    let sumSq = 0;
    let enters = 0;
    let leaves = 0;
    let from0 = 0;
    let from1 = 0;
    let ll = 0;
    posts.forEach((post, t) => {
      const track = tracks[t]!;
      for (let i = 0; i < track.length; i++) {
        const x = track[i]!;
        if (!Number.isFinite(x)) continue;
        const g = post.anomalous[i]!;
        weight += g;
        sum += g * x;
        sumSq += g * x * x;
      }
      enters += post.enters;
      leaves += post.leaves;
      from0 += post.from0;
      from1 += post.from1;
      ll += post.logLikelihood;
    });
    const converged = ll - logLikelihood < 1e-6 * Math.abs(ll);
    logLikelihood = ll;
    if (weight < 1e-9) break; // nothing anomalous at all: keep the current state-1 shape
    const mean = Math.max(minMean, sum / weight);
    const variance = sumSq / weight - (sum / weight) ** 2;
    p = {
      mean,
      sd: Math.max(MIN_ANOMALY_SD, Math.sqrt(Math.max(variance, 0))),
      enter: clampProbability(enters / Math.max(from0, 1e-12)),
      leave: clampProbability(leaves / Math.max(from1, 1e-12)),
    };
    if (converged) break;
  }
  return { ...p, iterations, logLikelihood, threshold: emissionThreshold(p) };
}

function clampProbability(x: number): number {
  return Math.min(0.5, Math.max(1e-7, x));
}

/** Smallest z >= 0 at which state 1's emission times its stationary weight beats state 0's. */
export function emissionThreshold(p: HmmParameters): number {
  const { start0, start1 } = logTransitions(p);
  for (let z = 0; z <= 100; z += 0.01) {
    if (logNormal(z, p.mean, p.sd) + start1 > logNormal(z, 0, 1) + start0) return Math.round(z * 100) / 100;
  }
  return Infinity;
}

/** Runs [firstBin, endBin) of the anomalous state on the Viterbi path of one contig's track. */
export function viterbiRuns(track: Float64Array, p: HmmParameters): [number, number][] {
  const n = track.length;
  if (n === 0) return [];
  const [e0, e1] = emissions(track, p);
  const { l00, l01, l10, l11, start0, start1 } = logTransitions(p);
  // from1[i] = 1 when the best path into state s at bin i comes from state 1 (one bit per state).
  const back0 = new Uint8Array(n);
  const back1 = new Uint8Array(n);
  let v0 = start0 + e0[0]!;
  let v1 = start1 + e1[0]!;
  for (let i = 1; i < n; i++) {
    const stay0 = v0 + l00;
    const come0 = v1 + l10;
    const come1 = v0 + l01;
    const stay1 = v1 + l11;
    back0[i] = come0 > stay0 ? 1 : 0;
    back1[i] = stay1 >= come1 ? 1 : 0;
    v0 = Math.max(stay0, come0) + e0[i]!;
    v1 = Math.max(come1, stay1) + e1[i]!;
  }
  const states = new Uint8Array(n);
  let state = v1 > v0 ? 1 : 0;
  for (let i = n - 1; i >= 0; i--) {
    states[i] = state;
    state = state === 1 ? back1[i]! : back0[i]!;
  }
  const runs: [number, number][] = [];
  for (let i = 0; i < n;) {
    if (states[i] === 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < n && states[j] === 1) j++;
    // Trim unscored bins at the run's ends: a segment starts and ends on evidence.
    let a = i;
    let b = j;
    while (a < b && !Number.isFinite(track[a]!)) a++;
    while (b > a && !Number.isFinite(track[b - 1]!)) b--;
    if (b > a) runs.push([a, b]);
    i = j;
  }
  return runs;
}

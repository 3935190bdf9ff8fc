/**
 * From per-read evidence to calls: genotype likelihoods for a given ploidy (the germline mode), and
 * the allele fraction with its interval and a p-value against "every alt read is an error" (the
 * low-fraction mode). Reads with a third allele count in depth but not here.
 */
import type { Candidate, ReadEvidence } from './types.js';

const LN10 = Math.log(10);
/** Genotype qualities are capped as bcftools and GATK do: beyond this they mean nothing more. */
export const MAX_GQ = 99;
export const MAX_QUAL = 999;

/** P(read | true allele is the reference) and P(read | true allele is the alternate), per read. */
export interface ReadLikelihoods {
  givenRef: Float64Array;
  givenAlt: Float64Array;
  /** Sum over reads of the chance of showing this alternate by error: the null mean of the alt count. */
  expectedErrors: number;
  altReads: number;
  refReads: number;
}

export function readLikelihoods(candidate: Candidate, evidence: readonly ReadEvidence[]): ReadLikelihoods {
  const used = evidence.filter((e) => e.allele !== 2);
  const givenRef = new Float64Array(used.length);
  const givenAlt = new Float64Array(used.length);
  let expectedErrors = 0;
  let altReads = 0;
  used.forEach((e, i) => {
    // A base error shows one of three other bases; an indel error shows this indel or hides it.
    const mistaken = candidate.kind === 'snv' ? e.error / 3 : e.error;
    const right = 1 - e.error;
    givenRef[i] = e.allele === 0 ? right : mistaken;
    givenAlt[i] = e.allele === 1 ? right : mistaken;
    expectedErrors += mistaken;
    if (e.allele === 1) altReads++;
  });
  return { givenRef, givenAlt, expectedErrors, altReads, refReads: used.length - altReads };
}

/** Log-likelihood (natural log) of the reads when a fraction `f` of the molecules carry the allele. */
export function fractionLogLikelihood(reads: ReadLikelihoods, f: number): number {
  let sum = 0;
  for (let i = 0; i < reads.givenRef.length; i++)
    sum += Math.log(f * reads.givenAlt[i]! + (1 - f) * reads.givenRef[i]!);
  return sum;
}

/** Posterior of each alt dosage 0..ploidy, and the phred confidence in the best. */
export interface GenotypePosterior {
  posterior: number[];
  best: number;
  gq: number;
}

/**
 * Genotype posteriors for one sample. Priors as bcftools' default model: a site is variant with
 * probability `variantPrior`; diploid heterozygous and homozygous share it 2:1.
 */
export function genotypePosterior(
  reads: ReadLikelihoods,
  ploidy: 1 | 2,
  variantPrior: number,
): GenotypePosterior {
  const priors =
    ploidy === 1
      ? [1 - variantPrior, variantPrior]
      : [1 - variantPrior, (2 / 3) * variantPrior, variantPrior / 3];
  const logPosterior = priors.map(
    (prior, dosage) => Math.log(prior) + fractionLogLikelihood(reads, dosage / ploidy),
  );
  const max = Math.max(...logPosterior);
  const weights = logPosterior.map((l) => Math.exp(l - max));
  const total = weights.reduce((a, b) => a + b, 0);
  const posterior = weights.map((w) => w / total);
  const best = posterior.indexOf(Math.max(...posterior));
  // 1 - P(best), computed from the other genotypes so it does not round to 0.
  const wrong = weights.reduce((a, w, i) => (i === best ? a : a + w), 0) / total;
  return { posterior, best, gq: phred(wrong, MAX_GQ) };
}

/** Phred scale of a probability, capped. */
export function phred(probability: number, cap: number): number {
  if (probability <= 0) return cap;
  return Math.min(cap, Math.max(0, (-10 * Math.log(probability)) / LN10));
}

/** Maximum-likelihood allele fraction: the likelihood is concave in f, so bisect its derivative. */
export function fractionEstimate(reads: ReadLikelihoods): number {
  if (reads.givenRef.length === 0) return 0;
  const slope = (f: number) => {
    let d = 0;
    for (let i = 0; i < reads.givenRef.length; i++) {
      const a = reads.givenAlt[i]!;
      const r = reads.givenRef[i]!;
      d += (a - r) / (f * a + (1 - f) * r);
    }
    return d;
  };
  if (slope(0) <= 0) return 0;
  if (slope(1) >= 0) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (slope(mid) > 0) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** 95% profile-likelihood interval of the fraction: where 2 log LR against the estimate stays below 3.84. */
export function fractionInterval(reads: ReadLikelihoods, estimate: number): [number, number] {
  const top = fractionLogLikelihood(reads, estimate);
  const inside = (f: number) => 2 * (top - fractionLogLikelihood(reads, f)) <= 3.841;
  const edge = (outer: number): number => {
    if (inside(outer)) return outer;
    let a = estimate; // inside
    let b = outer; // outside
    for (let i = 0; i < 40; i++) {
      const mid = (a + b) / 2;
      if (inside(mid)) a = mid;
      else b = mid;
    }
    return a;
  };
  return [edge(0), edge(1)];
}

/**
 * P(at least `altReads` alt reads when every one is an error): the alt count is then a sum of rare
 * independent errors, Poisson with mean `expectedErrors`. Returned as natural log, accurate in the
 * far tail where 1 - CDF would round to 0.
 */
export function logErrorTail(altReads: number, expectedErrors: number): number {
  if (altReads <= 0) return 0;
  const lambda = Math.max(expectedErrors, 1e-300);
  // log of the first term, lambda^k e^-lambda / k!, then the series 1 + lambda/(k+1) + ...
  let logTerm = altReads * Math.log(lambda) - lambda - logFactorial(altReads);
  let sum = 1;
  let term = 1;
  for (let i = altReads + 1; i < altReads + 200; i++) {
    term *= lambda / i;
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  logTerm += Math.log(sum);
  return Math.min(0, logTerm);
}

function logFactorial(n: number): number {
  let sum = 0;
  for (let i = 2; i <= n; i++) sum += Math.log(i);
  return sum;
}

/** Phred of a natural-log probability, capped. */
export function phredOfLog(logProbability: number, cap: number): number {
  return Math.min(cap, Math.max(0, (-10 * logProbability) / LN10));
}

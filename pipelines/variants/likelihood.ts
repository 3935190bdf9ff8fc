/**
 * From per-read evidence to calls: genotype likelihoods for a given ploidy (the germline mode), and
 * the allele fraction with its interval and the posterior odds that the allele is present at all (the
 * low-fraction mode).
 */
import type { Candidate, ReadEvidence } from './types.js';

const LN10 = Math.log(10);
/** Genotype qualities are capped as bcftools and GATK do: beyond this they mean nothing more. */
export const MAX_GQ = 99;
export const MAX_QUAL = 999;

/**
 * Per read, P(read | the molecule does not carry the allele) and P(read | it carries it). "Does not
 * carry" covers the reference and any other allele, so a read showing a third base or a deletion over
 * an SNV counts against the allele as a reference read does: an SNV seen in 2 reads where 30 show a
 * deletion is 2 of 32, not 2 of 2.
 */
export interface ReadLikelihoods {
  givenRef: Float64Array;
  givenAlt: Float64Array;
  altReads: number;
  /** Reads showing the reference allele itself (AD's first value). */
  refReads: number;
}

export function readLikelihoods(candidate: Candidate, evidence: readonly ReadEvidence[]): ReadLikelihoods {
  const givenRef = new Float64Array(evidence.length);
  const givenAlt = new Float64Array(evidence.length);
  let altReads = 0;
  let refReads = 0;
  evidence.forEach((e, i) => {
    // A base error shows one of three other bases; an indel error shows this indel or hides it.
    const mistaken = candidate.kind === 'snv' ? e.error / 3 : e.error;
    const right = 1 - e.error;
    const carries = e.allele === 1;
    givenRef[i] = carries ? mistaken : right;
    givenAlt[i] = carries ? right : mistaken;
    if (carries) altReads++;
    else if (e.allele === 0) refReads++;
  });
  return { givenRef, givenAlt, altReads, refReads };
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

/** Points of the fraction grid that the presence posterior integrates over. */
const FRACTION_GRID = 48;

/**
 * log P(allele present | reads) - log P(absent | reads) for one sample, the low-fraction mode's
 * decision. Absent: fraction 0, every alt read an error. Present: prior probability `variantPrior`
 * (the germline mode's), with the fraction log-uniform on [minAf, 1], so that each decade of
 * fraction is as likely a priori as the next: a mixture, a subclone or heteroplasmy has no typical
 * fraction. The integral is a midpoint sum over an even grid in log f.
 */
export function presenceLogOdds(reads: ReadLikelihoods, minAf: number, variantPrior: number): number {
  if (reads.givenRef.length === 0) return Math.log(variantPrior / (1 - variantPrior));
  const absent = fractionLogLikelihood(reads, 0);
  const logMin = Math.log(minAf);
  const terms: number[] = [];
  for (let g = 0; g < FRACTION_GRID; g++) {
    const f = Math.exp(logMin * (1 - (g + 0.5) / FRACTION_GRID));
    terms.push(fractionLogLikelihood(reads, f) - absent);
  }
  const top = Math.max(...terms);
  const meanRatio = top + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - top), 0) / FRACTION_GRID);
  return meanRatio + Math.log(variantPrior / (1 - variantPrior));
}

/** ln(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 30 ? x : Math.log1p(Math.exp(x));
}

/** Phred of a natural-log probability, capped. */
export function phredOfLog(logProbability: number, cap: number): number {
  return Math.min(cap, Math.max(0, (-10 * logProbability) / LN10));
}

/**
 * The pieces of `locus variants` that decide a call: indel left-alignment, genotype posteriors, the
 * allele-fraction estimate and interval, the error tail, and the artifact statistics, each checked
 * against values worked out by hand or by a textbook formula.
 */
import { describe, expect, it } from 'vitest';
import { fisherExact, isLowComplexity, mannWhitneyZ } from '../../pipelines/variants/filters.js';
import {
  fractionEstimate,
  fractionInterval,
  genotypePosterior,
  fractionLogLikelihood,
  presenceLogOdds,
  readLikelihoods,
  softplus,
} from '../../pipelines/variants/likelihood.js';
import {
  indelSpan,
  leftAlignDeletion,
  leftAlignInsertion,
  referenceStretch,
} from '../../pipelines/variants/reads.js';
import type { Candidate, ReadEvidence } from '../../pipelines/variants/types.js';

const SNV: Candidate = {
  kind: 'snv',
  pos: 100,
  ref: 'A',
  alt: 'G',
  span: 101,
  alleleError: 0,
  key: 'snv:100:A:G',
};

/** `ref` reads showing the reference and `alt` showing the allele, all with error `error`. */
function evidence(ref: number, alt: number, error = 0.001): ReadEvidence[] {
  const read = (allele: 0 | 1, i: number): ReadEvidence => ({
    sample: 0,
    allele,
    error,
    reverse: i % 2 === 1,
    distanceFromEnd: 30,
    otherMismatches: 0,
  });
  return [
    ...Array.from({ length: ref }, (_, i) => read(0, i)),
    ...Array.from({ length: alt }, (_, i) => read(1, i)),
  ];
}

describe('indel left-alignment', () => {
  // 0-based:           0123456789
  const ref = referenceStretch(1000, 'GCAAAAATCACACAG');

  it('moves a deletion in a homopolymer to the base before the run', () => {
    // Deleting the A at 1005 (anchor 1004) is the same haplotype as deleting the first A (anchor 1001).
    expect(leftAlignDeletion(1004, 1, ref)).toEqual({ kind: 'del', pos: 1001, bases: 'A' });
  });

  it('moves a deletion of a repeat unit to the start of the tandem repeat', () => {
    // CACACA at 1008-1013: deleting the last "CA" (anchor 1011) shifts to anchor 1007 (T), bases "CA".
    expect(leftAlignDeletion(1011, 2, ref)).toEqual({ kind: 'del', pos: 1007, bases: 'CA' });
  });

  it('moves an insertion left and rotates its bases', () => {
    // Inserting "AC" after 1010 (A of CACACA) equals inserting "CA" after the T at 1007.
    expect(leftAlignInsertion(1010, 'AC', ref)).toEqual({ kind: 'ins', pos: 1007, bases: 'CA' });
    // An insertion that matches nothing around it stays.
    expect(leftAlignInsertion(1007, 'GG', ref)).toEqual({ kind: 'ins', pos: 1007, bases: 'GG' });
  });

  it('knows how far right an indel could have sat', () => {
    // The A run ends at 1006: reads must span up to 1007 to tell a 1 bp A deletion from the reference.
    expect(indelSpan({ kind: 'del', pos: 1001, bases: 'A' }, ref)).toBe(1007);
  });
});

describe('genotype posteriors', () => {
  it('calls haploid alt with 20 alt reads and reference with 20 ref reads, confidently', () => {
    const alt = genotypePosterior(readLikelihoods(SNV, evidence(0, 20)), 1, 1e-3);
    expect(alt.best).toBe(1);
    expect(alt.gq).toBe(99);
    const reference = genotypePosterior(readLikelihoods(SNV, evidence(20, 0)), 1, 1e-3);
    expect(reference.best).toBe(0);
  });

  it('calls diploid 10/10 heterozygous and 0/20 homozygous', () => {
    expect(genotypePosterior(readLikelihoods(SNV, evidence(10, 10)), 2, 1e-3).best).toBe(1);
    expect(genotypePosterior(readLikelihoods(SNV, evidence(0, 20)), 2, 1e-3).best).toBe(2);
  });

  it('does not call one alt read among 30 (an error is likelier than a variant)', () => {
    const g = genotypePosterior(readLikelihoods(SNV, evidence(30, 1)), 1, 1e-3);
    expect(g.best).toBe(0);
  });

  it('posteriors sum to one and GQ is the phred of the rest', () => {
    const g = genotypePosterior(readLikelihoods(SNV, evidence(4, 3, 0.01)), 2, 1e-3);
    expect(g.posterior.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    const rest = 1 - g.posterior[g.best]!;
    expect(g.gq).toBeCloseTo(-10 * Math.log10(rest), 6);
  });
});

describe('allele fraction', () => {
  it('is the alt share of the reads when errors are rare, with a binomial-width interval', () => {
    const reads = readLikelihoods(SNV, evidence(90, 10, 1e-4));
    const f = fractionEstimate(reads);
    expect(f).toBeCloseTo(0.1, 3);
    const [low, high] = fractionInterval(reads, f);
    // Wilson 95% interval for 10/100 is 0.055-0.174; the likelihood interval is close to it.
    expect(low).toBeGreaterThan(0.045);
    expect(low).toBeLessThan(0.065);
    expect(high).toBeGreaterThan(0.16);
    expect(high).toBeLessThan(0.19);
  });

  it('is 0 with no alt reads and 1 with no ref reads', () => {
    expect(fractionEstimate(readLikelihoods(SNV, evidence(50, 0)))).toBe(0);
    expect(fractionEstimate(readLikelihoods(SNV, evidence(0, 50)))).toBe(1);
  });
});

describe('presence of a low-fraction allele', () => {
  it('is the prior odds times the likelihood ratio averaged over a log-uniform fraction', () => {
    const reads = readLikelihoods(SNV, evidence(55, 5, 0.003));
    // The same integral by brute force: 20,000 points in log f on [0.05, 1].
    const points = 20_000;
    let mean = 0;
    for (let i = 0; i < points; i++) {
      const f = Math.exp(Math.log(0.05) * (1 - (i + 0.5) / points));
      mean += Math.exp(fractionLogLikelihood(reads, f) - fractionLogLikelihood(reads, 0)) / points;
    }
    const expected = Math.log(mean) + Math.log(1e-3 / (1 - 1e-3));
    expect(presenceLogOdds(reads, 0.05, 1e-3)).toBeCloseTo(expected, 3);
  });

  it('grows with the alt reads, and is against presence with none', () => {
    const odds = [0, 2, 4, 8].map((alt) =>
      presenceLogOdds(readLikelihoods(SNV, evidence(60 - alt, alt, 0.003)), 0.05, 1e-3),
    );
    expect(odds[0]).toBeLessThan(Math.log(1e-3));
    for (let i = 1; i < odds.length; i++) expect(odds[i]).toBeGreaterThan(odds[i - 1]!);
    // 8 alt reads of 60 at Q25: present beyond doubt.
    expect(odds[3]).toBeGreaterThan(Math.log(1e4));
  });

  it('softplus is ln(1 + e^x) without overflow', () => {
    expect(softplus(0)).toBeCloseTo(Math.LN2, 12);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-50)).toBeCloseTo(Math.exp(-50), 30);
  });
});

describe('artifact statistics', () => {
  it('Fisher exact test matches R fisher.test', () => {
    // fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value = 0.4857143
    expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(0.4857143, 6);
    // fisher.test(matrix(c(10, 0, 0, 10), 2))$p.value = 1.082509e-05
    expect(fisherExact(10, 0, 0, 10)).toBeCloseTo(1.082509e-5, 10);
    expect(fisherExact(0, 0, 0, 0)).toBe(1);
  });

  it('Mann-Whitney z is negative when the first sample is smaller', () => {
    const z = mannWhitneyZ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])!;
    // U = 0, mean 12.5, sd sqrt(5 * 5 * 11 / 12) = 4.787
    expect(z).toBeCloseTo(-12.5 / Math.sqrt((25 * 11) / 12), 6);
    expect(mannWhitneyZ([], [1])).toBeNull();
  });

  it('marks homopolymers of 10+ and short tandem repeats of 20+ bases as low complexity', () => {
    const flank = 'CGTTGCAGTCCTAGGT'; // no A or CA at its ends to lengthen the repeats
    const homopolymer = flank + 'A'.repeat(10) + flank;
    expect(isLowComplexity(homopolymer, flank.length + 5)).toBe(true);
    expect(isLowComplexity(flank + 'A'.repeat(9) + flank, flank.length + 5)).toBe(false);
    const str = flank + 'CA'.repeat(10) + flank;
    expect(isLowComplexity(str, flank.length + 10)).toBe(true);
    // Far from the repeat: not flagged.
    const far = 'ACGTTGCAGTCCTAGGATCGGATCCATGCAAGTC' + 'A'.repeat(10);
    expect(isLowComplexity(far, 2)).toBe(false);
  });
});

/**
 * Call one chunk of one contig: load the reads of every sample over the chunk and a margin, find the
 * candidate alleles anchored inside the chunk, gather each read's evidence, genotype (germline mode)
 * or estimate fractions (low-fraction mode), and name the filters each call fails.
 *
 * A chunk reads `CHUNK_MARGIN` bases beyond each edge, so every read and every repeat around a site
 * near an edge is seen exactly as a whole-contig run sees it: sharded output equals unsharded.
 */
import type { BamReader } from '../../src/io/bam.js';
import type { FastaFile } from '../../src/io/fasta.js';
import { findCandidates, gatherEvidence, MISMATCH_WINDOW } from './candidates.js';
import { artifactStats, failedFilters, isLowComplexity } from './filters.js';
import {
  fractionEstimate,
  fractionInterval,
  genotypePosterior,
  presenceLogOdds,
  MAX_GQ,
  MAX_QUAL,
  phredOfLog,
  readLikelihoods,
  softplus,
  type ReadLikelihoods,
} from './likelihood.js';
import { loadReads, referenceStretch, type AlignedRead } from './reads.js';
import type { CallChunk, CallSettings, Candidate, ReadEvidence, SampleCall, VariantCall } from './types.js';

/** Bases read beyond each chunk edge: longer than a read, and than the repeats indels shift across. */
export const CHUNK_MARGIN = 2000;

export interface ChunkInputs {
  bams: readonly BamReader[];
  reference: FastaFile;
  contigLength: number;
}

export async function callChunk(
  chunk: CallChunk,
  inputs: ChunkInputs,
  settings: CallSettings,
  signal?: AbortSignal,
): Promise<VariantCall[]> {
  const fetchStart = Math.max(0, chunk.start - CHUNK_MARGIN);
  const fetchEnd = Math.min(inputs.contigLength, chunk.end + CHUNK_MARGIN);
  const region = { contig: chunk.contig, start: fetchStart, end: fetchEnd };
  const reference = referenceStretch(
    fetchStart,
    await inputs.reference.fetch(region, { uppercase: true, signal }),
  );
  const perSample = await Promise.all(
    inputs.bams.map((bam, sample) =>
      loadReads(bam, region, reference, {
        sample,
        minMapQ: settings.minMapQ,
        minBaseQ: settings.minBaseQ,
        signal,
      }),
    ),
  );
  const reads = mergeByStart(perSample);
  const candidates = findCandidates(
    reads,
    reference,
    chunk.start,
    chunk.end,
    inputs.bams.length,
    settings.minAltReads,
    settings.indelErrorRate,
  );
  if (candidates.length === 0) return [];
  const evidence = gatherEvidence(candidates, reads, settings.minBaseQ);
  const background = backgroundMismatches(reads);
  const calls: VariantCall[] = [];
  candidates.forEach((candidate, i) => {
    const call = callCandidate(candidate, evidence[i]!, inputs.bams.length, settings);
    if (!call) return;
    const stats = artifactStats(evidence[i]!);
    const lowComplexity = isLowComplexity(reference.text, candidate.pos - reference.start);
    calls.push({
      contig: chunk.contig,
      candidate,
      ...call,
      ...stats,
      filters: failedFilters(candidate, stats, background, lowComplexity),
    });
  });
  return calls;
}

function mergeByStart(perSample: AlignedRead[][]): AlignedRead[] {
  if (perSample.length === 1) return perSample[0]!;
  return perSample.flat().sort((a, b) => a.start - b.start || a.sample - b.sample);
}

/** Mean mismatches a read shows in a 101-base window, over the chunk: what "many" is measured against. */
function backgroundMismatches(reads: readonly AlignedRead[]): number {
  let mismatches = 0;
  let bases = 0;
  for (const r of reads) {
    mismatches += r.mismatches.length;
    bases += r.end - r.start;
  }
  return bases > 0 ? (mismatches / bases) * (2 * MISMATCH_WINDOW + 1) : 0;
}

type CallCore = Pick<VariantCall, 'qual' | 'depth' | 'samples'>;

function callCandidate(
  candidate: Candidate,
  evidence: readonly ReadEvidence[],
  sampleCount: number,
  settings: CallSettings,
): CallCore | undefined {
  const bySample: ReadEvidence[][] = Array.from({ length: sampleCount }, () => []);
  for (const e of evidence) bySample[e.sample]!.push(e);
  const reads = bySample.map((list) => readLikelihoods(candidate, list));
  const depth = evidence.length;
  return settings.minAf === undefined
    ? germlineCall(reads, bySample, depth, settings)
    : lowFractionCall(reads, bySample, depth, settings, settings.minAf);
}

function sampleDepths(reads: ReadLikelihoods, evidence: readonly ReadEvidence[]) {
  return { ad: [reads.refReads, reads.altReads] as [number, number], dp: evidence.length };
}

/** Germline mode: genotype posteriors per sample; QUAL is the phred probability that no sample carries the allele. */
function germlineCall(
  reads: ReadLikelihoods[],
  evidence: ReadEvidence[][],
  depth: number,
  settings: CallSettings,
): CallCore | undefined {
  let logNoneCarries = 0;
  let anyCarrier = false;
  const samples: SampleCall[] = reads.map((r, s) => {
    const posterior = genotypePosterior(r, settings.ploidy, settings.variantPrior);
    logNoneCarries += Math.log(Math.max(posterior.posterior[0]!, 1e-300));
    if (posterior.best > 0) anyCarrier = true;
    const af = fractionEstimate(r);
    const informative = r.givenRef.length > 0;
    return {
      gt: informative ? genotypeText(posterior.best, settings.ploidy) : missingGenotype(settings.ploidy),
      ...sampleDepths(r, evidence[s]!),
      gq: informative ? Math.round(posterior.gq) : 0,
      af,
      afInterval: fractionInterval(r, af),
    };
  });
  const qual = phredOfLog(logNoneCarries, MAX_QUAL);
  if (!anyCarrier || qual < settings.minQual) return undefined;
  return { qual, depth, samples };
}

/**
 * Low-fraction mode: per sample, the posterior odds that the allele is present at some fraction of
 * at least `minAf` against absent (likelihood.ts), the maximum-likelihood fraction and its interval.
 * A sample carries the allele when its own QUAL (phred of P(absent)) reaches `minQual` and its
 * estimated fraction reaches `minAf`; QUAL of the record is the phred probability that no sample
 * carries it, as in the germline mode.
 */
function lowFractionCall(
  reads: ReadLikelihoods[],
  evidence: ReadEvidence[][],
  depth: number,
  settings: CallSettings,
  minAf: number,
): CallCore | undefined {
  let logNoneCarries = 0;
  let anyCarrier = false;
  const samples: SampleCall[] = reads.map((r, s) => {
    const af = fractionEstimate(r);
    const logOdds = presenceLogOdds(r, minAf, settings.variantPrior);
    const logAbsent = -softplus(logOdds);
    logNoneCarries += logAbsent;
    const quality = phredOfLog(logAbsent, MAX_QUAL);
    const present = af >= minAf && quality >= settings.minQual;
    if (present) anyCarrier = true;
    // GQ: confidence in the genotype written, present or absent.
    const gq = present ? quality : phredOfLog(-softplus(-logOdds), MAX_GQ);
    return {
      gt:
        r.givenRef.length === 0
          ? missingGenotype(settings.ploidy)
          : present
            ? presentGenotype(af, minAf, settings.ploidy)
            : genotypeText(0, settings.ploidy),
      ...sampleDepths(r, evidence[s]!),
      gq: Math.round(Math.min(MAX_GQ, gq)),
      af,
      afInterval: fractionInterval(r, af),
    };
  });
  const qual = phredOfLog(logNoneCarries, MAX_QUAL);
  if (!anyCarrier || qual < settings.minQual) return undefined;
  return { qual, depth, samples };
}

/** A mixture's genotype: both alleles when the reference is also credibly present, else the alt alone. */
function presentGenotype(af: number, minAf: number, ploidy: 1 | 2): string {
  if (af <= 1 - minAf) return '0/1';
  return genotypeText(ploidy, ploidy);
}

function genotypeText(dosage: number, ploidy: 1 | 2): string {
  if (ploidy === 1) return String(dosage);
  return dosage === 0 ? '0/0' : dosage === 1 ? '0/1' : '1/1';
}

function missingGenotype(ploidy: 1 | 2): string {
  return ploidy === 1 ? '.' : './.';
}

/**
 * Artifact statistics and the filters named in the VCF's FILTER column. Thresholds follow GATK's
 * published hard filters where one exists (FS, ReadPosRankSum), so users can read them the same way.
 */
import { logChoose } from '../../src/math/log-choose.js';
import type { Candidate, ReadEvidence } from './types.js';

export const FILTERS = {
  StrandBias:
    'Alt reads on one strand far more than ref reads (Fisher exact, FS above 60 for SNVs, 200 for indels)',
  ReadPositionBias:
    'Alt reads show the allele near their ends (Mann-Whitney z of distance from read end below -8)',
  ClusteredMismatches:
    'Reads with the allele carry at least 3 other mismatches within 50 bp on average, 3x the background: likely misplaced reads',
  LowComplexity: 'Within 12 bp of a homopolymer of 10+ bases or a short tandem repeat covering 20+ bases',
} as const;
export type FilterName = keyof typeof FILTERS;

export interface ArtifactStats {
  /** Phred-scaled two-sided Fisher exact p-value of the strand table (GATK's FS). */
  strandBias: number;
  readPositionZ: number | null;
  altReadMismatches: number;
}

export function artifactStats(evidence: readonly ReadEvidence[]): ArtifactStats {
  const table = [0, 0, 0, 0]; // ref fwd, ref rev, alt fwd, alt rev
  const refDistances: number[] = [];
  const altDistances: number[] = [];
  let altMismatches = 0;
  for (const e of evidence) {
    if (e.allele === 2) continue;
    table[2 * e.allele + (e.reverse ? 1 : 0)]!++;
    (e.allele === 1 ? altDistances : refDistances).push(e.distanceFromEnd);
    if (e.allele === 1) altMismatches += e.otherMismatches;
  }
  const p = fisherExact(table[0]!, table[1]!, table[2]!, table[3]!);
  return {
    strandBias: Math.min(999, -10 * Math.log10(Math.max(p, 1e-300))),
    readPositionZ: mannWhitneyZ(altDistances, refDistances),
    altReadMismatches: altDistances.length > 0 ? altMismatches / altDistances.length : 0,
  };
}

/** Names of the filters a call fails. `backgroundMismatches`: mean other mismatches per read window in the chunk. */
export function failedFilters(
  candidate: Candidate,
  stats: ArtifactStats,
  backgroundMismatches: number,
  lowComplexity: boolean,
): FilterName[] {
  const failed: FilterName[] = [];
  if (stats.strandBias > (candidate.kind === 'snv' ? 60 : 200)) failed.push('StrandBias');
  if (stats.readPositionZ !== null && stats.readPositionZ < -8) failed.push('ReadPositionBias');
  if (stats.altReadMismatches >= Math.max(3, 3 * backgroundMismatches)) failed.push('ClusteredMismatches');
  if (lowComplexity) failed.push('LowComplexity');
  return failed;
}

/** Two-sided Fisher exact test of a 2x2 table [[a, b], [c, d]]: sum of tables no likelier than this one. */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const row1 = a + b;
  const col1 = a + c;
  const n = a + b + c + d;
  if (n === 0) return 1;
  const logP = (x: number) => logChoose(row1, x) + logChoose(n - row1, col1 - x) - logChoose(n, col1);
  const observed = logP(a);
  let total = 0;
  for (let x = Math.max(0, col1 + row1 - n); x <= Math.min(row1, col1); x++) {
    const l = logP(x);
    if (l <= observed + 1e-7) total += Math.exp(l);
  }
  return Math.min(1, total);
}

/** Normal-approximation z of the Mann-Whitney U of `x` against `y` (midranks for ties); null when either is empty. */
export function mannWhitneyZ(x: readonly number[], y: readonly number[]): number | null {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return null;
  const all = [...x.map((v) => ({ v, fromX: true })), ...y.map((v) => ({ v, fromX: false }))].sort(
    (a, b) => a.v - b.v,
  );
  let rankSumX = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.fromX) rankSumX += midrank;
    const t = j - i;
    tieTerm += t * t * t - t;
    i = j;
  }
  const u = rankSumX - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return 0;
  return (u - (n1 * n2) / 2) / Math.sqrt(variance);
}

/**
 * True when position `pos` lies within 12 bp of a homopolymer of 10+ bases or of a tandem repeat of a
 * 2-4 base unit covering 20+ bases: there, aligners and polymerases both slip.
 */
export function isLowComplexity(text: string, offset: number): boolean {
  const from = Math.max(0, offset - 12);
  const to = Math.min(text.length, offset + 13);
  for (let unit = 1; unit <= 4; unit++) {
    const needed = unit === 1 ? 10 : 20;
    // Scan runs where text[i] == text[i - unit], starting within the window's reach.
    let runStart = Math.max(0, from - needed);
    for (let i = runStart + unit; i < Math.min(text.length, to + needed); i++) {
      if (text[i] !== text[i - unit] || text[i] === 'N') {
        runStart = i - unit + 1;
        continue;
      }
      const runLength = i - runStart + 1;
      if (runLength >= needed && i >= from && runStart < to) return true;
    }
  }
  return false;
}

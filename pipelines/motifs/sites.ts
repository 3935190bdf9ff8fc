/**
 * A found motif's sites in the full input (the discovery masks as it goes; the report counts every
 * site of every motif in the original sequences), with FIMO-style p-values and where they sit.
 */
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { logOdds, ScorePvalues, type Strands } from './pwm.js';
import { sitesAt } from './refine.js';
import { decodeSequence, type CodedSequence } from './sequences.js';
import type { Background, Matrix, MotifSite } from './types.js';

export const POSITION_BINS = 20;

export interface SiteScan {
  sites: MotifSite[];
  /** Sequences with at least one site. */
  sequences: number;
  /** Site centres in POSITION_BINS bins of relative position along their sequence. */
  positions: number[];
}

/**
 * Sites of `matrix` at or above `threshold` bits in `sequences` (both strands, or the forward strand
 * of oriented sequences; no two overlapping).
 */
export function scanSites(
  motifId: string,
  matrix: Matrix,
  threshold: number,
  sequences: readonly CodedSequence[],
  letters: Background,
  strands: Strands = 'both',
): SiteScan {
  const pwm = logOdds(matrix, letters);
  const pvalues = new ScorePvalues(pwm, letters);
  const found = sitesAt(sequences, pwm, threshold, strands);
  const positions = new Array<number>(POSITION_BINS).fill(0);
  const withSite = new Set<number>();
  const sites = found.map((p): MotifSite => {
    const seq = sequences[p.sequence]!;
    withSite.add(p.sequence);
    const centre = (p.start + pwm.width / 2) / seq.codes.length;
    positions[Math.min(POSITION_BINS - 1, Math.floor(centre * POSITION_BINS))]!++;
    const forward = decodeSequence(seq.codes, p.start, p.start + pwm.width);
    return {
      motifId,
      sequence: seq.name,
      start: p.start,
      end: p.start + pwm.width,
      strand: p.strand === 0 ? '+' : '-',
      score: p.score,
      pvalue: pvalues.pvalue(p.score),
      text: p.strand === 0 ? forward : reverseComplement(forward),
    };
  });
  return { sites, sequences: withSite.size, positions };
}

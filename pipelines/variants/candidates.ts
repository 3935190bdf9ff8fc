/**
 * Candidate alleles of a chunk and what every read says about each: the per-read evidence the
 * likelihoods are computed from (not only per-position counts, so an indel is judged by the reads that
 * span its whole repeat, and a read's other mismatches are known).
 */
import {
  alignedAcross,
  baseAt,
  BASE_LETTERS,
  BASE_N,
  distanceFromEnd,
  indelSpan,
  type AlignedRead,
  type ReferenceStretch,
} from './reads.js';
import type { Candidate, ReadEvidence } from './types.js';

/** Bases each side of a site in which a read's other mismatches are counted. */
export const MISMATCH_WINDOW = 50;

/** Error of a read that deletes an SNV's base (no base quality to use): Q30. */
const DELETED_BASE_ERROR = 1e-3;
/** Aligned bases a read needs beyond an indel's repeat on each side to count as spanning it. */
const INDEL_ANCHOR = 5;
/** Quality ceiling: above this, base qualities are not trusted to mean what they say. */
const MAX_BASE_QUALITY = 40;

export function candidateKey(kind: string, pos: number, ref: string, alt: string): string {
  return `${kind}:${pos}:${ref}:${alt}`;
}

/**
 * Alleles that some sample shows in at least `minAltReads` reads, with anchor position in
 * [chunkStart, chunkEnd), sorted by position then key.
 */
export function findCandidates(
  reads: readonly AlignedRead[],
  reference: ReferenceStretch,
  chunkStart: number,
  chunkEnd: number,
  samples: number,
  minAltReads: number,
  indelErrorRate: number,
): Candidate[] {
  const support = new Map<string, { event: AlignedRead['events'][number]; counts: Int32Array }>();
  for (const read of reads) {
    for (const event of read.events) {
      if (event.pos < chunkStart || event.pos >= chunkEnd) continue;
      const key = `${event.kind}:${event.pos}:${event.bases}`;
      let entry = support.get(key);
      if (!entry) support.set(key, (entry = { event, counts: new Int32Array(samples) }));
      entry.counts[read.sample]!++;
    }
  }
  const candidates: Candidate[] = [];
  for (const { event, counts } of support.values()) {
    if (!counts.some((c) => c >= minAltReads)) continue;
    const anchor = reference.text[event.pos - reference.start] ?? 'N';
    if (anchor === 'N') continue;
    if (event.kind === 'snv') {
      candidates.push({
        kind: 'snv',
        pos: event.pos,
        ref: anchor,
        alt: event.bases,
        span: event.pos + 1,
        alleleError: 0,
        key: candidateKey('snv', event.pos, anchor, event.bases),
      });
      continue;
    }
    const span = indelSpan(event, reference);
    const ref = event.kind === 'del' ? anchor + event.bases : anchor;
    const alt = event.kind === 'del' ? anchor : anchor + event.bases;
    // Longer repeats make slippage (and aligner disagreement) likelier: scale by repeat copies.
    const copies = (span - event.pos - 1) / event.bases.length;
    candidates.push({
      kind: event.kind,
      pos: event.pos,
      ref,
      alt,
      span,
      alleleError: Math.min(0.05, indelErrorRate * Math.max(1, copies) ** 2),
      key: candidateKey(event.kind, event.pos, ref, alt),
    });
  }
  candidates.sort((a, b) => a.pos - b.pos || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return candidates;
}

function phredToProbability(q: number): number {
  return 10 ** (-Math.min(q, MAX_BASE_QUALITY) / 10);
}

/** Probability that either the observation or the read's placement is wrong. */
function combinedError(observationError: number, mapq: number): number {
  const mapError = 10 ** (-mapq / 10);
  return 1 - (1 - observationError) * (1 - mapError);
}

/**
 * For each candidate, the evidence of every read (per sample) that informs on it. Reads and
 * candidates are both sorted by position; a sweep keeps the reads that can still overlap.
 */
export function gatherEvidence(
  candidates: readonly Candidate[],
  reads: readonly AlignedRead[],
  minBaseQ: number,
): ReadEvidence[][] {
  const candidatePositions = new Set(candidates.map((c) => c.pos));
  const evidence: ReadEvidence[][] = candidates.map(() => []);
  let first = 0; // reads before this one end before the current candidate
  for (let c = 0; c < candidates.length; c++) {
    const candidate = candidates[c]!;
    while (first < reads.length && reads[first]!.end <= candidate.pos) first++;
    for (let r = first; r < reads.length; r++) {
      const read = reads[r]!;
      if (read.start > candidate.pos) break;
      const item = readEvidence(candidate, read, minBaseQ, candidatePositions);
      if (item) evidence[c]!.push(item);
    }
  }
  return evidence;
}

function readEvidence(
  candidate: Candidate,
  read: AlignedRead,
  minBaseQ: number,
  candidatePositions: ReadonlySet<number>,
): ReadEvidence | undefined {
  let allele: 0 | 1 | 2;
  let error: number;
  if (candidate.kind === 'snv') {
    const at = baseAt(read, candidate.pos);
    if (!at) {
      // Inside the read but not aligned there: the read deletes the base, another allele.
      if (candidate.pos <= read.start || candidate.pos >= read.end - 1) return undefined;
      allele = 2;
      error = DELETED_BASE_ERROR;
    } else {
      if (at.quality < minBaseQ || at.base === BASE_N) return undefined;
      const letter = BASE_LETTERS[at.base];
      allele = letter === candidate.alt ? 1 : letter === candidate.ref ? 0 : 2;
      error = phredToProbability(at.quality);
    }
  } else {
    const shows = read.events.some(
      (e) => e.kind === candidate.kind && e.pos === candidate.pos && e.bases === indelBases(candidate),
    );
    if (shows) {
      allele = 1;
    } else {
      if (!alignedAcross(read, candidate.pos - INDEL_ANCHOR + 1, candidate.span + INDEL_ANCHOR - 1))
        return undefined;
      const otherIndel = read.events.some(
        (e) => e.kind !== 'snv' && e.pos >= candidate.pos - INDEL_ANCHOR && e.pos < candidate.span,
      );
      allele = otherIndel ? 2 : 0;
    }
    error = candidate.alleleError;
  }
  return {
    sample: read.sample,
    allele,
    error: combinedError(error, read.mapq),
    reverse: read.reverse,
    distanceFromEnd: distanceFromEnd(read, candidate.pos),
    otherMismatches: countOtherMismatches(read, candidate.pos, candidatePositions),
  };
}

/** The inserted or deleted bases of an indel candidate (its alleles without the anchor base). */
function indelBases(candidate: Candidate): string {
  return candidate.kind === 'del' ? candidate.ref.slice(1) : candidate.alt.slice(1);
}

function countOtherMismatches(
  read: AlignedRead,
  pos: number,
  candidatePositions: ReadonlySet<number>,
): number {
  let count = 0;
  for (const m of read.mismatches) {
    if (m < pos - MISMATCH_WINDOW) continue;
    if (m > pos + MISMATCH_WINDOW) break;
    if (m !== pos && !candidatePositions.has(m)) count++;
  }
  return count;
}

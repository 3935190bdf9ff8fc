/**
 * Reads of one stretch of the reference, decoded into what the caller needs: aligned blocks, bases,
 * qualities, and the differences from the reference (mismatches, insertions, deletions) with indels
 * left-aligned as `bcftools norm` would write them.
 */
import {
  BAM_CODE_TO_ACGTN,
  CIGAR_D,
  CIGAR_EQ,
  CIGAR_I,
  CIGAR_M,
  CIGAR_N,
  CIGAR_S,
  CIGAR_X,
  FLAG_REVERSE,
  type RawRecord,
} from '../../src/io/bam-records.js';
import type { BamReader } from '../../src/io/bam.js';
import { LocusInputError } from '../../src/errors.js';
import { DEFAULT_FLAG_EXCLUDE } from '../../src/io/pileup.js';
import type { ResolvedRegion } from '../../src/io/region.js';
import { BASE_CODE } from '../../src/tokenize/vocab.js';

/** Base codes: A C G T = 0..3, anything else 4 (BAM_CODE_TO_ACGTN and BASE_CODE agree on these). */
export const BASE_N = 4;
export const BASE_LETTERS = 'ACGTN';

/** Reference bases as codes 0..4, with the position of index 0. */
export interface ReferenceStretch {
  start: number;
  /** Upper-case bases. */
  text: string;
  codes: Uint8Array;
}

export function referenceStretch(start: number, text: string): ReferenceStretch {
  const upper = text.toUpperCase();
  const codes = new Uint8Array(upper.length);
  for (let i = 0; i < upper.length; i++) {
    const c = upper.charCodeAt(i);
    codes[i] = c < 128 ? BASE_CODE[c]! : BASE_N;
  }
  return { start, text: upper, codes };
}

/** A difference between a read and the reference, indels already left-aligned. */
export interface ReadEvent {
  kind: 'snv' | 'ins' | 'del';
  /** SNV position, or the anchor base before an indel (0-based). */
  pos: number;
  /** SNV: alternate base letter; insertion: inserted bases; deletion: deleted bases. */
  bases: string;
  /** Base quality (SNV), or the lower quality of the bases around the indel. */
  quality: number;
}

export interface AlignedRead {
  sample: number;
  /** Aligned reference stretch [start, end). */
  start: number;
  end: number;
  reverse: boolean;
  mapq: number;
  /** Aligned blocks as (reference start, query start, length) triples. */
  blocks: readonly number[];
  bases: Uint8Array;
  qualities: Uint8Array;
  events: ReadEvent[];
  /** Reference positions where an aligned base differs from the reference (any quality), ascending. */
  mismatches: readonly number[];
}

export interface ReadLoadOptions {
  sample: number;
  minMapQ: number;
  minBaseQ: number;
  signal?: AbortSignal;
}

/**
 * The used reads of `bam` that overlap `region`, in position order. `reference` must cover the region
 * plus enough margin for indels to be left-aligned (the caller fetches a margin around each chunk).
 */
export async function loadReads(
  bam: BamReader,
  region: ResolvedRegion,
  reference: ReferenceStretch,
  options: ReadLoadOptions,
): Promise<AlignedRead[]> {
  const reads: AlignedRead[] = [];
  const refId = bam.refId(region.contig);
  let lastPos = -1;
  await bam.visit(
    (r) => {
      if (r.refId !== refId) return r.refId >= 0 && r.refId < refId ? undefined : false;
      const pos = r.pos;
      if (pos < lastPos) {
        throw new LocusInputError(
          bam.path,
          `BAM "${bam.path}" is not sorted by position (a read at ${region.contig}:${pos + 1} follows one at ${lastPos + 1})`,
          `sort it with \`samtools sort -o sorted.bam ${bam.path}\` and index the result`,
        );
      }
      lastPos = pos;
      if (pos >= region.end) return false;
      if (r.flag & DEFAULT_FLAG_EXCLUDE || r.mapq < options.minMapQ || r.cigarOps === 0) return;
      if (r.end() <= region.start) return;
      const read = decodeRead(r, reference, options);
      if (read) reads.push(read);
    },
    { region, signal: options.signal },
  );
  return reads;
}

function decodeRead(
  r: RawRecord,
  reference: ReferenceStretch,
  options: ReadLoadOptions,
): AlignedRead | undefined {
  const seqLength = r.seqLength;
  if (seqLength === 0) return undefined; // no bases stored (SEQ '*')
  // Two 4-bit bases per byte, high nibble first: decoded a byte at a time (r.base(i) per base cost
  // a quarter of the calling time).
  // Bases and qualities share one allocation (the collector's work grows with the number of buffers).
  const store = new Uint8Array(2 * seqLength);
  const bases = store.subarray(0, seqLength);
  const packed = r.buf;
  const seqAt = r.seqAt;
  for (let i = 0; i < seqLength; i += 2) {
    const byte = packed[seqAt + (i >> 1)]!;
    bases[i] = BAM_CODE_TO_ACGTN[byte >> 4]!;
    if (i + 1 < seqLength) bases[i + 1] = BAM_CODE_TO_ACGTN[byte & 0xf]!;
  }
  // A copy: a view would keep the whole decompressed BAM block alive for as long as the read.
  const qualities = store.subarray(seqLength);
  qualities.set(packed.subarray(r.qualAt, r.qualAt + seqLength));
  const blocks: number[] = [];
  const events: ReadEvent[] = [];
  const mismatches: number[] = [];
  const ref = reference.codes;
  const refStart = reference.start;
  const refEnd = refStart + ref.length;
  let refPos = r.pos;
  let queryPos = 0;
  const nOps = r.cigarOps;
  let aligned = false; // an aligned base has been seen: indels before it have no anchor
  for (let i = 0; i < nOps; i++) {
    const c = r.cigar(i);
    const op = c & 0xf;
    const len = c >>> 4;
    if (op === CIGAR_M || op === CIGAR_EQ || op === CIGAR_X) {
      blocks.push(refPos, queryPos, len);
      for (let j = 0; j < len; j++) {
        const p = refPos + j;
        if (p < refStart || p >= refEnd) continue;
        const b = bases[queryPos + j]!;
        const rb = ref[p - refStart]!;
        if (b === BASE_N || rb === BASE_N || b === rb) continue;
        mismatches.push(p);
        const q = qualities[queryPos + j]!;
        if (q >= options.minBaseQ) events.push({ kind: 'snv', pos: p, bases: BASE_LETTERS[b]!, quality: q });
      }
      refPos += len;
      queryPos += len;
      aligned = true;
    } else if (op === CIGAR_I) {
      const anchored = aligned && i + 1 < nOps && isAlignedOp(r.cigar(i + 1) & 0xf);
      if (anchored) {
        const inserted = lettersOf(bases, queryPos, len);
        if (inserted !== undefined) {
          const quality = flankQuality(qualities, queryPos - 1, queryPos + len);
          const event = leftAlignInsertion(refPos - 1, inserted, reference);
          if (event) events.push({ ...event, quality });
        }
      }
      queryPos += len;
    } else if (op === CIGAR_D) {
      const anchored = aligned && i + 1 < nOps && isAlignedOp(r.cigar(i + 1) & 0xf);
      if (anchored) {
        const quality = flankQuality(qualities, queryPos - 1, queryPos);
        const event = leftAlignDeletion(refPos - 1, len, reference);
        if (event) events.push({ ...event, quality });
      }
      refPos += len;
    } else if (op === CIGAR_N) {
      refPos += len;
    } else if (op === CIGAR_S) {
      queryPos += len;
    }
  }
  if (blocks.length === 0) return undefined;
  events.sort((a, b) => a.pos - b.pos);
  return {
    sample: options.sample,
    start: r.pos,
    end: refPos,
    reverse: (r.flag & FLAG_REVERSE) !== 0,
    mapq: r.mapq === 255 ? 60 : r.mapq,
    // Plain arrays of small integers, kept as built: a typed-array copy per read was garbage the
    // collector spent time on (a variants job is allocation-bound).
    blocks,
    bases,
    qualities,
    events,
    mismatches,
  };
}

function isAlignedOp(op: number): boolean {
  return op === CIGAR_M || op === CIGAR_EQ || op === CIGAR_X;
}

function lettersOf(bases: Uint8Array, from: number, length: number): string | undefined {
  let text = '';
  for (let i = from; i < from + length; i++) {
    const b = bases[i]!;
    if (b === BASE_N) return undefined; // an insertion with N says nothing certain
    text += BASE_LETTERS[b];
  }
  return text;
}

/** The lower quality of the read bases on either side of an indel (its evidence is no better). */
function flankQuality(qualities: Uint8Array, before: number, after: number): number {
  const a = before >= 0 && before < qualities.length ? qualities[before]! : 0;
  const b = after >= 0 && after < qualities.length ? qualities[after]! : a;
  return Math.min(a, b);
}

/**
 * Shift a deletion of `length` bases after anchor `anchor` as far left as the sequence allows: the
 * deletion of ref[p+1..p+L] equals that of ref[p..p+L-1] when ref[p] == ref[p+L].
 */
export function leftAlignDeletion(
  anchor: number,
  length: number,
  reference: ReferenceStretch,
): Omit<ReadEvent, 'quality'> | undefined {
  const ref = reference.text;
  let p = anchor - reference.start;
  if (p < 0 || p + length >= ref.length) return undefined;
  while (p > 0 && ref[p] === ref[p + length] && ref[p] !== 'N') p--;
  return { kind: 'del', pos: p + reference.start, bases: ref.slice(p + 1, p + 1 + length) };
}

/** Shift an insertion of `inserted` after anchor `anchor` as far left as the sequence allows. */
export function leftAlignInsertion(
  anchor: number,
  inserted: string,
  reference: ReferenceStretch,
): Omit<ReadEvent, 'quality'> | undefined {
  const ref = reference.text;
  let p = anchor - reference.start;
  if (p < 0 || p >= ref.length) return undefined;
  let bases = inserted;
  while (p > 0 && ref[p] === bases[bases.length - 1]) {
    bases = ref[p] + bases.slice(0, -1);
    p--;
  }
  return { kind: 'ins', pos: p + reference.start, bases };
}

/**
 * How far right an indel could shift (the end of the repeat it sits in), 0-based exclusive: reads must
 * be aligned across [anchor, span] to tell the indel from the reference.
 */
export function indelSpan(event: Omit<ReadEvent, 'quality'>, reference: ReferenceStretch): number {
  const ref = reference.text;
  const p0 = event.pos - reference.start;
  if (event.kind === 'del') {
    const length = event.bases.length;
    let q = p0;
    while (q + 1 + length < ref.length && ref[q + 1] === ref[q + 1 + length]) q++;
    return q + length + 1 + reference.start;
  }
  let bases = event.bases;
  let q = p0;
  while (q + 1 < ref.length && ref[q + 1] === bases[0]) {
    bases = bases.slice(1) + ref[q + 1];
    q++;
  }
  return q + 1 + reference.start;
}

/** The read's base and quality at reference position `pos`, or undefined when not aligned there. */
export function baseAt(
  read: AlignedRead,
  pos: number,
): { base: number; quality: number; query: number } | undefined {
  const b = read.blocks;
  for (let i = 0; i < b.length; i += 3) {
    const start = b[i]!;
    if (pos < start) return undefined;
    const length = b[i + 2]!;
    if (pos < start + length) {
      const query = b[i + 1]! + pos - start;
      return { base: read.bases[query]!, quality: read.qualities[query]!, query };
    }
  }
  return undefined;
}

/** True when the read has aligned bases at both `from` and `to` (inclusive), with nothing clipped between. */
export function alignedAcross(read: AlignedRead, from: number, to: number): boolean {
  return read.start <= from && read.end > to;
}

/** Distance of reference position `pos` from the nearer end of the read's aligned stretch, in bases. */
export function distanceFromEnd(read: AlignedRead, pos: number): number {
  return Math.min(pos - read.start, read.end - 1 - pos);
}

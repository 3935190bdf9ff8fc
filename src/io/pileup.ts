/**
 * Pileup: per reference position, how many reads show A, C, G, T, N, a deletion, or an insertion
 * after it, per strand. Equal to `samtools mpileup -B -d 0` with the same filters:
 *
 * - reads with any of `flagExclude` (default UNMAP, SECONDARY, QCFAIL, DUP) are skipped, as are reads
 *   with MAPQ < `minMapQ` and, unless `countOrphans`, paired reads that are not properly paired;
 * - a base counts when its quality >= `minBaseQ`; a deletion counts when the quality of the base after
 *   it does (htslib's rule); depth is every counted base and deletion (and reference skip);
 * - overlapping mates are not counted twice: htslib's `tweak_overlap_quality` is applied (one mate's
 *   qualities in the overlap are zeroed), unless `overlapCorrection` is false (`samtools mpileup -x`).
 *
 * BAQ is not computed (samtools' `-B`), and there is no depth cap (`-d 0`).
 *
 * Reads arrive sorted by position; counts accumulate in a window of the reference that is emitted in
 * chunks once no later read can touch it. Nothing is allocated per read except for a read held while
 * its overlapping mate is on the way.
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
  FLAG_DUPLICATE,
  FLAG_MATE_UNMAPPED,
  FLAG_PAIRED,
  FLAG_PROPER_PAIR,
  FLAG_QCFAIL,
  FLAG_REVERSE,
  FLAG_SECONDARY,
  FLAG_UNMAPPED,
  RawRecord,
} from './bam-records.js';
import type { BamReader } from './bam.js';
import type { ResolvedRegion } from './region.js';

export interface PileupOptions {
  /** Skip reads with MAPQ below this (samtools -q). Default 0. */
  minMapQ?: number;
  /** Count bases with quality at least this (samtools -Q). Default 13. */
  minBaseQ?: number;
  /** Skip reads with any of these flags (samtools --ff). Default UNMAP|SECONDARY|QCFAIL|DUP = 0x704. */
  flagExclude?: number;
  /** Keep only reads with all of these flags (samtools --rf). Default 0. */
  flagRequire?: number;
  /** Count paired reads that are not properly paired (samtools -A). Default false. */
  countOrphans?: boolean;
  /** Apply htslib's overlapping-mate correction. Default true (samtools -x turns it off). */
  overlapCorrection?: boolean;
  signal?: AbortSignal;
}

export const DEFAULT_FLAG_EXCLUDE = FLAG_UNMAPPED | FLAG_SECONDARY | FLAG_QCFAIL | FLAG_DUPLICATE;

/** Columns of the per-strand counts, in this order. */
export const PILEUP_COLUMNS = ['A', 'C', 'G', 'T', 'N', 'del', 'ins'] as const;
const COLS = PILEUP_COLUMNS.length; // 7
// Columns 0-4 are the bases, A C G T N, as BASE_COLUMN gives them.
const DEL = 5, INS = 6; // prettier-ignore
/** Per position: 7 forward-strand counts, 7 reverse-strand counts. */
export const STRIDE = 2 * COLS;

/** BAM 4-bit base code -> column: A, C, G, T, and N for anything else (the columns' order). */
const BASE_COLUMN = BAM_CODE_TO_ACGTN;

/**
 * A run of consecutive reference positions. Views are valid only during the callback.
 * `counts[i * STRIDE + strand * 7 + column]`, strand 0 forward, 1 reverse; `depth[i]` counts every
 * base, deletion and reference skip that passed the filters; `reads[i]` counts reads over position i
 * before the base-quality filter (samtools prints a position when it is > 0).
 */
export interface PileupChunk {
  contig: string;
  start: number;
  length: number;
  depth: Int32Array;
  reads: Int32Array;
  counts: Int32Array;
}

/** A read kept aside until its overlapping mate arrives (copied: the decode buffer is reused). */
interface HeldRead {
  record: RawRecord;
  pos: number;
  end: number;
  matePos: number;
  counted: boolean;
}

/** khash's X31 string hash followed by Wang's integer hash, as htslib uses to pick the mate to keep. */
function htslibNameHashIsOdd(buf: Uint8Array, at: number): boolean {
  let h = buf[at]!;
  if (h) for (let i = at + 1; buf[i] !== 0; i++) h = (Math.imul(h, 31) + buf[i]!) >>> 0;
  let key = h >>> 0;
  key = (key + ~(key << 15)) >>> 0;
  key = (key ^ (key >>> 10)) >>> 0;
  key = (key + (key << 3)) >>> 0;
  key = (key ^ (key >>> 6)) >>> 0;
  key = (key + ~(key << 11)) >>> 0;
  key = (key ^ (key >>> 16)) >>> 0;
  return (key & 1) === 1;
}

/** Walks the M/=/X bases of a read one reference position at a time (htslib's cigar_iref2iseq_*). */
class AlignedBaseCursor {
  op = 0; // index of the current CIGAR op
  inOp = 0; // position inside it
  seq = -1; // query index of the current base
  ref = -1; // reference offset from the read start of the current base
  lastOp = -1; // op type most recently stepped over (to spot a deletion just passed)

  constructor(private readonly r: RawRecord) {}

  /** Position on the first aligned base at reference offset >= `target`; false if none. */
  seek(target: number): boolean {
    let pos = target;
    if (pos < 0) return false;
    this.seq = 0;
    this.ref = 0;
    const n = this.r.cigarOps;
    for (this.op = 0; this.op < n; this.op++) {
      const c = this.r.cigar(this.op);
      const op = c & 0xf;
      const len = c >>> 4;
      if (op === CIGAR_S || op === CIGAR_I) this.seq += len;
      else if (op === CIGAR_M || op === CIGAR_EQ || op === CIGAR_X) {
        pos -= len;
        if (pos < 0) {
          this.inOp = len + pos;
          this.seq += this.inOp;
          this.ref += this.inOp;
          return true;
        }
        this.seq += len;
        this.ref += len;
      } else if (op === CIGAR_D || op === CIGAR_N) {
        pos -= len;
        if (pos < 0) pos = 0;
        this.ref += len;
      }
      this.lastOp = op;
    }
    this.seq = -1;
    return false;
  }

  /** Step to the next aligned base; false at the end of the read. */
  next(): boolean {
    const n = this.r.cigarOps;
    while (this.op < n) {
      const c = this.r.cigar(this.op);
      const op = c & 0xf;
      const len = c >>> 4;
      if (op === CIGAR_M || op === CIGAR_EQ || op === CIGAR_X) {
        if (this.inOp >= len - 1) {
          this.inOp = -1;
          this.op++;
          this.lastOp = op;
          continue;
        }
        this.seq++;
        this.inOp++;
        this.ref++;
        return true;
      }
      if (op === CIGAR_D || op === CIGAR_N) this.ref += len;
      else if (op === CIGAR_I || op === CIGAR_S) this.seq += len;
      this.op++;
      this.inOp = -1;
      this.lastOp = op;
    }
    this.seq = -1;
    this.ref = -1;
    return false;
  }

  /** True when the op just before the current one is a deletion. */
  afterDeletion(): boolean {
    return this.op > 0 && (this.r.cigar(this.op - 1) & 0xf) === CIGAR_D;
  }
}

/**
 * htslib's tweak_overlap_quality (sam.c, htslib >= 1.13): where mates `a` (left) and `b` overlap,
 * keep one mate's base quality (the sum if the bases agree, 0.8x if they differ) and zero the other's,
 * so a template is not counted twice. Qualities are modified in place.
 */
export function tweakOverlapQuality(a: RawRecord, b: RawRecord): void {
  const aPos = a.pos;
  const bPos = b.pos;
  let iref = bPos;
  const ac = new AlignedBaseCursor(a);
  const bc = new AlignedBaseCursor(b);
  if (!ac.seek(iref - aPos) || !bc.seek(iref - bPos)) return;
  const aKeeps = htslibNameHashIsOdd(a.buf, a.nameAt);
  const aMul = aKeeps ? 1 : 0;
  const bMul = aKeeps ? 0 : 1;
  const aq = a.buf;
  const bq = b.buf;
  const aQual = a.qualAt;
  const bQual = b.qualAt;
  let aOk = true;
  let bOk = true;
  for (;;) {
    while (aOk && ac.ref >= 0 && ac.ref < iref - aPos) aOk = ac.next();
    if (!aOk) return;
    while (bOk && bc.ref >= 0 && bc.ref < iref - bPos) bOk = bc.next();
    if (!bOk) return;
    if (iref < ac.ref + aPos) iref = ac.ref + aPos;
    if (iref < bc.ref + bPos) iref = bc.ref + bPos;
    iref++;
    if (ac.ref + aPos !== bc.ref + bPos) {
      if (ac.ref + aPos < bc.ref + bPos && bc.afterDeletion()) {
        // A deletion in b: b has moved further on; catch a up, discounting its bases.
        do {
          aq[aQual + ac.seq] = aMul ? Math.trunc(aq[aQual + ac.seq]! * 0.8) : 0;
          if (!ac.next()) return;
        } while (ac.ref + aPos < bc.ref + bPos);
      } else if (ac.afterDeletion()) {
        do {
          bq[bQual + bc.seq] = bMul ? Math.trunc(bq[bQual + bc.seq]! * 0.8) : 0;
          if (!bc.next()) return;
        } while (bc.ref + bPos < ac.ref + aPos);
      } else {
        continue; // reference skips and the like are left alone, as in htslib
      }
    }
    if (ac.seq > a.seqLength || bc.seq > b.seqLength) return;
    const qa = aq[aQual + ac.seq]!;
    const qb = bq[bQual + bc.seq]!;
    if (a.base(ac.seq) === b.base(bc.seq)) {
      const sum = Math.min(qa + qb, 200);
      aq[aQual + ac.seq] = aMul * sum;
      bq[bQual + bc.seq] = bMul * sum;
    } else if (qa > qb) {
      aq[aQual + ac.seq] = Math.trunc(0.8 * qa);
      bq[bQual + bc.seq] = 0;
    } else if (qa < qb) {
      bq[bQual + bc.seq] = Math.trunc(0.8 * qb);
      aq[aQual + ac.seq] = 0;
    } else {
      aq[aQual + ac.seq] = Math.trunc(aMul * 0.8 * qa);
      bq[bQual + bc.seq] = Math.trunc(bMul * 0.8 * qb);
    }
  }
}

/** Copy a record out of the shared decode buffer. */
function copyRecord(r: RawRecord): RawRecord {
  const copy = new RawRecord();
  copy.buf = r.buf.slice(r.at, r.at + r.length);
  copy.at = 0;
  copy.length = r.length;
  return copy;
}

/** Counts over a sliding window of one contig. */
class PileupWindow {
  start = 0; // reference position of index 0
  private capacity = 1 << 16;
  depth = new Int32Array(this.capacity);
  reads = new Int32Array(this.capacity);
  counts = new Int32Array(this.capacity * STRIDE);
  /** One past the last position any read has touched. */
  end = 0;

  reset(start: number): void {
    this.start = start;
    this.end = start;
    this.depth.fill(0);
    this.reads.fill(0);
    this.counts.fill(0);
  }

  /** Make room for positions up to `position` (exclusive). */
  ensure(position: number): void {
    const needed = position - this.start;
    if (needed <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < needed) capacity *= 2;
    const grow = (old: Int32Array, width: number): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(capacity * width);
      next.set(old);
      return next;
    };
    this.depth = grow(this.depth, 1);
    this.reads = grow(this.reads, 1);
    this.counts = grow(this.counts, STRIDE);
    this.capacity = capacity;
  }

  /** Hand positions [start, upTo) to `emit` and slide the window so `upTo` becomes index 0. */
  flush(
    upTo: number,
    contig: string,
    emit: (chunk: PileupChunk) => void,
    clipStart: number,
    clipEnd: number,
  ): void {
    const n = Math.min(upTo, this.end) - this.start;
    if (n > 0) {
      const from = Math.max(0, clipStart - this.start);
      const to = Math.min(n, clipEnd - this.start);
      if (to > from) {
        emit({
          contig,
          start: this.start + from,
          length: to - from,
          depth: this.depth.subarray(from, to),
          reads: this.reads.subarray(from, to),
          counts: this.counts.subarray(from * STRIDE, to * STRIDE),
        });
      }
    }
    const shift = upTo - this.start;
    if (shift <= 0) return;
    const live = Math.max(0, this.end - upTo);
    this.depth.copyWithin(0, shift, shift + live);
    this.reads.copyWithin(0, shift, shift + live);
    this.counts.copyWithin(0, shift * STRIDE, (shift + live) * STRIDE);
    this.depth.fill(0, live);
    this.reads.fill(0, live);
    this.counts.fill(0, live * STRIDE);
    this.start = upTo;
    if (this.end < upTo) this.end = upTo;
  }
}

/** Flush once this many settled positions have accumulated, to amortise the window shift. */
const FLUSH_EVERY = 1 << 15;

/**
 * Run a pileup over a BAM (whole file, or one region through its index) and hand the positions that
 * have reads to `emit`, in chunks, in coordinate order. `emit` may be async: reading waits for it.
 * Chunks passed to `emit` are the caller's to keep.
 */
export async function pileup(
  bam: BamReader,
  emit: (chunk: PileupChunk) => Promise<void> | void,
  options: PileupOptions & { region?: ResolvedRegion } = {},
): Promise<void> {
  const ready: PileupChunk[] = [];
  const collect = (chunk: PileupChunk): void => {
    ready.push({
      contig: chunk.contig,
      start: chunk.start,
      length: chunk.length,
      depth: chunk.depth.slice(),
      reads: chunk.reads.slice(),
      counts: chunk.counts.slice(),
    });
  };
  const drain = async (): Promise<void> => {
    while (ready.length > 0) await emit(ready.shift()!);
  };
  const minMapQ = options.minMapQ ?? 0;
  const minBaseQ = options.minBaseQ ?? 13;
  const flagExclude = options.flagExclude ?? DEFAULT_FLAG_EXCLUDE;
  const flagRequire = options.flagRequire ?? 0;
  const countOrphans = options.countOrphans ?? false;
  const overlapCorrection = options.overlapCorrection ?? true;
  const region = options.region;
  const regionRefId = region ? bam.refId(region.contig) : -1;
  const names = bam.header.references.map((r) => r.name);

  const window = new PileupWindow();
  let currentRef = -1;
  let clipStart = 0;
  let clipEnd = Number.POSITIVE_INFINITY;
  /** Reads waiting for an overlapping mate, by name, and in arrival (= position) order. */
  const waiting = new Map<string, HeldRead>();
  const held: HeldRead[] = [];

  const count = (r: RawRecord): void => {
    const reverse = r.flag & FLAG_REVERSE ? COLS : 0;
    const buf = r.buf;
    const qualAt = r.qualAt;
    const seqLength = r.seqLength;
    const nOps = r.cigarOps;
    let refPos = r.pos;
    let qpos = 0;
    window.ensure(r.end());
    const { depth, reads, counts } = window;
    const base0 = window.start;
    for (let i = 0; i < nOps; i++) {
      const c = r.cigar(i);
      const op = c & 0xf;
      const len = c >>> 4;
      if (op === CIGAR_M || op === CIGAR_EQ || op === CIGAR_X) {
        // An insertion right after this op belongs to its last base (htslib peeks at the next op).
        const insertionAfter = i + 1 < nOps && (r.cigar(i + 1) & 0xf) === CIGAR_I;
        for (let j = 0; j < len; j++) {
          const w = refPos + j - base0;
          if (refPos + j >= clipStart && refPos + j < clipEnd) {
            reads[w]!++;
            const q = qpos + j;
            if (buf[qualAt + q]! >= minBaseQ) {
              depth[w]!++;
              counts[w * STRIDE + reverse + BASE_COLUMN[r.base(q)]!]!++;
              if (insertionAfter && j === len - 1) counts[w * STRIDE + reverse + INS]!++;
            }
          }
        }
        refPos += len;
        qpos += len;
      } else if (op === CIGAR_D || op === CIGAR_N) {
        const insertionAfter = op === CIGAR_D && i + 1 < nOps && (r.cigar(i + 1) & 0xf) === CIGAR_I;
        // htslib files a deletion under the query base after it for the quality check.
        const q = qpos < seqLength ? buf[qualAt + qpos]! : 0;
        for (let j = 0; j < len; j++) {
          const w = refPos + j - base0;
          if (refPos + j >= clipStart && refPos + j < clipEnd) {
            reads[w]!++;
            if (q >= minBaseQ) {
              depth[w]!++;
              if (op === CIGAR_D) {
                counts[w * STRIDE + reverse + DEL]!++;
                if (insertionAfter && j === len - 1) counts[w * STRIDE + reverse + INS]!++;
              }
            }
          }
        }
        refPos += len;
      } else if (op === CIGAR_I || op === CIGAR_S) {
        qpos += len;
      }
    }
    if (refPos > window.end) window.end = Math.min(refPos, clipEnd);
  };

  /** Count held reads that can no longer meet their mate (the stream has passed it). */
  const releaseHeld = (position: number, force: boolean): void => {
    for (const h of held) {
      if (h.counted) continue;
      if (force || position > h.matePos || position >= h.end) {
        count(h.record);
        h.counted = true;
        waiting.delete(h.record.name);
      }
    }
    while (held.length > 0 && held[0]!.counted) held.shift();
  };

  const settledBefore = (position: number): number => {
    const firstHeld = held.find((h) => !h.counted);
    return firstHeld ? Math.min(firstHeld.pos, position) : position;
  };

  const finishContig = (): void => {
    releaseHeld(0, true);
    if (currentRef >= 0)
      window.flush(Number.POSITIVE_INFINITY, names[currentRef]!, collect, clipStart, clipEnd);
  };

  await bam.visit(
    (r) => {
      const refId = r.refId;
      if (refId < 0) return false; // unplaced unmapped reads come last
      if (region && (refId !== regionRefId || r.pos >= region.end)) return refId <= regionRefId;
      const flag = r.flag;
      if ((flag & flagExclude) !== 0 || (flag & flagRequire) !== flagRequire) return;
      if (r.mapq < minMapQ) return;
      if (!countOrphans && flag & FLAG_PAIRED && !(flag & FLAG_PROPER_PAIR)) return;
      if (r.cigarOps === 0) return; // nothing aligned to pile up
      const pos = r.pos;
      if (refId !== currentRef) {
        finishContig();
        currentRef = refId;
        clipStart = region ? region.start : 0;
        clipEnd = region ? region.end : Number.POSITIVE_INFINITY;
        window.reset(Math.max(pos, clipStart));
      }
      if (region && r.end() <= region.start) return;
      releaseHeld(pos, false);
      const settled = settledBefore(pos);
      if (settled - window.start >= FLUSH_EVERY)
        window.flush(settled, names[refId]!, collect, clipStart, clipEnd);

      if (
        overlapCorrection &&
        flag & FLAG_PAIRED &&
        flag & FLAG_PROPER_PAIR &&
        !(flag & FLAG_MATE_UNMAPPED)
      ) {
        const mateRef = r.mateRefId;
        const end = r.end();
        const couldOverlap =
          !(mateRef >= 0 && mateRef !== refId) &&
          !(Math.abs(r.templateLength) >= 2 * r.seqLength && r.matePos >= end);
        if (couldOverlap) {
          const name = r.name;
          const mate = waiting.get(name);
          if (mate && !mate.counted) {
            tweakOverlapQuality(mate.record, r);
            waiting.delete(name);
            count(mate.record);
            mate.counted = true;
            count(r);
            return;
          }
          if (!mate && (r.matePos >= pos || r.matePos === -1)) {
            const h: HeldRead = { record: copyRecord(r), pos, end, matePos: r.matePos, counted: false };
            waiting.set(name, h);
            held.push(h);
            return;
          }
        }
      }
      count(r);
    },
    { region, signal: options.signal, onBlock: drain },
  );
  finishContig();
  await drain();
}

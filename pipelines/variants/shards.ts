/**
 * Balanced shards of a reference for running `locus variants` region by region (the Snakemake
 * workflow's scatter step).
 *
 * A shard is one or more 0-based half-open intervals; together the shards cover every base of every
 * contig exactly once, in reference order. Shard edges fall only on the caller's chunk grid (multiples
 * of `grid` from each contig's start) or on contig ends. `locus variants` calls a region chunk by
 * chunk from the region's start, reading a margin beyond each chunk, so a shard's chunks are the
 * chunks of the unsharded run, and the concatenated shard VCFs equal the unsharded VCF: a call at a
 * shard edge is made once, by the shard holding its position, from the same reads.
 */
import { LocusInputError } from '../../src/errors.js';
import type { ResolvedRegion } from '../../src/io/region.js';

export interface Shard {
  /** shard-1 ... shard-N, zero-padded to the width of N so names sort in order. */
  name: string;
  intervals: ResolvedRegion[];
  bases: number;
}

export interface ShardPlan {
  /** Target shard count, or undefined to derive it from `size`. */
  count?: number;
  /** About this many bases per shard, used when `count` is not given: count = total / size, rounded up. */
  size?: number;
  /** Chunk grid: shard edges inside a contig are multiples of this. */
  grid: number;
}

/**
 * Cut regions (whole contigs, or the regions a run calls), in their order, into at most `count`
 * shards with the largest as small as possible. The grid starts at each region's start, as the
 * caller's chunks do.
 */
export function planShards(regions: readonly ResolvedRegion[], plan: ShardPlan): Shard[] {
  if (!Number.isInteger(plan.grid) || plan.grid < 1) throw new TypeError(`grid must be a positive integer`);
  const total = regions.reduce((sum, r) => sum + r.end - r.start, 0);
  if (total === 0) return [];
  const wanted = plan.count ?? (plan.size !== undefined ? Math.ceil(total / plan.size) : undefined);
  if (wanted === undefined || !Number.isInteger(wanted) || wanted < 1)
    throw new TypeError('give a shard count or a shard size of at least 1');

  // The grid's pieces, in reference order: no shard can be finer than one piece.
  const pieces: ResolvedRegion[] = [];
  for (const r of regions) {
    for (let start = r.start; start < r.end; start += plan.grid)
      pieces.push({ contig: r.contig, start, end: Math.min(r.end, start + plan.grid) });
  }
  // The largest shard sets how long the scattered run takes: fill shards in reference order up to
  // the smallest cap with which `count` shards hold every piece.
  const shards = fillInOrder(pieces, smallestCap(pieces, Math.min(wanted, pieces.length))).map(joinTouching);
  const width = String(shards.length).length;
  return shards.map((intervals, i) => ({
    name: `shard-${String(i + 1).padStart(width, '0')}`,
    intervals,
    bases: intervals.reduce((sum, r) => sum + r.end - r.start, 0),
  }));
}

/** Pieces in order, a new shard begun whenever the next piece would take the current one past `cap`. */
function fillInOrder(pieces: readonly ResolvedRegion[], cap: number): ResolvedRegion[][] {
  const shards: ResolvedRegion[][] = [[]];
  let filled = 0;
  for (const piece of pieces) {
    const length = piece.end - piece.start;
    if (filled + length > cap) {
      shards.push([]);
      filled = 0;
    }
    shards[shards.length - 1]!.push(piece);
    filled += length;
  }
  return shards;
}

/** The least bases per shard with which filling in order needs at most `count` shards. */
function smallestCap(pieces: readonly ResolvedRegion[], count: number): number {
  const lengths = pieces.map((p) => p.end - p.start);
  let low = lengths.reduce((a, b) => Math.max(a, b), 0); // a shard holds at least one piece
  let high = lengths.reduce((a, b) => a + b, 0);
  while (low < high) {
    const middle = Math.floor((low + high) / 2);
    if (fillInOrder(pieces, middle).length <= count) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** A shard's pieces with neighbours on one contig joined into one interval. */
function joinTouching(pieces: readonly ResolvedRegion[]): ResolvedRegion[] {
  const intervals: ResolvedRegion[] = [];
  for (const piece of pieces) {
    const last = intervals[intervals.length - 1];
    if (last && last.contig === piece.contig && last.end === piece.start) last.end = piece.end;
    else intervals.push({ ...piece });
  }
  return intervals;
}

/** The shards as BED lines: contig, start, end, shard name (0-based half-open, reference order). */
export function shardsBed(shards: readonly Shard[]): string {
  return shards
    .flatMap((s) => s.intervals.map((r) => `${r.contig}\t${r.start}\t${r.end}\t${s.name}\n`))
    .join('');
}

/** One shard's intervals as a BED file for `locus variants --regions-file`. */
export function shardBed(shard: Shard): string {
  return shardsBed([shard]);
}

/** Look a shard up by name, with the fix when it is not one of the plan's. */
export function findShard(shards: readonly Shard[], name: string, reference: string): Shard {
  const shard = shards.find((s) => s.name === name);
  if (shard) return shard;
  const names = shards.map((s) => s.name);
  throw new LocusInputError(
    name,
    `No shard "${name}" in the plan for "${reference}" (${names.length} shards: ${names[0]} to ${names[names.length - 1]})`,
    'give one of the names `locus shards` prints with the same --count or --size and --grid',
  );
}

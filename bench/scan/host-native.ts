/**
 * The host-native mask of the scan benchmark: host DNA that alien_hunter and at least one Locus method
 * both call anomalous in the unplanted E. coli 536 (host-calls.ts records every tool's calls there),
 * carried into a planted genome's coordinates. run.ts leaves its bases out of a second set of figures.
 */
import { mergeIntervals, type Interval } from './metrics.js';
import type { PlantedSegment } from './planted.js';

/** The host's one contig, under this name in .bench-data/scan/host/genome.fa. */
export const HOST_CONTIG = 'ecoli536';

/** Half-open [start, end) pairs on the host's one contig. */
export type HostIntervals = [number, number][];

export interface HostToolCalls {
  tool: string;
  command: string;
  seconds: number;
  peakRssMb: number;
  /** Called intervals, 0-based half-open host coordinates, merged. */
  intervals: HostIntervals;
  bases: number;
}

/** bench/results/scan-host.json. */
export interface HostCalls {
  benchmark: 'scan-host';
  host: { path: string; sha256: string; length: number };
  tools: HostToolCalls[];
  /** The union of every tool's calls (the mask is hostNativeMask's agreement, not this). */
  union: { intervals: HostIntervals; bases: number; fraction: number };
}

/** The union of several lists of host intervals: merged, sorted, non-overlapping. */
export function unionOf(lists: readonly (readonly [number, number][])[]): HostIntervals {
  return mergeIntervals(
    lists.flatMap((list) => list.map(([start, end]) => ({ chrom: HOST_CONTIG, start, end }))),
  ).map((iv) => [iv.start, iv.end]);
}

export const basesOf = (pairs: readonly [number, number][]): number =>
  pairs.reduce((s, [a, b]) => s + b - a, 0);

/** Bases of both lists (each merged, sorted, non-overlapping): their intersection. */
function intersect(a: readonly [number, number][], b: readonly [number, number][]): HostIntervals {
  const out: HostIntervals = [];
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    const start = Math.max(a[i]![0], b[j]![0]);
    const end = Math.min(a[i]![1], b[j]![1]);
    if (start < end) out.push([start, end]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

/**
 * The host-native mask: host DNA that alien_hunter and at least one Locus method both call anomalous
 * in the unplanted host. Agreement between the field's tool and Locus keeps out what only one side
 * calls (its own false positives, which the mask should not forgive), and neither side decides alone.
 */
export function hostNativeMask(calls: {
  tools: readonly Pick<HostToolCalls, 'tool' | 'intervals'>[];
}): HostIntervals {
  const alien = calls.tools.find((t) => t.tool === 'alien_hunter');
  const locus = calls.tools.filter((t) => t.tool.startsWith('locus '));
  if (!alien || locus.length === 0) throw new Error('host calls need alien_hunter and a locus method');
  return intersect(unionOf([alien.intervals]), unionOf(locus.map((t) => t.intervals)));
}

/**
 * Host intervals carried into a planted genome: a host base x sits at x + (the lengths of the segments
 * inserted at or before x), so an interval that spans an insertion point is cut in two around it.
 */
export function liftHostIntervals(
  intervals: readonly [number, number][],
  segments: readonly Pick<PlantedSegment, 'hostPosition' | 'length'>[],
  chrom: string,
): Interval[] {
  const insertions = [...segments].sort((a, b) => a.hostPosition - b.hostPosition);
  const shiftAt = (x: number) =>
    insertions.reduce((sum, s) => (s.hostPosition <= x ? sum + s.length : sum), 0);
  const lifted: Interval[] = [];
  for (const [start, end] of intervals) {
    const cuts = [start, ...insertions.map((s) => s.hostPosition).filter((p) => p > start && p < end), end];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const shift = shiftAt(cuts[i]!);
      lifted.push({ chrom, start: cuts[i]! + shift, end: cuts[i + 1]! + shift });
    }
  }
  return lifted;
}

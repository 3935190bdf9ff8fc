/**
 * What every tool calls in the unplanted host: `locus scan` (each method) and alien_hunter on E. coli
 * 536 itself, before anything is inserted. E. coli 536 carries pathogenicity islands, prophages and
 * rRNA operons of its own, and every tool rightly calls them; in the planted genomes they count as
 * false positives, and their bases sit among the negatives of the per-base AUROC. The host DNA that
 * alien_hunter and a Locus method both call here (hostNativeMask; every tool at its defaults, the same
 * mask for each) is what run.ts leaves out for its second set of figures, so a reader can tell a
 * native island from a miss.
 *
 *   npm run build && node dist/bench/scan/host-calls.js      # ~20 min: alien_hunter is most of it
 *
 * Writes .bench-data/scan/host/{genome.fa,runs/<tool>/} and bench/results/scan-host.json (each tool's
 * calls in host coordinates, their union, command, commit, date, seed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { SCAN_METHODS } from '../../pipelines/scan/types.js';
import { findRepoRoot, log, provenance, timedRun, writeResult } from '../repo.js';
import { runAlienHunter } from './alien-hunter.js';
import { readFasta, sourceFile } from './donors.js';
import { readPredictions } from './inputs.js';
import { FILES } from './make-genomes.js';
import { mergeIntervals, type Interval } from './metrics.js';
import { formatFasta, type PlantedSegment } from './planted.js';

/** The seed of every `locus scan` run, as in run.ts. */
const SCAN_SEED = 1;
/** The host's one contig, under this name in host/genome.fa. */
export const HOST_CONTIG = 'ecoli536';

export interface HostToolCalls {
  tool: string;
  command: string;
  seconds: number;
  peakRssMb: number;
  /** Called intervals, 0-based half-open host coordinates, merged. */
  intervals: [number, number][];
  bases: number;
}

/** bench/results/scan-host.json. */
export interface HostCalls {
  benchmark: 'scan-host';
  host: { path: string; sha256: string; length: number };
  tools: HostToolCalls[];
  /** The union of every tool's calls (the mask is hostNativeMask's agreement, not this). */
  union: { intervals: [number, number][]; bases: number; fraction: number };
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

const asPairs = (intervals: readonly Interval[]): [number, number][] =>
  mergeIntervals(intervals).map((iv) => [iv.start, iv.end]);
const basesOf = (pairs: readonly [number, number][]): number => pairs.reduce((s, [a, b]) => s + b - a, 0);

/** Bases of both lists (each merged, sorted, non-overlapping): their intersection. */
function intersect(a: readonly [number, number][], b: readonly [number, number][]): [number, number][] {
  const out: [number, number][] = [];
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
}): [number, number][] {
  const alien = calls.tools.find((t) => t.tool === 'alien_hunter');
  const locus = calls.tools.filter((t) => t.tool.startsWith('locus '));
  if (!alien || locus.length === 0) throw new Error('host calls need alien_hunter and a locus method');
  const locusUnion = asPairs(
    locus.flatMap((t) => t.intervals.map(([start, end]) => ({ chrom: HOST_CONTIG, start, end }))),
  );
  return intersect(
    asPairs(alien.intervals.map(([start, end]) => ({ chrom: HOST_CONTIG, start, end }))),
    locusUnion,
  );
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const hostPath = resolve(root, FILES.host.path);
  const records = readFasta(hostPath);
  if (records.length !== 1) throw new Error(`${hostPath}: expected one record, found ${records.length}`);
  const sequence = records[0]!.sequence;
  const dir = join(root, '.bench-data/scan/host');
  const genome = join(dir, 'genome.fa');
  await mkdir(join(dir, 'runs'), { recursive: true });
  await writeFile(genome, formatFasta(HOST_CONTIG, sequence));
  const contig = { name: HOST_CONTIG, length: sequence.length };

  const tools: HostToolCalls[] = [];
  for (const method of SCAN_METHODS) {
    const outDir = join(dir, 'runs', method);
    const argv = ['scan', relative(root, genome), '-o', relative(root, outDir), '--method', method];
    argv.push('--seed', String(SCAN_SEED));
    const command = `locus ${[...argv, '--force', '--quiet'].join(' ')}`;
    log(command);
    const run = timedRun(['node', join(root, 'dist/src/cli/main.js'), ...argv, '--force', '--quiet'], {
      cwd: root,
    });
    const intervals = asPairs(await readPredictions(join(outDir, 'anomalies.bed')));
    tools.push({
      tool: `locus scan --method ${method}`,
      command,
      seconds: run.seconds,
      peakRssMb: run.peakRssBytes / 2 ** 20,
      intervals,
      bases: basesOf(intervals),
    });
    log(`  ${intervals.length} segments, ${basesOf(intervals)} bases, ${run.seconds.toFixed(1)} s`);
  }
  log(`alien_hunter ${genome} (Perl; about 15 min for 5 Mb)`);
  const alien = await runAlienHunter(genome, contig, join(dir, 'runs', 'alien_hunter'));
  const alienIntervals = asPairs(alien.predictions);
  tools.push({
    tool: 'alien_hunter',
    command: `alien_hunter ${relative(root, genome)} ${relative(root, join(dir, 'runs/alien_hunter/predictions.embl'))}`,
    seconds: alien.seconds,
    peakRssMb: alien.peakRssMb,
    intervals: alienIntervals,
    bases: basesOf(alienIntervals),
  });

  const union = asPairs(
    tools.flatMap((t) => t.intervals.map(([start, end]) => ({ chrom: HOST_CONTIG, start, end }))),
  );
  const result = {
    benchmark: 'scan-host' as const,
    date: new Date().toISOString(),
    command: 'node dist/bench/scan/host-calls.js',
    ...provenance(root),
    seed: { scan: SCAN_SEED },
    host: { path: FILES.host.path, sha256: sourceFile(hostPath).sha256, length: sequence.length },
    tools,
    union: { intervals: union, bases: basesOf(union), fraction: basesOf(union) / sequence.length },
  };
  await writeResult(join(root, 'bench/results/scan-host.json'), result, root);
  const mask = hostNativeMask(result);
  log(
    `host-native mask: ${mask.length} intervals, ${basesOf(mask)} bases ` +
      `(${((100 * basesOf(mask)) / sequence.length).toFixed(1)}% of the host; the union of all calls: ` +
      `${result.union.bases} bases)`,
  );
}

if (process.argv[1]?.endsWith('host-calls.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

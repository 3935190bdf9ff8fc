/**
 * The `locus scan` benchmark (issue 10): every method and alien_hunter on one planted-island genome,
 * scored the same way, with wall time and peak RSS:
 *
 *   node dist/bench/scan/make-genomes.js                       # once: .bench-data/scan/{validation,test}
 *   npm run build && node dist/bench/scan/run.js --split test [--methods reformer,markov,gc]
 *                                                [--skip-alien-hunter] [--output NAME.json]
 *
 * For each method M: `locus scan GENOME -o DIR --method M --seed 1 --force --quiet` under GNU time,
 * then DIR/anomalies.bed (BED6) and DIR/scores.bedgraph are scored by metrics.ts. alien_hunter runs
 * with its default settings (alien-hunter.ts). A tool that fails is recorded with its error and the
 * others still run. Outputs of each tool stay under .bench-data/scan/<split>/runs/<tool>/.
 *
 * Writes bench/results/scan-<split>.json (command, commit, date, machine, seeds inside); the docs
 * table is generated from scan-test.json (bench/docs/tables/scan.ts). Choose settings on
 * `validation`; report `test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { SCAN_METHODS } from '../../pipelines/scan/types.js';
import { findRepoRoot, log, provenance, timedRun } from '../repo.js';
import { runAlienHunter } from './alien-hunter.js';
import { hostNativeMask, liftHostIntervals, type HostCalls } from './host-native.js';
import { readPredictions, readSplit, readTrack, splitFiles, type SplitInputs } from './inputs.js';
import {
  groupResults,
  scoreIslands,
  totalBases,
  type GroupResult,
  type IslandScores,
  type Interval,
  type TrackBin,
} from './metrics.js';

/** Seed given to every `locus scan` run. */
export const SCAN_SEED = 1;

/** A planted segment counts as host-like GC when its own GC is this close to the host's. */
const HOST_LIKE_GC = 0.03;

export interface ToolResult {
  tool: string;
  command: string;
  ok: boolean;
  /** Why the tool failed (no metrics then). */
  error?: string;
  seconds?: number;
  peakRssMb?: number;
  /** 1-minute load average when the tool started: the machine may be shared. */
  loadAverage1m: number;
  metrics?: IslandScores;
  /** Found counts and recall of the segments whose own GC is within HOST_LIKE_GC of the host's. */
  hostLikeGc?: GroupResult;
  /** Tool-specific facts: alien_hunter's threshold and track source, locus's summary.json extract. */
  details?: Record<string, unknown>;
}

/** A path as commands and logs show it: relative to the repository when inside it. */
function shown(root: string, path: string): string {
  return path.startsWith(root + sep) ? relative(root, path) : path;
}

/**
 * The host-native mask of bench/results/scan-host.json (what alien_hunter and a Locus method both call
 * in the unplanted host), lifted into the planted genome; an error when it was made from another host
 * file.
 */
function readHostNative(root: string, inputs: SplitInputs): Interval[] | undefined {
  const path = join(root, 'bench/results/scan-host.json');
  if (!existsSync(path)) {
    log(`no ${shown(root, path)}: run \`node dist/bench/scan/host-calls.js\` for the host-native figures`);
    return undefined;
  }
  const calls = JSON.parse(readFileSync(path, 'utf8')) as HostCalls;
  if (calls.host.sha256 !== inputs.hostSha256) {
    throw new Error(`${shown(root, path)} was made from another host file: run host-calls.js again`);
  }
  if (inputs.contigs.length !== 1) throw new Error('the host-native mask needs a one-contig planted genome');
  return liftHostIntervals(hostNativeMask(calls), inputs.segments, inputs.contigs[0]!.name);
}

/** Score one tool's predictions and track against the split's truth. */
function score(
  inputs: SplitInputs,
  predicted: Interval[],
  track: TrackBin[],
): Pick<ToolResult, 'metrics' | 'hostLikeGc'> {
  const metrics = scoreIslands({
    contigs: inputs.contigs,
    truth: inputs.truth,
    predicted,
    track,
    ...(inputs.hostNative ? { hostNative: inputs.hostNative } : {}),
  });
  const gcOf = new Map(inputs.segments.map((s) => [`${s.start}-${s.end}`, s.gc]));
  const groups = groupResults(metrics.perSegment, (s) => {
    const gc = gcOf.get(`${s.start}-${s.end}`);
    return gc !== undefined && Math.abs(gc - inputs.hostGc) <= HOST_LIKE_GC ? 'hostLike' : 'other';
  });
  return {
    metrics,
    hostLikeGc: groups.hostLike ?? { segments: 0, found: 0, bases: 0, coveredBases: 0, recall: 0 },
  };
}

/** Run a tool, turning any failure into a recorded error so the other tools still run. */
async function attempt(
  tool: string,
  command: string,
  body: () => Promise<Omit<ToolResult, 'tool' | 'command' | 'ok' | 'loadAverage1m'>>,
): Promise<ToolResult> {
  const loadAverage1m = loadavg()[0]!;
  log(`${tool}: ${command}`);
  try {
    const result = await body();
    const m = result.metrics!;
    log(
      `${tool}: ${m.segments.found}/${m.segments.total} found, F1 ${m.bases.f1.toFixed(3)}, ` +
        `AUROC ${m.auroc.value?.toFixed(3) ?? '-'}, ${result.seconds?.toFixed(1)} s` +
        (m.hostNativeExcluded
          ? `; host-native excluded: F1 ${m.hostNativeExcluded.f1.toFixed(3)}, ` +
            `AUROC ${m.hostNativeExcluded.auroc?.toFixed(3) ?? '-'}`
          : ''),
    );
    return { tool, command, ok: true, loadAverage1m, ...result };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`${tool}: FAILED: ${error.split('\n')[0]}`);
    return { tool, command, ok: false, error, loadAverage1m };
  }
}

/** What of a locus summary.json goes into the result: settings, threshold, phases, own timing. */
function summaryExtract(path: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  const summary = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const keep = ['settings', 'threshold', 'model', 'phases', 'seconds', 'peakRssMb'];
  return Object.fromEntries(keep.filter((k) => k in summary).map((k) => [k, summary[k]]));
}

/** The arguments (after `locus`) of a benchmark's `locus scan`: paths as shown, the seed, no output. */
export function scanArgv(
  root: string,
  genome: string,
  outDir: string,
  method: string,
  extraArgs: readonly string[] = [],
): string[] {
  const args = ['scan', shown(root, genome), '-o', shown(root, outDir), '--method', method];
  return [...args, ...extraArgs, '--seed', String(SCAN_SEED), '--force', '--quiet'];
}

/** `locus ARGV` from the repository root, under GNU time. */
export function timedLocus(root: string, argv: readonly string[]): ReturnType<typeof timedRun> {
  return timedRun(['node', join(root, 'dist/src/cli/main.js'), ...argv], { cwd: root });
}

/** How a benchmark's alien_hunter run is shown: its default settings, its output under `outDir`. */
export function alienHunterCommand(root: string, genome: string, outDir: string): string {
  return `alien_hunter ${shown(root, genome)} ${shown(root, join(outDir, 'predictions.embl'))}`;
}

/** One `locus scan` run; `extraArgs` (e.g. `--markov-order 6`) go into its label and output folder name. */
export async function runLocus(
  root: string,
  inputs: SplitInputs,
  method: string,
  runsDir: string,
  extraArgs: readonly string[] = [],
): Promise<ToolResult> {
  const outDir = join(runsDir, [method, ...extraArgs.map((a) => a.replace(/^--/, ''))].join('_'));
  const argv = scanArgv(root, inputs.files.genome, outDir, method, extraArgs);
  const label = ['locus scan --method', method, ...extraArgs].join(' ');
  return attempt(label, `locus ${argv.join(' ')}`, async () => {
    await mkdir(dirname(outDir), { recursive: true });
    const run = timedLocus(root, argv);
    const predicted = await readPredictions(join(outDir, 'anomalies.bed'));
    const track = await readTrack(join(outDir, 'scores.bedgraph'));
    const summary = summaryExtract(join(outDir, 'summary.json'));
    return {
      seconds: run.seconds,
      peakRssMb: run.peakRssBytes / 2 ** 20,
      ...score(inputs, predicted, track),
      ...(summary ? { details: { summary } } : {}),
    };
  });
}

async function runAlien(root: string, inputs: SplitInputs, runsDir: string): Promise<ToolResult> {
  const outDir = join(runsDir, 'alien_hunter');
  const command = alienHunterCommand(root, inputs.files.genome, outDir);
  return attempt('alien_hunter', command, async () => {
    if (inputs.contigs.length !== 1)
      throw new Error('alien_hunter joins all records: give a one-contig genome');
    const run = await runAlienHunter(inputs.files.genome, inputs.contigs[0]!, outDir);
    return {
      seconds: run.seconds,
      peakRssMb: run.peakRssMb,
      ...score(inputs, run.predictions, run.track),
      details: {
        settings: 'default (no -c: no HMM boundary refinement)',
        threshold: run.threshold,
        windows: run.windows,
        rrnaFlagged: run.rrnaFlagged,
        trackSource: run.trackSource,
      },
    };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      split: { type: 'string', default: 'validation' },
      methods: { type: 'string', default: SCAN_METHODS.join(',') },
      'skip-alien-hunter': { type: 'boolean', default: false },
      'data-dir': { type: 'string', default: '.bench-data/scan' },
      output: { type: 'string' },
    },
  });
  const split = values.split!;
  if (split !== 'validation' && split !== 'test')
    throw new Error(`--split must be validation or test, not ${split}`);
  const methods = values.methods!.split(',').filter((m) => m !== '');
  for (const m of methods) {
    if (!(SCAN_METHODS as readonly string[]).includes(m)) {
      throw new Error(`--methods: unknown method "${m}" (known: ${SCAN_METHODS.join(', ')})`);
    }
  }
  const root = findRepoRoot();
  const planted = await readSplit(splitFiles(root, split, values['data-dir']));
  const hostNative = readHostNative(root, planted);
  const inputs: SplitInputs = { ...planted, ...(hostNative ? { hostNative } : {}) };
  const runsDir = join(inputs.files.dir, 'runs');

  const tools: ToolResult[] = [];
  for (const method of methods) tools.push(await runLocus(root, inputs, method, runsDir));
  if (!values['skip-alien-hunter']) tools.push(await runAlien(root, inputs, runsDir));

  const byClass: Record<string, number> = {};
  for (const s of inputs.segments) byClass[s.class] = (byClass[s.class] ?? 0) + 1;
  const result = {
    benchmark: 'scan',
    split,
    date: new Date().toISOString(),
    command: `node dist/bench/scan/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    ...provenance(root),
    seed: { genome: inputs.seed, scan: SCAN_SEED },
    genome: {
      path: shown(root, inputs.files.genome),
      contigs: inputs.contigs,
      hostGc: inputs.hostGc,
      segments: inputs.segments.length,
      plantedBases: inputs.segments.reduce((sum, s) => sum + s.length, 0),
      segmentsPerClass: byClass,
      hostLikeGcSegments: inputs.segments.filter((s) => Math.abs(s.gc - inputs.hostGc) <= HOST_LIKE_GC)
        .length,
    },
    definitions: {
      found: 'a planted segment with >= 50% of its bases inside the union of predictions',
      precision: 'predicted bases inside planted segments / all predicted bases (union of predictions)',
      plantedOnlyPrecision: 'the same, over only the predictions that share a base with a planted segment',
      auroc:
        'per base over the whole genome, scored by the track bin covering it (lowest where none), ties 1/2',
      hostLikeGc: `planted segments whose own GC is within ${HOST_LIKE_GC} of the host's, whatever their class`,
      hostNativeExcluded:
        "precision, F1 and AUROC with the host's own anomalous DNA left out: what alien_hunter and at least " +
        'one locus method both call on the unplanted host (bench/results/scan-host.json), lifted into this genome',
    },
    hostNative: inputs.hostNative
      ? {
          source: 'bench/results/scan-host.json',
          intervals: inputs.hostNative.length,
          bases: totalBases(inputs.hostNative),
        }
      : null,
    tools,
  };
  const name = values.output ?? `scan-${split}.json`;
  const path = isAbsolute(name) ? name : join(root, 'bench', 'results', name);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  log(`wrote ${shown(root, path)}`);
  if (tools.some((t) => !t.ok)) process.exitCode = 1;
}

// Run as a script, not when tune.ts imports runLocus.
if (process.argv[1]?.endsWith('run.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

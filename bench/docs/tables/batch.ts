/**
 * Generated doc tables of the batch benchmark (see ../generate.ts), from bench/results/batch.json,
 * which bench/batch/run.ts writes.
 */
import { count, fixed, markdownTable, provenance, result, withRange, type Spread } from '../json.js';
import type { TableRenderer } from '../tables.js';

interface Ratio {
  median: number;
  low: number;
  high: number;
}

interface Peak {
  maxRssMb: number;
  jobs: number;
  maxSeconds: number;
}

/** The part of bench/batch/run.ts's output the tables read. */
interface BatchReport {
  command: string;
  date: string;
  git: { commit: string };
  machine: { cpus: number; cpuModel: string };
  tools: { snakemake: string };
  samples: { sample: string }[];
  shardsPerSample: number;
  chunkSize: number;
  repeats: number;
  runs: { setup: string; jobs?: number }[];
  summary: Record<string, { seconds: Spread; cpuSeconds: Spread }>;
  speedups: {
    oneCoreToTwoJobs: Ratio;
    oneJobToTwoJobs: Ratio;
    unshardedOneWorkerToTwoJobs: Ratio;
    unshardedTwoWorkersToTwoJobs: Ratio;
  };
  target: { speedup: number };
  allEqualToUnsharded: boolean;
  resources: {
    command: string;
    seconds: number;
    peaks: Record<string, Peak>;
    variantsShardPeaks: Record<string, Peak>;
  };
}

const FILE = 'batch.json';
const SETUPS: [string, string][] = [
  ['one core', '`taskset -c 0 snakemake --cores 1`: the workflow on one core'],
  ['1 job, 2 cores', '`snakemake --cores 1`: one job at a time on both cores'],
  ['2 jobs, 2 cores', '`snakemake --cores 2`: two jobs at a time'],
  ["2 jobs, Node's pool", "the same with Node's default thread pool of 4 per job, not the job's 1"],
  ['unsharded, 1 worker', '`locus variants --workers 1` per sample, no Snakemake'],
  ['unsharded, 2 workers', '`locus variants --workers 2` per sample, no Snakemake'],
];
const spread = (s: Spread, digits = 1) => withRange(s, (x) => fixed(x, digits));
const ratio = (r: Ratio) => `${fixed(r.median, 2)}x (${fixed(r.low, 2)}-${fixed(r.high, 2)})`;

function speedTable(root: string): string {
  const r = result<BatchReport>(root, FILE);
  const jobs = r.runs.find((x) => x.setup === '2 jobs, 2 cores')?.jobs ?? 0;
  const twoJobs = r.summary['2 jobs, 2 cores']!.seconds.median;
  const s = r.speedups;
  return [
    `\`locus variants\` on ${r.samples.length} samples (${r.samples.map((x) => x.sample).join(', ')}), each reference cut into ${r.shardsPerSample} shards on the ${count(r.chunkSize)}-base grid (${jobs} jobs with the merges and summaries); ` +
      `${r.tools.snakemake.replace(/^/, 'Snakemake ')}, ${r.machine.cpus} CPUs (${r.machine.cpuModel}); median (min-max) of ${r.repeats} runs of each setup, alternated. ` +
      `Every workflow run's merged VCFs equal the unsharded VCFs record for record: ${r.allEqualToUnsharded ? 'yes' : 'NO'}.`,
    '',
    markdownTable(
      ['setup', 'wall, s', 'CPU (user + sys), s', 'wall / 2 jobs, 2 cores'],
      SETUPS.filter(([setup]) => r.summary[setup]).map(([setup, label]) => [
        label,
        spread(r.summary[setup]!.seconds),
        spread(r.summary[setup]!.cpuSeconds),
        `${fixed(r.summary[setup]!.seconds.median / twoJobs, 2)}x`,
      ]),
    ),
    '',
    `Speed-up of two jobs on two cores (medians; in brackets the slowest and fastest pairing of runs): over the workflow on one core ${ratio(s.oneCoreToTwoJobs)}; ` +
      `over one job at a time on the same two cores ${ratio(s.oneJobToTwoJobs)}; over unsharded \`locus variants --workers 1\` ${ratio(s.unshardedOneWorkerToTwoJobs)} ` +
      `and \`--workers 2\` ${ratio(s.unshardedTwoWorkersToTwoJobs)}. ` +
      poolSentence(r) +
      busySentence(r) +
      `Target, ${fixed(r.target.speedup, 1)}x from sharding on 2 cores: ${verdict(s.oneCoreToTwoJobs, r.target.speedup)} against one core, ` +
      `${verdict(s.oneJobToTwoJobs, r.target.speedup)} against one job at a time on two cores.`,
    '',
    provenance(FILE, r),
  ].join('\n');
}

/**
 * Two jobs with each job's Node thread pool cut to one thread, against the default pool of 4: the
 * ratio of medians from the summary (the runs' own setups), and whether the ranges overlap.
 */
/** Whether a speed-up reaches the target: by every pairing of runs, by the median only, or not. */
function verdict(speedup: Ratio, target: number): string {
  if (speedup.low >= target) return 'met by every pairing of runs';
  if (speedup.median >= target)
    return `met by the medians, not by every pairing (the slowest ${fixed(speedup.low, 2)}x)`;
  return 'not met';
}

function poolSentence(r: BatchReport): string {
  const four = r.summary["2 jobs, Node's pool"]?.seconds;
  const own = r.summary['2 jobs, 2 cores']!.seconds;
  if (!four) return '';
  const ratio = `${fixed(four.median / own.median, 2)}x (${fixed(four.min / own.max, 2)}-${fixed(four.max / own.min, 2)})`;
  const overlap = four.min <= own.max && own.min <= four.max;
  return (
    `Two jobs with Node's default thread pool of 4 each, rather than the workflow's one thread per one-thread job, take ${ratio} the time` +
    (overlap ? ', a difference within the spread of the runs. ' : '. ')
  );
}

/** How many cores one job at a time keeps busy: its CPU time over its wall time. */
function busySentence(r: BatchReport): string {
  const one = r.summary['1 job, 2 cores']!;
  const busy = one.cpuSeconds.median / one.seconds.median;
  if (busy < 1.05) return '';
  return (
    `One job at a time keeps ${fixed(busy, 2)} cores busy on average (CPU over wall time: a job's BGZF blocks inflate on a pool thread beside its main thread), ` +
    `so it is faster than the workflow on one core, and two jobs gain less over it than over one core. `
  );
}

function resourcesTable(root: string): string {
  const r = result<BatchReport>(root, FILE);
  const rows = Object.entries({ ...r.resources.peaks, ...prefixed(r.resources.variantsShardPeaks) })
    .sort((a, b) => b[1].maxRssMb - a[1].maxRssMb)
    .map(([rule, p]) => [rule, String(p.jobs), fixed(p.maxSeconds, 1), fixed(p.maxRssMb, 0)]);
  return [
    `Peak resident memory per job from Snakemake's benchmark files: the shipped samples at the workflow's defaults (\`${r.resources.command}\`, ${fixed(r.resources.seconds, 0)} s), ` +
      `and the variants shards of the E. coli samples (rows marked "E. coli").`,
    '',
    markdownTable(['job', 'jobs', 'longest, s', 'peak RSS, MB'], rows),
    '',
    provenance(FILE, r),
  ].join('\n');
}

function prefixed(peaks: Record<string, Peak>): Record<string, Peak> {
  return Object.fromEntries(Object.entries(peaks).map(([rule, p]) => [`${rule} (E. coli)`, p]));
}

function headline(root: string): string {
  const r = result<BatchReport>(root, FILE);
  const s = r.speedups;
  return (
    `Calling variants on ${r.samples.length} samples sharded ${r.shardsPerSample} ways, Snakemake with two jobs on two cores is ${fixed(s.oneCoreToTwoJobs.median, 2)}x faster than the workflow on one core ` +
    `and ${fixed(s.oneJobToTwoJobs.median, 2)}x faster than one job at a time on the same two cores; the merged VCFs equal unsharded runs record for record ` +
    `(\`docs/workflow.md\`; \`bench/results/batch.json\` of ${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}).`
  );
}

export const BATCH_TABLES: Record<string, TableRenderer> = {
  'batch-speed': speedTable,
  'batch-resources': resourcesTable,
  'batch-headline': headline,
};

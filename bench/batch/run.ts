/**
 * Batch benchmark: the Snakemake workflow (pipelines/workflow) calling variants on the lambda sample
 * and the three simulated E. coli 536 + lambda samples of the variants benchmark, each reference cut
 * into shards, with one job at a time and with two; beside it, the same samples called without
 * Snakemake by `locus variants` on one and on two worker threads, in the same run, on the same inputs.
 *
 *   npm run build && node dist/bench/variants/make-data.js   # once: .bench-data/variants
 *   node dist/bench/batch/run.js [--repeats 3] [--shards 4]
 *
 * Setups, alternated within each repeat so drift in the machine's speed hits them alike:
 *   one core          taskset -c 0 snakemake --cores 1: the workflow on a single core
 *   1 job, 2 cores    snakemake --cores 1: one job at a time; a job's BGZF inflation (libuv's pool,
 *                     one thread) still runs beside its main thread
 *   2 jobs, 2 cores   snakemake --cores 2
 *   2 jobs, Node's pool  the same with each job's libuv pool at Node's default of 4 threads, where the
 *                     workflow cuts it to the job's threads (UV_THREADPOOL_SIZE={threads}): what
 *                     two one-thread jobs lose when each may spread over more than its core
 *   unsharded 1 / 2   locus variants --workers 1 / 2 per sample, one sample after another
 * Every run checks that the workflow's merged VCF equals the unsharded VCF, record for record.
 *
 * Then one run of the workflow on the shipped samples at their defaults (scan with the Reformer,
 * motifs) gives each rule's peak memory, the basis of config.yaml's mem_mb.
 *
 * Writes bench/results/batch.json (wall and CPU seconds per run, medians and ranges, speed-ups,
 * per-rule peak RSS from Snakemake's benchmark files).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../io/measure.js';
import { findRepoRoot, log, provenance, timedRun, writeResult } from '../repo.js';

const root = findRepoRoot();
const { values } = parseArgs({
  options: { repeats: { type: 'string', default: '3' }, shards: { type: 'string', default: '4' } },
});
const repeats = Number(values.repeats);
const shards = Number(values.shards);
const dataDir = join(root, '.bench-data/variants');
const workDir = join(root, '.bench-data/batch');
const snakefile = join(root, 'pipelines/workflow/Snakefile');
const locus = join(root, 'dist/src/cli/main.js');

const SAMPLES = [
  { sample: 'lambda', bam: join(root, 'samples/lambda.bam'), reference: join(root, 'samples/lambda.fa') },
  ...['hap30', 'hap12', 'mix60'].map((name) => ({
    sample: `ecoli-${name}`,
    bam: join(dataDir, `${name}.bam`),
    reference: join(dataDir, 'ref.fa'),
  })),
];

for (const s of SAMPLES) {
  if (!existsSync(s.bam))
    throw new Error(`${s.bam} is missing: run \`node dist/bench/variants/make-data.js\` first`);
}

mkdirSync(workDir, { recursive: true });
const sheet = join(workDir, 'samples.tsv');
writeFileSync(
  sheet,
  [
    'sample\tinput\treference\tpipelines',
    ...SAMPLES.map((s) => `${s.sample}\t${s.bam}\t${s.reference}\tvariants`),
  ].join('\n') + '\n',
);
const configFile = join(workDir, 'config.yaml');
writeFileSync(configFile, `samples: ${sheet}\nvariants:\n  shards: ${shards}\n`);

interface Run {
  setup: string;
  repeat: number;
  seconds: number;
  cpuSeconds: number;
  jobs?: number;
  /** Merged VCF records equal the unsharded VCF's for every sample. */
  equalToUnsharded?: boolean;
}

interface JobBenchmark {
  rule: string;
  sample: string;
  seconds: number;
  maxRssMb: number;
  cpuSeconds: number;
}

/** Snakemake's benchmark files of a run: one TSV per job (s, h:m:s, max_rss, ..., cpu_time). */
function jobBenchmarks(outdir: string): JobBenchmark[] {
  const dir = join(outdir, 'benchmarks');
  if (!existsSync(dir)) return [];
  const jobs: JobBenchmark[] = [];
  const walk = (folder: string, sample: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(folder, entry.name), entry.name);
      else if (entry.name.endsWith('.tsv')) {
        const [header, row] = readFileSync(join(folder, entry.name), 'utf8').trim().split('\n');
        const names = header!.split('\t');
        const cells = row!.split('\t');
        const at = (name: string) => Number(cells[names.indexOf(name)]);
        jobs.push({
          rule: entry.name.replace(/\.tsv$/, ''),
          sample,
          seconds: at('s'),
          maxRssMb: at('max_rss'),
          cpuSeconds: at('cpu_time'),
        });
      }
    }
  };
  walk(dir, '');
  return jobs;
}

const records = (vcf: string) =>
  spawnSync('bcftools', ['view', '--no-header', vcf], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout;

function runWorkflow(
  setup: string,
  repeat: number,
  prefix: string[],
  cores: number,
  extraArgs: string[] = [],
): Run {
  const dir = join(workDir, `run-${setup.replace(/\W+/g, '-')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const timed = timedRun(
    [
      ...prefix,
      'snakemake',
      '-s',
      snakefile,
      '--configfile',
      configFile,
      '--cores',
      String(cores),
      '--quiet',
      'all',
      // After the target: --config takes every word that follows it.
      ...extraArgs,
    ],
    { cwd: dir },
  );
  const outdir = join(dir, 'batch-out');
  const equal = SAMPLES.every(
    (s) =>
      records(join(outdir, s.sample, 'variants.vcf.gz')) ===
      records(join(workDir, 'unsharded', `${s.sample}.vcf.gz`)),
  );
  const jobs = jobBenchmarks(outdir);
  lastJobs.set(setup, jobs);
  return {
    setup,
    repeat,
    seconds: timed.seconds,
    cpuSeconds: timed.cpuSeconds,
    jobs: jobs.length,
    equalToUnsharded: equal,
  };
}

function runUnsharded(setup: string, repeat: number, workers: number): Run {
  const dir = join(workDir, 'unsharded');
  mkdirSync(dir, { recursive: true });
  let seconds = 0;
  let cpuSeconds = 0;
  for (const s of SAMPLES) {
    const timed = timedRun(
      [
        process.execPath,
        locus,
        'variants',
        s.bam,
        '--ref',
        s.reference,
        '-o',
        join(dir, `${s.sample}.vcf.gz`),
        '--workers',
        String(workers),
        '--quiet',
      ],
      { cwd: dir },
    );
    seconds += timed.seconds;
    cpuSeconds += timed.cpuSeconds;
  }
  return { setup, repeat, seconds, cpuSeconds };
}

const lastJobs = new Map<string, JobBenchmark[]>();
const runs: Run[] = [];
const SETUPS = [
  'unsharded, 1 worker',
  'one core',
  '1 job, 2 cores',
  '2 jobs, 2 cores',
  "2 jobs, Node's pool",
  'unsharded, 2 workers',
];
// The workflow cuts each job's pool to its threads; `env` in the locus command puts Node's default back.
const NODE_POOL = ['--config', `locus=env UV_THREADPOOL_SIZE=4 ${process.execPath} ${locus}`];
for (let repeat = 0; repeat < repeats; repeat++) {
  // Rotate the order each repeat. The first repeat starts with the unsharded 1-worker run: the
  // workflow runs are compared with its VCFs.
  const order = SETUPS.map((_, i) => SETUPS[(i + repeat) % SETUPS.length]!);
  for (const setup of order) {
    log(`repeat ${repeat + 1}/${repeats}: ${setup}`);
    const run =
      setup === 'one core'
        ? runWorkflow(setup, repeat, ['taskset', '-c', '0'], 1)
        : setup === '1 job, 2 cores'
          ? runWorkflow(setup, repeat, [], 1)
          : setup === '2 jobs, 2 cores'
            ? runWorkflow(setup, repeat, [], 2)
            : setup === "2 jobs, Node's pool"
              ? runWorkflow(setup, repeat, [], 2, NODE_POOL)
              : runUnsharded(setup, repeat, setup.endsWith('2 workers') ? 2 : 1);
    log(`  ${run.seconds.toFixed(1)} s wall, ${run.cpuSeconds.toFixed(1)} s CPU`);
    runs.push(run);
  }
}

const spread = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});
const summary = Object.fromEntries(
  SETUPS.map((setup) => {
    const mine = runs.filter((r) => r.setup === setup);
    return [
      setup,
      { seconds: spread(mine.map((r) => r.seconds)), cpuSeconds: spread(mine.map((r) => r.cpuSeconds)) },
    ];
  }),
);
/** Ratio of medians, and its range over the repeats' pairings (worst and best run of each). */
const speedup = (slow: string, fast: string) => {
  const a = summary[slow]!.seconds;
  const b = summary[fast]!.seconds;
  return { median: a.median / b.median, low: a.min / b.max, high: a.max / b.min };
};

// Per-rule peak memory on the shipped samples at the workflow's defaults (Reformer scan, motifs).
log('resources: the shipped samples at the defaults');
const shippedDir = join(workDir, 'shipped');
rmSync(shippedDir, { recursive: true, force: true });
mkdirSync(shippedDir, { recursive: true });
const shipped = timedRun(['snakemake', '-s', snakefile, '--cores', '2', '--quiet', 'all'], {
  cwd: shippedDir,
});
const shippedJobs = jobBenchmarks(join(shippedDir, 'batch-out'));

const peakByRule = (jobs: JobBenchmark[]) => {
  const peaks: Record<string, { maxRssMb: number; jobs: number; maxSeconds: number }> = {};
  for (const j of jobs) {
    const rule = j.rule.replace(/\.shard-\d+$/, '');
    const p = (peaks[rule] ??= { maxRssMb: 0, jobs: 0, maxSeconds: 0 });
    p.maxRssMb = Math.max(p.maxRssMb, j.maxRssMb);
    p.maxSeconds = Math.max(p.maxSeconds, j.seconds);
    p.jobs++;
  }
  return peaks;
};

await writeResult(join(root, 'bench/results/batch.json'), {
  benchmark: 'batch',
  command: `node dist/bench/batch/run.js --repeats ${repeats} --shards ${shards}`,
  date: new Date().toISOString(),
  ...provenance(root),
  tools: {
    snakemake: spawnSync('snakemake', ['--version'], { encoding: 'utf8' }).stdout.trim(),
    bcftools: spawnSync('bcftools', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0],
  },
  seeds: { data: 'bench/variants/make-data.ts --seed 1 (dwgsim); nothing else is random' },
  samples: SAMPLES.map((s) => ({
    ...s,
    bam: s.bam.replace(`${root}/`, ''),
    reference: s.reference.replace(`${root}/`, ''),
  })),
  shardsPerSample: shards,
  chunkSize: 50_000,
  repeats,
  runs,
  summary,
  speedups: {
    oneCoreToTwoJobs: speedup('one core', '2 jobs, 2 cores'),
    oneJobToTwoJobs: speedup('1 job, 2 cores', '2 jobs, 2 cores'),
    unshardedOneWorkerToTwoJobs: speedup('unsharded, 1 worker', '2 jobs, 2 cores'),
    unshardedTwoWorkersToTwoJobs: speedup('unsharded, 2 workers', '2 jobs, 2 cores'),
    nodePoolToTwoJobs: speedup("2 jobs, Node's pool", '2 jobs, 2 cores'),
  },
  target: { speedup: 1.7 },
  allEqualToUnsharded: runs.every((r) => r.equalToUnsharded !== false),
  jobs: { '2 jobs, 2 cores': lastJobs.get('2 jobs, 2 cores') ?? [] },
  resources: {
    command: 'snakemake -s pipelines/workflow/Snakefile --cores 2 (shipped samples, config.yaml defaults)',
    seconds: shipped.seconds,
    peaks: peakByRule(shippedJobs),
    variantsShardPeaks: peakByRule(lastJobs.get('2 jobs, 2 cores') ?? []),
  },
});

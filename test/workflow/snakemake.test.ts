/**
 * The Snakemake workflow (pipelines/workflow) run with Debian's snakemake on the shipped samples:
 * lambda's variants in 4 shards, the E. coli island sample's scan and the REST peaks' motifs. The
 * merged VCF must equal an unsharded `locus variants` run record for record, scan and motifs must
 * equal their direct runs, and every output must pass bcftools and bedtools. Also: the SLURM
 * profile's dry run, bad sample sheets stopped before any job, and a run interrupted with Ctrl-C
 * resumed from what was done.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, scratch } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

const SNAKEFILE = join(ROOT, 'pipelines/workflow/Snakefile');
const PROFILES = join(ROOT, 'pipelines/workflow/profiles');
const BIN = join(ROOT, 'dist/src/cli/main.js');
const canRun = hasTool('snakemake') && hasTool('bcftools') && hasTool('bedtools') && existsSync(BIN);

/** Small settings for CI: lambda (48.5 kb) in 4 shards of the 10 kb grid; scan by the Markov method. */
const TEST_CONFIG = `variants:
  shards: 4
  chunk_size: 10000
scan:
  method: markov
`;

function snakemake(dir: string, ...args: string[]) {
  const result = spawnSync('snakemake', ['-s', SNAKEFILE, '--configfile', 'test.yaml', ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    all: result.stdout + result.stderr,
  };
}

function locus(dir: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 600_000,
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return result.stdout;
}

function workdir(): string {
  const dir = scratch();
  writeFileSync(join(dir, 'test.yaml'), TEST_CONFIG);
  return dir;
}

const vcfBody = (path: string) => run('bcftools', ['view', '--no-header', path]).stdout;
/** Header lines apart from the ones naming the command and tool that wrote the file. */
const vcfHeader = (path: string) =>
  run('bcftools', ['view', '--header-only', '--no-version', path])
    .stdout.split('\n')
    .filter((line) => !/^##(locusCommand|bcftools_)/.test(line))
    .join('\n');
const plainRecords = (path: string) =>
  run('bash', ['-c', `gzip -dc '${path}' | grep -v '^#' || true`]).stdout;

describe.skipIf(!canRun)('Snakemake workflow on the shipped samples', () => {
  let dir: string;
  let firstRun: ReturnType<typeof snakemake>;

  beforeAll(() => {
    dir = workdir();
    firstRun = snakemake(dir, '--cores', '2');
  }, 600_000);

  it('runs every job and writes the cohort table', () => {
    expect(firstRun.status, firstRun.all).toBe(0);
    expect(firstRun.all).toMatch(/variants_shard\s+4\s/);
    const tsv = readFileSync(join(dir, 'batch-out/cohort.tsv'), 'utf8').trim().split('\n');
    const rows = tsv.map((line) => line.split('\t'));
    const at = (sample: string, column: string) =>
      rows.find((r) => r[0] === sample)![rows[0]!.indexOf(column)];
    expect(rows.map((r) => r[0])).toEqual(['sample', 'lambda', 'ecoli-island', 'rest-peaks']);
    // lambda.bam holds dwgsim's 57 simulated variants (samples/lambda.truth.vcf).
    expect(at('lambda', 'variants_records')).toBe('57');
    expect(at('lambda', 'scan_segments')).toBe('NA');
    // The planted Klebsiella island, ecoli536_island_sample:150,001-171,400.
    expect(at('ecoli-island', 'scan_top_segment')).toMatch(/^ecoli536_island_sample:15\d{4}-17\d{4}$/);
    expect(at('rest-peaks', 'top_motif_match')).toBe('MA0138.3 REST');
    const html = readFileSync(join(dir, 'batch-out/cohort.html'), 'utf8');
    expect(html).toContain('href="ecoli-island/scan/report.html"');
    expect(html).toContain('href="lambda/variants.vcf.gz"');
  });

  it('merges the shard VCFs into one indexed VCF equal to an unsharded run', () => {
    const merged = join(dir, 'batch-out/lambda/variants.vcf.gz');
    expect(existsSync(`${merged}.tbi`)).toBe(true);
    const check = run('bcftools', ['view', '--regions', 'lambda:20001-30000', merged]);
    expect(check.status, check.stderr).toBe(0);
    locus(
      dir,
      'variants',
      join(SAMPLES, 'lambda.bam'),
      '--ref',
      join(SAMPLES, 'lambda.fa'),
      '-o',
      'unsharded.vcf.gz',
      '--chunk-size',
      '10000',
      '--quiet',
    );
    const unsharded = join(dir, 'unsharded.vcf.gz');
    expect(vcfBody(merged)).toBe(vcfBody(unsharded));
    expect(vcfBody(merged).split('\n').filter(Boolean)).toHaveLength(57);
    expect(vcfHeader(merged)).toBe(vcfHeader(unsharded));
    // Locus's own records, shard after shard, are the unsharded file's lines byte for byte.
    const shards = ['shard-1', 'shard-2', 'shard-3', 'shard-4'].map((s) =>
      join(dir, `batch-out/lambda/variants/shards/${s}.vcf.gz`),
    );
    expect(shards.map(plainRecords).join('')).toBe(plainRecords(unsharded));
    // Each shard called some of them: the edges fall between calls, not around all of them.
    for (const shard of shards) expect(plainRecords(shard).length).toBeGreaterThan(0);
  });

  it('writes the scan and motif outputs a direct run writes, and bedtools reads them', () => {
    locus(
      dir,
      'scan',
      join(SAMPLES, 'ecoli-island.fa'),
      '-o',
      'scan-direct',
      '--method',
      'markov',
      '--workers',
      '2',
      '--quiet',
    );
    locus(
      dir,
      'motifs',
      join(SAMPLES, 'motifs/rest-planted.fa'),
      '--background',
      join(SAMPLES, 'motifs/rest-background.fa'),
      '-o',
      'motifs-direct',
      '--quiet',
    );
    const pairs = [
      ['batch-out/ecoli-island/scan/anomalies.bed', 'scan-direct/anomalies.bed'],
      ['batch-out/ecoli-island/scan/scores.bedgraph', 'scan-direct/scores.bedgraph'],
      ['batch-out/rest-peaks/motifs/sites.bed', 'motifs-direct/sites.bed'],
      ['batch-out/rest-peaks/motifs/motifs.meme', 'motifs-direct/motifs.meme'],
    ];
    for (const [batch, direct] of pairs) {
      expect(readFileSync(join(dir, batch!), 'utf8')).toBe(readFileSync(join(dir, direct!), 'utf8'));
      if (!batch!.endsWith('.meme')) {
        const sorted = run('bedtools', ['sort', '-i', join(dir, batch!)]);
        expect(sorted.status, sorted.stderr).toBe(0);
      }
    }
  });

  it('keeps a log and a benchmark (time, peak memory) per job', () => {
    for (const job of [
      'lambda/variants.shard-1',
      'lambda/variants.merge',
      'ecoli-island/scan',
      'rest-peaks/motifs',
    ]) {
      expect(existsSync(join(dir, `batch-out/logs/${job}.log`))).toBe(true);
      const [header, values] = readFileSync(join(dir, `batch-out/benchmarks/${job}.tsv`), 'utf8')
        .trim()
        .split('\n');
      const maxRss = Number(values!.split('\t')[header!.split('\t').indexOf('max_rss')]);
      expect(maxRss).toBeGreaterThan(0);
    }
  });

  it('has nothing left to do on a second run', () => {
    const again = snakemake(dir, '--cores', '2', '--dry-run');
    expect(again.status).toBe(0);
    expect(again.all).toContain('Nothing to be done');
  });
});

describe.skipIf(!canRun)('Snakemake workflow: SLURM profile and bad sample sheets', () => {
  it('plans every job with its threads, memory and runtime under the SLURM profile, submitting nothing', () => {
    const dir = workdir();
    const dry = snakemake(dir, '--dry-run', '--profile', join(PROFILES, 'slurm'));
    expect(dry.status, dry.all).toBe(0);
    const jobs = [...dry.all.matchAll(/^(?:local)?rule (\w+):\n([\s\S]*?)\n\n/gm)].map(([, rule, body]) => ({
      rule: rule!,
      wildcards: /wildcards: (.*)/.exec(body!)?.[1] ?? '',
      resources: /resources: (.*)/.exec(body!)?.[1] ?? '',
    }));
    const count = (rule: string) => jobs.filter((j) => j.rule === rule).length;
    expect(count('variants_shard')).toBe(4);
    expect(count('variants_merge')).toBe(1);
    expect(count('scan')).toBe(1);
    expect(count('motifs')).toBe(1);
    expect(count('sample_summary')).toBe(3);
    expect(count('cohort')).toBe(1);
    const shard = jobs.find((j) => j.rule === 'variants_shard' && j.wildcards.includes('shard-3'))!;
    expect(shard.resources).toMatch(/mem_mb=600\b.*runtime=60\b/);
    expect(jobs.find((j) => j.rule === 'scan')!.resources).toMatch(/mem_mb=1000\b.*runtime=120\b/);
    expect(dry.all).toMatch(/scan\s+1\s+2\s+2/); // job stats: scan with 2 threads
    expect(existsSync(join(dir, 'batch-out'))).toBe(false);
  });

  const sheets: [string, string, RegExp][] = [
    [
      'a missing file',
      'sample\tinput\treference\tpipelines\nlambda\tlambda.bam\tlambda.fa\tvariants\nother\tnot-there.fa\t\tscan\n',
      /sheet\.tsv line 3: input file not-there\.fa not found/,
    ],
    [
      'a duplicate sample',
      'sample\tinput\treference\tpipelines\nlambda\tlambda.bam\tlambda.fa\tvariants\nlambda\tlambda.fa\t\tscan\n',
      /sheet\.tsv line 3: sample 'lambda' appears twice \(first at .*line 2\)/,
    ],
    [
      'an unknown pipeline',
      'sample\tinput\treference\tpipelines\nlambda\tlambda.bam\tlambda.fa\tvariants,phasing\n',
      /sheet\.tsv line 2: unknown pipeline 'phasing' for 'lambda'; choose from scan, variants, motifs/,
    ],
    [
      'a BAM without its index',
      'sample\tinput\treference\tpipelines\nraw\tunindexed.bam\tlambda.fa\tvariants\n',
      /sheet\.tsv line 2: unindexed\.bam has no index; run `samtools index .*unindexed\.bam`/,
    ],
  ];
  for (const [what, sheet, message] of sheets) {
    it(`stops before any job on a sheet with ${what}, naming the line`, () => {
      const dir = workdir();
      for (const name of ['lambda.bam', 'lambda.bam.bai', 'lambda.fa', 'lambda.fa.fai'])
        copyFileSync(join(SAMPLES, name), join(dir, name));
      copyFileSync(join(SAMPLES, 'lambda.bam'), join(dir, 'unindexed.bam'));
      writeFileSync(join(dir, 'sheet.tsv'), sheet);
      const result = snakemake(dir, '--cores', '1', '--config', 'samples=sheet.tsv');
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(existsSync(join(dir, 'batch-out'))).toBe(false);
    });
  }
});

/** The output files of each job snakemake's log reports finished ("Finished job N."). */
function finishedOutputs(log: string): string[][] {
  const outputs = new Map<string, string[]>();
  for (const [, body] of log.matchAll(/^(?:local)?rule \w+:\n([\s\S]*?)\n\n/gm)) {
    const jobid = /jobid: (\d+)/.exec(body!)?.[1];
    const files = /output: (.*)/.exec(body!)?.[1]?.split(', ') ?? [];
    if (jobid !== undefined) outputs.set(jobid, files);
  }
  return [...log.matchAll(/^Finished job (\d+)\./gm)].map(([, id]) => outputs.get(id!) ?? []);
}

/**
 * Start the workflow one job at a time and send Ctrl-C once three jobs have finished; the folder and
 * log when that stopped the run, undefined when Snakemake finished anyway.
 */
async function interruptRun(): Promise<{ dir: string; log: string } | undefined> {
  const dir = workdir();
  // One job at a time, so the interrupt finds finished jobs and unstarted ones. In a process group
  // of its own, so the interrupt reaches it as Ctrl-C in a terminal does: Snakemake and the job it
  // is running both get SIGINT (signalling Snakemake alone let it finish the run now and then).
  const child = spawn('snakemake', ['-s', SNAKEFILE, '--configfile', 'test.yaml', '--cores', '1'], {
    cwd: dir,
    detached: true,
  });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const started = Date.now();
  while (finishedOutputs(log).length < 3 && Date.now() - started < 120_000)
    await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGINT');
  return (await exited) === 0 ? undefined : { dir, log };
}

describe.skipIf(!canRun)('Snakemake workflow: an interrupted run', () => {
  it('resumes after Ctrl-C from the jobs that finished', async () => {
    // Now and then Snakemake lets an interrupt pass and finishes the run (exit 0): then the scenario
    // is tried again in a fresh folder, up to three times; it must be interrupted at least once.
    let interrupted: { dir: string; log: string } | undefined;
    for (let attempt = 0; attempt < 3 && !interrupted; attempt++) interrupted = await interruptRun();
    expect(interrupted, 'snakemake finished three runs despite Ctrl-C').toBeDefined();
    const { dir, log } = interrupted!;
    const finished = finishedOutputs(log);
    expect(finished.length).toBeGreaterThanOrEqual(3);
    expect(finished.length).toBeLessThan(12);
    const kept = new Map(finished.flat().map((file) => [file, statSync(join(dir, file)).mtimeMs]));

    const resumed = spawnSync(
      'snakemake',
      ['-s', SNAKEFILE, '--configfile', 'test.yaml', '--profile', join(PROFILES, 'local'), '--cores', '2'],
      { cwd: dir, encoding: 'utf8', timeout: 600_000 },
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    // Only the jobs that had not finished run again (12 jobs in a full run); the others' files are untouched.
    const total = /^total\s+(\d+)/m.exec(resumed.stdout + resumed.stderr);
    expect(Number(total![1])).toBe(12 - finished.length);
    for (const [file, mtime] of kept) expect(statSync(join(dir, file)).mtimeMs, file).toBe(mtime);
    expect(readFileSync(join(dir, 'batch-out/cohort.tsv'), 'utf8')).toContain('lambda\tvariants');
  });
});

describe.skipIf(!canRun)('Snakemake workflow: a model the samples share', () => {
  it('pretrains one model first and gives it to every variants shard (INFO/LLR) and to scan', () => {
    const dir = workdir();
    writeFileSync(
      join(dir, 'sheet.tsv'),
      `sample\tinput\treference\tpipelines\nlambda\t${join(SAMPLES, 'lambda.bam')}\t${join(SAMPLES, 'lambda.fa')}\tvariants\nisland\t${join(SAMPLES, 'ecoli-island.fa')}\t\tscan\n`,
    );
    // A tiny causal single-base model, 2 steps: enough to check the wiring, not to learn.
    writeFileSync(
      join(dir, 'test.yaml'),
      `samples: sheet.tsv
model: pretrain
pretrain:
  genomes: [${join(SAMPLES, 'lambda.fa')}]
  args: "--objective causal -k 1 --context 1024 --steps 2 --eval-every 1 --d-model 32 --depth 2 --heads 2 --d-head 16 --seed 1"
  threads: 1
variants:
  shards: 2
  chunk_size: 10000
  use_model: true
scan:
  use_model: true
`,
    );
    const dry = snakemake(dir, '--cores', '2', '--dry-run', '--printshellcmds');
    expect(dry.status, dry.all).toBe(0);
    expect(dry.all).toMatch(/locus|main\.js/);
    expect(dry.all).toMatch(/pretrain .*lambda\.fa -o batch-out\/model /);
    expect(dry.all).toMatch(/ scan .* --model batch-out\/model\/best /);
    const run = snakemake(dir, '--cores', '2', 'batch-out/lambda/variants.vcf.gz');
    expect(run.status, run.all).toBe(0);
    expect(existsSync(join(dir, 'batch-out/model/best'))).toBe(true);
    const records = vcfBody(join(dir, 'batch-out/lambda/variants.vcf.gz')).trim().split('\n');
    expect(records).toHaveLength(57);
    expect(records.filter((r) => /;LLR=-?[0-9.]+/.test(r.split('\t')[7]!)).length).toBeGreaterThan(50);
  });
});

/**
 * I/O benchmark: `locus faidx` and `locus pileup` against `samtools faidx` and `samtools mpileup`,
 * side by side in one run, whole-process wall time and peak RSS, with the outputs checked for
 * equality in the same run.
 *
 *   npm run bench:io                      # build, then run on the full inputs
 *   node dist/bench/io/run.js --quick     # ecoli-50k.bam instead of ecoli-1M.bam
 *   node dist/bench/io/run.js --repeat 5  # 5 timed runs of every case
 *
 * Inputs come from bench/io/data/make-bench-data.sh (in <repo>/.bench-data, or $BENCH_DATA_DIR).
 * Results: a table on stdout, and JSON in bench/results/io-<date>.json and bench/results/io-latest.json
 * (io-quick-* with --quick). Progress goes to stderr.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, release, totalmem, tmpdir, arch, platform } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { compareFiles, comparePileup } from './compare.js';
import { createMeasurer, median, type Measurer, type Run } from './measure.js';
import { findRepoRoot, log } from '../repo.js';
import {
  describeCorrectness,
  formatEnvironment,
  formatRepeats,
  formatStartup,
  formatTable,
  seconds,
  type CaseResult,
  type Correctness,
  type ToolResult,
} from './table.js';

const USAGE = `Usage: node dist/bench/io/run.js [options]   (or: npm run bench:io -- [options])

  --quick          use ecoli-50k.bam instead of ecoli-1M.bam for the pileup cases
  --repeat N       timed runs of every case (default: 3 for faidx and start-up, 2 for pileup)
  --warmup N       untimed runs before the faidx and start-up cases (default: 1; pileup: none)
  --data-dir DIR   inputs (default: $BENCH_DATA_DIR or <repo>/.bench-data)
  --no-save        do not write bench/results/*.json
  --keep           keep the temporary directory with the outputs
  -h, --help       this help`;

interface Options {
  quick: boolean;
  repeat: number | undefined;
  warmup: number;
  dataDir: string;
  save: boolean;
  keep: boolean;
}

function parseOptions(repo: string): Options {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      warmup: { type: 'string' },
      'data-dir': { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: string, text: string | undefined, min: number): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}`);
    return n;
  };
  return {
    quick: values.quick,
    repeat: count('repeat', values.repeat, 1),
    warmup: count('warmup', values.warmup, 0) ?? 1,
    dataDir: values['data-dir'] ?? process.env.BENCH_DATA_DIR ?? join(repo, '.bench-data'),
    save: !values['no-save'],
    keep: values.keep,
  };
}

class UsageError extends Error {}

/** Tool versions and the machine, for the JSON. */
function environment(repo: string) {
  const firstLines = (argv: string[], n: number): string[] => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')
        .slice(0, n);
    } catch {
      return [];
    }
  };
  const [samtools, htslib] = firstLines(['samtools', '--version'], 2);
  const [commit] = firstLines(['git', '-C', repo, 'rev-parse', 'HEAD'], 1);
  const dirty = firstLines(['git', '-C', repo, 'status', '--porcelain'], 1).some((line) => line !== '');
  const cpuList = cpus();
  return {
    machine: {
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
      totalMemBytes: totalmem(),
      totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      platform: platform(),
      release: release(),
      arch: arch(),
    },
    node: process.version,
    samtools: samtools ?? 'unknown',
    htslib: htslib ?? 'unknown',
    git: { commit: commit ?? 'unknown', dirty },
  };
}

interface CaseSpec {
  id: string;
  title: string;
  target: number;
  repeats: number;
  warmups: number;
  locus: (out: string) => string[];
  samtools: (out: string) => string[];
  verify: (locusOut: string, samtoolsOut: string) => Promise<Correctness>;
}

/**
 * Runs two commands `repeats` times each, interleaved (the one that goes first alternates), after
 * `warmups` untimed pairs. Returns the timed runs of each.
 */
async function timePair(
  measurer: Measurer,
  id: string,
  commands: readonly [{ name: string; argv: string[] }, { name: string; argv: string[] }],
  repeats: number,
  warmups: number,
): Promise<[Run[], Run[]]> {
  const runs: [Run[], Run[]] = [[], []];
  for (let i = 0; i < warmups + repeats; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const { name, argv } = commands[k]!;
      const run = await measurer.run(argv);
      const timed = i >= warmups;
      if (timed) runs[k]!.push(run);
      const label = timed ? `run ${i - warmups + 1}/${repeats}` : `warm-up ${i + 1}/${warmups}`;
      const rss = run.maxRssKb !== undefined ? `, ${(run.maxRssKb / 1024).toFixed(0)} MB` : '';
      log(`  [${id}] ${name.padEnd(15)} ${label}: ${seconds(run.wallS)} s${rss}`);
    }
  }
  return runs;
}

function toolResult(argv: string[], runs: Run[], display: (arg: string) => string): ToolResult {
  const rss = runs.map((r) => r.maxRssKb).filter((v): v is number => v !== undefined);
  return {
    argv: argv.map(display),
    runs,
    medianS: median(runs.map((r) => r.wallS)),
    ...(rss.length > 0 ? { peakRssMb: Math.round((Math.max(...rss) / 1024) * 10) / 10 } : {}),
  };
}

/** Number of FASTA records (lines starting with '>') in a file. */
async function countRecords(path: string): Promise<number> {
  const text = await readFile(path, 'latin1');
  let n = text.startsWith('>') ? 1 : 0;
  for (let at = text.indexOf('\n>'); at >= 0; at = text.indexOf('\n>', at + 1)) n++;
  return n;
}

/** Contig names in the order of the BAM header (the order both pileups print them in). */
function bamContigs(bam: string): string[] {
  const header = execFileSync('samtools', ['view', '-H', bam], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return header
    .split('\n')
    .filter((line) => line.startsWith('@SQ\t'))
    .map((line) => /\tSN:([^\t]+)/.exec(line)?.[1] ?? '')
    .filter((name) => name !== '');
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

async function main(): Promise<number> {
  const repo = findRepoRoot();
  let options: Options;
  try {
    options = parseOptions(repo);
  } catch (err) {
    log(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const data = options.dataDir;
  const input = (name: string) => join(data, name);
  const fasta = input('ecoli.fa');
  const fastaGz = input('ecoli.fa.gz');
  const regions = input('regions-1000.txt');
  const bam = input(options.quick ? 'ecoli-50k.bam' : 'ecoli-1M.bam');
  const needed = [
    fasta,
    `${fasta}.fai`,
    fastaGz,
    `${fastaGz}.fai`,
    `${fastaGz}.gzi`,
    regions,
    bam,
    `${bam}.bai`,
  ];
  const missing = needed.filter((path) => !existsSync(path));
  if (missing.length > 0) {
    log(`Missing benchmark inputs in ${data}:\n  ${missing.join('\n  ')}`);
    log(`Make them with (a few minutes; needs samtools, bcftools, bgzip, dwgsim, minimap2):`);
    const script = relative(process.cwd(), join(repo, 'bench/io/data/make-bench-data.sh'));
    const envPrefix = data === join(repo, '.bench-data') ? '' : `BENCH_DATA_DIR=${data} `;
    log(`  ${envPrefix}bash ${script}`);
    return 1;
  }
  const cli = join(repo, 'dist/src/cli/main.js');
  if (!existsSync(cli)) {
    log(`${cli} is missing; run \`npm run build\` first (or \`npm run bench:io\`).`);
    return 1;
  }
  const env = environment(repo);
  if (env.samtools === 'unknown') {
    log('samtools is not on PATH; the benchmark compares against it (Debian: apt-get install -y samtools).');
    return 1;
  }

  const regionCount = (await readFile(regions, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
  const contigs = bamContigs(bam);
  const node = process.execPath;
  const locus = (...args: string[]) => [node, cli, ...args];
  const faidxRepeats = options.repeat ?? 3;
  const pileupRepeats = options.repeat ?? 2;

  const faidxCase = (id: string, title: string, fa: string): CaseSpec => ({
    id,
    title,
    target: 10,
    repeats: faidxRepeats,
    warmups: options.warmup,
    locus: (out) => locus('faidx', fa, '-r', regions, '-o', out),
    samtools: (out) => ['samtools', 'faidx', fa, '-r', regions, '-o', out],
    verify: async (locusOut, samtoolsOut) => ({
      kind: 'bytes',
      ...(await compareFiles(locusOut, samtoolsOut)),
      records: await countRecords(locusOut),
      expectedRecords: regionCount,
    }),
  });
  const verifyPileup = async (locusOut: string, samtoolsOut: string): Promise<Correctness> => ({
    kind: 'pileup',
    ...(await comparePileup(locusOut, samtoolsOut, contigs)),
  });
  const bamName = options.quick ? 'ecoli-50k.bam' : 'ecoli-1M.bam';
  const specs: CaseSpec[] = [
    faidxCase('faidx-plain', `faidx ${regionCount} regions, plain FASTA`, fasta),
    faidxCase('faidx-bgzip', `faidx ${regionCount} regions, bgzip FASTA`, fastaGz),
    {
      id: 'pileup-q0',
      title: `pileup ${bamName}, -q 0 -Q 0`,
      target: 3,
      repeats: pileupRepeats,
      warmups: 0,
      locus: (out) => locus('pileup', bam, '--ref', fasta, '-q', '0', '-Q', '0', '-o', out),
      samtools: (out) => [
        'samtools',
        'mpileup',
        '-B',
        '-d',
        '0',
        '-q',
        '0',
        '-Q',
        '0',
        '-f',
        fasta,
        '-o',
        out,
        bam,
      ],
      verify: verifyPileup,
    },
    {
      id: 'pileup-default',
      title: `pileup ${bamName}, default filters (-Q 13)`,
      target: 3,
      repeats: pileupRepeats,
      warmups: 0,
      locus: (out) => locus('pileup', bam, '--ref', fasta, '-o', out),
      samtools: (out) => ['samtools', 'mpileup', '-B', '-d', '0', '-f', fasta, '-o', out, bam],
      verify: verifyPileup,
    },
  ];

  const work = await mkdtemp(join(tmpdir(), 'locus-bench-io-'));
  const display = (arg: string) =>
    arg === node
      ? 'node'
      : arg.startsWith(work)
        ? `$TMP${arg.slice(work.length)}`
        : arg.startsWith(repo + '/')
          ? relative(repo, arg)
          : arg;
  const measurer = await createMeasurer();
  const started = new Date();
  const loadBefore = loadavg();
  log(
    `Locus I/O benchmark: ${env.machine.cpus} x ${env.machine.cpuModel}, ${env.machine.totalMemGiB} GiB, node ${env.node}, ${env.samtools}`,
  );
  log(
    `inputs: ${data}; outputs: ${work}; timing: hrtime${measurer.usesGnuTime ? ' + /usr/bin/time (RSS)' : ''}`,
  );
  try {
    // Warm the page cache so that the first timed run does not pay for reading the inputs from disk.
    for (const path of needed) await readFile(path);

    log('start-up baselines');
    const [nodeRuns, versionRuns] = await timePair(
      measurer,
      'start-up',
      [
        { name: "node -e ''", argv: [node, '-e', ''] },
        { name: 'locus --version', argv: locus('--version') },
      ],
      faidxRepeats,
      options.warmup,
    );
    const baselines = {
      nodeEmpty: toolResult([node, '-e', ''], nodeRuns, display),
      locusVersion: toolResult(locus('--version'), versionRuns, display),
    };

    const results: CaseResult[] = [];
    for (const spec of specs) {
      log(spec.title);
      const locusOut = join(work, `${spec.id}.locus.out`);
      const samtoolsOut = join(work, `${spec.id}.samtools.out`);
      const locusArgv = spec.locus(locusOut);
      const samtoolsArgv = spec.samtools(samtoolsOut);
      const [locusRuns, samtoolsRuns] = await timePair(
        measurer,
        spec.id,
        [
          { name: 'locus', argv: locusArgv },
          { name: 'samtools', argv: samtoolsArgv },
        ],
        spec.repeats,
        spec.warmups,
      );
      const locusResult = toolResult(locusArgv, locusRuns, display);
      const samtoolsResult = toolResult(samtoolsArgv, samtoolsRuns, display);
      const ratio = locusResult.medianS / samtoolsResult.medianS;
      results.push({
        id: spec.id,
        title: spec.title,
        locus: locusResult,
        samtools: samtoolsResult,
        ratio: Math.round(ratio * 100) / 100,
        target: spec.target,
        targetMet: ratio <= spec.target,
        // Filled in below, after every case is timed, so that checking does not overlap timing.
        correctness: undefined as unknown as Correctness,
        identical: false,
      });
    }

    for (const [i, spec] of specs.entries()) {
      log(`checking ${spec.id}`);
      const t0 = process.hrtime.bigint();
      const correctness = await spec
        .verify(join(work, `${spec.id}.locus.out`), join(work, `${spec.id}.samtools.out`))
        .catch((err: unknown): Correctness => ({
          kind: 'error',
          identical: false,
          message: err instanceof Error ? err.message : String(err),
        }));
      const result = results[i]!;
      result.correctness = correctness;
      result.identical =
        correctness.identical && (correctness.kind !== 'bytes' || correctness.records === regionCount);
      log(`  ${describeCorrectness(correctness)} (${seconds(Number(process.hrtime.bigint() - t0) / 1e9)} s)`);
    }

    const inputs: Record<string, { path: string; bytes: number }> = {};
    for (const [key, path] of Object.entries({ fasta, fastaGz, regions, bam })) {
      inputs[key] = { path: relative(repo, path), bytes: (await stat(path)).size };
    }
    const report = {
      benchmark: 'io',
      date: started.toISOString(),
      command: `node dist/bench/io/run.js${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      quick: options.quick,
      repeats: { faidx: faidxRepeats, pileup: pileupRepeats, warmups: options.warmup },
      timing:
        'median whole-process wall time (process.hrtime from spawn to exit); peak RSS from /usr/bin/time %M, max over runs; locus and samtools runs interleaved',
      ...env,
      loadAverage: { before: loadBefore, after: loadavg() },
      inputs,
      startup: {
        nodeEmptyS: baselines.nodeEmpty.medianS,
        locusVersionS: baselines.locusVersion.medianS,
        ...baselines,
      },
      cases: results,
      allIdentical: results.every((r) => r.identical),
      allTargetsMet: results.every((r) => r.targetMet),
    };

    console.log(`\nLocus I/O benchmark, ${report.date}`);
    console.log(formatEnvironment(env));
    console.log(`${formatRepeats(faidxRepeats, pileupRepeats)}\n`);
    console.log(formatTable(results));
    console.log(`\n${formatStartup(baselines.nodeEmpty.medianS, baselines.locusVersion.medianS)}`);
    for (const r of results) console.log(`${r.id}: ${describeCorrectness(r.correctness)}`);

    if (options.save) {
      const dir = join(repo, 'bench/results');
      await mkdir(dir, { recursive: true });
      const stamp = report.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'); // 20250101T120000Z
      const prefix = options.quick ? 'io-quick' : 'io';
      const json = JSON.stringify(report, null, 2) + '\n';
      const dated = join(dir, `${prefix}-${stamp}.json`);
      await writeAtomically(dated, json);
      await writeAtomically(join(dir, `${prefix}-latest.json`), json);
      console.log(`\nresults: ${relative(process.cwd(), dated)} (and ${prefix}-latest.json)`);
    }
    return report.allIdentical ? 0 : 1;
  } finally {
    await measurer.close();
    if (options.keep) log(`outputs kept in ${work}`);
    else await rm(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`bench/io: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

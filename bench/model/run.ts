/**
 * Reformer engine benchmark: `locus bench model` in a fresh process per case (so each case's peak
 * RSS is its own), over forward and training at growing lengths, worker threads, full attention
 * until it fails, depth, and the achieved GFLOP/s against the backend's plain 2-D matmul peak, which
 * is measured in the same run. Compared with reformer-pytorch's figures for the same config.
 *
 *   npm run bench:model                      # build, then the full run (about 20-25 minutes, 2 cores)
 *   node dist/bench/model/run.js --quick     # a fast subset (about 2 minutes)
 *
 * Results: a table on stdout, and JSON in bench/results/model-<date>.json and model-latest.json
 * (model-quick-* with --quick). Progress goes to stderr.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/model/config.js';
import { iterationFlops } from './flops.js';
import { findRepoRoot, log } from '../repo.js';
import {
  fmt,
  formatEnvironment,
  formatMatmul,
  formatTable,
  K,
  matmulPeak,
  mb,
  targetState,
  type CaseResult,
  type CaseSpec,
  type CommandResult,
  type MatmulResult,
  type Target,
} from './table.js';

const USAGE = `Usage: node dist/bench/model/run.js [options]   (or: npm run bench:model -- [options])

  --quick          a fast subset (short sequences; results go to model-quick-*.json)
  --backend NAME   backend for every case (default: wasm)
  --only ID,...    run only these case ids (prefix match), e.g. --only full-,fwd-10k
  --no-save        do not write bench/results/*.json
  -h, --help       this help`;

const GNU_TIME = '/usr/bin/time';

/** reformer-pytorch, same config, Debian torch 1.13, OpenBLAS, 2 threads (from issue 3). */
const REFERENCE = {
  source:
    'reformer-pytorch, same config (dModel 128, depth 4, 4 heads, chunk 64, 4 rounds, vocab 4,101), Debian torch 1.13 + OpenBLAS, 2 threads',
  at4096Tokens: { forwardTokensPerS: 5674, trainTokensPerS: 1711 },
  at16384Tokens: { forwardTokensPerS: 3229, trainTokensPerS: 1192, peakRssBytes: 2.0e9 },
  at131072Tokens: 'failed allocating 16 GiB',
};

const GB4 = 4e9;

interface RunOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  wallS: number;
  maxRssKb?: number;
  cpuS?: number;
}

/** Run argv under /usr/bin/time in its own process group; kill the group after `timeoutS`. */
async function runMeasured(argv: string[], timeFile: string, timeoutS: number): Promise<RunOutcome> {
  const timed = existsSync(GNU_TIME);
  const [command, ...args] = timed ? [GNU_TIME, '-f', '%e %M %U %S', '-o', timeFile, ...argv] : argv;
  const started = process.hrtime.bigint();
  const outcome = await new Promise<Omit<RunOutcome, 'wallS'>>((resolve, reject) => {
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL'); // the group: /usr/bin/time and the node it runs
      } catch {
        // already gone
      }
    }, timeoutS * 1000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const result: RunOutcome = { ...outcome, wallS };
  if (timed && existsSync(timeFile)) {
    // /usr/bin/time prints "Command exited with non-zero status N" first when the command fails.
    const lines = (await readFile(timeFile, 'utf8')).trim().split('\n');
    const fields = (lines[lines.length - 1] ?? '').trim().split(/\s+/).map(Number);
    if (fields.length === 4 && fields.every(Number.isFinite)) {
      result.maxRssKb = fields[1]!;
      result.cpuS = fields[2]! + fields[3]!;
    }
    await rm(timeFile, { force: true });
  }
  return result;
}

function parseCommandJson(stdout: string): CommandResult | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(stdout.slice(start)) as CommandResult;
  } catch {
    return null;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' | ');
}

function planCases(quick: boolean): CaseSpec[] {
  const c = (
    spec: Omit<CaseSpec, 'id' | 'title' | 'depth' | 'attention' | 'workers' | 'timeoutS'> &
      Partial<Pick<CaseSpec, 'depth' | 'attention' | 'workers' | 'timeoutS'>>,
  ): CaseSpec => {
    const full: CaseSpec = {
      attention: 'lsh',
      depth: DEFAULT_CONFIG.depth,
      workers: 0,
      timeoutS: 600,
      ...spec,
      id: '',
      title: '',
    };
    const pure = full.attention === 'lsh' && full.fullUpTo === 0;
    const parts = [
      full.train ? 'train' : 'fwd',
      K(full.bases),
      pure ? 'lsh-only' : full.attention,
      ...(full.depth !== DEFAULT_CONFIG.depth ? [`d${full.depth}`] : []),
      ...(full.workers > 0 ? [`w${full.workers}`] : []),
    ];
    full.id = parts.join('-');
    full.title =
      `${full.train ? 'train step' : 'forward'} ${K(full.bases)}, ${pure ? 'LSH only (--full-up-to 0)' : full.attention}` +
      (full.depth !== DEFAULT_CONFIG.depth ? `, depth ${full.depth}` : '') +
      (full.workers > 0 ? `, ${full.workers} worker${full.workers > 1 ? 's' : ''}` : '');
    return full;
  };
  // LSH (never falling back to full attention) and full attention side by side at each length, one
  // right after the other so that both see the same machine; the ladder stops where full attention fails.
  const pair = (bases: number, iterations: number, warmup: number): CaseSpec[] => [
    c({ bases, train: false, fullUpTo: 0, iterations, warmup, ladder: true }),
    c({ bases, train: false, attention: 'full', iterations, warmup, ladder: true }),
  ];
  if (quick) {
    return [
      ...pair(10_000, 3, 1),
      ...pair(30_000, 1, 1),
      c({ bases: 10_000, train: false, iterations: 3, warmup: 1 }),
      c({ bases: 10_000, train: true, iterations: 1, warmup: 1 }),
      c({ bases: 30_000, train: false, workers: 1, iterations: 1, warmup: 1 }),
      c({ bases: 30_000, train: false, workers: 2, iterations: 1, warmup: 1 }),
      c({ bases: 10_000, train: true, workers: 2, iterations: 1, warmup: 1 }),
      c({ bases: 10_000, train: true, depth: 2, iterations: 1, warmup: 0 }),
      c({ bases: 10_000, train: true, depth: 12, iterations: 1, warmup: 0 }),
    ];
  }
  // Iterations are few so that the whole run stays near 25 minutes on 2 cores; iterations that take
  // over a minute skip the warm-up (its one-time costs are under a second). 24,576 bases = 4,096
  // tokens, a reformer-pytorch reference point.
  return [
    ...pair(1_536, 5, 2),
    ...pair(3_072, 5, 2),
    ...pair(6_144, 3, 1),
    ...pair(10_000, 3, 1),
    ...pair(24_576, 2, 1),
    ...pair(30_000, 2, 1),
    ...pair(50_000, 1, 1),
    ...pair(100_000, 1, 0),
    ...pair(200_000, 1, 0),
    ...pair(300_000, 1, 0),
    c({ bases: 10_000, train: false, iterations: 3, warmup: 1 }),
    // 3 timed after 2 warm-ups: the first iterations at 100k run up to 1.5x slower (JIT, memory growth),
    // and this case is the denominator of the 1M/100k time-per-base ratio.
    c({ bases: 100_000, train: false, iterations: 3, warmup: 2 }),
    c({ bases: 1_000_000, train: false, iterations: 1, warmup: 0, timeoutS: 1200 }),
    c({ bases: 10_000, train: true, iterations: 2, warmup: 1 }),
    c({ bases: 24_576, train: true, iterations: 1, warmup: 1 }),
    c({ bases: 100_000, train: true, iterations: 1, warmup: 0, timeoutS: 900 }),
    c({ bases: 100_000, train: false, workers: 1, iterations: 1, warmup: 1 }),
    c({ bases: 100_000, train: false, workers: 2, iterations: 1, warmup: 1 }),
    c({ bases: 100_000, train: true, workers: 1, iterations: 1, warmup: 0, timeoutS: 900 }),
    c({ bases: 100_000, train: true, workers: 2, iterations: 1, warmup: 0, timeoutS: 900 }),
    c({ bases: 100_000, train: true, depth: 2, iterations: 1, warmup: 0, timeoutS: 900 }),
    c({ bases: 100_000, train: true, depth: 6, iterations: 1, warmup: 0, timeoutS: 1200 }),
    c({ bases: 100_000, train: true, depth: 12, iterations: 1, warmup: 0, timeoutS: 1800 }),
  ];
}

function environment(repo: string) {
  const first = (argv: string[]): string | undefined => {
    try {
      return execFileSync(argv[0]!, argv.slice(1), {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).split('\n')[0];
    } catch {
      return undefined;
    }
  };
  const list = cpus();
  const pkg = (name: string) => {
    try {
      return (
        JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      return 'unknown';
    }
  };
  return {
    machine: {
      cpus: list.length,
      cpuModel: list[0]?.model.trim() ?? 'unknown',
      totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      platform: platform(),
      release: release(),
      arch: arch(),
    },
    node: process.version,
    tfjs: pkg('@tensorflow/tfjs'),
    tfjsBackendWasm: pkg('@tensorflow/tfjs-backend-wasm'),
    git: {
      commit: first(['git', '-C', repo, 'rev-parse', 'HEAD']) ?? 'unknown',
      dirty: (first(['git', '-C', repo, 'status', '--porcelain']) ?? '') !== '',
    },
  };
}

async function main(): Promise<number> {
  const repo = findRepoRoot();
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      backend: { type: 'string', default: 'wasm' },
      only: { type: 'string' },
      'no-save': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const cli = join(repo, 'dist/src/cli/main.js');
  const matmulScript = join(repo, 'dist/bench/model/matmul.js');
  if (!existsSync(cli) || !existsSync(matmulScript)) {
    log(`${cli} is missing; run \`npm run build\` first (or \`npm run bench:model\`).`);
    return 1;
  }
  const backend = values.backend;
  const only = values.only?.split(',').filter((s) => s !== '');
  let specs = planCases(values.quick);
  if (only) specs = specs.filter((s) => only.some((prefix) => s.id.startsWith(prefix)));
  const env = environment(repo);
  const node = process.execPath;
  const started = new Date();
  const loadBefore = loadavg();
  const work = await mkdtemp(join(tmpdir(), 'locus-bench-model-'));
  const timeFile = join(work, 'time.txt');
  log(
    `Locus model benchmark: ${env.machine.cpus} x ${env.machine.cpuModel}, ${env.machine.totalMemGiB} GiB, node ${env.node}, tfjs ${env.tfjs}, backend ${backend}`,
  );
  try {
    log('matmul peak');
    const matmulRun = await runMeasured([node, matmulScript, '--backend', backend], timeFile, 300);
    const matmul = parseCommandJson(matmulRun.stdout) as unknown as MatmulResult | null;
    const peak = matmulPeak(matmul);
    for (const r of matmul?.results ?? [])
      log(`  ${r.m}x${r.k} @ ${r.k}x${r.n}: ${r.gflops.toFixed(1)} GFLOP/s`);

    const results: CaseResult[] = [];
    let ladderStopped = false;
    for (const spec of specs) {
      if (spec.ladder && ladderStopped) continue;
      const argv = [
        node,
        cli,
        'bench',
        'model',
        '--bases',
        String(spec.bases),
        '--attention',
        spec.attention,
        '--depth',
        String(spec.depth),
        '--workers',
        String(spec.workers),
        '--iterations',
        String(spec.iterations),
        '--warmup',
        String(spec.warmup),
        '--backend',
        backend,
        '--json',
        ...(spec.train ? ['--train'] : []),
        ...(spec.fullUpTo !== undefined ? ['--full-up-to', String(spec.fullUpTo)] : []),
      ];
      log(`${spec.id}: ${spec.title} (${spec.warmup} warm-up, ${spec.iterations} timed)`);
      const before = loadavg()[0]!;
      const run = await runMeasured(argv, timeFile, spec.timeoutS);
      const command = parseCommandJson(run.stdout);
      const config = resolveConfig({
        depth: spec.depth,
        attention: spec.attention,
        ...(spec.fullUpTo !== undefined ? { fullAttentionUpTo: spec.fullUpTo } : {}),
      });
      const tokens = command?.tokens ?? Math.floor((spec.bases - 6) / 6) + 1;
      const flops = iterationFlops(config, tokens, spec.train);
      const ok =
        run.code === 0 && command !== null && command.error === undefined && command.seconds !== null;
      const seconds = ok ? command!.seconds : null;
      const error = ok
        ? undefined
        : run.timedOut
          ? `timed out after ${spec.timeoutS} s`
          : (command?.error ?? `exit ${run.signal ?? run.code}: ${lastLines(run.stderr, 3) || 'no output'}`);
      const { ladder: _ladder, timeoutS: _timeout, fullUpTo: _fullUpTo, ...fields } = spec;
      const result: CaseResult = {
        ...fields,
        argv: argv.map((a) => (a === node ? 'node' : a.startsWith(repo + '/') ? relative(repo, a) : a)),
        ok,
        tokens,
        effectiveAttention: command?.effectiveAttention ?? null,
        seconds,
        tokensPerSecond: ok ? command!.tokensPerSecond : null,
        peakRssBytes: run.maxRssKb !== undefined ? run.maxRssKb * 1024 : (command?.peakRssBytes ?? null),
        reportedPeakRssBytes: command?.peakRssBytes ?? null,
        processWallS: run.wallS,
        processCpuS: run.cpuS ?? null,
        flops,
        gflopsPerS: seconds ? (flops.total * Math.max(1, spec.workers)) / seconds / 1e9 : null,
        ...(error !== undefined
          ? {
              error,
              failedAt: command?.failedAt ?? (run.timedOut ? 'timeout' : 'process'),
              failure:
                command?.failure ??
                (run.timedOut ? 'timeout' : run.signal === 'SIGKILL' ? 'killed' : 'crash'),
            }
          : {}),
        loadAverage: { before, after: loadavg()[0]! },
        command,
      };
      results.push(result);
      log(
        ok
          ? `  ${fmt(seconds, 2)} s/iteration, ${fmt(result.tokensPerSecond)} tokens/s, ${fmt(result.gflopsPerS, 2)} GFLOP/s, peak RSS ${mb(result.peakRssBytes)} MB (process ${fmt(run.wallS, 1)} s, load ${before.toFixed(1)})`
          : `  FAILED: ${error} (peak RSS ${mb(result.peakRssBytes)} MB)`,
      );
      if (spec.ladder && spec.attention === 'full' && !ok) ladderStopped = true;
    }

    const summary = summarize(results, peak);
    const report = {
      benchmark: 'model',
      date: started.toISOString(),
      command: `node dist/bench/model/run.js${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      quick: values.quick,
      backend,
      config: {
        ...DEFAULT_CONFIG,
        note: 'the default genomic model, LM head; cases override depth and attention',
      },
      timing:
        'seconds = median wall time of the timed iterations inside the process (after warm-up); peak RSS = /usr/bin/time %M of the whole process; one process per case',
      flopFormula: 'bench/model/flops.ts',
      ...env,
      loadAverage: { before: loadBefore, after: loadavg() },
      matmul,
      reference: REFERENCE,
      cases: results,
      summary,
    };

    console.log(`\nLocus model benchmark, ${report.date}`);
    console.log(formatEnvironment(env, backend));
    if (matmul) console.log(`${formatMatmul(matmul)}\n`);
    console.log(formatTable(results, peak));
    console.log('');
    for (const line of summary.lines) console.log(line);

    if (!values['no-save']) {
      const dir = join(repo, 'bench/results');
      await mkdir(dir, { recursive: true });
      const stamp = report.date.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const prefix = values.quick ? 'model-quick' : 'model';
      const json = JSON.stringify(report, null, 2) + '\n';
      const dated = join(dir, `${prefix}-${stamp}.json`);
      for (const path of [dated, join(dir, `${prefix}-latest.json`)]) {
        const temporary = `${path}.${process.pid}.tmp`;
        await writeFile(temporary, json);
        await rename(temporary, path);
      }
      console.log(`\nresults: ${relative(process.cwd(), dated)} (and ${prefix}-latest.json)`);
    }
    return 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The issue's targets, each with the numbers that decide it (null: not measured in this run). */
function summarize(results: CaseResult[], peak: number | null) {
  const find = (id: string) => results.find((r) => r.id === id);
  const okCase = (id: string) => {
    const r = find(id);
    return r?.ok ? r : undefined;
  };
  const targets: Target[] = [];
  const lines: string[] = [];

  const fwd1M = find('fwd-1M-lsh');
  const fwd100k = okCase('fwd-100k-lsh');
  if (fwd1M) {
    targets.push({
      target: '1M-base forward peak RSS <= 4 GB',
      met: fwd1M.ok && fwd1M.peakRssBytes !== null && fwd1M.peakRssBytes <= GB4,
      detail: fwd1M.ok ? `${mb(fwd1M.peakRssBytes)} MB` : `failed: ${fwd1M.error}`,
    });
    if (fwd1M.ok && fwd100k) {
      const ratio = fwd1M.seconds! / 1e6 / (fwd100k.seconds! / 1e5);
      targets.push({
        target: 'time per base at 1M within 1.5x of 100k',
        met: ratio <= 1.5,
        detail: `${fmt((fwd1M.seconds! / 1e6) * 1e6, 1)} vs ${fmt((fwd100k.seconds! / 1e5) * 1e6, 1)} us/base: ${ratio.toFixed(2)}x`,
      });
    }
  }
  const best = (train: boolean) =>
    results
      .filter(
        (r) => r.ok && r.bases === 100_000 && r.train === train && r.attention === 'lsh' && r.depth === 4,
      )
      .sort((a, b) => b.tokensPerSecond! - a.tokensPerSecond!)[0];
  for (const train of [false, true]) {
    const b = best(train);
    const ref = train ? REFERENCE.at16384Tokens.trainTokensPerS : REFERENCE.at16384Tokens.forwardTokensPerS;
    if (b)
      targets.push({
        target: `${train ? 'training' : 'forward'} throughput at 100k >= ${fmt(ref)} tokens/s (reformer-pytorch, workers allowed)`,
        met: b.tokensPerSecond! >= ref,
        detail: `best ${fmt(b.tokensPerSecond)} tokens/s (${b.title}); ${((100 * b.tokensPerSecond!) / ref).toFixed(0)}% of reference`,
      });
  }
  // LSH against full attention at each length both were run.
  const comparisons = results
    .filter((r) => r.attention === 'full' && !r.train)
    .map((full) => {
      const lsh = results.find(
        (r) =>
          r.attention === 'lsh' &&
          !r.train &&
          r.workers === 0 &&
          r.depth === full.depth &&
          r.bases === full.bases,
      );
      return {
        bases: full.bases,
        tokens: full.tokens,
        fullSeconds: full.ok ? full.seconds : null,
        lshSeconds: lsh?.ok ? lsh.seconds : null,
        fullPeakRssBytes: full.peakRssBytes,
        lshPeakRssBytes: lsh?.peakRssBytes ?? null,
        lshOverFull: full.ok && lsh?.ok ? lsh.seconds! / full.seconds! : null,
        fullError: full.ok ? undefined : full.error,
      };
    })
    .map((c) => ({
      ...c,
      // What the default model runs against full attention: up to fullAttentionUpTo tokens it runs
      // full attention itself (ratio 1), beyond that LSH.
      defaultOverFull:
        c.tokens <= DEFAULT_CONFIG.fullAttentionUpTo ? (c.fullSeconds === null ? null : 1) : c.lshOverFull,
    }));
  const fullRan = comparisons.filter((c) => c.fullSeconds !== null);
  const fullFailed = comparisons.find((c) => c.fullSeconds === null);
  const ratios = comparisons.filter((c) => c.lshOverFull !== null);
  if (ratios.length > 0) {
    const slower = ratios.filter((c) => c.defaultOverFull! > 1);
    targets.push({
      target: `never slower than full attention at any length (full attention up to ${DEFAULT_CONFIG.fullAttentionUpTo} tokens, LSH beyond)`,
      met: slower.length === 0,
      detail: ratios
        .map(
          (c) =>
            `${K(c.bases)}: ${c.defaultOverFull!.toFixed(2)}x` +
            (c.tokens <= DEFAULT_CONFIG.fullAttentionUpTo
              ? ` (runs full; LSH alone ${c.lshOverFull!.toFixed(2)}x)`
              : ''),
        )
        .join(', '),
    });
  }
  const crossover = ratios.find((c) => c.lshOverFull! <= 1);
  targets.push({
    target: "full attention's failure point and the crossover measured",
    met: fullFailed !== undefined && ratios.length > 0,
    detail:
      `full attention ran up to ${fullRan.length ? K(fullRan[fullRan.length - 1]!.bases) : '-'} bases` +
      (fullFailed ? `, failed at ${K(fullFailed.bases)} (${fullFailed.fullError})` : ', no failure found') +
      `; LSH faster from ${crossover ? K(crossover.bases) : '(not within the lengths run)'}`,
  });
  const depths = [2, 4, 6, 12]
    .map((depth) =>
      results.find((r) => r.bases === 100_000 && r.train && r.workers === 0 && r.depth === depth),
    )
    .filter((r): r is CaseResult => r !== undefined);
  const d2 = depths.find((r) => r.depth === 2);
  const d12 = depths.find((r) => r.depth === 12);
  if (d2 && d12) {
    const ratio = d2.peakRssBytes && d12.peakRssBytes ? d12.peakRssBytes / d2.peakRssBytes : NaN;
    targets.push({
      target: '100k training step at depth 12 peaks within 1.3x of depth 2, under 4 GB',
      met: d2.ok && d12.ok && ratio <= 1.3 && d12.peakRssBytes! < GB4,
      detail: `depth ${depths.map((r) => `${r.depth}: ${mb(r.peakRssBytes)} MB${r.ok ? '' : ' (failed)'}`).join(', ')}; 12/2 = ${ratio.toFixed(2)}x; depth 12 = ${((d12.peakRssBytes ?? NaN) / 1e9).toFixed(2)} GB (target: under 4 x 10^9 bytes)`,
    });
  }
  lines.push('Targets:');
  for (const t of targets) lines.push(`  [${targetState(t)}] ${t.target}: ${t.detail}`);
  lines.push('LSH / full attention, forward (time ratio; < 1 = LSH faster):');
  for (const c of comparisons)
    lines.push(
      `  ${K(c.bases)} bases (${fmt(c.tokens)} tokens): LSH ${fmt(c.lshSeconds, 2)} s, full ${c.fullSeconds !== null ? `${fmt(c.fullSeconds, 2)} s` : `FAILED (${c.fullError})`}` +
        (c.lshOverFull !== null ? ` -> ${c.lshOverFull.toFixed(2)}x` : ''),
    );
  if (peak) lines.push(`matmul peak used for the % column: ${peak.toFixed(1)} GFLOP/s per core`);
  return { targets, lshVsFull: comparisons, matmulPeakGflops: peak, lines };
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`bench/model: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

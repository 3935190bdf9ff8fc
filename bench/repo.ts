/** What the benchmark scripts share: the repository, progress lines on stderr, provenance, timed runs. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '../src/io/files.js';
import { fileURLToPath } from 'node:url';

/** Repository root: the nearest folder above this file with Locus's package.json. */
export function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'locus')
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the Locus repository root (package.json "name": "locus")');
    dir = parent;
  }
}

/** A progress line on stderr (stdout carries the results). */
export function log(message: string): void {
  process.stderr.write(message + '\n');
}

/** Where a result came from: commit (and whether the tree had uncommitted changes), machine, Node. */
export function provenance(root = findRepoRoot()): {
  git: { commit: string; dirty: boolean };
  machine: { cpus: number; cpuModel: string; totalMemGiB: number; node: string };
} {
  const git = (args: string[]) => {
    try {
      return execFileSync('git', ['-C', root, ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return undefined;
    }
  };
  const list = cpus();
  return {
    git: {
      // A copy without .git (a lent GPU machine, bench/gpu/device-run.sh) names its commit itself.
      commit: git(['rev-parse', 'HEAD']) ?? process.env.LOCUS_GIT_COMMIT ?? 'unknown',
      // Result JSONs that an earlier benchmark of the same session wrote are not code: they do not
      // make the tree dirty.
      dirty:
        (git(['status', '--porcelain', '--', '.', ':(exclude)bench/results']) ??
          (process.env.LOCUS_GIT_DIRTY === 'false' ? '' : 'unknown')) !== '',
    },
    machine: {
      cpus: list.length,
      cpuModel: list[0]?.model.trim() ?? 'unknown',
      totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
  };
}

/**
 * Run a command under GNU time; its stdout, wall seconds, user + system CPU seconds and peak RSS
 * (bytes; of the largest process when the command starts several). Throws on failure.
 */
export function timedRun(
  argv: string[],
  options: { cwd?: string } = {},
): { stdout: string; seconds: number; cpuSeconds: number; peakRssBytes: number } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-v', ...argv], {
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    throw new Error(`${argv.join(' ')} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  }
  return { stdout: result.stdout, seconds, ...parseTimeReport(result.stderr) };
}

/** User + system CPU seconds and peak RSS (bytes) from a `/usr/bin/time -v` report; NaN where absent. */
export function parseTimeReport(report: string): { cpuSeconds: number; peakRssBytes: number } {
  const field = (name: string) => Number(new RegExp(`${name}: ([\\d.]+)`).exec(report)?.[1] ?? Number.NaN);
  return {
    cpuSeconds: field('User time \\(seconds\\)') + field('System time \\(seconds\\)'),
    peakRssBytes: field('Maximum resident set size \\(kbytes\\)') * 1024,
  };
}

/** Write a result JSON under its folder atomically (src/io/files.ts writeFileAtomic) and say where. */
export async function writeResult(path: string, result: unknown, root = findRepoRoot()): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(result, null, 2) + '\n');
  log(`wrote ${relative(root, path)}`);
}

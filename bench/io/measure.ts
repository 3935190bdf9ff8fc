/**
 * Whole-process measurements: spawn a command, time it from spawn to exit with `process.hrtime`, and
 * read its peak RSS (and its own elapsed time) from `/usr/bin/time -f '%e %M'` when that exists.
 *
 * Elapsed time is taken from hrtime because `/usr/bin/time`'s `%e` has 10 ms resolution, too coarse
 * for commands that run in tens of milliseconds; hrtime also counts the fork/exec of `/usr/bin/time`
 * itself (about a millisecond). `%e` is kept in the results as a cross-check.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Run {
  /** Wall time from spawn to exit, seconds (process.hrtime). */
  wallS: number;
  /** `/usr/bin/time`'s %e (elapsed, seconds, 10 ms resolution); absent without /usr/bin/time. */
  timeElapsedS?: number;
  /** `/usr/bin/time`'s %M (peak resident set size, KB); absent without /usr/bin/time. */
  maxRssKb?: number;
}

export interface Measurer {
  readonly usesGnuTime: boolean;
  /** Runs `argv` to completion (stdout discarded); throws with its stderr when it fails. */
  run(argv: readonly string[]): Promise<Run>;
  close(): Promise<void>;
}

export async function createMeasurer(): Promise<Measurer> {
  const usesGnuTime = existsSync(GNU_TIME);
  const dir = await mkdtemp(join(tmpdir(), 'locus-bench-time-'));
  const timeFile = join(dir, 'time.txt');
  return {
    usesGnuTime,
    async run(argv) {
      const [command, ...args] = usesGnuTime
        ? [GNU_TIME, '-f', '%e %M', '-o', timeFile, ...argv]
        : (argv as readonly string[]);
      if (command === undefined) throw new TypeError('empty command');
      const started = process.hrtime.bigint();
      const { code, signal, stderr } = await new Promise<{
        code: number | null;
        signal: NodeJS.Signals | null;
        stderr: string;
      }>((resolve, reject) => {
        const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        const chunks: Buffer[] = [];
        child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
        child.on('error', reject);
        child.on('close', (code, signal) =>
          resolve({ code, signal, stderr: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      const wallS = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) {
        throw new Error(
          `\`${argv.join(' ')}\` failed (${signal ?? `exit ${code}`}):\n${stderr.trim().slice(-2000)}`,
        );
      }
      if (!usesGnuTime) return { wallS };
      const fields = (await readFile(timeFile, 'utf8')).trim().split(/\s+/);
      const timeElapsedS = Number(fields[fields.length - 2]);
      const maxRssKb = Number(fields[fields.length - 1]);
      return {
        wallS,
        ...(Number.isFinite(timeElapsedS) ? { timeElapsedS } : {}),
        ...(Number.isFinite(maxRssKb) ? { maxRssKb } : {}),
      };
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Run one `locus` command that prints JSON and save its result with where it came from, so a figure
 * from any command can back a doc table:
 *
 *   node dist/bench/train/record.js --out dm3-kmer-logreg.json -- baseline kmer-logreg --train ... --json
 *
 * Writes bench/results/<out> = { command, date, git, machine, seconds, peakRssBytes, result }.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot, log, provenance, timedRun } from '../repo.js';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const split = argv.indexOf('--');
  const outIndex = argv.indexOf('--out');
  if (split < 0 || outIndex < 0 || outIndex > split || !argv[outIndex + 1]) {
    throw new Error(
      'usage: node dist/bench/train/record.js --out NAME.json -- <locus arguments ending in --json>',
    );
  }
  const out = argv[outIndex + 1]!;
  const args = argv.slice(split + 1);
  const root = findRepoRoot();
  log(`locus ${args.join(' ')}`);
  const run = timedRun(['node', join(root, 'dist/src/cli/main.js'), ...args], { cwd: root });
  const record = {
    command: `locus ${args.join(' ')}`,
    date: new Date().toISOString(),
    ...provenance(root),
    seconds: run.seconds,
    peakRssBytes: run.peakRssBytes,
    result: JSON.parse(run.stdout) as unknown,
  };
  const dir = join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, `${out}.tmp`), JSON.stringify(record, null, 2) + '\n');
  await rename(join(dir, `${out}.tmp`), join(dir, out));
  log(`wrote bench/results/${out} (${run.seconds.toFixed(1)} s)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

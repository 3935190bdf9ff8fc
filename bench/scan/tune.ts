/**
 * How `locus scan`'s defaults were chosen: a grid of settings on the *validation* planted genome only
 * (the test genome is read by run.ts alone), scored as run.ts scores.
 *
 *   npm run build && node dist/bench/scan/tune.js
 *
 * The grid: the genome-wide chain's order and the window length for `--method markov`, the local
 * chain's order at the default window, and the Reformer's training steps. Writes
 * bench/results/scan-validation-grid.json (command, commit, date, machine, seed inside).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findRepoRoot, log, provenance } from '../repo.js';
import { readSplit, splitFiles } from './inputs.js';
import { runLocus, type ToolResult } from './run.js';

const GRID: { method: string; args: string[] }[] = [
  ...[3, 4, 5, 6, 7].map((order) => ({ method: 'markov', args: ['--markov-order', String(order)] })),
  ...[3000, 10000].map((window) => ({ method: 'markov', args: ['--window', String(window)] })),
  ...[1, 3].map((order) => ({ method: 'markov', args: ['--local-order', String(order)] })),
  ...[50, 200].map((steps) => ({ method: 'reformer', args: ['--steps', String(steps)] })),
];

async function main(): Promise<void> {
  const root = findRepoRoot();
  const inputs = await readSplit(splitFiles(root, 'validation', '.bench-data/scan'));
  const runsDir = join(inputs.files.dir, 'runs', 'grid');
  const runs: (ToolResult & { method: string; args: string[] })[] = [];
  for (const { method, args } of GRID) {
    runs.push({ method, args, ...(await runLocus(root, inputs, method, runsDir, args)) });
  }
  const result = {
    benchmark: 'scan-validation-grid',
    split: 'validation',
    date: new Date().toISOString(),
    command: 'node dist/bench/scan/tune.js',
    ...provenance(root),
    seed: { genome: inputs.seed, scan: 1 },
    note: 'each run changes one setting from the defaults; the defaults themselves are in scan-validation.json',
    runs: runs.map(({ method, args, ok, error, seconds, peakRssMb, metrics }) => ({
      method,
      args,
      ok,
      ...(error ? { error } : {}),
      seconds,
      peakRssMb,
      found: metrics ? `${metrics.segments.found}/${metrics.segments.total}` : undefined,
      f1: metrics?.bases.f1,
      precision: metrics?.bases.precision,
      recall: metrics?.bases.recall,
      auroc: metrics?.auroc.value,
    })),
  };
  const path = join(root, 'bench', 'results', 'scan-validation-grid.json');
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  log(`wrote bench/results/scan-validation-grid.json`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

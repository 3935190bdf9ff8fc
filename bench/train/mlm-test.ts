/**
 * A shipped masked LM's test figures for its model card: `locus eval NAME GENOME --split test` (the
 * test part of its own split, read here and nowhere else), and its masked-token bits per base against
 * a uniform guess (2 bits) on the same tokens, with a block-bootstrap 95% interval (one block per
 * evaluation window).
 *
 *   node dist/bench/train/mlm-test.js --model ecoli-mlm --genome ../shared/data/genomes/ecoli_536.fa.gz
 *
 * Writes bench/results/<model>-test.json.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pairedBlockBootstrap } from '../../src/train/bootstrap.js';
import type { LmBlock } from '../../src/train/lm-scoring.js';
import { findRepoRoot, log, provenance, timedRun, writeResult } from '../repo.js';

const BOOTSTRAP_SEED = 1;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, genome: { type: 'string' } },
  });
  if (!values.model || !values.genome) throw new Error('usage: mlm-test.js --model NAME --genome FASTA');
  const root = findRepoRoot();
  const args = ['eval', values.model, values.genome, '--split', 'test', '--json', '--backend', 'wasm'];
  log(`locus ${args.join(' ')}`);
  const run = timedRun(['node', join(root, 'dist/src/cli/main.js'), ...args], { cwd: root });
  const evaluation = JSON.parse(run.stdout) as { objective: string; bitsPerBase: number; blocks: LmBlock[] };
  if (evaluation.objective !== 'mlm') throw new Error(`${values.model} is not a masked LM`);
  const uniform = evaluation.blocks.map((b) => ({ ...b, nats: b.bases * Math.log(4) }));
  const againstUniform = pairedBlockBootstrap(evaluation.blocks, uniform, {
    seed: BOOTSTRAP_SEED,
    names: [values.model, 'uniform guess'],
  });
  await writeResult(join(root, 'bench/results', `${values.model}-test.json`), {
    benchmark: `${values.model}-test`,
    command: `node dist/bench/train/mlm-test.js ${process.argv.slice(2).join(' ')}`,
    date: new Date().toISOString(),
    ...provenance(root),
    seed: {
      bootstrap: BOOTSTRAP_SEED,
      maskingAndLsh: 'locus eval: fixed per window (see evaluation.lshRotations)',
    },
    locusCommand: `locus ${args.join(' ')}`,
    seconds: run.seconds,
    peakRssBytes: run.peakRssBytes,
    againstUniform,
    evaluation,
  });
  log(
    `${values.model}: test ${evaluation.bitsPerBase.toFixed(4)} bits per masked base; minus uniform ` +
      `${againstUniform.difference.estimate.toFixed(4)} (${againstUniform.difference.low.toFixed(4)} to ${againstUniform.difference.high.toFixed(4)})`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

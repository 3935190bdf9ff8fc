/**
 * E. coli 536 causal LM against its baselines, on the same test bases, with intervals:
 *
 *   npm run build && node dist/bench/train/ecoli-lm.js [--model ecoli-causal] [--genome PATH]
 *
 * 1. `locus eval MODEL GENOME --split test --json`: the Reformer's bits per base on the test part of the
 *    split, per 10 kb window (fresh LSH rotations per window);
 * 2. `locus baseline markov --train GENOME --split-fraction F --context C -k K --reverse-complement
 *    --mixture --json`: the static Markov model (orders to 16) and the adaptive mixture of orders, on
 *    exactly the bases the model scored (src/train/lm-scoring.ts), fitted on train and refitted on
 *    train + validation;
 * 3. a paired block bootstrap (2,000 draws over the windows) of the model's bits per base minus each
 *    baseline's, and against a uniform guess (2 bits per base).
 *
 * Writes bench/results/ecoli-lm.json (command, commit, date, machine, backend, seed inside); the docs'
 * tables are generated from it (npm run docs).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pairedBlockBootstrap } from '../../src/train/bootstrap.js';
import type { LmBlock } from '../../src/train/lm-scoring.js';
import { findRepoRoot, log, provenance, timedRun } from '../repo.js';

const BOOTSTRAP_SEED = 1;

interface ScoredRun {
  bitsPerBase: number;
  bases: number;
  blocks: LmBlock[];
}

interface BaselineReport {
  static: { table: unknown[]; chosen: Record<string, unknown>; test: ScoredRun; refit: ScoredRun };
  mixture: { evaluations: unknown[]; chosen: Record<string, unknown>; test: ScoredRun; refit: ScoredRun };
  validationBases: number;
  trainingBases: number;
  [key: string]: unknown;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: 'ecoli-causal' },
      genome: { type: 'string', default: '../shared/data/genomes/ecoli_536.fa.gz' },
      backend: { type: 'string', default: 'wasm' },
      output: { type: 'string', default: 'ecoli-lm.json' },
    },
  });
  const root = findRepoRoot();
  const cli = ['node', join(root, 'dist/src/cli/main.js')];
  const genome = values.genome!;

  log(`evaluating ${values.model} on the test part of ${genome}`);
  const evalRun = timedRun(
    [...cli, 'eval', values.model!, genome, '--split', 'test', '--backend', values.backend!, '--json'],
    { cwd: root },
  );
  const model = JSON.parse(evalRun.stdout) as ScoredRun & {
    split: { fraction: number };
    context: number;
    k: number;
    scoredBases: number;
    [key: string]: unknown;
  };

  log('fitting and scoring the baselines on the same bases');
  const baselineArgs = [
    'baseline',
    'markov',
    '--train',
    genome,
    '--split-fraction',
    String(model.split.fraction),
    '--context',
    String(model.context),
    '-k',
    String(model.k),
    '--reverse-complement',
    '--mixture',
    '--quiet',
    '--json',
  ];
  const baselineRun = timedRun([...cli, ...baselineArgs], { cwd: root });
  const baselines = JSON.parse(baselineRun.stdout) as BaselineReport;

  const uniform: LmBlock[] = model.blocks.map((b) => ({ ...b, nats: b.bases * Math.log(4) }));
  const candidates: [string, LmBlock[]][] = [
    ['uniform guess (2 bits per base)', uniform],
    ['Markov, orders 0-16, chosen on validation, fitted on train', baselines.static.test.blocks],
    ['Markov, same settings refitted on train + validation', baselines.static.refit.blocks],
    ['adaptive mixture of orders, fitted on train', baselines.mixture.test.blocks],
    ['adaptive mixture of orders, refitted on train + validation', baselines.mixture.refit.blocks],
  ];
  const comparisons = candidates.map(([name, blocks]) => ({
    baseline: name,
    ...pairedBlockBootstrap(model.blocks, blocks, {
      seed: BOOTSTRAP_SEED,
      names: ['the model', name],
    }),
  }));
  const strongest = comparisons.slice(1).reduce((best, c) => (c.bitsPerBaseB < best.bitsPerBaseB ? c : best));

  const { blocks: _modelBlocks, ...modelSummary } = model;
  const stripBlocks = (run: ScoredRun) => ({ bitsPerBase: run.bitsPerBase, bases: run.bases });
  const result = {
    benchmark: 'ecoli-lm',
    date: new Date().toISOString(),
    command: `node dist/bench/train/ecoli-lm.js --model ${values.model} --genome ${genome}`,
    ...provenance(root),
    backend: values.backend,
    seed: { bootstrap: BOOTSTRAP_SEED },
    model: {
      checkpoint: values.model,
      ...modelSummary,
      seconds: evalRun.seconds,
      peakRssBytes: evalRun.peakRssBytes,
    },
    baselines: {
      command: `locus ${baselineArgs.join(' ')}`,
      seconds: baselineRun.seconds,
      peakRssBytes: baselineRun.peakRssBytes,
      trainingBases: baselines.trainingBases,
      validationBases: baselines.validationBases,
      static: {
        table: baselines.static.table,
        chosen: baselines.static.chosen,
        test: stripBlocks(baselines.static.test),
        refit: stripBlocks(baselines.static.refit),
      },
      mixture: {
        evaluations: baselines.mixture.evaluations,
        chosen: baselines.mixture.chosen,
        test: stripBlocks(baselines.mixture.test),
        refit: stripBlocks(baselines.mixture.refit),
      },
    },
    comparisons,
    strongestBaseline: strongest.baseline,
    verdict:
      strongest.difference.high < 0
        ? 'the model wins: the interval of its difference to the strongest baseline excludes zero'
        : strongest.difference.low > 0
          ? 'the model loses: the strongest baseline is better, the interval excludes zero'
          : 'no difference that chance could not explain: the interval includes zero',
    blocks: model.blocks.map((b, i) => ({
      contig: b.contig,
      start: b.start,
      end: b.end,
      bases: b.bases,
      modelNats: b.nats,
      staticNats: baselines.static.test.blocks[i]!.nats,
      mixtureNats: baselines.mixture.test.blocks[i]!.nats,
    })),
  };
  const dir = join(root, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const path = join(dir, values.output!);
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  log(`wrote bench/results/${values.output}: ${result.verdict}`);
  for (const c of comparisons) {
    const d = c.difference;
    process.stdout.write(
      `${c.baseline}: ${c.bitsPerBaseB.toFixed(4)} bits/base; model ${c.bitsPerBaseA.toFixed(4)}; difference ${d.estimate.toFixed(4)} (95% ${d.low.toFixed(4)} to ${d.high.toFixed(4)})\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

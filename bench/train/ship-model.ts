/**
 * Make a finished pretraining run a shipped model: copy its `best/` checkpoint (chosen on validation)
 * into reference/models/<name>/, write the model's card.json (what `locus models` lists), and save the
 * run's training record as bench/results/<name>-training.json for the model card's tables.
 *
 *   node dist/bench/train/ship-model.js --run .bench-data/ecoli-causal --name ecoli-causal \
 *     --description "..." --command "locus pretrain ..."
 *
 * Training time is the trainer's own clock: each metrics.jsonl line carries tokens per second since the
 * run (or its last resume) started, evaluations included, so steps x tokens per step / rate is the wall
 * time of the run.
 */
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { splitDescription } from '../../src/train/data/split.js';
import { findRepoRoot, log, provenance } from '../repo.js';

interface MetricsLine {
  step: number;
  loss?: number;
  tokensPerSecond?: number;
  evaluation?: { metric: number; bitsPerBase?: number; accuracy?: number };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      run: { type: 'string' },
      name: { type: 'string' },
      description: { type: 'string' },
      command: { type: 'string' },
      'tokens-per-step': { type: 'string' },
    },
  });
  if (!values.run || !values.name || !values.description || !values.command || !values['tokens-per-step']) {
    throw new Error(
      'usage: ship-model.js --run DIR --name NAME --description TEXT --command "locus pretrain ..." --tokens-per-step N',
    );
  }
  const root = findRepoRoot();
  const best = join(values.run, 'best');
  const config = JSON.parse(await readFile(join(best, 'config.json'), 'utf8')) as {
    task: Record<string, unknown>;
    model: Record<string, unknown>;
    tokenizer: { k: number };
    evaluation?: { step: number; bitsPerBase?: number };
  };
  const lines = (await readFile(join(values.run, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as MetricsLine);
  const last = lines[lines.length - 1]!;
  const tokensPerStep = Number(values['tokens-per-step']);
  const seconds = (last.step * tokensPerStep) / last.tokensPerSecond!;
  const evaluations = lines
    .filter((l) => l.evaluation)
    .map((l) => ({
      step: l.step,
      validationBitsPerBase: l.evaluation!.bitsPerBase,
      accuracy: l.evaluation!.accuracy,
    }));
  // Training loss as mean bits per base over each stretch of 10 steps (nats per token, k bases a token).
  const k = config.tokenizer.k;
  const lossCurve: { steps: string; bitsPerBase: number }[] = [];
  const losses = lines.filter((l) => l.loss !== undefined);
  for (let i = 0; i < losses.length; i += 10) {
    const part = losses.slice(i, i + 10);
    const mean = part.reduce((a, l) => a + l.loss!, 0) / part.length;
    lossCurve.push({
      steps: `${part[0]!.step}-${part[part.length - 1]!.step}`,
      bitsPerBase: mean / Math.LN2 / k,
    });
  }
  const record = {
    benchmark: `${values.name}-training`,
    command: values.command,
    date: new Date().toISOString(),
    ...provenance(root),
    run: values.run,
    steps: last.step,
    tokensPerStep,
    trainingTokens: last.step * tokensPerStep,
    seconds,
    bestStep: config.evaluation?.step,
    bestValidationBitsPerBase: config.evaluation?.bitsPerBase,
    evaluations,
    lossCurve,
    task: config.task,
    model: config.model,
  };
  const folder = join(root, 'reference', 'models', values.name);
  await mkdir(folder, { recursive: true });
  // A run from before the three-way split recorded `heldOut` h (validation and test together): the
  // same cut as split fraction h / 2, which is what `locus eval` reads it as. Ship it in today's terms.
  if (config.task.split === undefined && typeof config.task.heldOut === 'number') {
    config.task.split = splitDescription(config.task.heldOut / 2);
    delete config.task.heldOut;
  }
  await writeFile(join(folder, 'config.json.tmp'), JSON.stringify(config, null, 2) + '\n');
  await rename(join(folder, 'config.json.tmp'), join(folder, 'config.json'));
  await copyFile(join(best, 'model.safetensors'), join(folder, 'model.safetensors.tmp'));
  await rename(join(folder, 'model.safetensors.tmp'), join(folder, 'model.safetensors'));
  const size = (await stat(join(folder, 'model.safetensors'))).size;
  const card = {
    name: values.name,
    description: values.description,
    objective: config.task.objective,
    k,
    context: config.task.context,
    trainedOn: config.task.genomes,
    split: config.task.split,
    steps: last.step,
    bestStep: record.bestStep,
    validationBitsPerBase: record.bestValidationBitsPerBase,
    weightsBytes: size,
    results: `bench/results/${values.name}-training.json`,
  };
  await writeFile(join(folder, 'card.json'), JSON.stringify(card, null, 2) + '\n');
  const out = join(root, 'bench', 'results', `${values.name}-training.json`);
  await writeFile(`${out}.tmp`, JSON.stringify(record, null, 2) + '\n');
  await rename(`${out}.tmp`, out);
  log(`shipped ${values.name}: best step ${record.bestStep}, ${(size / 1e6).toFixed(1)} MB of weights`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

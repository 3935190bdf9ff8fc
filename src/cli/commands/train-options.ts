/**
 * Options and wiring shared by `locus pretrain` and `locus finetune`: the optimisation settings,
 * Ctrl-C handling (first press saves and stops, second exits), and the progress line.
 */
import type { Command } from 'commander';
import type { Reformer } from '../../model/reformer.js';
import type { ModelWorkerPool } from '../../model/workers.js';
import type { GradientComputer, TrainProgress, TrainerOptions } from '../../train/trainer.js';
import { integer } from '../options.js';
import { formatDuration, progressLine } from '../progress.js';

export interface TrainCliOptions {
  output: string;
  steps: number;
  batchSize: number;
  accumulate: number;
  lr: number;
  warmup?: number;
  weightDecay: number;
  clip: number;
  checkpointEvery: number;
  keep: number;
  evalEvery: number;
  patience?: number;
  seed: number;
  resume?: boolean;
  backend: string;
  workers: number;
  quiet?: boolean;
  json?: boolean;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`expected a positive number, got "${text}"`);
  return value;
}

/** Add the optimisation and run options to a training command. */
export function addTrainingOptions(
  command: Command,
  defaults: { steps: number; lr: number; batchSize: number },
): Command {
  return command
    .requiredOption('-o, --output <dir>', 'run folder: checkpoints/, best/, model/, metrics.jsonl, loss.svg')
    .option(
      '--steps <n>',
      'total optimiser steps (a resumed run stops where an uninterrupted one would)',
      integer(1),
      defaults.steps,
    )
    .option('--batch-size <n>', 'sequences per micro-batch', integer(1), defaults.batchSize)
    .option('--accumulate <n>', 'micro-batches per step (gradient accumulation)', integer(1), 1)
    .option('--lr <rate>', 'peak learning rate (AdamW)', positiveNumber, defaults.lr)
    .option(
      '--warmup <steps>',
      'linear warmup steps before cosine decay (default: 10% of steps, at most 100)',
      integer(0),
    )
    .option('--weight-decay <w>', 'AdamW decoupled weight decay', Number, 0.01)
    .option('--clip <norm>', 'clip the gradient to this global L2 norm', positiveNumber, 1)
    .option('--checkpoint-every <n>', 'save a checkpoint every n steps', integer(1), 100)
    .option('--keep <n>', 'checkpoints to keep (the best is kept apart)', integer(1), 3)
    .option('--eval-every <n>', 'evaluate every n steps', integer(1), 100)
    .option('--patience <n>', 'stop after n evaluations without improvement', integer(1))
    .option('--seed <n>', 'seed for initialisation, data order, masking, LSH and dropout', integer(0), 0)
    .option('--resume', 'continue from the newest checkpoint in the run folder')
    .option(
      '--backend <name>',
      'auto, tensorflow-gpu, tensorflow, webgpu (with --workers 1), wasm or cpu',
      'auto',
    )
    .option(
      '--workers <n>',
      'worker threads computing gradients in parallel (data-parallel; 1 = this thread)',
      integer(1),
      1,
    )
    .option('--quiet', 'no progress line')
    .option('--json', 'print the final summary as JSON');
}

/** Trainer options from the CLI options, with Ctrl-C and progress wired in. */
export function trainerOptionsFrom(
  options: TrainCliOptions,
  metricName: string,
): {
  trainer: Pick<TrainerOptions, 'output' | 'steps' | 'batchSize' | 'learningRate' | 'checkpointEvery'> &
    Partial<TrainerOptions>;
  dispose: () => void;
} {
  const controller = new AbortController();
  let presses = 0;
  const onSigint = () => {
    presses++;
    if (presses === 1) {
      process.stderr.write(
        '\nlocus: interrupted; saving a checkpoint (Ctrl-C again to quit without saving)\n',
      );
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSigint);
  const line = progressLine({ quiet: options.quiet });
  const onProgress = (p: TrainProgress) => {
    const evaluation = p.evaluation ? ` ${metricName} ${p.evaluation.metric.toFixed(4)}` : '';
    line.update(
      `step ${p.step}/${p.steps} loss ${p.loss.toFixed(4)}${evaluation} lr ${p.learningRate.toExponential(2)} ${Math.round(p.tokensPerSecond)} tok/s ETA ${formatDuration(p.etaSeconds)}`,
    );
  };
  return {
    trainer: {
      output: options.output,
      steps: options.steps,
      batchSize: options.batchSize,
      accumulate: options.accumulate,
      learningRate: options.lr,
      warmup: options.warmup,
      weightDecay: options.weightDecay,
      clip: options.clip,
      checkpointEvery: options.checkpointEvery,
      keepLast: options.keep,
      evalEvery: options.evalEvery,
      patience: options.patience,
      resume: options.resume,
      signal: controller.signal,
      onProgress,
    },
    dispose: () => {
      process.off('SIGINT', onSigint);
      line.done();
    },
  };
}

/**
 * Where gradients are computed: this thread, or a pool of worker threads holding copies of the
 * model (the average over examples is the same either way, in example order).
 */
export async function gradientsFor(
  workers: number,
  model: Reformer,
  backend: string,
): Promise<{ gradients?: GradientComputer; pool?: ModelWorkerPool; close: () => Promise<void> }> {
  if (workers <= 1) return { close: async () => {} };
  const { workerGradients } = await import('../../train/parallel.js');
  const pool = await modelPool(model, workers, backend);
  return { gradients: workerGradients(pool), pool, close: () => pool.close() };
}

/** `workers` threads that each hold a copy of `model`, on the backend named on the command line. */
export async function modelPool(model: Reformer, workers: number, backend: string): Promise<ModelWorkerPool> {
  const [{ ModelWorkerPool }, { parseBackendChoice }] = await Promise.all([
    import('../../model/workers.js'),
    import('../../model/backend.js'),
  ]);
  return ModelWorkerPool.forModel(model, workers, parseBackendChoice(backend));
}

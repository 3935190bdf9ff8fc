/**
 * The training loop, knowing nothing about which model or data it trains beyond two interfaces:
 * an `ExampleSource` (deterministic, with a saveable position) and a `GradientComputer` (in process,
 * or spread over worker threads). It owns the schedule, accumulation, clipping, AdamW, evaluation,
 * early stopping, metrics log, loss curve and checkpoints.
 *
 * Run folder (`output`):
 *   checkpoints/step-000200/   the last `keepLast` checkpoints: model, optimizer state, trainer state
 *   best/                      the checkpoint with the best evaluation metric
 *   model/                     the final model (written when the run ends or is interrupted)
 *   metrics.jsonl, loss.svg    one JSON line per step / evaluation, and the curve
 *
 * Resuming loads the newest complete checkpoint and continues exactly: same weights, optimizer
 * moments, step, and data position, and every seed derives from the step, so a resumed run ends with
 * the weights an uninterrupted one would have. A run killed with -9 loses at most `checkpointEvery`
 * steps; checkpoints are written atomically (a temporary folder renamed into place).
 */
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { loadCheckpointTensors } from '../model/checkpoint.js';
import { loadModel, saveModel } from '../model/model-io.js';
import { AdamW, clipGradientsOnDevice } from '../model/optimizer.js';
import type { Reformer } from '../model/reformer.js';
import { exampleStep } from '../model/reformer.js';
import { lossAndGradientsAsync } from '../model/reversible.js';
import { checkDevice } from '../model/webgpu-device.js';
import type { Example, ExampleSourceLike as ExampleSource } from './data/examples.js';
import { lossCurveSvg } from './loss-curve.js';
import { learningRateAt } from './schedule.js';

type Tensor = TF.Tensor;

export type { Example, ExampleSource };

/** Gradient of the mean loss over examples, and that loss. The caller disposes the gradients. */
export interface GradientComputer {
  compute(
    model: Reformer,
    examples: Example[],
    step: number,
  ): Promise<{ loss: number; tokens: number; grads: Map<string, Tensor> }>;
}

/** Examples one after another on this thread, gradients averaged. */
export const inProcessGradients: GradientComputer = {
  async compute(model, examples, step) {
    const { tf } = model;
    const sum = new Map<string, Tensor>();
    let loss = 0;
    let tokens = 0;
    for (const [i, example] of examples.entries()) {
      const result = await lossAndGradientsAsync(model, example.input, example.target, {
        training: true,
        step: exampleStep(step, i),
      });
      loss += result.loss;
      tokens += example.input.ids.length;
      for (const [name, g] of result.grads) {
        const previous = sum.get(name);
        sum.set(name, previous ? tf.add(previous, g) : g);
        if (previous) {
          previous.dispose();
          g.dispose();
        }
      }
    }
    for (const [name, g] of sum) {
      sum.set(name, tf.div(g, examples.length));
      g.dispose();
    }
    return { loss: loss / examples.length, tokens, grads: sum };
  },
};

export interface Evaluation {
  /** The metric early stopping and `best/` follow (e.g. validation loss or AUROC). */
  metric: number;
  [name: string]: number;
}

export interface TrainProgress {
  step: number;
  steps: number;
  loss: number;
  learningRate: number;
  tokensPerSecond: number;
  etaSeconds: number;
  evaluation?: Evaluation;
}

export interface TrainerOptions {
  output: string;
  /** Total optimiser steps; a resumed run stops where an uninterrupted one would. */
  steps: number;
  /** Examples per micro-batch and micro-batches per step (gradient accumulation). */
  batchSize: number;
  accumulate?: number;
  learningRate: number;
  warmup?: number;
  minLearningRate?: number;
  weightDecay?: number;
  clip?: number;
  checkpointEvery: number;
  keepLast?: number;
  evalEvery?: number;
  evaluate?: (model: Reformer) => Promise<Evaluation>;
  /** 'min' for losses, 'max' for AUROC and the like. */
  metricMode?: 'min' | 'max';
  /** Stop after this many evaluations without improvement. */
  patience?: number;
  resume?: boolean;
  /** Parameters to keep fixed (e.g. a frozen encoder when fine-tuning). */
  frozen?: (name: string) => boolean;
  /** Extra config.json entries saved with every checkpoint (tokenizer, task, data description). */
  extraConfig?: Record<string, unknown>;
  gradients?: GradientComputer;
  signal?: AbortSignal;
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainResult {
  stepsDone: number;
  finalLoss: number;
  best?: Evaluation & { step: number };
  stoppedEarly: boolean;
  interrupted: boolean;
  resumedFrom?: number;
}

interface TrainerState {
  step: number;
  data: unknown;
  best?: Evaluation & { step: number };
  sinceBest: number;
  optimizerStep: number;
}

const stepFolder = (step: number) => `step-${String(step).padStart(6, '0')}`;

async function checkpointSteps(output: string): Promise<number[]> {
  try {
    return (await readdir(join(output, 'checkpoints')))
      .map((name) => /^step-(\d+)$/.exec(name)?.[1])
      .filter((s): s is string => s !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}

async function saveTrainingCheckpoint(
  dir: string,
  model: Reformer,
  optimizer: AdamW,
  state: TrainerState,
  extra: Record<string, unknown>,
): Promise<void> {
  const moments: Record<string, Tensor> = {};
  for (const [name, m] of optimizer.m) moments[`m.${name}`] = m;
  for (const [name, v] of optimizer.v) moments[`v.${name}`] = v;
  await saveModel(dir, model, { ...extra, training: state }, undefined, { 'optimizer.safetensors': moments });
}

/** Train `model` in place; see the file comment for the run folder and resume semantics. */
export async function train(
  model: Reformer,
  source: ExampleSource,
  options: TrainerOptions,
): Promise<TrainResult> {
  const { tf } = model;
  const accumulate = options.accumulate ?? 1;
  const keepLast = options.keepLast ?? 3;
  const mode = options.metricMode ?? 'min';
  const gradients = options.gradients ?? inProcessGradients;
  const schedule = {
    peak: options.learningRate,
    warmup: options.warmup ?? Math.min(100, Math.floor(options.steps / 10)),
    total: options.steps,
    floor: options.minLearningRate ?? options.learningRate / 10,
  };
  const optimizer = new AdamW(tf, {
    learningRate: options.learningRate,
    weightDecay: options.weightDecay ?? 0.01,
  });
  await mkdir(join(options.output, 'checkpoints'), { recursive: true });
  const metricsPath = join(options.output, 'metrics.jsonl');

  let state: TrainerState = { step: 0, data: source.state(), sinceBest: 0, optimizerStep: 0 };
  let resumedFrom: number | undefined;
  // --resume with no checkpoint yet (a fresh folder, or a run killed before its first save) starts
  // from scratch, with a fresh metrics.jsonl like any new run.
  const last = options.resume ? (await checkpointSteps(options.output)).at(-1) : undefined;
  if (last !== undefined) {
    const dir = join(options.output, 'checkpoints', stepFolder(last));
    const { model: saved, config } = await loadModel(tf, dir);
    for (const [name, p] of model.params) p.assign(saved.param(name));
    saved.dispose();
    state = config.training as TrainerState;
    source.restore(state.data);
    const moments = await loadCheckpointTensors(dir, 'optimizer.safetensors');
    for (const [key, t] of Object.entries(moments))
      (key.startsWith('m.') ? optimizer.m : optimizer.v).set(key.slice(2), t);
    optimizer.step = state.optimizerStep;
    resumedFrom = state.step;
    // Forget log lines past the checkpoint: the resumed run writes those steps again.
    const lines = (await readFile(metricsPath, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    await writeFile(
      metricsPath,
      lines
        .filter((l) => (JSON.parse(l) as { step: number }).step <= state.step)
        .map((l) => l + '\n')
        .join(''),
    );
  } else {
    await writeFile(metricsPath, '');
  }

  const lossPoints: { step: number; value: number }[] = [];
  const evalPoints: { step: number; value: number }[] = [];
  for (const line of (await readFile(metricsPath, 'utf8')).split('\n').filter(Boolean)) {
    const record = JSON.parse(line) as { step: number; loss?: number; evaluation?: Evaluation };
    if (record.loss !== undefined) lossPoints.push({ step: record.step, value: record.loss });
    if (record.evaluation) evalPoints.push({ step: record.step, value: record.evaluation.metric });
  }

  const checkpoint = async () => {
    state.data = source.state();
    state.optimizerStep = optimizer.step;
    await saveTrainingCheckpoint(
      join(options.output, 'checkpoints', stepFolder(state.step)),
      model,
      optimizer,
      state,
      options.extraConfig ?? {},
    );
    const steps = await checkpointSteps(options.output);
    for (const old of steps.slice(0, Math.max(0, steps.length - keepLast))) {
      await rm(join(options.output, 'checkpoints', stepFolder(old)), { recursive: true, force: true });
    }
    await writeFile(
      join(options.output, 'loss.svg'),
      lossCurveSvg(
        [
          { name: 'training loss', colour: '#1f77b4', points: lossPoints },
          { name: 'evaluation metric', colour: '#d62728', points: evalPoints },
        ],
        'Locus training',
      ),
    );
  };

  let lastLoss = Number.NaN;
  let stoppedEarly = false;
  let interrupted = false;
  const started = performance.now();
  let tokensSeen = 0;
  const firstStep = state.step;
  try {
    while (state.step < options.steps) {
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const learningRate = learningRateAt(state.step, schedule);
      optimizer.learningRate = learningRate;
      // Accumulate micro-batches: gradients averaged over all examples of the step.
      let total: Map<string, Tensor> | undefined;
      let loss = 0;
      for (let micro = 0; micro < accumulate; micro++) {
        const result = await gradients.compute(model, source.take(options.batchSize), state.step);
        loss += result.loss / accumulate;
        tokensSeen += result.tokens;
        if (!total) total = result.grads;
        else {
          for (const [name, g] of result.grads) {
            const previous = total.get(name)!;
            total.set(name, tf.add(previous, g));
            previous.dispose();
            g.dispose();
          }
        }
      }
      const grads = total!;
      for (const [name, g] of grads) {
        if (options.frozen?.(name)) {
          g.dispose();
          grads.delete(name);
        } else if (accumulate > 1) {
          grads.set(name, tf.div(g, accumulate));
          g.dispose();
        }
      }
      // Clipped on the device and the norm read after the update is queued (webgpu reads only async).
      const norm = clipGradientsOnDevice(tf, grads, options.clip ?? 1);
      optimizer.apply(model.params, grads);
      for (const g of grads.values()) g.dispose();
      const gradientNorm = (await norm.data())[0]!;
      checkDevice();
      norm.dispose();
      state.step++;
      lastLoss = loss;
      lossPoints.push({ step: state.step, value: loss });

      let evaluation: Evaluation | undefined;
      if (
        options.evaluate &&
        options.evalEvery &&
        (state.step % options.evalEvery === 0 || state.step === options.steps)
      ) {
        evaluation = await options.evaluate(model);
        evalPoints.push({ step: state.step, value: evaluation.metric });
        const better =
          !state.best ||
          (mode === 'min' ? evaluation.metric < state.best.metric : evaluation.metric > state.best.metric);
        if (better) {
          state.best = { ...evaluation, step: state.step };
          state.sinceBest = 0;
          await saveModel(join(options.output, 'best'), model, {
            ...(options.extraConfig ?? {}),
            evaluation: state.best,
          });
        } else {
          state.sinceBest++;
        }
      }
      const elapsed = (performance.now() - started) / 1000;
      const rate = tokensSeen / Math.max(elapsed, 1e-9);
      const stepsPerSecond = (state.step - firstStep) / Math.max(elapsed, 1e-9);
      await appendFile(
        metricsPath,
        JSON.stringify({
          step: state.step,
          loss,
          learningRate,
          gradientNorm,
          tokensPerSecond: rate,
          evaluation,
        }) + '\n',
      );
      options.onProgress?.({
        step: state.step,
        steps: options.steps,
        loss,
        learningRate,
        tokensPerSecond: rate,
        etaSeconds: (options.steps - state.step) / Math.max(stepsPerSecond, 1e-9),
        evaluation,
      });
      if (state.step % options.checkpointEvery === 0) await checkpoint();
      if (options.patience !== undefined && state.sinceBest >= options.patience) {
        stoppedEarly = true;
        break;
      }
    }
    if (state.step % options.checkpointEvery !== 0 || interrupted || stoppedEarly) await checkpoint();
    await saveModel(join(options.output, 'model'), model, {
      ...(options.extraConfig ?? {}),
      training: { step: state.step, loss: lastLoss },
    });
  } finally {
    optimizer.dispose();
  }
  return {
    stepsDone: state.step,
    finalLoss: lastLoss,
    best: state.best,
    stoppedEarly,
    interrupted,
    resumedFrom,
  };
}

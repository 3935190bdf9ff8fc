/**
 * The classifier behind the model-guided mode of `locus motifs`: a Reformer trained to tell target
 * sequences (ChIP peaks, a few hundred bases) from background sequences, so that attribution
 * (model-attribution.ts) can ask which bases its decision rests on.
 *
 * - Split: 20% of each class, chosen by a permutation seeded from `seed`, is held out; the trainer
 *   evaluates validation AUROC every `evalEvery` steps, keeps the best model in `best/` and stops
 *   after `patience` evaluations without improvement.
 * - Strands: every training sequence is used as read and reverse-complemented (two items of one
 *   epoch), and validation scores a sequence by its mean target probability over both strands.
 * - Model: by default a small Reformer (26k parameters) trained from scratch on overlapping 4-mers
 *   (one token per base) with a short token convolution (see MOTIF_MODEL_DEFAULTS for why and for
 *   the numbers); `from` fine-tunes an existing checkpoint instead (its encoder and tokenizer, a new
 *   two-class head).
 *
 * The run folder is the trainer's (checkpoints/, best/, model/, metrics.jsonl, loss.svg); the
 * returned `checkpoint` is `best/`, which `loadMotifModel` and every `--model DIR` read.
 */
import { join } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { parseBackendChoice, selectBackend, type Tf } from '../../src/model/backend.js';
import { resolveConfig, type AttentionKind } from '../../src/model/config.js';
import { loadModel } from '../../src/model/model-io.js';
import type { ClassifyPooling } from '../../src/model/params.js';
import { Reformer, type SequenceInput } from '../../src/model/reformer.js';
import { resolveCheckpoint } from '../../src/model/shipped.js';
import { ModelWorkerPool, modelWeights } from '../../src/model/workers.js';
import { Random } from '../../src/tokenize/random.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { LabeledExamples } from '../../src/train/data/examples.js';
import type { LabeledSequence } from '../../src/train/data/labeled.js';
import { deriveSeed, permutation } from '../../src/train/data/rng.js';
import { classProbabilitiesMany } from '../../src/train/evaluate.js';
import { auroc } from '../../src/train/metrics.js';
import { workerGradients } from '../../src/train/parallel.js';
import { train } from '../../src/train/trainer.js';
import { encodeForModel, MOTIF_CLASSES, MOTIF_TASK_KIND, type EncodedSequence } from './model-checkpoint.js';

/** How the classifier is built and trained; every field has a default (MOTIF_MODEL_DEFAULTS). */
export interface MotifModelSettings {
  /**
   * A checkpoint (folder or shipped model name) to fine-tune instead of training from scratch: its
   * encoder and tokenizer are kept, the head is replaced by a two-class one. The fields below that
   * shape a fresh model (k, stride, dModel, ...) are then ignored.
   */
  from?: string;
  /** k-mer length and stride of a fresh model's tokenizer. 1 = one token per base. */
  k: number;
  stride: number;
  /** Width, depth, heads, head width and feed-forward multiple of a fresh model. */
  dModel: number;
  depth: number;
  heads: number;
  dHead: number;
  ffMult: number;
  /** Causal token convolution width of a fresh model (0 = none); see ReformerConfig.tokenConv. */
  tokenConv: number;
  /**
   * How the head pools the hidden states: 'max' asks whether a site is anywhere in the sequence,
   * 'mean' averages it over every base (params.ts ClassifyPooling). Used with `from` too.
   */
  pooling: ClassifyPooling;
  /** Attention kind of every layer; inputs up to fullAttentionUpTo tokens run full attention anyway. */
  attention: AttentionKind;
  dropout: number;
  /** Longest input (tokens) a fresh model's positions cover; at least the longest training sequence. */
  maxLength: number;
  /** Sequences per optimiser step. */
  batchSize: number;
  learningRate: number;
  /** Warmup steps before cosine decay; default 10% of the steps. */
  warmup?: number;
  weightDecay: number;
  /** Evaluate validation AUROC every this many steps. */
  evalEvery: number;
  /** Stop after this many evaluations without improvement. */
  patience: number;
  /** Share of each class held out for validation. */
  validationFraction: number;
  /** Optimiser steps when `steps` is not given: this many passes over the (doubled) training set. */
  epochs: number;
}

/**
 * Defaults, chosen on planted-motif data: a noisy 14-base CTCF-like site (each base mutated with
 * probability 0.15, either strand) in 70% of 200 targets of 200 bp, against 200 background sequences
 * of the same composition (GC 40%); 320 steps of 8 sequences, wasm on a shared 2-core CPU.
 *
 * - Overlapping 4-mers (k = 4, stride 1): one token per base, so attribution stays near base
 *   resolution (a token's score is shared by its 4 bases), while each token already tells the model
 *   which 4 bases are there. Over three seeds: validation AUROC 0.69-0.77 (k-mer logistic regression:
 *   0.77), and the motif-wide maximum of the attribution inside the planted site for 56-76% of fresh
 *   targets (chance 7%), in about 100 s.
 * - Alternatives measured the same way (validation AUROC / localisation): single bases 0.58-0.67 /
 *   33-74% over three settings (unstable); overlapping 3-mers 0.63 / 27%; 5-mers as good as 4-mers
 *   (0.58-0.76 / 66-77%) with 4x the embedding table and a blurrier score; 6-mers 0.72 / 60%; 3-mers
 *   with stride 3 0.70 / 21% (a motif is spelled three ways); fine-tuning the shipped dm3-mlm
 *   (6-mers, stride 6) did not learn the task in 320 steps (0.57 / 4%) and ran 3x slower.
 * - The 12-token convolution hands the first layer a motif-sized window of 4-mers.
 * - No dropout: 0.1 cost AUROC and localisation at this data size.
 * - Mean pooling: on the four 70% validation sets over three seeds each, the model-guided motifs
 *   reached the bar in 8 of 12 runs with mean and with max pooling alike, but max missed three by
 *   far (similarity 0.61-0.68) and one at 0.936, mean two by far (0.63, 0.79) and two by a hair (0.947,
 *   0.9498): mean similarity 0.925 against 0.889 (bench/results/motifs-model-validation-{mean,max}.json). Max
 *   pooling gives the better classifier (validation AUROC 0.73 against 0.70 on average), yet its
 *   attribution led to the planted motif less often.
 * - Validation AUROC is noisy and starts high on GC-rich motifs (composition alone gives ~0.7):
 *   patience is long, and the best checkpoint is kept whenever training stops.
 */
export const MOTIF_MODEL_DEFAULTS: MotifModelSettings = {
  k: 4,
  stride: 1,
  dModel: 32,
  depth: 2,
  heads: 2,
  dHead: 16,
  ffMult: 2,
  tokenConv: 12,
  pooling: 'mean',
  attention: 'lsh',
  dropout: 0,
  maxLength: 4096,
  batchSize: 8,
  learningRate: 5e-3,
  weightDecay: 0.01,
  evalEvery: 10,
  patience: 15,
  validationFraction: 0.2,
  epochs: 4,
};

export interface TrainMotifClassifierOptions {
  /** Sequences that hold the motif (peaks); label 1. */
  targets: string[];
  /** Sequences that do not; label 0. */
  background: string[];
  seed: number;
  /** Optimiser steps (default: `epochs` passes over the doubled training set). */
  steps?: number;
  /** auto, tensorflow-gpu, tensorflow, wasm or cpu. */
  backend?: string;
  /** Worker threads computing gradients (1 = this thread). */
  workers?: number;
  /** Run folder (created): checkpoints/, best/, model/, metrics.jsonl, loss.svg. */
  outputDir: string;
  settings?: Partial<MotifModelSettings>;
  signal?: AbortSignal;
  /** Optimiser steps done and planned. */
  onProgress?: (done: number, total: number) => void;
}

export interface MotifClassifierResult {
  /** The best checkpoint by validation AUROC (`outputDir/best`). */
  checkpoint: string;
  /** Validation AUROC of that checkpoint (both strands averaged). */
  validationAuroc: number;
  /** Optimiser steps run (fewer than planned when early stopping ended the run). */
  steps: number;
  /** Wall-clock seconds of the training run. */
  seconds: number;
  /** Step of the best checkpoint. */
  bestStep: number;
  stoppedEarly: boolean;
  /** Sequences per class in training and validation (before strand doubling). */
  counts: { train: [number, number]; validation: [number, number] };
}

/** Indices of one class held out for validation: `fraction` of them (at least 1), seeded. */
export function validationIndices(count: number, fraction: number, seed: number, label: number): Set<number> {
  const held = Math.min(count - 1, Math.max(1, Math.round(count * fraction)));
  const order = permutation(count, new Random(deriveSeed(seed, 0x6d07, label)));
  return new Set(order.subarray(0, held));
}

/** Both strands of each sequence (as read, then reverse-complemented), as labeled training items. */
export function bothStrands(sequences: readonly string[], label: number, name: string): LabeledSequence[] {
  return sequences.flatMap((sequence, i) => [
    { id: `${name} ${i + 1}`, sequence, label, file: name, line: i + 1 },
    { id: `${name} ${i + 1} (-)`, sequence: reverseComplement(sequence), label, file: name, line: i + 1 },
  ]);
}

function checkSequences(sequences: unknown, name: string): string[] {
  if (!Array.isArray(sequences)) throw new TypeError(`${name} must be an array of sequences`);
  sequences.forEach((s, i) => {
    if (typeof s !== 'string') throw new TypeError(`${name}[${i}] is not a string`);
  });
  const minimum = 5;
  if (sequences.length < minimum) {
    throw new LocusInputError(
      name,
      `${sequences.length} ${name} sequences are too few to train a classifier and hold out 20% to check it`,
      `give at least ${minimum} (a few hundred train a useful model)`,
    );
  }
  return sequences as string[];
}

/** Fine-tune or train from scratch a target-vs-background classifier; see the top of this file. */
export async function trainMotifClassifier(
  options: TrainMotifClassifierOptions,
): Promise<MotifClassifierResult> {
  const targets = checkSequences(options.targets, 'target');
  const background = checkSequences(options.background, 'background');
  if (!Number.isSafeInteger(options.seed) || options.seed < 0)
    throw new TypeError(`seed must be a non-negative integer, got ${String(options.seed)}`);
  const settings: MotifModelSettings = { ...MOTIF_MODEL_DEFAULTS, ...options.settings };
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new TypeError(`workers must be an integer >= 1, got ${String(workers)}`);
  const backend = options.backend ?? 'auto';
  const started = performance.now();

  // Split each class; train on both strands of the rest.
  const split = [background, targets].map((sequences, label) => {
    const held = validationIndices(sequences.length, settings.validationFraction, options.seed, label);
    return {
      train: sequences.filter((_, i) => !held.has(i)),
      validation: sequences.filter((_, i) => held.has(i)),
    };
  });
  const items = split.flatMap((s, label) => bothStrands(s.train, label, MOTIF_CLASSES[label]!));
  const longest = [...targets, ...background].reduce((m, s) => Math.max(m, s.length), 0);

  const steps =
    options.steps ?? Math.max(1, Math.ceil((settings.epochs * items.length) / settings.batchSize));
  if (!Number.isSafeInteger(steps) || steps < 1)
    throw new TypeError(`steps must be a positive integer, got ${String(steps)}`);

  const { model, tokenizer, addSpecialTokens } = await buildModel(settings, options.seed, longest, backend);
  let pool: ModelWorkerPool | undefined;
  try {
    // Every sequence must give at least one token and fit the model (checked before any training).
    const encode = (sequence: string, name: string): EncodedSequence => {
      const encoded = encodeForModel(tokenizer, addSpecialTokens, model.config.maxLength, sequence, name);
      if (encoded.starts.length === 0) {
        throw new LocusInputError(
          name,
          `${name} has ${sequence.length} bases, fewer than one ${tokenizer.k}-mer token`,
          'remove empty and very short sequences',
        );
      }
      return encoded;
    };
    [background, targets].forEach((sequences, label) =>
      sequences.forEach((s, i) => encode(s, `${MOTIF_CLASSES[label]} sequence ${i + 1}`)),
    );
    // Validation inputs: each held-out sequence on both strands; its score is the mean probability.
    const validation = split.flatMap((s, label) =>
      s.validation.map((sequence, i) => ({
        label,
        strands: [sequence, reverseComplement(sequence)].map(
          (strand) => encode(strand, `${MOTIF_CLASSES[label]} validation sequence ${i + 1}`).input,
        ),
      })),
    );

    if (workers > 1) {
      pool = await ModelWorkerPool.forModel(model, workers, parseBackendChoice(backend));
    }
    const targetProbabilities = async (inputs: SequenceInput[]): Promise<number[]> => {
      await pool?.setWeights(modelWeights(model));
      const probabilities = await classProbabilitiesMany(model, inputs, pool);
      return probabilities.map((p) => p[1]!);
    };
    const evaluate = async () => {
      const p = await targetProbabilities(validation.flatMap((v) => v.strands));
      const scores = validation.map((_, i) => (p[2 * i]! + p[2 * i + 1]!) / 2);
      const value = auroc(
        validation.map((v) => v.label),
        scores,
      );
      return { metric: value, auroc: value };
    };

    const examples = new LabeledExamples(items, {
      tokenizer,
      addSpecialTokens,
      maxTokens: model.config.maxLength - (addSpecialTokens ? 2 : 0),
      seed: deriveSeed(options.seed, 0xda7a),
    });
    const result = await train(model, examples, {
      output: options.outputDir,
      steps,
      batchSize: settings.batchSize,
      learningRate: settings.learningRate,
      warmup: settings.warmup ?? Math.max(1, Math.floor(steps / 10)),
      weightDecay: settings.weightDecay,
      checkpointEvery: Math.max(settings.evalEvery, 50),
      keepLast: 1,
      evalEvery: Math.min(settings.evalEvery, steps),
      evaluate,
      metricMode: 'max',
      patience: settings.patience,
      gradients: pool ? workerGradients(pool) : undefined,
      signal: options.signal,
      onProgress: (p) => options.onProgress?.(p.step, p.steps),
      extraConfig: {
        tokenizer: tokenizer.toConfig(),
        classes: [...MOTIF_CLASSES],
        task: {
          kind: MOTIF_TASK_KIND,
          from: settings.from ?? null,
          addSpecialTokens,
          targetClass: 1,
          seed: options.seed,
          strands: 'both (training sequences doubled with their reverse complements)',
          split: {
            validationFraction: settings.validationFraction,
            train: split.map((s) => s.train.length),
            validation: split.map((s) => s.validation.length),
          },
        },
      },
    });
    options.signal?.throwIfAborted();
    if (!result.best) throw new Error('training ended without an evaluation'); // evaluates at the last step
    return {
      checkpoint: join(options.outputDir, 'best'),
      validationAuroc: result.best.metric,
      steps: result.stepsDone,
      seconds: (performance.now() - started) / 1000,
      bestStep: result.best.step,
      stoppedEarly: result.stoppedEarly,
      counts: {
        train: [split[0]!.train.length, split[1]!.train.length],
        validation: [split[0]!.validation.length, split[1]!.validation.length],
      },
    };
  } finally {
    await pool?.close();
    model.dispose();
  }
}

/** A fresh model, or the encoder of `settings.from` under a new two-class head. */
async function buildModel(
  settings: MotifModelSettings,
  seed: number,
  longestBases: number,
  backend: string,
): Promise<{ tf: Tf; model: Reformer; tokenizer: KmerTokenizer; addSpecialTokens: boolean }> {
  const head = { kind: 'classify' as const, classes: 2, pooling: settings.pooling };
  if (settings.from !== undefined) {
    // Any checkpoint's encoder will do, whatever its head: load it as it is.
    const dir = resolveCheckpoint(settings.from);
    const { tf } = await selectBackend(parseBackendChoice(backend));
    const { model: pretrained, config } = await loadModel(tf, dir);
    const tokenizer = config.tokenizer
      ? KmerTokenizer.fromConfig(config.tokenizer, `${dir}/config.json`)
      : new KmerTokenizer();
    const task = config.task as { addSpecialTokens?: boolean } | undefined;
    const model = new Reformer(tf, { ...pretrained.config, seed }, head);
    for (const [name, p] of model.params) if (!name.startsWith('head.')) p.assign(pretrained.param(name));
    pretrained.dispose();
    return { tf, model, tokenizer, addSpecialTokens: task?.addSpecialTokens ?? true };
  }
  const { tf } = await selectBackend(parseBackendChoice(backend));
  const tokenizer = new KmerTokenizer({ k: settings.k, stride: settings.stride });
  const chunk = 64;
  const config = resolveConfig({
    vocabSize: tokenizer.vocabSize,
    dModel: settings.dModel,
    depth: settings.depth,
    heads: settings.heads,
    dHead: settings.dHead,
    ffMult: settings.ffMult,
    chunk,
    rounds: 2,
    attention: settings.attention,
    causal: false,
    dropout: settings.dropout,
    tokenConv: settings.tokenConv,
    maxLength: Math.max(settings.maxLength, tokenizer.tokenCount(longestBases), 2 * chunk),
    seed,
  });
  return { tf, model: new Reformer(tf, config, head), tokenizer, addSpecialTokens: false };
}

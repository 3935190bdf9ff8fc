/**
 * Forward-only use of a trained model: language-model loss on held-out windows, classifier
 * probabilities, pooled embeddings. No gradients are recorded; tensors are freed per sequence.
 */
import { releasePlans } from '../model/attention.js';
import { headLossSum, scoredPositions } from '../model/loss.js';
import { checkDevice } from '../model/webgpu-device.js';
import type { ClassifyPooling } from '../model/params.js';
import { poolHidden, type Reformer, type SequenceInput } from '../model/reformer.js';
import type { ModelWorkerPool } from '../model/workers.js';
import type { KmerTokenizer } from '../tokenize/tokenizer.js';
import { causalLmBatch, mlmBatch } from './data/batch.js';
import type { Example } from './data/examples.js';
import { deriveSeed } from './data/rng.js';
import type { LmBlock } from './lm-scoring.js';

/**
 * Evaluation forward passes take their LSH rotations from steps at and above this, one step per
 * window: every window gets fresh rotations (not one set shared by all of them), and never those of a
 * training step (runs are far shorter than 2^30 steps). Window i always gets the same rotations, so an
 * evaluation is reproducible and two checkpoints are compared under the same draws.
 */
export const EVALUATION_STEP_BASE = 2 ** 30;

export interface LmEvaluation {
  /** Summed cross-entropy over scored tokens, in nats. */
  totalNats: number;
  tokens: number;
  correct: number;
  /** Per example, in order: its summed nats and scored tokens. */
  perExample: { nats: number; tokens: number }[];
}

/**
 * Summed LM loss and accuracy over examples whose targets are per-token labels. Example i runs with
 * the LSH rotations of step `EVALUATION_STEP_BASE + firstIndex + i`.
 */
export async function evaluateLm(
  model: Reformer,
  examples: Iterable<Example>,
  signal?: AbortSignal,
  firstIndex = 0,
): Promise<LmEvaluation> {
  const { tf } = model;
  const result: LmEvaluation = { totalNats: 0, tokens: 0, correct: 0, perExample: [] };
  const get = (n: string) => model.param(n);
  let index = firstIndex;
  for (const { input, target } of examples) {
    signal?.throwIfAborted();
    const step = EVALUATION_STEP_BASE + index++;
    if (target.kind !== 'lm') throw new TypeError('evaluateLm needs language-model targets');
    const { rows, labels } = scoredPositions(target.labels);
    if (rows.length === 0) {
      result.perExample.push({ nats: 0, tokens: 0 });
      continue;
    }
    const { y1, y2, trace } = model.encodeHalves(input, { step });
    releasePlans(trace.plans);
    const [nats, hits] = tf.tidy(() => {
      const loss = headLossSum(model, y1, y2, target, rows, labels, input.valid, get);
      const hidden = model.finalHidden(model.ops.lookupRows(y1, rows), model.ops.lookupRows(y2, rows), get);
      const predicted = tf.argMax(tf.add(model.ops.linear(hidden, get('head.lm.w')), get('head.lm.b')), 1);
      const right = tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(labels, 'int32')), 'int32'));
      return [loss, right];
    });
    // Read asynchronously: the webgpu backend cannot read synchronously.
    const [natsValue, hitsValue] = await Promise.all([nats!.data(), hits!.data()]);
    checkDevice();
    const exampleNats = natsValue[0]!;
    result.totalNats += exampleNats;
    result.correct += hitsValue[0]!;
    result.tokens += rows.length;
    result.perExample.push({ nats: exampleNats, tokens: rows.length });
    tf.dispose([y1, y2, nats!, hits!]);
  }
  return result;
}

export interface LmTile {
  contig: string;
  start: number;
  end: number;
  /** The tile's bases, forward strand. */
  sequence: string;
}

export interface LmTileOptions {
  objective: 'mlm' | 'causal';
  tokenizer: KmerTokenizer;
  addSpecialTokens: boolean;
  /** Seeds MLM masking (per tile number). */
  seed: number;
}

/** One example per tile (see src/train/lm-scoring.ts for what a causal model is scored on). */
export function lmTileExamples(tiles: readonly LmTile[], options: LmTileOptions): Example[] {
  return tiles.map((tile, i) => {
    const batch =
      options.objective === 'mlm'
        ? mlmBatch([tile.sequence], {
            tokenizer: options.tokenizer,
            addSpecialTokens: options.addSpecialTokens,
            seed: deriveSeed(options.seed, 0xe7a1, i),
          })
        : causalLmBatch([tile.sequence], { tokenizer: options.tokenizer });
    return {
      input: { ids: batch.rows[0]!.ids, valid: batch.rows[0]!.valid },
      target: { kind: 'lm' as const, labels: batch.labelRows[0]! },
    };
  });
}

export interface LmTileEvaluation {
  /** One block per tile: scored bases (scored tokens x stride) and their nats. */
  blocks: LmBlock[];
  totalNats: number;
  tokens: number;
  bases: number;
  correct: number;
}

/** Evaluate prepared tile examples and report per-tile blocks. */
export async function evaluateLmTiles(
  model: Reformer,
  tiles: readonly LmTile[],
  examples: readonly Example[],
  basesPerToken: number,
  signal?: AbortSignal,
): Promise<LmTileEvaluation> {
  const e = await evaluateLm(model, examples, signal);
  const blocks = tiles.map((tile, i) => ({
    contig: tile.contig,
    start: tile.start,
    end: tile.end,
    bases: e.perExample[i]!.tokens * basesPerToken,
    nats: e.perExample[i]!.nats,
  }));
  return {
    blocks,
    totalNats: e.totalNats,
    tokens: e.tokens,
    bases: e.tokens * basesPerToken,
    correct: e.correct,
  };
}

/** Softmax of one row of logits (as computed elsewhere, e.g. by worker threads), in double precision. */
export function probabilitiesFromLogits(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exp = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const total = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / total);
}

/** Class probabilities for one sequence (classify head). */
export async function classProbabilities(model: Reformer, input: SequenceInput): Promise<Float32Array> {
  const { tf } = model;
  const logits = model.predict(input);
  const softmax = tf.softmax(logits);
  logits.dispose();
  const probabilities = (await softmax.data()) as Float32Array;
  softmax.dispose();
  checkDevice();
  return probabilities;
}

/**
 * Class probabilities of each input (classify head): on `pool`'s threads when one is given (they must
 * hold `model`'s current weights), else one input after another on this thread.
 */
export async function classProbabilitiesMany(
  model: Reformer,
  inputs: SequenceInput[],
  pool?: ModelWorkerPool,
): Promise<ArrayLike<number>[]> {
  if (pool) {
    const logits = await pool.predictMany(inputs, { output: 'logits' });
    return logits.map((row) => probabilitiesFromLogits(row));
  }
  const probabilities: Float32Array[] = [];
  for (const input of inputs) probabilities.push(await classProbabilities(model, input));
  return probabilities;
}

/** Final hidden state of one sequence pooled over its positions, by mean or max (d values). */
export async function pooledEmbedding(
  model: Reformer,
  input: SequenceInput,
  pooling: ClassifyPooling = 'mean',
): Promise<Float32Array> {
  const { tf } = model;
  const hidden = model.encode(input); // (T, d)
  const pooledTensor = tf.tidy(() => poolHidden(tf, hidden, input.valid, pooling)); // (1, d)
  hidden.dispose();
  const pooled = (await pooledTensor.data()) as Float32Array;
  pooledTensor.dispose();
  checkDevice();
  return pooled;
}

/**
 * The Reformer paper's duplication task (Kitaev et al. 2020, section 5): sequences `0 w 0 w`, w a
 * random string of symbols 1..V-1. A causal LM is trained on whole sequences; what is measured is
 * its accuracy on the second copy of w (the predictions from the second 0 on), which only attention
 * that finds the first copy can get right; the first copy is random (its loss stays at ln(V - 1)).
 * It checks that causal LSH attention (shared QK, same-bucket predecessors only) still copies across
 * half the sequence, against full attention as the reference, and how accuracy depends on the hash
 * rounds at evaluation (the paper's table: a model trained with n rounds evaluated with n').
 *
 *   npm run build
 *   nice -n 10 node dist/bench/model/duplication.js                      # LSH, 4 rounds, 800 steps (~2 min)
 *   nice -n 10 node dist/bench/model/duplication.js --rounds 2 --steps 1200
 *   nice -n 10 node dist/bench/model/duplication.js --attention full --steps 400
 *
 * Progress goes to stderr, a summary to stdout, and JSON to bench/results/duplication-lsh-<rounds>.json
 * or duplication-full.json (or the --out path).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseBackendChoice, selectBackend } from '../../src/model/backend.js';
import { bucketsFor, resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { crossEntropySum, scoredPositions } from '../../src/model/loss.js';
import { AdamW, clipGradients } from '../../src/model/optimizer.js';
import { IGNORE, Reformer } from '../../src/model/reformer.js';
import { learningRateAt } from '../../src/train/schedule.js';
import { inProcessGradients, type Example } from '../../src/train/trainer.js';
import { findRepoRoot, log } from '../repo.js';

const USAGE = `Usage: node dist/bench/model/duplication.js [options]

  --steps N          optimiser steps (default 800)
  --batch N          sequences per step (default 8)
  --length N         tokens per sequence, even: 0 w 0 w with |w| = N/2 - 1 (default 128)
  --vocab N          symbols, the separator 0 included (default 32)
  --attention KIND   lsh or full (default lsh)
  --rounds N         LSH hash rounds in training (default 4)
  --eval-rounds LIST LSH rounds the final evaluation also uses (default 1,2,4); after full-attention
                     training, the trained weights evaluated with LSH (the paper's first row)
  --buckets N        LSH buckets per round, even (default auto: 2 * length / chunk)
  --axial SHAPE      positions: absolute (one learned vector per position, default), auto (the
                     engine's axial default, n2 = chunk) or N1xN2
  --chunk N          LSH chunk (default 32)
  --depth N          layers (default 1, as in the paper)
  --d-model N        model width (default 64)
  --heads N          attention heads (default 2)
  --lr X             peak learning rate (default 0.003)
  --eval-every N     steps between evaluations (default 100)
  --eval-size N      held-out sequences (default 256)
  --seed N           seed for the model and the data (default 1)
  --backend NAME     TensorFlow.js backend (default wasm)
  --out PATH         JSON output (default bench/results/duplication-lsh-<rounds>.json or
                     duplication-full.json)
  -h, --help         this help`;

function integer(value: string, name: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be an integer >= ${min}, got ${value}`);
  return n;
}

/** mulberry32: a small seeded generator, so training and held-out data replay exactly. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One `0 w 0 w` sequence as an LM example: labels[t] = ids[t + 1] (the caller's shift, as the
 * engine's causal-LM batches do). Training scores every position; evaluation (`copyOnly`) scores
 * only the predictions of the second copy, from the second 0 on.
 */
function duplicationExample(random: () => number, length: number, vocab: number, copyOnly: boolean): Example {
  const half = length / 2;
  const ids = new Int32Array(length); // both separators stay 0
  for (let i = 1; i < half; i++) {
    const symbol = 1 + Math.floor(random() * (vocab - 1));
    ids[i] = symbol;
    ids[half + i] = symbol;
  }
  const labels = new Int32Array(length).fill(IGNORE);
  for (let t = copyOnly ? half : 0; t < length - 1; t++) labels[t] = ids[t + 1]!;
  return { input: { ids }, target: { kind: 'lm', labels } };
}

interface EvalPoint {
  step: number;
  seconds: number;
  /** Mean training loss over the steps since the previous evaluation. */
  trainLoss: number;
  /** Cross-entropy (nats per token) and accuracy on the second copy, held-out sequences. */
  copyLoss: number;
  copyAccuracy: number;
}

/** Steps that seed the evaluation's LSH rotations: far from the training steps, one per sequence. */
const EVAL_STEP = 1 << 30;

/**
 * Cross-entropy (nats per token) and accuracy on the second copy. Each held-out sequence gets its
 * own draw of LSH rotations (the step seeds them; the engine's evaluateLm uses step 0 for all), so
 * the accuracy is an average over rotations, not that of one lucky or unlucky draw.
 */
function evaluateCopy(model: Reformer, heldOut: Example[]): { loss: number; accuracy: number } {
  const { tf, ops } = model;
  const get = (name: string) => model.param(name);
  let nats = 0;
  let correct = 0;
  let tokens = 0;
  heldOut.forEach(({ input, target }, i) => {
    if (target.kind !== 'lm') throw new TypeError('duplication examples have LM targets');
    const { rows, labels } = scoredPositions(target.labels);
    const { y1, y2 } = model.encodeHalves(input, { step: EVAL_STEP + i });
    const [loss, hits] = tf.tidy(() => {
      const hidden = model.finalHidden(ops.lookupRows(y1, rows), ops.lookupRows(y2, rows), get);
      const logits = model.headOutputs(hidden, undefined, get);
      const predicted = tf.argMax(logits, 1);
      const right = tf.sum(tf.cast(tf.equal(predicted, tf.tensor1d(labels, 'int32')), 'int32'));
      return [crossEntropySum(tf, logits, labels), right];
    });
    nats += loss!.dataSync()[0]!;
    correct += hits!.dataSync()[0]!;
    tokens += rows.length;
    tf.dispose([y1, y2, loss!, hits!]);
  });
  return { loss: nats / tokens, accuracy: correct / tokens };
}

/**
 * The same weights evaluated with LSH attention of `rounds` hash rounds: rotations are drawn from
 * seeds, not stored, and attention has no parameters of its own, so only the config changes (which
 * also lets a model trained with full attention be evaluated with LSH). The view shares the
 * parameters and must not be disposed.
 */
function withLshRounds(model: Reformer, partial: Partial<ReformerConfig>, rounds: number): Reformer {
  const config = resolveConfig({ ...partial, attention: 'lsh', rounds });
  return new Reformer(model.tf, config, model.head, model.params);
}

/**
 * Position embedding shape. With w of fixed length the task is a copy at a fixed offset (the target
 * of position t sits at t - |w|), so positions tell the model where to look, and with shared QK the
 * score of key s for query t is a similarity of the two positions' vectors. The engine's axial
 * default (n2 = chunk) sums a row and a column vector, which makes offsets that are multiples of n2
 * (64: the same token) look alike, not |w| = 63; it learned nothing in 400 steps, full attention
 * included. One learned vector per position ([length, 1], as in the paper) can put t and t - |w|
 * together, and full attention then copies within 150 steps.
 */
function positions(shape: string, length: number): Partial<ReformerConfig> {
  if (shape === 'auto') return {};
  if (shape === 'absolute') return { axialShape: [length, 1] };
  const parts = shape.split('x').map((n) => integer(n, 'axial', 1));
  if (parts.length !== 2) throw new Error(`--axial must be absolute, auto or N1xN2, got ${shape}`);
  return { axialShape: parts as [number, number] };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string', default: '800' },
      batch: { type: 'string', default: '8' },
      length: { type: 'string', default: '128' },
      vocab: { type: 'string', default: '32' },
      attention: { type: 'string', default: 'lsh' },
      rounds: { type: 'string', default: '4' },
      'eval-rounds': { type: 'string', default: '1,2,4' },
      chunk: { type: 'string', default: '32' },
      depth: { type: 'string', default: '1' },
      'd-model': { type: 'string', default: '64' },
      heads: { type: 'string', default: '2' },
      lr: { type: 'string', default: '0.003' },
      'eval-every': { type: 'string', default: '100' },
      'eval-size': { type: 'string', default: '256' },
      seed: { type: 'string', default: '1' },
      axial: { type: 'string', default: 'absolute' },
      buckets: { type: 'string', default: 'auto' },
      backend: { type: 'string', default: 'wasm' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const steps = integer(values.steps, 'steps', 1);
  const batch = integer(values.batch, 'batch', 1);
  const length = integer(values.length, 'length', 4);
  if (length % 2 !== 0) throw new Error(`--length must be even (0 w 0 w), got ${length}`);
  const vocab = integer(values.vocab, 'vocab', 6); // the model's smallest vocabulary
  const rounds = integer(values.rounds, 'rounds', 1);
  const evalEvery = integer(values['eval-every'], 'eval-every', 1);
  const evalSize = integer(values['eval-size'], 'eval-size', 1);
  const seed = integer(values.seed, 'seed', 0);
  const learningRate = Number(values.lr);
  if (!(learningRate > 0)) throw new Error(`--lr must be positive, got ${values.lr}`);
  const attention = values.attention;
  if (attention !== 'lsh' && attention !== 'full')
    throw new Error(`--attention must be lsh or full, got ${attention}`);
  const evalRounds = [...new Set(values['eval-rounds'].split(',').map((r) => integer(r, 'eval-rounds', 1)))];

  const dModel = integer(values['d-model'], 'd-model', 2);
  const heads = integer(values.heads, 'heads', 1);
  const partial: Partial<ReformerConfig> = {
    vocabSize: vocab,
    dModel,
    depth: integer(values.depth, 'depth', 1),
    heads,
    dHead: Math.max(1, Math.floor(dModel / heads)),
    ffMult: 2,
    chunk: integer(values.chunk, 'chunk', 1),
    rounds,
    causal: true,
    attention,
    // Never fall back to exact attention: the point is to measure LSH at this short length.
    fullAttentionUpTo: 0,
    maxLength: length,
    ...positions(values.axial, length),
    nBuckets: values.buckets === 'auto' ? 'auto' : integer(values.buckets, 'buckets', 2),
    dropout: 0,
    seed,
  };
  const config = resolveConfig(partial, 'duplication benchmark');
  if (attention === 'lsh' && length <= 2 * config.chunk)
    throw new Error(
      `--length ${length} fits in one chunk pair (chunk ${config.chunk}): LSH would run full attention`,
    );

  const repo = findRepoRoot();
  const out = values.out
    ? resolve(values.out)
    : join(repo, 'bench/results', `duplication-${attention === 'lsh' ? `lsh-${rounds}` : 'full'}.json`);
  const { tf, name: backend } = await selectBackend(parseBackendChoice(values.backend));
  log(
    `duplication: ${attention}${attention === 'lsh' ? ` (${rounds} round${rounds > 1 ? 's' : ''}, chunk ${config.chunk})` : ''}, ` +
      `length ${length}, vocab ${vocab}, depth ${config.depth}, dModel ${dModel}, ${heads} heads, ` +
      `${steps} steps x ${batch}, backend ${backend}`,
  );

  // Training and held-out sequences come from separate streams; the same seed, the same data.
  const trainRandom = generator(seed * 2 + 1);
  const heldRandom = generator(seed * 2 + 2 + 0x9e3779b9);
  const heldOut = Array.from({ length: evalSize }, () => duplicationExample(heldRandom, length, vocab, true));

  const model = new Reformer(tf, config, { kind: 'lm' });
  const optimizer = new AdamW(tf, { learningRate, weightDecay: 0.01 });
  // Short warmup, then cosine decay: the copy behaviour appears suddenly and a high rate finds it
  // sooner, but needs the decay to settle at near-perfect accuracy.
  const schedule = {
    peak: learningRate,
    warmup: Math.min(50, Math.floor(steps / 10)),
    total: steps,
    floor: learningRate / 20,
  };
  const history: EvalPoint[] = [];
  const started = performance.now();
  let lossSinceEval = 0;
  let stepsSinceEval = 0;
  let lastLoss = Number.NaN;
  try {
    for (let step = 0; step < steps; step++) {
      optimizer.learningRate = learningRateAt(step, schedule);
      const examples = Array.from({ length: batch }, () =>
        duplicationExample(trainRandom, length, vocab, false),
      );
      // The engine's training step over a batch: mean gradient of the examples (the step number seeds
      // the LSH rotations, fresh each step), clipped, then AdamW.
      const { loss, grads } = await inProcessGradients.compute(model, examples, step);
      clipGradients(tf, grads, 1);
      optimizer.apply(model.params, grads);
      for (const g of grads.values()) g.dispose();
      lastLoss = loss;
      lossSinceEval += loss;
      stepsSinceEval++;
      if ((step + 1) % evalEvery === 0 || step + 1 === steps) {
        const copy = evaluateCopy(model, heldOut);
        const point: EvalPoint = {
          step: step + 1,
          seconds: (performance.now() - started) / 1000,
          trainLoss: lossSinceEval / stepsSinceEval,
          copyLoss: copy.loss,
          copyAccuracy: copy.accuracy,
        };
        history.push(point);
        lossSinceEval = 0;
        stepsSinceEval = 0;
        log(
          `  step ${point.step}: train loss ${point.trainLoss.toFixed(3)}, copy loss ${point.copyLoss.toFixed(3)}, ` +
            `copy accuracy ${(100 * point.copyAccuracy).toFixed(1)}% (${point.seconds.toFixed(0)} s)`,
        );
      }
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const final = history[history.length - 1]!;

    // The paper's table: the trained weights evaluated with other numbers of hash rounds.
    const byRounds: Record<string, { loss: number; accuracy: number }> = {};
    for (const r of evalRounds) {
      byRounds[String(r)] =
        attention === 'lsh' && r === rounds
          ? { loss: final.copyLoss, accuracy: final.copyAccuracy }
          : evaluateCopy(withLshRounds(model, partial, r), heldOut);
      log(
        `  evaluated with LSH, ${r} round${r > 1 ? 's' : ''}: copy accuracy ${(100 * byRounds[String(r)]!.accuracy).toFixed(1)}%`,
      );
    }

    const report = {
      benchmark: 'duplication',
      date: new Date().toISOString(),
      command: `node dist/bench/model/duplication.js${process.argv.length > 2 ? ' ' + process.argv.slice(2).join(' ') : ''}`,
      task: {
        description:
          '0 w 0 w, w uniform over symbols 1..V-1; causal LM on whole sequences; accuracy on the second copy',
        length,
        vocab,
        copyLength: length / 2 - 1,
        heldOutSequences: evalSize,
      },
      config,
      lshBucketsPerRound: bucketsFor(config, length),
      training: { steps, batch, learningRate, schedule, weightDecay: 0.01, clip: 1, seed },
      backend,
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version },
      seconds: trainSeconds,
      finalLoss: lastLoss,
      copyLoss: final.copyLoss,
      copyAccuracy: final.copyAccuracy,
      /** The trained weights evaluated with LSH of each number of rounds. */
      copyByLshEvalRounds: byRounds,
      history,
    };
    await mkdir(dirname(out), { recursive: true });
    const temporary = `${out}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(report, null, 2) + '\n');
    await rename(temporary, out);

    console.log(
      `duplication ${attention}${attention === 'lsh' ? ` (${rounds} round${rounds > 1 ? 's' : ''})` : ''}: ` +
        `copy accuracy ${(100 * final.copyAccuracy).toFixed(1)}% after ${steps} steps, ${trainSeconds.toFixed(0)} s`,
    );
    for (const [r, v] of Object.entries(byRounds))
      console.log(
        `  evaluated with LSH, ${r} round${r === '1' ? '' : 's'}: ${(100 * v.accuracy).toFixed(1)}%`,
      );
    console.log(`results: ${relative(process.cwd(), out)}`);
    return 0;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    log(`bench/model/duplication: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

/**
 * The genome's own model for `--method reformer`: a causal single-base Reformer trained on the genome
 * being scanned (random windows, both strands), then every base's surprisal, -ln p(base | the bases
 * before it in a `context`-base tile), summed per bin. The model reads each tile at once through its
 * local and LSH attention layers, so a base is predicted from kilobases of its own neighbourhood.
 *
 * Training and scoring run in a pool of worker threads (one tfjs backend per core); the optimiser
 * step stays on this thread. On webgpu (one device, asynchronous reads only) both run on this thread
 * instead. Every draw is derived from the seed, so a scan is reproducible.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { parseBackendChoice, selectBackend } from '../../src/model/backend.js';
import { resolveConfig } from '../../src/model/config.js';
import { loadModel } from '../../src/model/model-io.js';
import { IGNORE, Reformer, type SequenceInput } from '../../src/model/reformer.js';
import { resolveCheckpoint } from '../../src/model/shipped.js';
import { checkDevice } from '../../src/model/webgpu-device.js';
import { ModelWorkerPool, modelWeights } from '../../src/model/workers.js';
import { Random } from '../../src/tokenize/random.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { causalLmBatch } from '../../src/train/data/batch.js';
import type { Example, ExampleSourceLike } from '../../src/train/data/examples.js';
import { countAmbiguous } from '../../src/train/data/genome-windows.js';
import { deriveSeed } from '../../src/train/data/rng.js';
import { workerGradients } from '../../src/train/parallel.js';
import { train } from '../../src/train/trainer.js';
import { binCount } from './composition.js';
import type { ScanGenome } from './input.js';
import type { BinLoss } from './track.js';
import type { ScanProgress } from './types.js';

export interface ReformerScanSettings {
  /** Checkpoint (folder or shipped model name) to start from instead of a fresh model. */
  model?: string;
  /** Optimiser steps on the genome. */
  steps: number;
  /** Bases per training window and per scoring tile. */
  context: number;
  batchSize: number;
  learningRate: number;
  dModel: number;
  depth: number;
  backend: string;
}

export interface ReformerLossOptions extends ReformerScanSettings {
  binSize: number;
  seed: number;
  workers: number;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
  /** Called when a phase (fit, score) ends, for the summary's split of time. */
  onPhase?: (name: string) => void;
}

export interface ReformerLoss {
  losses: BinLoss[];
  trainedSteps: number;
  /** Mean surprisal over every scored base of the genome (in-sample: the scan learns from it). */
  bitsPerBase: number;
}

/** Bases of left context a tile shares with the previous one, so no scored base starts cold. */
const TILE_OVERLAP = 256;
/** Tiles sent to the workers per request (bounds the logits held at once). */
const TILES_PER_REQUEST = 8;
/** A drawn window with more non-A/C/G/T bases than this is drawn again. */
const MAX_AMBIGUOUS = 0.1;

/** Where tiles are scored: a worker pool, or this thread. */
interface Scorer {
  /** Tiles scored at once. */
  size: number;
  /** LM logits (T * vocab) of each input. */
  predictMany(inputs: SequenceInput[]): Promise<Float32Array[]>;
}

/** Scoring on this thread, each tile's logits read asynchronously (all webgpu can do). */
function inThreadScorer(model: Reformer): Scorer {
  return {
    size: 1,
    async predictMany(inputs) {
      const out: Float32Array[] = [];
      for (const input of inputs) {
        const logits = model.predict(input);
        out.push((await logits.data()) as Float32Array);
        logits.dispose();
        checkDevice();
      }
      return out;
    },
  };
}

export async function reformerBinLoss(
  genome: ScanGenome,
  options: ReformerLossOptions,
): Promise<ReformerLoss> {
  // Every read below is asynchronous when no worker pool is used, so webgpu can run the scan.
  const { tf, name: backend } = await selectBackend(parseBackendChoice(options.backend), {
    asyncReads: true,
  });
  const onDevice = backend === 'webgpu';
  const tokenizer = new KmerTokenizer({ k: 1, stride: 1 });
  const model = options.model
    ? await startingModel(tf, options.model)
    : new Reformer(
        tf,
        resolveConfig({
          vocabSize: tokenizer.vocabSize,
          dModel: options.dModel,
          depth: options.depth,
          heads: 2,
          dHead: 32,
          chunk: 64,
          rounds: 2,
          attention: Array.from({ length: options.depth }, (_, i) => (i % 2 === 0 ? 'local' : 'lsh')),
          causal: true,
          dropout: 0,
          tokenConv: 16,
          maxLength: options.context,
          seed: options.seed,
        }),
        { kind: 'lm' },
      );
  // Workers select their backend themselves and read synchronously: not on webgpu.
  const pool = onDevice
    ? undefined
    : await ModelWorkerPool.forModel(model, options.workers, parseBackendChoice(options.backend));
  const runFolder = await mkdtemp(join(tmpdir(), 'locus-scan-'));
  try {
    let trainedSteps = 0;
    if (options.steps > 0) {
      const context = Math.min(options.context, model.config.maxLength);
      const result = await train(model, genomeWindows(genome, tokenizer, context, options.seed), {
        output: runFolder,
        steps: options.steps,
        batchSize: options.batchSize,
        learningRate: options.learningRate,
        warmup: Math.min(20, Math.floor(options.steps / 10)),
        checkpointEvery: options.steps,
        keepLast: 1,
        ...(pool ? { gradients: workerGradients(pool) } : {}),
        signal: options.signal,
        onProgress: (p) =>
          options.onProgress?.({ phase: 'fit', done: p.step, total: p.steps, unit: 'steps' }),
      });
      options.signal?.throwIfAborted();
      trainedSteps = result.stepsDone;
      await pool?.setWeights(modelWeights(model));
    }
    options.onPhase?.('fit');
    const scored = await scoreGenome(
      pool
        ? {
            size: pool.size,
            predictMany: async (inputs) => (await pool.predictMany(inputs)) as Float32Array[],
          }
        : inThreadScorer(model),
      genome,
      tokenizer,
      Math.min(options.context, model.config.maxLength),
      options,
    );
    options.onPhase?.('score');
    return { ...scored, trainedSteps };
  } finally {
    await pool?.close();
    model.dispose();
    await rm(runFolder, { recursive: true, force: true });
  }
}

async function startingModel(tf: Reformer['tf'], pathOrName: string): Promise<Reformer> {
  const dir = resolveCheckpoint(pathOrName);
  const { model, config } = await loadModel(tf, dir);
  const tokenizer = config.tokenizer
    ? KmerTokenizer.fromConfig(config.tokenizer, `${dir}/config.json`)
    : undefined;
  if (!model.config.causal || model.head.kind !== 'lm' || tokenizer?.k !== 1) {
    model.dispose();
    throw new LocusInputError(
      pathOrName,
      `"${pathOrName}" is not a causal single-base language model, which a scan needs to score every base`,
      'give one trained with `locus pretrain --objective causal -k 1` (e.g. the shipped ecoli-causal), or leave out --model',
    );
  }
  return model;
}

/**
 * Training windows drawn from the genome itself: window i picks a contig (by length), a start and a
 * strand from deriveSeed(seed, i), and is drawn again while it is mostly N. The state is the draw count.
 */
function genomeWindows(
  genome: ScanGenome,
  tokenizer: KmerTokenizer,
  context: number,
  seed: number,
): ExampleSourceLike {
  const contigs = genome.contigs.map((c) => c.sequence).filter((s) => s.length > 0);
  const cumulative: number[] = [];
  let total = 0;
  for (const s of contigs) cumulative.push((total += s.length));
  let draw = 0;
  const next = (): string => {
    for (let attempt = 0; attempt < 1000; attempt++) {
      const rng = new Random(deriveSeed(seed, draw++));
      const random = () => rng.nextFloat();
      const at = random() * total;
      const index = cumulative.findIndex((end) => at < end);
      const sequence = contigs[index]!;
      const length = Math.min(context, sequence.length);
      const start = Math.floor(random() * (sequence.length - length + 1));
      let window = sequence.slice(start, start + length);
      if (countAmbiguous(window) > MAX_AMBIGUOUS * window.length) continue;
      if (random() < 0.5) window = reverseComplement(window);
      return window;
    }
    throw new LocusInputError(
      genome.path,
      `"${genome.path}" is almost all N`,
      'scan a sequence with A/C/G/T bases',
    );
  };
  return {
    take(count: number): Example[] {
      return Array.from({ length: count }, () => {
        const batch = causalLmBatch([next()], { tokenizer });
        const row = batch.rows[0]!;
        return {
          input: { ids: row.ids, valid: row.valid },
          target: { kind: 'lm', labels: batch.labelRows[0]! },
        };
      });
    },
    state: () => draw,
    restore: (state) => {
      draw = state as number;
    },
  };
}

interface Tile {
  contig: number;
  /** Tile bases [start, end) of the contig's sequence; bases before `scoredFrom` are context only. */
  start: number;
  end: number;
  scoredFrom: number;
}

function tilesOf(lengths: readonly number[], context: number): Tile[] {
  const tiles: Tile[] = [];
  const step = context - TILE_OVERLAP;
  lengths.forEach((length, contig) => {
    for (let scoredFrom = 0; scoredFrom < length; scoredFrom += step) {
      const start = Math.max(0, scoredFrom - TILE_OVERLAP);
      tiles.push({ contig, start, end: Math.min(length, start + context), scoredFrom });
    }
  });
  return tiles;
}

/** Every base's surprisal under the pool's model, summed per bin. */
async function scoreGenome(
  pool: Scorer,
  genome: ScanGenome,
  tokenizer: KmerTokenizer,
  context: number,
  options: ReformerLossOptions,
): Promise<{ losses: BinLoss[]; bitsPerBase: number }> {
  const sequences = genome.contigs.map((c) => c.sequence);
  const losses = sequences.map((s) => {
    const bins = binCount(s.length, options.binSize);
    return { nats: new Float64Array(bins), bases: new Float64Array(bins) };
  });
  const tiles = tilesOf(
    sequences.map((s) => s.length),
    context,
  );
  const totalBases = sequences.reduce((n, s) => n + s.length, 0);
  let doneBases = 0;
  let totalNats = 0;
  let scoredBases = 0;
  for (let first = 0; first < tiles.length; first += TILES_PER_REQUEST * pool.size) {
    options.signal?.throwIfAborted();
    const group = tiles.slice(first, first + TILES_PER_REQUEST * pool.size);
    const batches = group.map((t) =>
      causalLmBatch([sequences[t.contig]!.slice(t.start, t.end)], { tokenizer }),
    );
    const logits = await pool.predictMany(
      batches.map((b) => ({ ids: b.rows[0]!.ids, valid: b.rows[0]!.valid })),
    );
    group.forEach((tile, g) => {
      const labels = batches[g]!.labelRows[0]!;
      const rows = logits[g]!;
      const vocab = rows.length / labels.length;
      const loss = losses[tile.contig]!;
      // Row t predicts the token at t + 1, i.e. base start + t + 1 (k = 1, no special tokens).
      for (let t = 0; t < labels.length; t++) {
        const label = labels[t]!;
        const position = tile.start + t + 1;
        if (label === IGNORE || position < tile.scoredFrom) continue;
        const nats = softmaxNats(rows, t * vocab, vocab, label);
        const bin = (position / options.binSize) | 0;
        loss.nats[bin]! += nats;
        loss.bases[bin]! += 1;
        totalNats += nats;
        scoredBases++;
      }
      doneBases += tile.end - tile.scoredFrom;
    });
    options.onProgress?.({
      phase: 'score',
      done: Math.min(doneBases, totalBases),
      total: totalBases,
      unit: 'bases',
    });
  }
  return { losses, bitsPerBase: totalNats / Math.max(scoredBases, 1) / Math.LN2 };
}

/** -ln softmax(row)[label] for the row of `vocab` logits starting at `offset`. */
function softmaxNats(logits: Float32Array, offset: number, vocab: number, label: number): number {
  let max = -Infinity;
  for (let v = 0; v < vocab; v++) max = Math.max(max, logits[offset + v]!);
  let sum = 0;
  for (let v = 0; v < vocab; v++) sum += Math.exp(logits[offset + v]! - max);
  return Math.log(sum) + max - logits[offset + label]!;
}

/**
 * `locus eval`, `locus predict` and `locus embed`: a trained checkpoint applied to data.
 *
 * eval: a language model on FASTA (bits per base, perplexity and accuracy on the validation or test
 * part of the split, per 10 kb window too, or on all of it with --all), or a classifier on labeled
 * sequences (accuracy, F1, MCC, AUROC with bootstrap intervals, confusion matrix). predict: class probabilities per sequence. embed: pooled embeddings.
 */
import { Option, type Command } from 'commander';
import { LocusInputError } from '../../errors.js';
import { CLASSIFY_POOLINGS, type ClassifyPooling } from '../../model/params.js';
import type { SequenceInput } from '../../model/reformer.js';
import type { SplitSide } from '../../train/data/split.js';
import { integer } from '../options.js';
import { modelPool } from './train-options.js';
import { withOutput } from '../output.js';
import {
  encodeSequence,
  loadForInference,
  readLabeledFile,
  type LoadedCheckpoint,
} from './checkpoint-data.js';

interface UseOptions {
  reference?: string;
  backend: string;
  json?: boolean;
  output?: string;
  maxTokens?: number;
  truncation: 'error' | 'right' | 'left';
  split?: string;
  splitFraction?: number;
  all?: boolean;
  windows?: number;
  workers?: number;
}

function addCommon(command: Command): Command {
  return command
    .option('--reference <fasta>', 'reference FASTA for BED inputs')
    .option('--max-tokens <n>', 'k-mer tokens per sequence (longer ones: see --truncation)', integer(1))
    .option('--truncation <mode>', 'error, right (keep the start) or left (keep the end)', 'error')
    .option('--backend <name>', 'auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu', 'auto')
    .option('-o, --output <file>', 'write to a file instead of stdout');
}

/** The split fraction a checkpoint was trained with (runs from before the three-way split: half their held-out tail). */
function trainedSplitFraction(task: { split?: { fraction?: number }; heldOut?: number }): number | undefined {
  if (typeof task.split?.fraction === 'number') return task.split.fraction;
  return typeof task.heldOut === 'number' ? task.heldOut / 2 : undefined;
}

async function evaluateLanguageModel(loaded: LoadedCheckpoint, fasta: string, options: UseOptions) {
  const data = await import('../../train/data/index.js');
  const { evaluateLmTiles, lmTileExamples, EVALUATION_STEP_BASE } = await import('../../train/evaluate.js');
  const { languageModelReport } = await import('../../train/metrics.js');
  const task = (loaded.config.task ?? {}) as {
    objective?: string;
    context?: number;
    split?: { fraction?: number };
    heldOut?: number;
  };
  const objective = loaded.model.config.causal ? 'causal' : 'mlm';
  const context = task.context ?? 10_000;
  const side = options.split ?? 'validation';
  if (!data.SPLIT_SIDES.includes(side as SplitSide)) {
    throw new LocusInputError(`--split ${side}`, `Unknown split "${side}"`, 'use validation, test or train');
  }
  const fraction = options.splitFraction ?? trainedSplitFraction(task) ?? data.DEFAULT_SPLIT_FRACTION;
  if (!options.all && !(fraction > 0 && fraction < 0.5)) {
    throw new LocusInputError(
      `--split-fraction ${fraction}`,
      `The split fraction must be between 0 and 0.5 (validation and test each take that much), got ${fraction}`,
      'e.g. --split-fraction 0.1, the default',
    );
  }
  const sampler = await data.GenomeWindowSampler.open({
    genomes: [fasta],
    windowSize: context,
    seed: 0,
    splitFraction: options.all ? 0 : fraction,
    load: 'memory',
    tilesOnly: true,
  });
  try {
    const tiles = sampler
      .tiles(options.all ? 'train' : (side as SplitSide))
      .slice(0, options.windows)
      .map((c) => ({ ...c, sequence: sampler.fetchSync(c).sequence }));
    const examples = lmTileExamples(tiles, {
      objective,
      tokenizer: loaded.tokenizer,
      addSpecialTokens: loaded.addSpecialTokens,
      seed: 0,
    });
    const e = await evaluateLmTiles(loaded.model, tiles, examples, loaded.tokenizer.stride);
    if (e.tokens === 0) {
      const part = options.all ? 'it' : `its ${side} part (fraction ${fraction} of each contig)`;
      throw new LocusInputError(
        fasta,
        `"${fasta}" is too short to evaluate on: ${part} holds no token the model can be scored on`,
        options.all ? 'give a longer FASTA' : 'give a longer FASTA, or evaluate on all of it with --all',
      );
    }
    const report = languageModelReport(e.totalNats, e.tokens, e.bases);
    return {
      kind: 'language-model',
      objective,
      data: fasta,
      split: options.all ? { side: 'all' } : { side, ...data.splitDescription(fraction) },
      context,
      k: loaded.tokenizer.k,
      windows: tiles.length,
      scoredBases: e.bases,
      scoring:
        objective === 'causal'
          ? 'every token of a window but the first, k-mers with non-ACGT bases excluded (src/train/lm-scoring.ts)'
          : 'masked tokens',
      lshRotations: `fresh per window: step ${EVALUATION_STEP_BASE} + window number`,
      accuracy: e.correct / Math.max(e.tokens, 1),
      ...report,
      blocks: e.blocks,
    };
  } finally {
    await sampler.close();
  }
}

/** The labeled sequences of `file`, with the checkpoint's class names where it has them. */
function labeledSet(loaded: LoadedCheckpoint, file: string, options: UseOptions) {
  const classes = loaded.config.classes as string[] | undefined;
  return readLabeledFile(file, { reference: options.reference, classes });
}

async function labeledInputs(loaded: LoadedCheckpoint, file: string, options: UseOptions) {
  const set = await labeledSet(loaded, file, options);
  const inputs = [];
  for (const item of set.items) {
    inputs.push({ item, input: await encodeSequence(loaded, item.sequence, { ...options, source: file }) });
  }
  return { set, inputs };
}

/**
 * Class probabilities of each labeled sequence: read in frame 0, or, for a checkpoint fine-tuned with
 * `--frame-shift`, the mean over all its tokenizer's reading frames (train/data/frames.ts). With
 * `--workers` above 1 the forward passes run on that many model threads.
 */
async function classifierProbabilities(
  loaded: LoadedCheckpoint,
  items: readonly { sequence: string }[],
  file: string,
  options: UseOptions,
): Promise<{ probabilities: number[][]; frames: number }> {
  const { classProbabilitiesMany } = await import('../../train/evaluate.js');
  const data = await import('../../train/data/index.js');
  const { k, stride } = loaded.tokenizer;
  const frames = data.readingFrames(stride, data.trainedWithFrameShift(loaded.config));
  const pool =
    (options.workers ?? 1) > 1 ? await modelPool(loaded.model, options.workers!, options.backend) : undefined;
  try {
    const perFrame: ArrayLike<number>[][] = [];
    for (const frame of frames) {
      const inputs: SequenceInput[] = [];
      for (const item of items) {
        const sequence = data.inFrame(item.sequence, frame, k);
        inputs.push(await encodeSequence(loaded, sequence, { ...options, source: file }));
      }
      perFrame.push(await classProbabilitiesMany(loaded.model, inputs, pool));
    }
    return { probabilities: data.averageOverFrames(perFrame), frames: frames.length };
  } finally {
    await pool?.close();
  }
}

const WORKERS_HELP = 'classifier: model threads for the forward passes (default: 1, this thread)';

export function registerUseModel(program: Command): void {
  addCommon(
    program
      .command('eval')
      .description(
        'evaluate a checkpoint: bits per base for a language model, accuracy/F1/MCC/AUROC for a classifier',
      )
      .argument('<ckpt>', 'checkpoint folder, or a shipped model by name (locus models)')
      .argument('<data>', 'FASTA for a language model; labeled TSV/CSV/FASTA/BED for a classifier')
      .option(
        '--split <side>',
        'language model: validation (default), or test: read it only for the numbers you report',
      )
      .option(
        '--split-fraction <f>',
        'language model: validation and test each take this fraction of every contig (default: the one it was trained with)',
        Number,
      )
      .option('--all', 'language model: evaluate on the whole FASTA')
      .option('--windows <n>', 'language model: at most n windows', integer(1))
      .option('--workers <n>', WORKERS_HELP, integer(1))
      .option('--json', 'machine-readable output'),
  ).action(async (ckpt: string, file: string, options: UseOptions) => {
    const loaded = await loadForInference(ckpt, options.backend, { asyncReads: true });
    try {
      let report: Record<string, unknown>;
      if (loaded.model.head.kind === 'lm') report = await evaluateLanguageModel(loaded, file, options);
      else if (loaded.model.head.kind === 'classify') {
        const { classificationReport } = await import('../../train/metrics.js');
        const { classificationBootstrap } = await import('../../train/bootstrap.js');
        const set = await labeledSet(loaded, file, options);
        const { probabilities, frames } = await classifierProbabilities(loaded, set.items, file, options);
        const labels = set.items.map((item) => item.label);
        report = {
          kind: 'classifier',
          classes: set.classes,
          counts: set.classCounts,
          readingFrames: frames,
          ...classificationReport(labels, probabilities),
          ...(set.classes.length === 2 && {
            intervals: classificationBootstrap(labels, probabilities, { replicates: 1000, seed: 0 }),
          }),
        };
      } else
        throw new LocusInputError(
          ckpt,
          `Checkpoint "${ckpt}" has a per-token head, which eval does not score yet`,
          'use predict',
        );
      await withOutput(options.output, async (out) => {
        if (options.json) return out.write(JSON.stringify(report, null, 2) + '\n');
        for (const [key, value] of Object.entries(report)) {
          await out.write(
            `${key}\t${typeof value === 'number' ? Number(value.toFixed(6)) : JSON.stringify(value)}\n`,
          );
        }
      });
    } finally {
      loaded.model.dispose();
    }
  });

  addCommon(
    program
      .command('predict')
      .description('class probabilities per sequence, as TSV (id, label, p_<class>...)')
      .argument('<ckpt>', 'classifier checkpoint folder')
      .argument('<data>', 'labeled TSV/CSV/FASTA/BED')
      .option('--workers <n>', WORKERS_HELP, integer(1)),
  ).action(async (ckpt: string, file: string, options: UseOptions) => {
    const loaded = await loadForInference(ckpt, options.backend, { asyncReads: true });
    try {
      if (loaded.model.head.kind !== 'classify') {
        throw new LocusInputError(
          ckpt,
          `Checkpoint "${ckpt}" is not a classifier`,
          'give a checkpoint written by locus finetune',
        );
      }
      const set = await labeledSet(loaded, file, options);
      const classes = (loaded.config.classes as string[] | undefined) ?? set.classes;
      const { probabilities } = await classifierProbabilities(loaded, set.items, file, options);
      await withOutput(options.output, async (out) => {
        await out.write(['id', 'label', ...classes.map((c) => `p_${c}`)].join('\t') + '\n');
        for (const [i, item] of set.items.entries()) {
          const p = probabilities[i]!;
          await out.write(
            [item.id, set.classes[item.label] ?? item.label, ...Array.from(p, (v) => v.toFixed(6))].join(
              '\t',
            ) + '\n',
          );
        }
      });
    } finally {
      loaded.model.dispose();
    }
  });

  addCommon(
    program
      .command('embed')
      .description(
        "pooled embeddings per sequence, as TSV (id, e0, e1, ...): the final hidden states' mean, or for a classifier its head's pooling",
      )
      .argument('<ckpt>', 'checkpoint folder, or a shipped model by name')
      .argument('<data>', 'labeled TSV/CSV/FASTA/BED')
      .addOption(
        new Option(
          '--pooling <how>',
          "mean or max over the sequence's positions (default: a classifier's own pooling, otherwise mean)",
        ).choices(CLASSIFY_POOLINGS),
      ),
  ).action(async (ckpt: string, file: string, options: UseOptions & { pooling?: ClassifyPooling }) => {
    const loaded = await loadForInference(ckpt, options.backend, { asyncReads: true });
    try {
      const { pooledEmbedding } = await import('../../train/evaluate.js');
      const head = loaded.model.head;
      const pooling = options.pooling ?? (head.kind === 'classify' ? (head.pooling ?? 'mean') : 'mean');
      const { inputs } = await labeledInputs(loaded, file, options);
      await withOutput(options.output, async (out) => {
        const d = loaded.model.config.dModel;
        await out.write(['id', ...Array.from({ length: d }, (_, i) => `e${i}`)].join('\t') + '\n');
        for (const { item, input } of inputs) {
          await out.write(
            [
              item.id,
              ...Array.from(await pooledEmbedding(loaded.model, input, pooling), (v) => v.toFixed(6)),
            ].join('\t') + '\n',
          );
        }
      });
    } finally {
      loaded.model.dispose();
    }
  });
}

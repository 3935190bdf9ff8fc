/** `locus finetune`: a classifier from a pretrained checkpoint (encoder loaded, new head). */
import { Option, type Command } from 'commander';
import { LocusInputError } from '../../errors.js';
import { CLASSIFY_POOLINGS, type ClassifyPooling } from '../../model/params.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';
import {
  addTrainingOptions,
  gradientsFor,
  trainerOptionsFrom,
  type TrainCliOptions,
} from './train-options.js';
import { loadForInference, readLabeledFile } from './checkpoint-data.js';

interface FinetuneOptions extends TrainCliOptions {
  train: string;
  val: string;
  from: string;
  reference?: string;
  freezeEncoder?: boolean;
  maxTokens?: number;
  truncation: string;
  frameShift?: boolean;
  pooling: ClassifyPooling;
}

export function registerFinetune(program: Command): void {
  const command = program
    .command('finetune')
    .description('fine-tune a pretrained checkpoint as a sequence classifier')
    .requiredOption(
      '--train <file>',
      'labeled sequences: TSV/CSV (sequence,label), FASTA (label= in the header) or BED (+ --reference)',
    )
    .requiredOption('--val <file>', 'labeled validation sequences (same format rules)')
    .requiredOption(
      '--from <ckpt>',
      'pretrained checkpoint folder (e.g. runs/x/best), or a shipped model by name',
    )
    .option('--reference <fasta>', 'reference FASTA for BED inputs')
    .option('--freeze-encoder', 'train only the classification head')
    .option('--max-tokens <n>', 'k-mer tokens per sequence (longer ones: see --truncation)', integer(1))
    .option('--truncation <mode>', 'error, right (keep the start) or left (keep the end)', 'error')
    .option(
      '--frame-shift',
      'k-mers with stride > 1: train on a random reading frame of each sequence, and score sequences as the mean of all their frames (validation, and eval/predict of the result; they cost stride x)',
    )
    .addOption(
      new Option(
        '--pooling <how>',
        'how the head sums up a sequence: mean (its overall make-up, e.g. promoters) or max (whether a site is anywhere in it, e.g. ChIP peaks)',
      )
        .choices(CLASSIFY_POOLINGS)
        .default('mean'),
    );
  addTrainingOptions(command, { steps: 500, lr: 1e-4, batchSize: 8 }).action(
    async (options: FinetuneOptions) => {
      const [
        { Reformer },
        data,
        { train },
        { classProbabilitiesMany },
        { classificationReport },
        { modelWeights },
      ] = await Promise.all([
        import('../../model/reformer.js'),
        import('../../train/data/index.js'),
        import('../../train/trainer.js'),
        import('../../train/evaluate.js'),
        import('../../train/metrics.js'),
        import('../../model/workers.js'),
      ]);
      if (!['error', 'right', 'left'].includes(options.truncation)) {
        throw new LocusInputError(
          options.truncation,
          `Unknown truncation "${options.truncation}"`,
          'use error, right or left',
        );
      }
      // In this thread every read is asynchronous, so webgpu can run it; worker threads cannot.
      const pretrained = await loadForInference(options.from, options.backend, {
        asyncReads: options.workers <= 1,
      });
      const trainSet = await readLabeledFile(options.train, { reference: options.reference });
      const valSet = await readLabeledFile(options.val, {
        reference: options.reference,
        classes: trainSet.classes,
      });
      if (trainSet.classes.length < 2) {
        throw new LocusInputError(
          options.train,
          `"${options.train}" has a single class (${trainSet.classes[0]})`,
          'a classifier needs at least two classes',
        );
      }
      const { tf, tokenizer } = pretrained;
      const model = new Reformer(tf, pretrained.model.config, {
        kind: 'classify',
        classes: trainSet.classes.length,
        pooling: options.pooling,
      });
      for (const [name, p] of model.params)
        if (!name.startsWith('head.')) p.assign(pretrained.model.param(name));
      pretrained.model.dispose();
      const encode = {
        tokenizer,
        addSpecialTokens: pretrained.addSpecialTokens,
        maxTokens: Math.min(options.maxTokens ?? Number.MAX_SAFE_INTEGER, model.config.maxLength - 2),
        truncation: options.truncation as 'error',
      };
      const frameShift = options.frameShift === true;
      if (frameShift && tokenizer.stride === 1) {
        throw new LocusInputError(
          '--frame-shift',
          `--frame-shift reads k-mers in shifted frames, but "${options.from}" tokenizes with stride 1 (one frame)`,
          'drop --frame-shift, or fine-tune a checkpoint with non-overlapping k-mers (stride > 1)',
        );
      }
      const examples = new data.LabeledExamples(trainSet.items, {
        ...encode,
        seed: options.seed,
        frameShift,
      });
      // valInputs[f][i]: validation sequence i read in frame f (frame 0 alone without --frame-shift).
      const valInputs = data.readingFrames(tokenizer.stride, frameShift).map((frame) =>
        valSet.items.map((item) => {
          const sequence = data.inFrame(item.sequence, frame, tokenizer.k);
          const row = data.encodeBatch([sequence], encode).rows[0]!;
          return { ids: row.ids, valid: row.valid };
        }),
      );
      const valLabels = valSet.items.map((item) => item.label);
      const parallel = await gradientsFor(options.workers, model, options.backend);
      // With workers, the validation forward passes run on them too (they idle between steps): each
      // gets the current weights first, and the logits come back in input order.
      const validationProbabilities = async (): Promise<number[][]> => {
        if (parallel.pool) await parallel.pool.setWeights(modelWeights(model));
        const perFrame: ArrayLike<number>[][] = [];
        for (const inputs of valInputs)
          perFrame.push(await classProbabilitiesMany(model, inputs, parallel.pool));
        return data.averageOverFrames(perFrame);
      };
      const evaluate = async () => {
        const probabilities = await validationProbabilities();
        const report = classificationReport(valLabels, probabilities);
        const metric = trainSet.classes.length === 2 ? report.auroc : report.mcc;
        return { metric, accuracy: report.accuracy, f1: report.f1, mcc: report.mcc, auroc: report.auroc };
      };
      const { trainer, dispose } = trainerOptionsFrom(
        options,
        trainSet.classes.length === 2 ? 'val AUROC' : 'val MCC',
      );
      try {
        const result = await train(model, examples, {
          ...trainer,
          gradients: parallel.gradients,
          evaluate,
          metricMode: 'max',
          frozen: options.freezeEncoder ? (name) => !name.startsWith('head.') : undefined,
          extraConfig: {
            tokenizer: tokenizer.toConfig(),
            classes: trainSet.classes,
            task: {
              kind: 'finetune',
              from: options.from,
              train: options.train,
              val: options.val,
              addSpecialTokens: pretrained.addSpecialTokens,
              ...(frameShift && { frameShift: true }),
            },
          },
        });
        dispose();
        const summary = {
          ...result,
          classes: trainSet.classes,
          trainCounts: trainSet.classCounts,
          valCounts: valSet.classCounts,
          output: options.output,
        };
        await withOutput(undefined, async (out) => {
          if (options.json) await out.write(JSON.stringify(summary, null, 2) + '\n');
          else if (!options.quiet) {
            const best = result.best
              ? `; best validation ${trainSet.classes.length === 2 ? 'AUROC' : 'MCC'} ${result.best.metric.toFixed(4)} at step ${result.best.step}`
              : '';
            await out.write(
              `${result.interrupted ? 'interrupted' : 'done'} at step ${result.stepsDone}${best}; best model in ${options.output}/best\n`,
            );
          }
        });
      } finally {
        dispose();
        await parallel.close();
        model.dispose();
      }
    },
  );
}

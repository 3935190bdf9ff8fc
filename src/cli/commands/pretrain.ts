/** `locus pretrain`: masked- or causal-LM pretraining of a Reformer on genome windows. */
import type { Command } from 'commander';
import { LocusInputError } from '../../errors.js';
import type { AttentionKind } from '../../model/config.js';
import { attentionKinds, attentionPerLayer, integer } from '../options.js';
import { withOutput } from '../output.js';
import {
  addTrainingOptions,
  gradientsFor,
  trainerOptionsFrom,
  type TrainCliOptions,
} from './train-options.js';

interface PretrainOptions extends TrainCliOptions {
  objective: string;
  context: number;
  k: number;
  stride?: number;
  splitFraction: number;
  evalWindows?: number;
  reverseComplement?: boolean;
  dModel: number;
  depth: number;
  heads: number;
  dHead: number;
  chunk: number;
  rounds: number;
  attention?: AttentionKind[];
  dropout: number;
  tokenConv: number;
}

export function registerPretrain(program: Command): void {
  const command = program
    .command('pretrain')
    .description(
      'pretrain a Reformer on genomes (masked-LM or causal-LM), on the train part of the train/validation/test split',
    )
    .argument('<fasta...>', 'genome FASTA files (plain, bgzip or gzip)')
    .option('--objective <mlm|causal>', 'masked-LM (DNABERT) or causal-LM (next token)', 'mlm')
    .option('--context <bases>', 'bases per training window', integer(16), 10_000)
    .option('-k, --k <k>', 'k-mer length', integer(1, 8), 6)
    .option(
      '--stride <bases>',
      'bases between token starts (default k; causal-LM needs stride = k)',
      integer(1),
    )
    .option(
      '--split-fraction <f>',
      'validation and test each take this fraction of every contig (its end; test last); training reads neither',
      Number,
      0.1,
    )
    .option('--eval-windows <n>', 'evaluate on at most n validation windows (default: all)', integer(1))
    .option('--reverse-complement', 'reverse-complement half the training windows')
    .option('--d-model <n>', 'model width', integer(2), 128)
    .option('--depth <n>', 'reversible blocks', integer(1), 4)
    .option('--heads <n>', 'attention heads', integer(1), 4)
    .option('--d-head <n>', 'width of each head', integer(1), 32)
    .option('--chunk <n>', 'attention chunk (tokens)', integer(1), 64)
    .option('--rounds <n>', 'LSH hash rounds', integer(1), 4)
    .option(
      '--attention <kinds>',
      'lsh, local or full, or a comma list repeated over the layers (local,lsh = local, lsh, local, ...) (default: lsh)',
      attentionKinds,
    )
    .option('--dropout <rate>', 'dropout', Number, 0.1)
    .option(
      '--token-conv <width>',
      'causal convolution over the last <width> token embeddings, giving every layer the local context (0 = none; e.g. 16 for -k 1)',
      integer(0, 1024),
      0,
    );
  addTrainingOptions(command, { steps: 1000, lr: 5e-4, batchSize: 1 })
    .addHelpText(
      'after',
      `
The run folder holds checkpoints/step-N (the last --keep), best/ (best validation loss), model/ (the
final model), metrics.jsonl and loss.svg. Ctrl-C saves a checkpoint and stops; --resume continues
from the newest checkpoint exactly (weights, optimiser, data position). Evaluation, early stopping
and best/ read the validation part only, in bits per base; the test part is read by
"locus eval --split test" alone.

Examples:
  locus pretrain samples/lambda.fa -o runs/lambda --context 2000 --steps 200
  locus pretrain genome.fa.gz -o runs/ecoli --objective causal --context 10000 --steps 5000 --resume`,
    )
    .action(async (fastas: string[], options: PretrainOptions) => {
      if (options.objective !== 'mlm' && options.objective !== 'causal') {
        throw new LocusInputError(
          options.objective,
          `Unknown objective "${options.objective}"`,
          'use mlm or causal',
        );
      }
      const objective = options.objective;
      const stride = options.stride ?? options.k;
      if (objective === 'causal' && stride < options.k) {
        throw new LocusInputError(
          `--stride ${stride}`,
          'Causal-LM pretraining with overlapping k-mers leaks the next token into the current one',
          `use --stride ${options.k}`,
        );
      }
      if (!(options.splitFraction > 0 && options.splitFraction < 0.5)) {
        throw new LocusInputError(
          `--split-fraction ${options.splitFraction}`,
          'The split fraction must be between 0 and 0.5 (validation and test each take that much)',
          'e.g. --split-fraction 0.1',
        );
      }
      const [
        { selectBackend, parseBackendChoice },
        { resolveConfig },
        { Reformer },
        tokenize,
        data,
        { train },
        { evaluateLmTiles, lmTileExamples },
        { bitsPerBase },
      ] = await Promise.all([
        import('../../model/backend.js'),
        import('../../model/config.js'),
        import('../../model/reformer.js'),
        import('../../tokenize/index.js'),
        import('../../train/data/index.js'),
        import('../../train/trainer.js'),
        import('../../train/evaluate.js'),
        import('../../train/metrics.js'),
      ]);
      // In this thread the trainer reads only asynchronously, so webgpu can run it; workers cannot.
      const { tf } = await selectBackend(parseBackendChoice(options.backend), {
        asyncReads: options.workers <= 1,
      });
      const tokenizer = new tokenize.KmerTokenizer({ k: options.k, stride });
      const sampler = await data.GenomeWindowSampler.open({
        genomes: fastas,
        windowSize: options.context,
        seed: options.seed,
        splitFraction: options.splitFraction,
        reverseComplement: options.reverseComplement ?? false,
        load: 'memory',
      });
      const addSpecialTokens = objective === 'mlm';
      const maxTokens = tokenizer.tokenCount(options.context) + (addSpecialTokens ? 2 : 0);
      const config = resolveConfig({
        vocabSize: tokenizer.vocabSize,
        dModel: options.dModel,
        depth: options.depth,
        heads: options.heads,
        dHead: options.dHead,
        chunk: options.chunk,
        rounds: options.rounds,
        attention: attentionPerLayer(options.attention ?? ['lsh'], options.depth),
        causal: objective === 'causal',
        dropout: options.dropout,
        tokenConv: options.tokenConv,
        maxLength: Math.max(maxTokens, options.chunk * 2),
        seed: options.seed,
      });
      const model = new Reformer(tf, config, { kind: 'lm' });
      const examples = data.windowExamples(sampler, {
        objective,
        seed: options.seed,
        tokenizer,
        addSpecialTokens,
      });
      // Validation tiles, made into examples once (masking seeded by tile number for MLM).
      const tiles = sampler
        .tiles('validation')
        .slice(0, options.evalWindows)
        .map((c) => ({ ...c, sequence: sampler.fetchSync(c).sequence }));
      const evalExamples = lmTileExamples(tiles, {
        objective,
        tokenizer,
        addSpecialTokens,
        seed: options.seed,
      });
      const basesPerToken = stride; // each scored token adds `stride` new bases (causal, stride = k)
      const evaluate = async () => {
        const e = await evaluateLmTiles(model, tiles, evalExamples, basesPerToken);
        return {
          metric: e.totalNats / Math.max(e.tokens, 1),
          bitsPerBase: bitsPerBase(e.totalNats, e.bases),
          accuracy: e.correct / Math.max(e.tokens, 1),
          tokens: e.tokens,
        };
      };
      const parallel = await gradientsFor(options.workers, model, options.backend);
      const { trainer, dispose } = trainerOptionsFrom(options, 'validation loss');
      try {
        const result = await train(model, examples, {
          ...trainer,
          gradients: parallel.gradients,
          evaluate,
          metricMode: 'min',
          extraConfig: {
            tokenizer: tokenizer.toConfig(),
            task: {
              kind: 'pretrain',
              objective,
              context: options.context,
              genomes: fastas,
              split: data.splitDescription(options.splitFraction),
              addSpecialTokens,
            },
          },
        });
        dispose();
        const summary = {
          ...result,
          validationWindows: evalExamples.length,
          output: options.output,
          samplerStats: sampler.stats(),
        };
        await withOutput(undefined, async (out) => {
          if (options.json) await out.write(JSON.stringify(summary, null, 2) + '\n');
          else if (!options.quiet) {
            const best = result.best
              ? `; best validation ${(result.best.bitsPerBase ?? NaN).toFixed(4)} bits/base at step ${result.best.step}`
              : '';
            await out.write(
              `${result.interrupted ? 'interrupted' : 'done'} at step ${result.stepsDone}, loss ${result.finalLoss.toFixed(4)}${best}; model in ${options.output}/model\n`,
            );
          }
        });
      } finally {
        dispose();
        await parallel.close();
        model.dispose();
        await sampler.close();
      }
    });
}

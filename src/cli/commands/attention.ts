/**
 * `locus attention`: which loci each token of a region attends to, per layer and head, as genome
 * intervals (0-based half-open, like BED): the strongest keys of every query token and their weights.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { LocusInputError } from '../../errors.js';
import { openFasta } from '../../io/fasta.js';
import { formatRegion, parseRegion, resolveRegion, type ResolvedRegion } from '../../io/region.js';
import { CLS_ID, SEP_ID, tokenizeWindow } from '../../tokenize/index.js';
import type { RoundsMode } from '../../model/attention-export.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';

interface AttentionOptions {
  region: string;
  layer: number[];
  head: number[];
  topK: number;
  rounds: RoundsMode;
  tsv?: boolean;
  json?: boolean;
  output?: string;
  backend: string;
}

/** Repeatable integer option that also takes comma-separated lists: `--layer 0 --layer 2,3`. */
function integers(min: number) {
  const one = integer(min);
  return (text: string, previous: number[]): number[] => {
    const values = text.split(',').map((part) => {
      if (part.trim() === '') throw new InvalidArgumentError(`expected integers >= ${min}`);
      return one(part.trim());
    });
    return [...previous, ...values];
  };
}

function checkRange(values: number[], count: number, what: 'layer' | 'head', checkpoint: string): number[] {
  for (const v of values) {
    if (v >= count) {
      throw new LocusInputError(
        String(v),
        `--${what} ${v} is out of range: the model in "${checkpoint}" has ${count} ${what}s`,
        `use ${count === 1 ? '0' : `0 to ${count - 1}`} (0-based)`,
      );
    }
  }
  return values;
}

/** The region's bases, with the region resolved against the FASTA's contigs. */
async function readRegion(
  fastaPath: string,
  text: string,
): Promise<{ region: ResolvedRegion; sequence: string }> {
  const fasta = await openFasta(fastaPath);
  try {
    const lengths = fasta.lengths();
    const region = resolveRegion(parseRegion(text, new Set(lengths.keys())), lengths, fastaPath);
    return { region, sequence: await fasta.fetch(region) };
  } finally {
    await fasta.close();
  }
}

/** `--rounds`: merged, max, or a 0-based round number. */
function roundsMode(text: string): RoundsMode {
  if (text === 'merged' || text === 'max') return text;
  if (/^\d+$/.test(text)) return Number(text);
  throw new InvalidArgumentError('expected merged, max or a round number (0-based)');
}

/** Weights as short decimals: 6 significant digits is all float32 attention weights carry in practice. */
function formatWeight(weight: number): string {
  return String(Number(weight.toPrecision(6)));
}

export function registerAttention(program: Command): void {
  program
    .command('attention')
    .description(
      'export the attention of a model over a region: the top keys of every token, per layer and head',
    )
    .argument(
      '<checkpoint>',
      'model checkpoint folder (config.json + model.safetensors), or a shipped model by name (locus models)',
    )
    .argument('<fasta>', 'reference FASTA (plain or bgzip)')
    .requiredOption('--region <region>', 'CHROM, CHROM:START-END or CHROM:START (1-based, inclusive)')
    .addOption(
      new Option('--layer <n>', 'layer to export, 0-based; repeat or comma-separate')
        .argParser(integers(0))
        .default([], 'all'),
    )
    .addOption(
      new Option('--head <n>', 'head to export, 0-based; repeat or comma-separate')
        .argParser(integers(0))
        .default([], 'all'),
    )
    .option('--top-k <k>', 'keys kept per query token', integer(1), 8)
    .option(
      '--rounds <mode>',
      'LSH hash rounds: merged (as the model combines them), max (strongest round per key) or a round number',
      roundsMode,
      'merged',
    )
    .option('--tsv', 'tab-separated output (the default)')
    .option('--json', 'machine-readable output')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--backend <backend>', 'auto, tensorflow-gpu, tensorflow, wasm or cpu', 'auto')
    .addHelpText(
      'after',
      `
The region is tokenized as one window with the checkpoint's tokenizer (k-mers; k=6, stride 6 when the
checkpoint names none), so it may hold at most the model's maxLength tokens. A model pretrained with
[CLS]/[SEP] (masked-LM) gets them around the window too; a key that is one of them is reported with
start and end -1.

Output: TSV with a header, one row per (layer, head, query token, key token):
  layer head query_start query_end key_start key_end weight
coordinates 0-based half-open like BED. Keys are the query's strongest, by weight; masked keys
(causal future, padding) are never listed. Weights merge LSH hash rounds as the model does, so over
all keys they sum to 1 per query. --rounds max gives each key its largest weight in any one round;
--rounds N gives round N's softmax alone (sums to 1 over its keys).

Examples:
  locus attention ckpt samples/lambda.fa --region lambda:1-3,000 --layer 0 --top-k 4
  locus attention ckpt samples/lambda.fa --region lambda:1-3,000 --json -o attention.json`,
    )
    .action(async (checkpoint: string, fastaPath: string, options: AttentionOptions) => {
      if (options.tsv && options.json) {
        throw new LocusInputError('--tsv', 'Both --tsv and --json were given', 'choose one output format');
      }
      // Loaded on demand: TensorFlow.js takes ~0.6 s to import, which other commands should not pay.
      const [{ attentionToGenome, exportAttention }, { contextBases }, { loadAttentionModel }] =
        await Promise.all([
          import('../../model/attention-export.js'),
          import('../../../pipelines/attention/locus-attention.js'),
          import('../../../pipelines/attention/load-model.js'),
        ]);
      const loaded = await loadAttentionModel(checkpoint, options.backend);
      const { model, tokenizer, special } = loaded;
      checkpoint = loaded.path;
      try {
        const layers = checkRange(options.layer, model.config.depth, 'layer', checkpoint);
        const heads = checkRange(options.head, model.config.heads, 'head', checkpoint);
        if (typeof options.rounds === 'number' && options.rounds >= model.config.rounds) {
          throw new LocusInputError(
            String(options.rounds),
            `--rounds ${options.rounds} is out of range: the model in "${checkpoint}" hashes ${model.config.rounds} rounds`,
            `use merged, max or 0 to ${model.config.rounds - 1}`,
          );
        }

        const { region, sequence } = await readRegion(fastaPath, options.region);
        const shown = formatRegion(region);
        const tokenized = tokenizeWindow(tokenizer, region, sequence);
        const count = tokenized.ids.length;
        // [CLS] ... [SEP] wrap the window when the model was trained that way (masked-LM pretraining).
        const { maxLength } = model.config;
        if (count === 0) {
          throw new LocusInputError(
            options.region,
            `Region "${shown}" is shorter than one ${tokenizer.k}-mer token`,
            `give a region of at least ${tokenizer.k} bases`,
          );
        }
        if (count + 2 * special > maxLength) {
          const bases = contextBases(maxLength, special, tokenizer.k, tokenizer.stride);
          throw new LocusInputError(
            options.region,
            `Region "${shown}" has ${count} tokens, more than the ${maxLength - 2 * special} the model in "${checkpoint}" reads at once`,
            `give a region of at most ${bases.toLocaleString('en-US')} bases`,
          );
        }

        const ids = special ? Int32Array.from([CLS_ID, ...tokenized.ids, SEP_ID]) : tokenized.ids;
        const exported = exportAttention(
          model,
          { ids },
          {
            topK: options.topK,
            rounds: options.rounds,
            layers: layers.length > 0 ? layers : undefined,
            heads: heads.length > 0 ? heads : undefined,
            // Only genome tokens as queries; [CLS]/[SEP] keys are reported with coordinates -1.
            queries: Array.from({ length: count }, (_, t) => t + special),
          },
        );
        const genome = attentionToGenome(exported, tokenized, special);
        const k = exported.topK;

        await withOutput(options.output, async (out) => {
          if (options.json) {
            await out.write(
              `{"region":${JSON.stringify(shown)},"contig":${JSON.stringify(region.contig)},` +
                `"k":${tokenizer.k},"stride":${tokenizer.stride},"topK":${k},"layers":[`,
            );
            for (const [e, entry] of genome.layers.entries()) {
              await out.write(
                `${e > 0 ? ',' : ''}{"layer":${entry.layer},"head":${entry.head},"kind":"${entry.kind}","queries":[`,
              );
              for (let i = 0; i < entry.queries.length; i++) {
                const keys: string[] = [];
                for (let j = i * k; j < (i + 1) * k && entry.keyStarts[j]! >= 0; j++) {
                  keys.push(
                    `{"start":${entry.keyStarts[j]},"end":${entry.keyEnds[j]},"weight":${formatWeight(entry.weights[j]!)}}`,
                  );
                }
                await out.write(
                  `${i > 0 ? ',' : ''}{"start":${entry.queryStarts[i]},"end":${entry.queryEnds[i]},"keys":[${keys.join(',')}]}`,
                );
              }
              await out.write(']}');
            }
            await out.write(']}\n');
            return;
          }
          await out.write('#layer\thead\tquery_start\tquery_end\tkey_start\tkey_end\tweight\n');
          for (const entry of genome.layers) {
            const prefix = `${entry.layer}\t${entry.head}\t`;
            for (let i = 0; i < entry.queries.length; i++) {
              const query = `${prefix}${entry.queryStarts[i]}\t${entry.queryEnds[i]}\t`;
              let rows = '';
              for (let j = i * k; j < (i + 1) * k && entry.keyStarts[j]! >= 0; j++) {
                rows += `${query}${entry.keyStarts[j]}\t${entry.keyEnds[j]}\t${formatWeight(entry.weights[j]!)}\n`;
              }
              await out.write(rows);
            }
          }
        });
      } finally {
        model.dispose();
      }
    });
}

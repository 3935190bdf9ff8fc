/**
 * `locus motifs`: motif discovery (pipelines/motifs), and `locus motifs compare`: a found motif file
 * against a motif database. Parses options, shows progress, prints the motifs; the pipeline computes
 * and writes the folder.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MotifsProgress, MotifsResult } from '../../../pipelines/motifs/motifs.js';
import { windowText } from '../../../pipelines/motifs/types.js';
import { CLASSIFY_POOLINGS, type ClassifyPooling } from '../../model/params.js';
import { integer } from '../options.js';
import { interruptible } from '../interrupt.js';
import { withOutput } from '../output.js';
import { progressLine } from '../progress.js';

interface MotifsCliOptions {
  output?: string;
  background?: string;
  widths: [number, number];
  maxMotifs: number;
  count: 'auto' | 'sequences' | 'sites';
  anchor?: 'start' | 'center' | 'end';
  db?: string[];
  model?: string;
  trainModel?: boolean;
  modelPooling?: ClassifyPooling;
  backend: string;
  workers: number;
  seed: number;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

interface CompareCliOptions {
  db?: string[];
  top: number;
  json?: boolean;
}

/** "6-20" or "8". */
export function widthRange(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError('expected MIN-MAX (e.g. 6-20) or one width (e.g. 8)');
  const min = Number(m[1]);
  const max = m[2] === undefined ? min : Number(m[2]);
  if (min < 4 || max > 30 || min > max)
    throw new InvalidArgumentError('widths must lie within 4-30, MIN <= MAX');
  return [min, max];
}

const DB_HELP =
  'motif database for matches: a MEME or JASPAR TRANSFAC file, or a shipped one, jaspar (JASPAR 2024 CORE, the default) or drosophila-core-promoter (TATA, Inr, DPE, DRE, MTE, Ohler1); repeat to search several';

/** A repeatable option's values, in the order given. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function registerMotifs(program: Command): void {
  const motifs = program
    .command('motifs')
    .description(
      'find the motifs enriched in a set of sequences (ChIP/ATAC peaks, promoters), with logos and JASPAR matches',
    )
    .argument('<targets>', 'target sequences, FASTA (plain, gzip or bgzip), 50 bp to tens of kb each')
    .option(
      '-o, --output <dir>',
      'output folder (required): motifs.meme, logos/, sites.tsv, sites.bed, report.html, summary.json',
    )
    .option(
      '--background <fasta>',
      'background sequences (default: each target shuffled keeping its 3-mer, and so dinucleotide, counts; 4- to 6-mers for targets of 2 kb and longer)',
    )
    .option('--widths <min-max>', 'motif widths to consider', widthRange, [6, 20] as [number, number])
    .option('--max-motifs <n>', 'most motifs to report', integer(1, 50), 5)
    .addOption(
      new Option(
        '--count <what>',
        'what the enrichment test counts: sequences with a site (STREME), or every site (long sequences); auto: sequences when the median length is at most 2 kb',
      )
        .choices(['auto', 'sequences', 'sites'])
        .default('auto'),
    )
    .addOption(
      new Option(
        '--anchor <where>',
        'the targets are aligned here (end: promoters that end at the TSS; center: peaks centred on their summits): also seek motifs whose sites crowd at a distance from it',
      ).choices(['start', 'center', 'end']),
    )
    .option('--db <file|name>', DB_HELP, collect)
    .option(
      '--model <dir>',
      'model-guided mode: a classifier of targets against background (e.g. OUT/model/best of an earlier --train-model run)',
    )
    .option(
      '--train-model',
      'model-guided mode: train that classifier here first (minutes on a CPU), saved in OUT/model/best',
    )
    .addOption(
      new Option(
        '--model-pooling <how>',
        'with --train-model: mean (the classifier averages over every base; the default) or max (it asks whether a site is anywhere in a sequence)',
      ).choices(CLASSIFY_POOLINGS),
    )
    .option('--backend <name>', 'for the model: auto, tensorflow-gpu, tensorflow, wasm or cpu', 'auto')
    .option('--workers <n>', 'worker threads training the model', integer(1), 1)
    .option('--seed <n>', 'seed for the shuffle, the held-out split and the model', integer(0), 1)
    .option('--force', 'replace the output folder if it exists and is not empty')
    .option('--quiet', 'no progress line')
    .option('--json', 'print summary.json instead of the text summary')
    .addHelpText(
      'after',
      `
How it works (as STREME; docs/motifs.md): the most enriched words and gapped words of the targets
against the background seed position weight matrices, refined to the score threshold that best
separates targets from background, chosen by cross-fitting (fitted on one half, counted on the other),
grown to the columns their sites share, and re-estimated by a few EM steps. A given background is
weighted to the targets' GC distribution. 10% of the sequences are held out: a motif's E-value is its
p-value there (binomial test of sequences with a site, or of sites, see --count) times the number of
motifs tested. Each motif's sites are masked before the next is sought. Matches: Tomtom's p-values and
a 0-1 column similarity. Sites are 0-based half-open in sites.tsv and sites.bed.

With --anchor, positional motifs are sought too (as CentriMo tests, but as discovery): words, then
matrices, whose site centres crowd into a window at a fixed distance from the anchor more than the
positions of all words would let chance put there (binomial test). The E-value is that test on the
held-out targets. Sequences anchored at an end are read on the given strand only (a promoter's
orientation matters); centred ones on both. Positional motifs are ranked with the others (source
"position" in summary.json) and the report gives their window.

With --model or --train-model, a Reformer classifier of targets against background is asked which
bases its decision depends on (input x gradient): the report gives each motif's share of that
attribution, and motifs found around the attribution peaks are added (ids M1-..., source "model").
Give it a background of the same kind of DNA: against the targets' shuffle it learns the statistics
the shuffle destroys.

Examples:
  locus motifs samples/motifs/rest-planted.fa -o motifs-out
  locus motifs peaks.fa --background flanks.fa --train-model -o out
  locus motifs promoters.fa --background upstream.fa --anchor end --widths 6-15 -o out
  locus motifs compare motifs-out/motifs.meme`,
    )
    .action(async (targets: string, options: MotifsCliOptions, command: Command) => {
      const [{ findMotifs }, { motifsSummary, writeMotifsOutputs }, { checkOutputFolder }] =
        await Promise.all([
          import('../../../pipelines/motifs/motifs.js'),
          import('../../../pipelines/motifs/outputs.js'),
          import('../../replace-folder.js'),
        ]);
      if (options.output === undefined) {
        // Not a commander requiredOption: that would be demanded of `locus motifs compare` too.
        command.error("error: required option '-o, --output <dir>' not specified");
      }
      const output = options.output;
      if (options.modelPooling !== undefined && !options.trainModel) {
        command.error(
          'error: --model-pooling shapes the classifier --train-model trains; a --model keeps its own',
        );
      }
      if (options.model !== undefined && options.trainModel) {
        command.error('error: give --model or --train-model, not both');
      }
      await checkOutputFolder(output, options.force ?? false);
      // A trained classifier's run folder sits beside the output until it is copied in, then goes.
      const modelDir = options.trainModel ? `${output}.model-run-${process.pid}` : undefined;
      const version = command.parent?.version() ?? '0.0.0';
      const line = progressLine({ quiet: options.quiet || options.json });
      let result: MotifsResult;
      try {
        result = await interruptible().run(async (signal) => {
          const found = await findMotifs({
            targets,
            background: options.background,
            minWidth: options.widths[0],
            maxWidth: options.widths[1],
            maxMotifs: options.maxMotifs,
            countBy: options.count,
            anchor: options.anchor,
            seed: options.seed,
            model: options.model,
            trainModel: options.trainModel,
            modelSettings: options.modelPooling ? { pooling: options.modelPooling } : undefined,
            modelDir,
            backend: options.backend,
            workers: options.workers,
            databases: options.db,
            signal,
            onProgress: (p) => line.update(progressText(p)),
          });
          signal.throwIfAborted();
          await writeMotifsOutputs(
            found,
            output,
            version,
            ['locus', 'motifs', ...process.argv.slice(3)].join(' '),
            found.model?.trained ? found.model.checkpoint : undefined,
          );
          if (found.model?.trained) found.model.checkpoint = join(output, 'model', 'best');
          return found;
        });
      } finally {
        line.done();
        if (modelDir) await rm(modelDir, { recursive: true, force: true });
      }
      await withOutput(undefined, async (out) => {
        if (options.json) await out.write(JSON.stringify(motifsSummary(result, version), null, 2) + '\n');
        else await out.write(textSummary(result, output));
      });
    });

  motifs
    .command('compare')
    .description('match motifs (MEME or TRANSFAC file) against a motif database, as Tomtom does')
    .argument('<motifs>', 'motif file, e.g. the motifs.meme of `locus motifs`')
    .option('--db <file|name>', DB_HELP, collect)
    .option('--top <n>', 'matches shown per motif', integer(1, 100), 5)
    .option('--json', 'machine-readable output')
    .action(async (file: string, own: CompareCliOptions, command: Command) => {
      // `motifs` has options of the same names, and commander hands them to it: take either.
      const parent = command.parent!.opts<Partial<MotifsCliOptions>>();
      const options = { ...own, db: own.db ?? parent.db, json: own.json ?? parent.json };
      const [{ readMotifFile, readMotifDatabases }, { compareToDatabase, COMPARE_DEFAULTS }] =
        await Promise.all([
          import('../../../pipelines/motifs/database.js'),
          import('../../../pipelines/motifs/compare.js'),
        ]);
      const queries = await readMotifFile(file);
      const database = await readMotifDatabases(options.db);
      const matches = compareToDatabase(
        queries.motifs.map((m) => m.matrix),
        database.motifs,
        { ...COMPARE_DEFAULTS, top: options.top },
      );
      const rows = queries.motifs.map((q, i) => ({
        query: q.id,
        matches: matches[i]!.map((m) => ({
          id: m.target.id,
          name: m.target.name,
          similarity: Number(m.alignment.similarity.toFixed(4)),
          pvalue: m.pvalue,
          qvalue: m.qvalue,
          offset: m.alignment.offset,
          orientation: m.alignment.reverse ? '-' : '+',
        })),
      }));
      await withOutput(undefined, async (out) => {
        if (options.json) {
          await out.write(JSON.stringify({ databases: database.sources, motifs: rows }, null, 2) + '\n');
          return;
        }
        const lines = ['query\ttarget\tname\tsimilarity\tp-value\tq-value\toffset\torientation'];
        for (const r of rows) {
          for (const m of r.matches) {
            lines.push(
              [
                r.query,
                m.id,
                m.name,
                m.similarity.toFixed(3),
                m.pvalue.toExponential(2),
                m.qvalue.toExponential(2),
                m.offset,
                m.orientation,
              ].join('\t'),
            );
          }
        }
        await out.write(lines.join('\n') + '\n');
      });
    });
}

function progressText(p: MotifsProgress): string {
  if (p.phase === 'discover') return `motifs: motif ${p.motif}/${p.maxMotifs}, ${p.step}`;
  if (p.done !== undefined && p.total !== undefined) return `motifs: ${p.phase} ${p.done}/${p.total}`;
  return `motifs: ${p.phase}`;
}

function textSummary(result: MotifsResult, folder: string): string {
  const lines = [
    `${result.motifs.length} motif${result.motifs.length === 1 ? '' : 's'} in ${result.targets.path} (${result.targets.sequences.toLocaleString('en-US')} sequences against ${result.background.shuffled ? `their ${result.background.shuffleK}-mer shuffle` : result.background.path}; ${result.seconds.toFixed(1)} s, peak ${Math.round(result.peakRssMb)} MB)`,
  ];
  for (const m of result.motifs) {
    const best = m.matches[0];
    const match = best
      ? `  best match ${best.name} (${best.id}, similarity ${best.similarity.toFixed(2)}, q ${best.qvalue.toExponential(1)})`
      : '';
    const where = m.position ? `, ${windowText(m.position)}` : '';
    lines.push(
      `  ${String(m.rank).padStart(2)}  ${m.consensus.padEnd(20)}  E ${m.evalue.toExponential(1).padStart(8)}  ${m.targetSites.toLocaleString('en-US')} sites in ${(100 * m.targetSequenceShare).toFixed(0)}% of targets${where}${match}`,
    );
  }
  lines.push(`outputs in ${folder}/: motifs.meme, logos/, sites.tsv, sites.bed, report.html, summary.json`);
  return lines.join('\n') + '\n';
}

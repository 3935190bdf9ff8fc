/**
 * `locus baseline`: the honest baselines a trained model is compared against.
 *
 * - `baseline markov`: order-k Markov language models (static, orders up to 16; and the adaptive
 *   mixture of orders of DNA compressors), chosen on validation, bits per base on test. Splits come
 *   from separate FASTA files, or from one genome with `--split-fraction f`, the split every Locus tool
 *   uses (src/train/data/split.ts).
 * - `baseline kmer-logreg`: k-mer-frequency logistic regression; scaling and L2 strength chosen on
 *   validation, classification metrics on test. Inputs are CSV/TSV files with a `sequence,label` header.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { LocusInputError } from '../../errors.js';
import { countAmbiguous } from '../../train/data/genome-windows.js';
import type { MarkovSmoothing } from '../../train/baselines/markov.js';
import type { TestPiece } from '../../train/baselines/lm-baselines.js';
import type { ClassificationReport } from '../../train/metrics.js';
import { formatDuration, progressLine } from '../progress.js';
import { withOutput } from '../output.js';

// ---------------------------------------------------------------- option parsers

/** "0-10", "2,4,6", "0-3,5": sorted, without repeats, each within [min, max]. */
function integerList(min: number, max: number) {
  return (text: string): number[] => {
    const values = new Set<number>();
    for (const part of text.split(',')) {
      const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
      const low = match ? Number(match[1]) : NaN;
      const high = match?.[2] !== undefined ? Number(match[2]) : low;
      if (!match || low < min || high > max || low > high) {
        throw new InvalidArgumentError(
          `expected integers from ${min} to ${max} as a list or range, e.g. "${min}-${max}" or "${min},${max}"`,
        );
      }
      for (let v = low; v <= high; v++) values.add(v);
    }
    return [...values].sort((a, b) => a - b);
  };
}

/** "0.01,0.1,1": positive (or, with allowZero, non-negative) finite numbers, without repeats. */
function numberList(allowZero: boolean) {
  return (text: string): number[] => {
    const parts = text.split(',').map((part) => part.trim());
    const values = parts.map(Number);
    const bad = (v: number, i: number) =>
      parts[i] === '' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0);
    if (values.some(bad)) {
      throw new InvalidArgumentError(
        `expected a comma-separated list of numbers ${allowZero ? '>= 0' : '> 0'}`,
      );
    }
    return [...new Set(values)];
  };
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1) throw new InvalidArgumentError('expected an integer >= 1');
  return value;
}

function fraction(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 0.5))
    throw new InvalidArgumentError('expected a number > 0 and < 0.5, e.g. 0.1');
  return value;
}

// ---------------------------------------------------------------- inputs

/** Number of A/C/G/T bases (either case). */
function acgtBases(sequences: readonly string[]): number {
  return sequences.reduce((n, s) => n + s.length - countAmbiguous(s), 0);
}

interface SplitSummary {
  files: string[];
  sequences: number;
  /** A/C/G/T bases (the bases that are counted or scored). */
  bases: number;
}

async function readFastaSequences(
  paths: readonly string[],
): Promise<{ names: string[]; sequences: string[] }> {
  const { readFastaRecords } = await import('../../io/fasta-stream.js');
  const names: string[] = [];
  const sequences: string[] = [];
  for (const path of paths) {
    for await (const record of readFastaRecords(path)) {
      names.push(record.name);
      sequences.push(record.sequence);
    }
  }
  return { names, sequences };
}

function requireBases(sequences: readonly string[], files: readonly string[], role: string): void {
  if (acgtBases(sequences) > 0) return;
  const list = files.map((f) => `"${f}"`).join(', ');
  throw new LocusInputError(
    files.join(','),
    `the ${role} split (${list}) holds no A/C/G/T base`,
    role === 'train'
      ? 'give a FASTA file with sequence'
      : `give a ${role} FASTA with A/C/G/T bases, or a larger --split-fraction`,
  );
}

interface LabeledRows {
  sequences: string[];
  labels: string[];
  /** 1-based line number of each row, for messages. */
  lines: number[];
}

const unquote = (field: string) => field.trim().replace(/^"(.*)"$/, '$1');

/**
 * A minimal reader for `sequence,label` tables: CSV or TSV (a tab in the header means TSV), plain or
 * gzip, a header naming `sequence` and `label` columns (any order, other columns ignored), blank lines
 * and `#` comments skipped, fields optionally in plain double quotes (no embedded commas or quotes).
 */
async function readLabeled(path: string): Promise<LabeledRows> {
  const { checkInputFile } = await import('../../io/files.js');
  const size = await checkInputFile(path, 'labeled sequence');
  const fix = 'the first line must be a header such as "sequence,label" (CSV) or "sequence<TAB>label" (TSV)';
  if (size === 0) throw new LocusInputError(path, `"${path}" is empty`, fix);
  let bytes = await readFile(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new LocusInputError(
        path,
        `"${path}" is truncated or corrupt gzip`,
        're-copy or re-download the file',
        {
          cause: err,
        },
      );
    }
  }
  const lines = bytes.toString('utf8').split(/\r?\n/);
  let header: string[] | undefined;
  let delimiter = ',';
  let sequenceColumn = -1;
  let labelColumn = -1;
  const rows: LabeledRows = { sequences: [], labels: [], lines: [] };
  lines.forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '' || line.startsWith('#')) return;
    if (!header) {
      delimiter = line.includes('\t') ? '\t' : ',';
      header = line.split(delimiter).map((f) => unquote(f).toLowerCase());
      sequenceColumn = header.indexOf('sequence');
      labelColumn = header.indexOf('label');
      if (sequenceColumn < 0 || labelColumn < 0) {
        throw new LocusInputError(
          path,
          `"${path}" has no "sequence" and "label" columns in its header (line ${lineNumber}: ${JSON.stringify(line.slice(0, 80))})`,
          fix,
        );
      }
      return;
    }
    const fields = line.split(delimiter);
    const sequence = unquote(fields[sequenceColumn] ?? '');
    const label = unquote(fields[labelColumn] ?? '');
    if (fields.length !== header.length || sequence === '' || label === '') {
      throw new LocusInputError(
        path,
        `line ${lineNumber} of "${path}" does not have a sequence and a label in ${header.length} ${delimiter === '\t' ? 'tab' : 'comma'}-separated fields`,
        'fix or remove that line',
      );
    }
    rows.sequences.push(sequence);
    rows.labels.push(label);
    rows.lines.push(lineNumber);
  });
  if (rows.sequences.length === 0) {
    throw new LocusInputError(
      path,
      `"${path}" holds no rows after its header`,
      'give at least one sequence,label row',
    );
  }
  return rows;
}

/** Class names in id order: numeric order when every label is a number, else code-point order. */
function classNames(labels: readonly string[]): string[] {
  const unique = [...new Set(labels)];
  const numeric = unique.every((l) => l.trim() !== '' && Number.isFinite(Number(l)));
  return numeric
    ? unique.sort((a, b) => Number(a) - Number(b))
    : unique.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function labelIds(rows: LabeledRows, names: readonly string[], path: string): number[] {
  const ids = new Map(names.map((name, i) => [name, i]));
  return rows.labels.map((label, i) => {
    const id = ids.get(label);
    if (id === undefined) {
      throw new LocusInputError(
        path,
        `label "${label}" on line ${rows.lines[i]} of "${path}" does not occur in the training file (classes: ${names.join(', ')})`,
        'use the same label names in every split',
      );
    }
    return id;
  });
}

// ---------------------------------------------------------------- markov

interface MarkovCliOptions {
  train: string[];
  validation?: string[];
  test?: string[];
  splitFraction?: number;
  orders: number[];
  alphas?: number[];
  smoothing: string;
  context?: number;
  k?: number;
  reverseComplement?: boolean;
  mixture?: boolean;
  json?: boolean;
  output?: string;
  quiet?: boolean;
}

/** Train / validation / test sequences, from one genome and the split, or from three sets of files. */
async function markovInputs(options: MarkovCliOptions) {
  const { contigSplit, splitDescription } = await import('../../train/data/split.js');
  const fraction = options.splitFraction;
  if (fraction !== undefined && (options.validation || options.test)) {
    throw new LocusInputError(
      '--split-fraction',
      '--split-fraction splits the --train FASTA itself; it cannot be combined with --validation or --test',
      'give either --split-fraction, or both --validation and --test',
    );
  }
  if (fraction === undefined && (!options.validation || !options.test)) {
    throw new LocusInputError(
      '--validation/--test',
      'the Markov baseline needs a validation and a test split',
      'give --validation <fasta> and --test <fasta>, or --split-fraction 0.1 for the split every Locus tool uses',
    );
  }
  if (fraction !== undefined) {
    const genome = await readFastaSequences(options.train);
    const inputs = {
      train: [] as string[],
      validation: [] as string[],
      trainAndValidation: [] as string[],
      test: [] as TestPiece[],
    };
    genome.sequences.forEach((sequence, i) => {
      const cut = contigSplit(sequence.length, fraction);
      inputs.train.push(sequence.slice(...cut.train));
      inputs.validation.push(sequence.slice(...cut.validation));
      inputs.trainAndValidation.push(sequence.slice(cut.train[0], cut.validation[1]));
      inputs.test.push({
        name: genome.names[i]!,
        offset: cut.test[0],
        sequence: sequence.slice(...cut.test),
      });
    });
    const files = { train: options.train, validation: options.train, test: options.train };
    return { inputs, files, split: { mode: 'genome' as const, ...splitDescription(fraction) } };
  }
  const files = { train: options.train, validation: options.validation!, test: options.test! };
  const train = (await readFastaSequences(files.train)).sequences;
  const validation = (await readFastaSequences(files.validation)).sequences;
  const test = await readFastaSequences(files.test);
  const inputs = {
    train,
    validation,
    trainAndValidation: [...train, ...validation],
    test: test.sequences.map((sequence, i) => ({ name: test.names[i]!, offset: 0, sequence })),
  };
  return { inputs, files, split: { mode: 'files' as const } };
}

async function runMarkov(options: MarkovCliOptions): Promise<void> {
  const started = performance.now();
  const markov = await import('../../train/baselines/markov.js');
  const { lmBaselines } = await import('../../train/baselines/lm-baselines.js');
  const { perplexity } = await import('../../train/metrics.js');
  if (!['both', 'additive', 'interpolated'].includes(options.smoothing)) {
    throw new LocusInputError(
      options.smoothing,
      `Unknown smoothing "${options.smoothing}"`,
      "use 'both', 'additive' or 'interpolated'",
    );
  }
  if ((options.context === undefined) !== (options.k === undefined)) {
    throw new LocusInputError(
      options.context === undefined ? '-k' : '--context',
      '--context and -k go together: they say which bases a causal model with that window and k-mer scores',
      'give both (e.g. --context 10000 -k 1, as the model was pretrained), or neither',
    );
  }
  const progress = progressLine({ quiet: options.quiet });
  progress.update('reading sequences');
  const { inputs, files, split } = await markovInputs(options);
  requireBases(inputs.train, files.train, 'train');
  requireBases(inputs.validation, files.validation, 'validation');
  requireBases(
    inputs.test.map((p) => p.sequence),
    files.test,
    'test',
  );
  const smoothings: MarkovSmoothing[] =
    options.smoothing === 'both' ? [...markov.MARKOV_SMOOTHINGS] : [options.smoothing as MarkovSmoothing];
  const result = lmBaselines(inputs, {
    context: options.context,
    k: options.k,
    orders: options.orders,
    alphas: options.alphas,
    smoothings,
    reverseComplement: options.reverseComplement ?? false,
    mixture: options.mixture ?? false,
    onProgress: (message) => progress.update(message),
  });
  progress.done();
  const summary = (role: 'train' | 'validation', sequences: string[]): SplitSummary => ({
    files: files[role],
    sequences: sequences.length,
    bases: acgtBases(sequences),
  });
  const withPerplexity = <T extends { totalNats: number; bases: number }>(r: T) => ({
    ...r,
    perplexityPerBase: perplexity(r.totalNats, r.bases),
  });
  const report = {
    baseline: 'markov',
    split,
    train: summary('train', inputs.train),
    validation: summary('validation', inputs.validation),
    test: { files: files.test, sequences: inputs.test.length, scoredBases: result.static.test.bases },
    ...result,
    static: {
      ...result.static,
      test: withPerplexity(result.static.test),
      refit: withPerplexity(result.static.refit),
    },
    seconds: (performance.now() - started) / 1000,
  };
  await withOutput(options.output, async (out) => {
    if (options.json) {
      await out.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const count = (n: number) => n.toLocaleString('en-US');
    const bits = (n: number) => n.toFixed(4);
    await out.write(
      `# Markov baseline: train ${count(report.train.bases)} A/C/G/T bases, validation ${count(report.validation.bases)}, test ${count(report.test.scoredBases)} scored\n`,
    );
    if (split.mode === 'genome') await out.write(`# split: ${split.rule} (fraction ${split.fraction})\n`);
    await out.write(`# scored: ${report.scoring.rule}\n`);
    await out.write('order\tsmoothing\talpha\tvalidation_bits_per_base\n');
    const chosen = report.static.chosen;
    for (const row of report.static.table) {
      const mark = row.order === chosen.order && row.smoothing === chosen.smoothing ? '\t*' : '';
      await out.write(`${row.order}\t${row.smoothing}\t${row.alpha}\t${bits(row.bitsPerBase)}${mark}\n`);
    }
    await out.write(
      `# chosen on validation: order ${chosen.order}, ${chosen.smoothing}, alpha ${chosen.alpha}${chosen.reverseComplement ? ', both strands counted' : ''}: ${bits(chosen.bitsPerBase)} bits/base\n` +
        `# test: ${bits(report.static.test.bitsPerBase)} bits/base (fitted on train); ${bits(report.static.refit.bitsPerBase)} refitted on train + validation\n`,
    );
    if (report.mixture) {
      const m = report.mixture;
      await out.write(
        `# adaptive mixture of orders ${m.chosen.orders.join(',')}: alpha ${m.chosen.alpha}, gamma ${m.chosen.gamma}, validation ${bits(m.chosen.validationBitsPerBase)} bits/base\n` +
          `# mixture test: ${bits(m.test.bitsPerBase)} bits/base (fitted on train); ${bits(m.refit.bitsPerBase)} refitted on train + validation\n`,
      );
    }
    await out.write(`# time: ${formatDuration(report.seconds)}\n`);
  });
}

// ---------------------------------------------------------------- kmer-logreg

interface KmerCliOptions {
  train: string;
  validation: string;
  test: string;
  k: number[];
  canonical?: boolean;
  lambdas?: number[];
  scaling: string;
  metric?: string;
  json?: boolean;
  output?: string;
  quiet?: boolean;
}

async function runKmerLogReg(options: KmerCliOptions): Promise<void> {
  const started = performance.now();
  if (!['both', 'standardize', 'global'].includes(options.scaling)) {
    throw new LocusInputError(
      options.scaling,
      `Unknown scaling "${options.scaling}"`,
      "use 'both', 'standardize' or 'global'",
    );
  }
  if (options.metric !== undefined && options.metric !== 'auroc' && options.metric !== 'mcc') {
    throw new LocusInputError(
      options.metric,
      `Unknown selection metric "${options.metric}"`,
      "use 'auroc' or 'mcc'",
    );
  }
  const logreg = await import('../../train/baselines/kmer-logreg.js');
  const { classificationReport } = await import('../../train/metrics.js');
  const progress = progressLine({ quiet: options.quiet });
  progress.update('reading sequences');
  const trainRows = await readLabeled(options.train);
  const validationRows = await readLabeled(options.validation);
  const testRows = await readLabeled(options.test);
  const names = classNames(trainRows.labels);
  if (names.length < 2) {
    throw new LocusInputError(
      options.train,
      `every label in "${options.train}" is "${names[0]}"; a classifier needs at least two classes`,
      'give a training file with examples of each class',
    );
  }
  const trainLabels = labelIds(trainRows, names, options.train);
  const validationLabels = labelIds(validationRows, names, options.validation);
  const testLabels = labelIds(testRows, names, options.test);
  const selection = logreg.selectKmerLogReg(
    trainRows.sequences,
    trainLabels,
    validationRows.sequences,
    validationLabels,
    {
      ks: options.k,
      canonical: options.canonical ?? false,
      lambdas: options.lambdas,
      scalings: options.scaling === 'both' ? undefined : [options.scaling as 'standardize' | 'global'],
      metric: options.metric as 'auroc' | 'mcc' | undefined,
      numClasses: names.length,
      onProgress: (done, total, row) =>
        progress.update(
          `fit ${done}/${total}: ${row.scaling} lambda ${row.lambda}: validation ${row.validation.toFixed(4)}`,
        ),
    },
  );
  const testProbabilities = logreg.predictKmerLogReg(selection.model, testRows.sequences);
  const testReport = classificationReport(testLabels, testProbabilities);
  const { classificationBootstrap } = await import('../../train/bootstrap.js');
  const testIntervals =
    names.length === 2
      ? classificationBootstrap(testLabels, testProbabilities, { replicates: 1000, seed: 0 })
      : undefined;
  progress.done();
  const report = {
    baseline: 'kmer-logreg',
    classes: names,
    positiveClass: names.length === 2 ? names[1] : null,
    ks: selection.model.ks,
    canonical: selection.model.canonical,
    features: selection.model.dimension,
    train: { file: options.train, sequences: trainRows.sequences.length },
    validation: { file: options.validation, sequences: validationRows.sequences.length },
    test: { file: options.test, sequences: testRows.sequences.length },
    metric: selection.metric,
    table: selection.table,
    chosen: selection.chosen,
    validationMetrics: selection.validationReport,
    testMetrics: testReport,
    testIntervals,
    seconds: (performance.now() - started) / 1000,
  };
  await withOutput(options.output, async (out) => {
    if (options.json) {
      await out.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    await out.write(
      `# k-mer logistic regression: k ${report.ks.join(',')}${report.canonical ? ' (canonical)' : ''}, ${report.features} features; ` +
        `train ${report.train.sequences}, validation ${report.validation.sequences}, test ${report.test.sequences} sequences\n` +
        `# classes: ${names.map((n, i) => `${i}=${n}`).join(' ')}${report.positiveClass !== null ? ` (positive: ${report.positiveClass})` : ''}\n`,
    );
    await out.write(`scaling\tlambda\tvalidation_${report.metric}\titerations\tconverged\n`);
    for (const row of report.table) {
      const mark = row === selection.chosen ? '\t*' : '';
      await out.write(
        `${row.scaling}\t${row.lambda}\t${row.validation.toFixed(4)}\t${row.iterations}\t${row.converged}${mark}\n`,
      );
    }
    await out.write(
      `# chosen on validation: ${report.chosen.scaling}, lambda ${report.chosen.lambda}: ${report.metric} ${report.chosen.validation.toFixed(4)}\n`,
    );
    await writeMetrics(out, 'test', testReport, names);
    if (testIntervals) {
      const i = (x: { estimate: number; low: number; high: number }) =>
        `${x.estimate.toFixed(4)} (95% bootstrap interval ${x.low.toFixed(4)} to ${x.high.toFixed(4)})`;
      await out.write(`# test AUROC ${i(testIntervals.auroc)}; MCC ${i(testIntervals.mcc)}\n`);
    }
    await out.write(`# time: ${formatDuration(report.seconds)}\n`);
  });
}

async function writeMetrics(
  out: { write(text: string): Promise<void> },
  role: string,
  report: ClassificationReport,
  names: readonly string[],
): Promise<void> {
  const averaged = report.average === 'binary' ? '' : ' (macro)';
  await out.write(`# ${role} metrics, ${report.n} sequences\nmetric\tvalue\n`);
  for (const [name, value] of [
    ['accuracy', report.accuracy],
    [`precision${averaged}`, report.precision],
    [`recall${averaged}`, report.recall],
    [`f1${averaged}`, report.f1],
    ['mcc', report.mcc],
    [`auroc${report.average === 'binary' ? '' : ' (one-vs-rest macro)'}`, report.auroc],
  ] as const) {
    await out.write(`${name}\t${value.toFixed(4)}\n`);
  }
  await out.write(`# ${role} confusion matrix: rows = true class, columns = predicted class\n`);
  await out.write(`true\\predicted\t${names.join('\t')}\n`);
  for (let t = 0; t < names.length; t++) await out.write(`${names[t]}\t${report.confusion[t]!.join('\t')}\n`);
}

// ---------------------------------------------------------------- registration

export function registerBaseline(program: Command): void {
  const baseline = program
    .command('baseline')
    .description(
      'honest baselines to compare trained models against (Markov bits per base, k-mer logistic regression)',
    );

  baseline
    .command('markov')
    .description(
      'Markov models (orders 0-16; --mixture: the adaptive mixture of DNA compressors): chosen on validation, test bits per base',
    )
    .requiredOption('--train <fasta...>', 'training FASTA file(s) (plain, gzip or bgzip)')
    .option('--validation <fasta...>', 'validation FASTA file(s)')
    .option('--test <fasta...>', 'test FASTA file(s)')
    .option(
      '--split-fraction <f>',
      'split each --train contig as every Locus tool does: validation and test each take f of its end (test last)',
      fraction,
    )
    .addOption(
      new Option('--orders <list>', 'orders to compare, 0 to 16 (e.g. 0-16 or 2,4,6)')
        .argParser(integerList(0, 16))
        .default(integerList(0, 16)('0-16'), '0-16'),
    )
    .option('--alphas <list>', 'pseudo-count grid (default 0.001,0.003,...,1000)', numberList(false))
    .option('--smoothing <kind>', "'both', 'additive' or 'interpolated'", 'both')
    .option(
      '--reverse-complement',
      'count both strands (as a model trained with --reverse-complement sees them)',
    )
    .option('--mixture', 'also the adaptive mixture of orders that DNA compressors use (learns as it reads)')
    .option(
      '--context <bases>',
      'score the bases a causal model with this window scores (with -k)',
      positiveInteger,
    )
    .option('-k, --k <k>', "that model's k-mer length (with --context)", positiveInteger)
    .option('--json', 'machine-readable output (with per-window test blocks)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('-q, --quiet', 'no progress display')
    .addHelpText(
      'after',
      `
Scores every A/C/G/T base of the test split (N and other codes break the context), or with --context
and -k exactly the bases a causal model with that window and k-mer is scored on (the first token of
every window and k-mers with N excluded; src/train/lm-scoring.ts), so the two compare base for base.
The models are trained on the train split and chosen on validation; the chosen settings are also
refitted on train + validation. Per-window test results (--json) feed a paired bootstrap.

Examples:
  locus baseline markov --train genome.fa.gz --split-fraction 0.1
  locus baseline markov --train genome.fa.gz --split-fraction 0.1 --context 10000 -k 1 --reverse-complement --mixture --json
  locus baseline markov --train train.fa --validation valid.fa --test test.fa --orders 0-8`,
    )
    .action(async (options: MarkovCliOptions) => {
      await runMarkov(options);
    });

  baseline
    .command('kmer-logreg')
    .description('k-mer-frequency logistic regression: choose scaling/L2 on validation, report test metrics')
    .requiredOption('--train <file>', 'training CSV/TSV with a sequence,label header (plain or gzip)')
    .requiredOption('--validation <file>', 'validation CSV/TSV')
    .requiredOption('--test <file>', 'test CSV/TSV')
    .addOption(
      new Option('-k, --k <list>', 'k-mer lengths, 1 to 8 (e.g. 6, 4-6 or 3,5)')
        .argParser(integerList(1, 8))
        .default(integerList(1, 8)('4-6'), '4-6'),
    )
    .option('--canonical', 'merge each k-mer with its reverse complement')
    .option('--lambdas <list>', 'L2 strength grid (default 100,30,...,0.0001)', numberList(true))
    .option(
      '--scaling <kind>',
      "'both', 'standardize' (unit variance) or 'global' (one common scale)",
      'both',
    )
    .option(
      '--metric <metric>',
      "selection metric: 'auroc' (default for 2 classes) or 'mcc' (default for more)",
    )
    .option('--json', 'machine-readable output')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('-q, --quiet', 'no progress display')
    .addHelpText(
      'after',
      `
Labels may be any strings; classes are numbered in numeric order when every label is a number, otherwise
in code-point order, and with two classes the second is the positive one (e.g. 0/1, negative/positive).

Example:
  locus baseline kmer-logreg --train train.csv --validation dev.csv --test test.csv -k 4-6 --json`,
    )
    .action(async (options: KmerCliOptions) => {
      await runKmerLogReg(options);
    });
}

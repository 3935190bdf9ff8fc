/**
 * `locus baseline`: the honest baselines a trained model is compared against.
 *
 * - `baseline markov`: order-k Markov language model; order, smoothing and alpha chosen on validation,
 *   bits per base on test. Splits come from separate FASTA files, or from one genome with
 *   `--held-out-fraction f`: the last f of each contig is test, the f before it validation, the rest train
 *   (no overlap; contexts never cross a cut).
 * - `baseline kmer-logreg`: k-mer-frequency logistic regression; scaling and L2 strength chosen on
 *   validation, classification metrics on test. Inputs are CSV/TSV files with a `sequence,label` header.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { LocusInputError } from '../../errors.js';
import type { MarkovSmoothing } from '../../train/baselines/markov.js';
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

function fraction(text: string): number {
  const value = Number(text);
  if (!(value > 0 && value < 0.5))
    throw new InvalidArgumentError('expected a number > 0 and < 0.5, e.g. 0.1');
  return value;
}

// ---------------------------------------------------------------- inputs

/** Number of A/C/G/T bases (either case). */
function acgtBases(sequences: readonly string[]): number {
  let n = 0;
  for (const s of sequences) {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i) | 0x20; // lowercase
      if (c === 0x61 || c === 0x63 || c === 0x67 || c === 0x74) n++;
    }
  }
  return n;
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
      : `give a ${role} FASTA with A/C/G/T bases, or a larger --held-out-fraction`,
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
  heldOutFraction?: number;
  orders: number[];
  alphas?: number[];
  smoothing: string;
  json?: boolean;
  output?: string;
  quiet?: boolean;
}

async function runMarkov(options: MarkovCliOptions): Promise<void> {
  const started = performance.now();
  const markov = await import('../../train/baselines/markov.js');
  const { perplexity } = await import('../../train/metrics.js');
  if (!['both', 'additive', 'interpolated'].includes(options.smoothing)) {
    throw new LocusInputError(
      options.smoothing,
      `Unknown smoothing "${options.smoothing}"`,
      "use 'both', 'additive' or 'interpolated'",
    );
  }
  const heldOut = options.heldOutFraction;
  if (heldOut !== undefined && (options.validation || options.test)) {
    throw new LocusInputError(
      '--held-out-fraction',
      '--held-out-fraction splits the --train FASTA itself; it cannot be combined with --validation or --test',
      'give either --held-out-fraction, or both --validation and --test',
    );
  }
  if (heldOut === undefined && (!options.validation || !options.test)) {
    throw new LocusInputError(
      '--validation/--test',
      'the Markov baseline needs a validation and a test split',
      'give --validation <fasta> and --test <fasta>, or --held-out-fraction 0.1 to hold out the end of each contig',
    );
  }
  const progress = progressLine({ quiet: options.quiet });
  progress.update('reading sequences');
  let train: string[];
  let validation: string[];
  let test: string[];
  // Train and validation together, for the refit: per contig one piece (the two are adjacent there,
  // so contexts run across the cut as they do for a neural model trained on everything but the test).
  let trainAndValidation: string[];
  let files: { train: string[]; validation: string[]; test: string[] };
  if (heldOut !== undefined) {
    const genome = await readFastaSequences(options.train);
    train = [];
    validation = [];
    test = [];
    trainAndValidation = [];
    for (const sequence of genome.sequences) {
      const split = markov.splitHeldOut(sequence, heldOut);
      train.push(split.train);
      validation.push(split.validation);
      test.push(split.test);
      trainAndValidation.push(split.train + split.validation);
    }
    files = { train: options.train, validation: options.train, test: options.train };
  } else {
    files = { train: options.train, validation: options.validation!, test: options.test! };
    train = (await readFastaSequences(files.train)).sequences;
    validation = (await readFastaSequences(files.validation)).sequences;
    test = (await readFastaSequences(files.test)).sequences;
    trainAndValidation = [...train, ...validation];
  }
  requireBases(train, files.train, 'train');
  requireBases(validation, files.validation, 'validation');
  requireBases(test, files.test, 'test');
  const smoothings: MarkovSmoothing[] =
    options.smoothing === 'both' ? [...markov.MARKOV_SMOOTHINGS] : [options.smoothing as MarkovSmoothing];
  const selection = markov.selectMarkov(train, validation, {
    orders: options.orders,
    alphas: options.alphas,
    smoothings,
    onProgress: (done, total, e) =>
      progress.update(
        `validation ${done}/${total}: order ${e.order} ${e.smoothing} alpha ${e.alpha}: ${e.bitsPerBase.toFixed(4)} bits/base`,
      ),
  });
  const score = markov.markovScore(selection.model, test);
  // The chosen order, smoothing and alpha fitted again on train + validation: the fair comparison for
  // a model that trains on all but the test part (as `locus pretrain --held-out` does).
  progress.update('refitting the chosen model on train + validation');
  const { order, smoothing, alpha } = selection.chosen;
  const refitted = markov.fitMarkov(trainAndValidation, order, alpha, smoothing);
  const refitScore = markov.markovScore(refitted, test);
  progress.done();
  const summary = (
    role: 'train' | 'validation' | 'test',
    sequences: string[],
    bases: number,
  ): SplitSummary => ({
    files: files[role],
    sequences: sequences.length,
    bases,
  });
  const report = {
    baseline: 'markov',
    split:
      heldOut === undefined
        ? { mode: 'files' as const }
        : {
            mode: 'held-out' as const,
            heldOutFraction: heldOut,
            rule: 'per contig: last fraction = test, the fraction before it = validation, the rest = train',
          },
    train: summary('train', train, selection.trainingBases),
    validation: summary('validation', validation, selection.validationBases),
    test: summary('test', test, score.bases),
    orders: options.orders,
    alphas: [...new Set(selection.evaluations.map((e) => e.alpha))],
    smoothings,
    table: selection.table.map((e) => ({
      order: e.order,
      smoothing: e.smoothing,
      alpha: e.alpha,
      validationBitsPerBase: e.bitsPerBase,
    })),
    chosen: {
      order: selection.chosen.order,
      smoothing: selection.chosen.smoothing,
      alpha: selection.chosen.alpha,
      validationBitsPerBase: selection.chosen.bitsPerBase,
    },
    testResult: {
      bitsPerBase: score.bitsPerBase,
      bases: score.bases,
      totalNats: score.totalNats,
      perplexityPerBase: perplexity(score.totalNats, score.bases),
    },
    refittedTestResult: {
      fittedOn: 'train+validation',
      trainingBases: refitted.trainingBases,
      bitsPerBase: refitScore.bitsPerBase,
      bases: refitScore.bases,
      totalNats: refitScore.totalNats,
      perplexityPerBase: perplexity(refitScore.totalNats, refitScore.bases),
    },
    seconds: (performance.now() - started) / 1000,
  };
  await withOutput(options.output, async (out) => {
    if (options.json) {
      await out.write(JSON.stringify(report, null, 2) + '\n');
      return;
    }
    const count = (n: number) => n.toLocaleString('en-US');
    await out.write(
      `# Markov baseline: train ${count(report.train.bases)} bases, validation ${count(report.validation.bases)}, test ${count(report.test.bases)} (A/C/G/T bases scored)\n`,
    );
    if (heldOut !== undefined) {
      await out.write(
        `# split: per contig, last ${heldOut} = test, the ${heldOut} before it = validation, the rest = train\n`,
      );
    }
    await out.write('order\tsmoothing\talpha\tvalidation_bits_per_base\n');
    for (const row of report.table) {
      const mark =
        row.order === report.chosen.order && row.smoothing === report.chosen.smoothing ? '\t*' : '';
      await out.write(
        `${row.order}\t${row.smoothing}\t${row.alpha}\t${row.validationBitsPerBase.toFixed(4)}${mark}\n`,
      );
    }
    await out.write(
      `# chosen on validation: order ${report.chosen.order}, ${report.chosen.smoothing}, alpha ${report.chosen.alpha}: ${report.chosen.validationBitsPerBase.toFixed(4)} bits/base\n` +
        `# test: ${report.testResult.bitsPerBase.toFixed(4)} bits/base over ${count(report.testResult.bases)} bases (perplexity ${report.testResult.perplexityPerBase.toFixed(4)} per base)\n` +
        `# test, the chosen model refitted on train + validation (${count(report.refittedTestResult.trainingBases)} bases): ${report.refittedTestResult.bitsPerBase.toFixed(4)} bits/base\n` +
        `# time: ${formatDuration(report.seconds)}\n`,
    );
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
  const testReport = classificationReport(
    testLabels,
    logreg.predictKmerLogReg(selection.model, testRows.sequences),
  );
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
      'order-k Markov model: choose order/smoothing/alpha on validation, report test bits per base',
    )
    .requiredOption('--train <fasta...>', 'training FASTA file(s) (plain, gzip or bgzip)')
    .option('--validation <fasta...>', 'validation FASTA file(s)')
    .option('--test <fasta...>', 'test FASTA file(s)')
    .option(
      '--held-out-fraction <f>',
      'split each --train contig instead: last f = test, the f before = validation, the rest = train',
      fraction,
    )
    .addOption(
      new Option('--orders <list>', 'orders to compare, 0 to 10 (e.g. 0-10 or 2,4,6)')
        .argParser(integerList(0, 10))
        .default(integerList(0, 10)('0-10'), '0-10'),
    )
    .option('--alphas <list>', 'pseudo-count grid (default 0.001,0.003,...,1000)', numberList(false))
    .option('--smoothing <kind>', "'both', 'additive' or 'interpolated'", 'both')
    .option('--json', 'machine-readable output')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('-q, --quiet', 'no progress display')
    .addHelpText(
      'after',
      `
Scores every A/C/G/T base of the test split (N and other codes skipped; they break the context); a base
with fewer than k A/C/G/T bases before it uses the longest context it has. The model is trained on the
train split only; the chosen settings are then refitted on train + validation and scored on the same
test bases too (the fair number for a model trained on everything but the test part, such as
locus pretrain --held-out). Compare other models on exactly the same split, in bits per base.

Examples:
  locus baseline markov --train genome.fa.gz --held-out-fraction 0.1
  locus baseline markov --train train.fa --validation valid.fa --test test.fa --orders 0-8 --json`,
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

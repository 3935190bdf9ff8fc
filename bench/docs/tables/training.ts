/** Generated doc tables of the training results: E. coli LM and baselines, attention on repeats, dm3. */
import { count, fixed, markdownTable, provenance, result, seconds, withInterval } from '../json.js';
import type { TableRenderer } from '../tables.js';

interface Interval {
  estimate: number;
  low: number;
  high: number;
}

interface EcoliLm {
  command: string;
  date: string;
  git: { commit: string };
  model: {
    checkpoint: string;
    bitsPerBase: number;
    scoredBases: number;
    windows: number;
    seconds: number;
    peakRssBytes: number;
  };
  baselines: {
    command: string;
    seconds: number;
    peakRssBytes: number;
    static: {
      table: { order: number; smoothing: string; alpha: number; bitsPerBase: number }[];
      chosen: {
        order: number;
        smoothing: string;
        alpha: number;
        bitsPerBase: number;
        reverseComplement: boolean;
      };
      test: { bitsPerBase: number };
      refit: { bitsPerBase: number };
    };
    mixture: {
      evaluations: { alpha: number; gamma: number; bitsPerBase: number }[];
      chosen: { orders: number[]; alpha: number; gamma: number; validationBitsPerBase: number };
      test: { bitsPerBase: number };
      refit: { bitsPerBase: number };
    };
  };
  comparisons: {
    baseline: string;
    bitsPerBaseA: number;
    bitsPerBaseB: number;
    difference: Interval;
    blocks: number;
    replicates: number;
  }[];
  strongestBaseline: string;
  verdict: string;
}

const ecoli = (root: string) => result<EcoliLm>(root, 'ecoli-lm.json');
const mb = (bytes: number) => `${count(bytes / 2 ** 20)} MB`;

const comparison: TableRenderer = (root) => {
  const r = ecoli(root);
  const rows = r.comparisons.map((c) => [
    c.baseline,
    fixed(c.bitsPerBaseB, 4),
    withInterval(c.difference, 4),
    c.difference.high < 0 ? 'model better' : c.difference.low > 0 ? 'baseline better' : 'not resolved',
  ]);
  return [
    `Reformer \`${r.model.checkpoint}\`: **${fixed(r.model.bitsPerBase, 4)} bits per base** on the test part ` +
      `(${count(r.model.scoredBases)} bases in ${r.model.windows} windows). Every row scores exactly these bases.`,
    '',
    markdownTable(
      ['compared with', 'its test bits per base', 'model minus it, 95% interval', 'verdict'],
      rows,
    ),
    '',
    `Strongest baseline: ${r.strongestBaseline}. Verdict: ${r.verdict}. Intervals: paired bootstrap over the ` +
      `${r.comparisons[0]!.blocks} windows, ${count(r.comparisons[0]!.replicates)} draws. Model evaluation ` +
      `${seconds(r.model.seconds)} s, ${mb(r.model.peakRssBytes)} peak; baselines ${seconds(r.baselines.seconds)} s, ` +
      `${mb(r.baselines.peakRssBytes)} peak.`,
    '',
    provenance('ecoli-lm.json', r),
  ].join('\n');
};

const markovOrders: TableRenderer = (root) => {
  const r = ecoli(root);
  const s = r.baselines.static;
  const orders = [...new Set(s.table.map((e) => e.order))].sort((a, b) => a - b);
  const cell = (order: number, smoothing: string) => {
    const e = s.table.find((x) => x.order === order && x.smoothing === smoothing);
    if (!e) return '-';
    const chosen = e.order === s.chosen.order && e.smoothing === s.chosen.smoothing;
    return `${chosen ? '**' : ''}${fixed(e.bitsPerBase, 4)}${chosen ? '**' : ''} (alpha ${e.alpha})`;
  };
  const m = r.baselines.mixture;
  const gammas = [...new Set(m.evaluations.map((e) => e.gamma))].sort((a, b) => a - b);
  const bestPerGamma = gammas.map((g) => {
    const best = m.evaluations
      .filter((e) => e.gamma === g)
      .reduce((a, e) => (e.bitsPerBase < a.bitsPerBase ? e : a));
    return [String(g), fixed(best.bitsPerBase, 4), String(best.alpha)];
  });
  return [
    `Static Markov model, validation bits per base (best alpha of each order and smoothing; both strands counted: ${s.chosen.reverseComplement ? 'yes' : 'no'}):`,
    '',
    markdownTable(
      ['order', 'additive', 'interpolated'],
      orders.map((o) => [String(o), cell(o, 'additive'), cell(o, 'interpolated')]),
    ),
    '',
    `Chosen: order ${s.chosen.order}, ${s.chosen.smoothing}, alpha ${s.chosen.alpha}. Test: ${fixed(s.test.bitsPerBase, 4)} ` +
      `(fitted on train), ${fixed(s.refit.bitsPerBase, 4)} (refitted on train + validation).`,
    '',
    `Adaptive mixture of orders ${m.chosen.orders.join(', ')}, validation bits per base at each forgetting factor gamma (best alpha):`,
    '',
    markdownTable(['gamma', 'validation bits per base', 'alpha'], bestPerGamma),
    '',
    `Chosen: alpha ${m.chosen.alpha}, gamma ${m.chosen.gamma} (${fixed(m.chosen.validationBitsPerBase, 4)} on validation). ` +
      `Test: ${fixed(m.test.bitsPerBase, 4)} (fitted on train), ${fixed(m.refit.bitsPerBase, 4)} (refitted on train + validation).`,
    '',
    `Command: \`${r.baselines.command}\`.`,
    '',
    provenance('ecoli-lm.json', r),
  ].join('\n');
};

interface Training {
  command: string;
  date: string;
  git: { commit: string };
  steps: number;
  trainingTokens: number;
  seconds: number;
  bestStep: number;
  bestValidationBitsPerBase: number;
  evaluations: { step: number; validationBitsPerBase: number }[];
  lossCurve: { steps: string; bitsPerBase: number }[];
}

const training: TableRenderer = (root) => {
  const t = result<Training>(root, 'ecoli-causal-training.json');
  const curve = t.evaluations.map((e) => [
    String(e.step),
    `${e.step === t.bestStep ? '**' : ''}${fixed(e.validationBitsPerBase, 4)}${e.step === t.bestStep ? '**' : ''}`,
    fixed(t.lossCurve.find((l) => Number(l.steps.split('-')[1]) >= e.step)?.bitsPerBase ?? NaN, 4),
  ]);
  return [
    `\`${t.command}\``,
    '',
    `${t.steps} steps, ${count(t.trainingTokens)} training tokens, ${fixed(t.seconds / 60, 0)} minutes with one worker (while other work shared the 2-core machine). ` +
      `Shipped: \`best/\`, step ${t.bestStep}, ${fixed(t.bestValidationBitsPerBase, 4)} bits per base on the first validation windows.`,
    '',
    markdownTable(
      ['step', 'validation bits per base (8 windows)', 'training loss, bits per base (10-step mean)'],
      curve,
    ),
    '',
    provenance('ecoli-causal-training.json', t),
  ].join('\n');
};

interface RepeatMasses {
  queries: number;
  copyMass: number;
  copyChance: number;
  copyControl: number;
  alignedMass: number;
  alignedChance: number;
  alignedControl: number;
}

interface Repeats {
  command: string;
  date: string;
  git: { commit: string };
  repeatRule: string;
  chance: string;
  pooled: Record<
    string,
    RepeatMasses & { repeats: number; copyOverControl: Interval; alignedOverControl: Interval }
  >;
  heads: (RepeatMasses & { layer: number; head: number })[];
}

const repeats: TableRenderer = (root) => {
  const r = result<Repeats>(root, 'ecoli-attention-repeats.json');
  const ratio = (i: Interval) => `${fixed(i.estimate, 2)}x (${fixed(i.low, 2)} to ${fixed(i.high, 2)})`;
  const partName: Record<string, string> = {
    all: 'all',
    test: 'test part (never trained on)',
    seen: 'train and validation',
  };
  const pooledRows = Object.entries(r.pooled).map(([part, p]) => [
    partName[part] ?? part,
    String(p.repeats),
    fixed(p.copyMass, 4),
    fixed(p.copyControl, 4),
    fixed(p.copyChance, 4),
    p.repeats >= 10 ? ratio(p.copyOverControl) : 'too few',
    fixed(p.alignedMass, 4),
    fixed(p.alignedControl, 4),
    fixed(p.alignedChance, 4),
    p.repeats >= 10 ? ratio(p.alignedOverControl) : 'too few',
  ]);
  const headRows = r.heads.map((h) => [
    String(h.layer),
    String(h.head),
    fixed(h.copyMass, 4),
    fixed(h.copyControl, 4),
    fixed(h.alignedMass, 4),
    fixed(h.alignedControl, 4),
  ]);
  return [
    `Repeats: ${r.repeatRule}. Chance: ${r.chance}.`,
    '',
    markdownTable(
      [
        'part',
        'repeats',
        'copy mass',
        'control',
        'uniform',
        'copy / control, 95%',
        'aligned mass',
        'control',
        'uniform',
        'aligned / control, 95%',
      ],
      pooledRows,
    ),
    '',
    'Per LSH layer and head, all repeats:',
    '',
    markdownTable(['layer', 'head', 'copy mass', 'control', 'aligned mass', 'control'], headRows),
    '',
    provenance('ecoli-attention-repeats.json', r),
  ].join('\n');
};

/** What bench/train/record.ts saves around any `locus ... --json` result. */
interface RecordedRun<Result> {
  command: string;
  date: string;
  git: { commit: string };
  seconds: number;
  peakRssBytes: number;
  result: Result;
}

type Dm3Record = RecordedRun<{
  ks: number[];
  features: number;
  chosen: { scaling: string; lambda: number; validation: number };
  train: { sequences: number };
  validation: { sequences: number };
  test: { sequences: number };
  testMetrics: { accuracy: number; f1: number };
  testIntervals: { auroc: Interval; mcc: Interval; replicates: number };
}>;

const dm3Baseline: TableRenderer = (root) => {
  const d = result<Dm3Record>(root, 'dm3-kmer-logreg.json');
  const r = d.result;
  return [
    markdownTable(
      ['test metric', 'value (95% bootstrap interval)'],
      [
        ['AUROC', withInterval(r.testIntervals.auroc, 4)],
        ['MCC', withInterval(r.testIntervals.mcc, 4)],
        ['accuracy', fixed(r.testMetrics.accuracy, 4)],
        ['F1', fixed(r.testMetrics.f1, 4)],
      ],
    ),
    '',
    `k = ${r.ks.join(', ')} (${count(r.features)} features); chosen on validation AUROC: ${r.chosen.scaling} scaling, ` +
      `lambda ${r.chosen.lambda} (validation ${fixed(r.chosen.validation, 4)}). Train ${count(r.train.sequences)}, ` +
      `validation ${count(r.validation.sequences)}, test ${count(r.test.sequences)} sequences; ` +
      `${seconds(d.seconds)} s, ${mb(d.peakRssBytes)} peak. Intervals: ${count(r.testIntervals.replicates)} bootstrap draws over the test sequences.`,
    '',
    provenance('dm3-kmer-logreg.json', d),
  ].join('\n');
};

type ClassifierRecord = RecordedRun<{
  n: number;
  accuracy: number;
  f1: number;
  intervals: { auroc: Interval; mcc: Interval; replicates: number };
}>;

type FinetuneRecord = RecordedRun<{ stepsDone: number; best?: { step: number; metric: number } }>;

const dm3Reformer: TableRenderer = (root) => {
  const pre = result<Training>(root, 'dm3-mlm-training.json');
  const kmer = result<Dm3Record>(root, 'dm3-kmer-logreg.json');
  // Two fine-tunings of dm3-mlm, each evaluated once on the test arm: reading frame 0 only, and
  // --frame-shift (six times the steps).
  const runs = [
    { name: 'Reformer, frame 0', tune: 'dm3-finetune.json', test: 'dm3-reformer.json' },
    { name: 'Reformer, --frame-shift', tune: 'dm3-finetune-frames.json', test: 'dm3-reformer-frames.json' },
  ].map((run) => ({
    ...run,
    finetune: result<FinetuneRecord>(root, run.tune),
    reformer: result<ClassifierRecord>(root, run.test),
  }));
  const k = kmer.result;
  const column = (pick: (r: ClassifierRecord['result']) => string) =>
    runs.map((run) => pick(run.reformer.result));
  return [
    markdownTable(
      ['test metric (95% bootstrap interval)', ...runs.map((run) => run.name), 'k-mer logistic regression'],
      [
        [
          'AUROC',
          ...column((r) => withInterval(r.intervals.auroc, 4)),
          withInterval(k.testIntervals.auroc, 4),
        ],
        ['MCC', ...column((r) => withInterval(r.intervals.mcc, 4)), withInterval(k.testIntervals.mcc, 4)],
        ['accuracy', ...column((r) => fixed(r.accuracy, 4)), fixed(k.testMetrics.accuracy, 4)],
        ['F1', ...column((r) => fixed(r.f1, 4)), fixed(k.testMetrics.f1, 4)],
      ],
    ),
    '',
    `Pretraining: \`${pre.command}\` (${pre.steps} steps, ${count(pre.trainingTokens)} tokens, ${fixed(pre.seconds / 60, 0)} minutes).`,
    ...runs.map(
      ({ name, finetune, reformer }) =>
        `${name}: \`${finetune.command}\` (${finetune.result.stepsDone} steps, ${fixed(finetune.seconds / 60, 0)} minutes; best validation AUROC ` +
        `${fixed(finetune.result.best?.metric ?? NaN, 4)} at step ${finetune.result.best?.step ?? '-'}); test: \`${reformer.command}\` (${count(reformer.result.n)} sequences).`,
    ),
    '',
    provenance('dm3-mlm-training.json', pre),
    ...runs.flatMap((run) => [provenance(run.tune, run.finetune), provenance(run.test, run.reformer)]),
  ].join('\n');
};

/** The dm3 model's card: its training and what fine-tuning it gave. */
const dm3Card: TableRenderer = (root) => {
  const pre = result<Training>(root, 'dm3-mlm-training.json');
  const reformer = result<ClassifierRecord>(root, 'dm3-reformer-frames.json');
  const kmer = result<Dm3Record>(root, 'dm3-kmer-logreg.json');
  return [
    markdownTable(
      ['', 'value'],
      [
        [
          'pretraining',
          `${pre.steps} steps, ${count(pre.trainingTokens)} tokens, ${fixed(pre.seconds / 60, 0)} minutes with 2 workers`,
        ],
        ['masked-LM validation loss, bits per base (best step)', fixed(pre.bestValidationBitsPerBase, 4)],
        [
          'dm3 promoter task, test AUROC after fine-tuning with --frame-shift',
          withInterval(reformer.result.intervals.auroc, 4),
        ],
        ['the same, k-mer logistic regression', withInterval(kmer.result.testIntervals.auroc, 4)],
      ],
    ),
    '',
    provenance('dm3-mlm-training.json', pre),
    provenance('dm3-reformer-frames.json', reformer),
  ].join('\n');
};

/** README: the two model comparisons in a sentence each, the one the Reformer wins and the one it loses. */
const trainingHeadline: TableRenderer = (root) => {
  const dm3 = result<ClassifierRecord>(root, 'dm3-reformer-frames.json');
  const kmer = result<Dm3Record>(root, 'dm3-kmer-logreg.json');
  const lm = ecoli(root);
  const strongest = lm.comparisons.find((c) => c.baseline === lm.strongestBaseline)!;
  return (
    `On the dm3 promoter task (split by chromosome arm), \`dm3-mlm\` fine-tuned with \`--frame-shift\` reaches ` +
    `test AUROC ${withInterval(dm3.result.intervals.auroc, 3)} against k-mer logistic regression's ` +
    `${withInterval(kmer.result.testIntervals.auroc, 3)}. On E. coli 536, \`ecoli-causal\` scores ` +
    `${fixed(strongest.bitsPerBaseA, 4)} bits per base on the test part against ${fixed(strongest.bitsPerBaseB, 4)} ` +
    `for the strongest baseline (${lm.strongestBaseline}): the model minus the baseline is ` +
    `${withInterval(strongest.difference, 4)} bits per base, so ${strongest.difference.estimate > 0 ? 'the baseline wins' : 'the model wins'} ` +
    `(\`docs/training.md\`; \`bench/results/dm3-reformer-frames.json\` of ${dm3.date.slice(0, 10)}, commit ` +
    `${dm3.git.commit.slice(0, 10)}; \`bench/results/ecoli-lm.json\` of ${lm.date.slice(0, 10)}, commit ` +
    `${lm.git.commit.slice(0, 10)}).`
  );
};

/** The facts a model card leads with. */
const ecoliCard: TableRenderer = (root) => {
  const r = ecoli(root);
  const t = result<Training>(root, 'ecoli-causal-training.json');
  const strongest = r.comparisons.find((c) => c.baseline === r.strongestBaseline)!;
  const uniform = r.comparisons[0]!;
  return [
    markdownTable(
      ['', 'value'],
      [
        [
          'training',
          `${t.steps} steps, ${count(t.trainingTokens)} tokens, ${fixed(t.seconds / 60, 0)} minutes with one worker on a 2-core machine`,
        ],
        ['validation bits per base (best step, 8 windows)', fixed(t.bestValidationBitsPerBase, 4)],
        ['test bits per base', fixed(r.model.bitsPerBase, 4)],
        ['minus a uniform guess (2 bits), 95% interval', withInterval(uniform.difference, 4)],
        [`minus the strongest baseline (${r.strongestBaseline})`, withInterval(strongest.difference, 4)],
      ],
    ),
    '',
    provenance('ecoli-causal-training.json', t),
    provenance('ecoli-lm.json', r),
  ].join('\n');
};

interface MlmTest {
  command: string;
  date: string;
  git: { commit: string };
  againstUniform: {
    bases: number;
    blocks: number;
    difference: { estimate: number; low: number; high: number };
  };
  evaluation: { bitsPerBase: number; accuracy: number; windows: number };
}

/** The facts the E. coli masked LM's card leads with. */
const ecoliMlmCard: TableRenderer = (root) => {
  const t = result<Training>(root, 'ecoli-mlm-training.json');
  const test = result<MlmTest>(root, 'ecoli-mlm-test.json');
  const u = test.againstUniform;
  return [
    markdownTable(
      ['', 'value'],
      [
        [
          'training',
          `${t.steps} steps, ${count(t.trainingTokens)} tokens, ${fixed(t.seconds / 60, 0)} minutes with two workers on a 2-core machine`,
        ],
        ['validation bits per masked base (best step, 8 windows)', fixed(t.bestValidationBitsPerBase, 4)],
        [
          `test bits per masked base (${count(u.bases)} masked bases in ${count(u.blocks)} windows)`,
          fixed(test.evaluation.bitsPerBase, 4),
        ],
        ['test accuracy of the masked base', fixed(test.evaluation.accuracy, 3)],
        ['minus a uniform guess (2 bits), 95% interval', withInterval(u.difference, 4)],
      ],
    ),
    '',
    provenance('ecoli-mlm-training.json', t),
    provenance('ecoli-mlm-test.json', test),
  ].join('\n');
};

export const TRAINING_TABLES: Record<string, TableRenderer> = {
  'ecoli-lm-comparison': comparison,
  'ecoli-markov-baselines': markovOrders,
  'ecoli-causal-training': training,
  'ecoli-attention-repeats': repeats,
  'dm3-kmer-logreg': dm3Baseline,
  'ecoli-causal-card': ecoliCard,
  'dm3-reformer': dm3Reformer,
  'dm3-mlm-card': dm3Card,
  'training-headline': trainingHeadline,
  'ecoli-mlm-card': ecoliMlmCard,
};

/**
 * Generated doc tables of the `locus variants` benchmark (see ../generate.ts), from
 * bench/results/variants.json (the test data, seed 1) and variants-validation.json (seed 2, where
 * the defaults were checked), both written by bench/variants/run.ts.
 */
import { count, fixed, markdownTable, provenance, result, seconds, withRange, type Spread } from '../json.js';
import type { TableRenderer } from '../tables.js';

type Interval = [number, number];

interface ClassScore {
  tp: number;
  fp: number;
  fn: number;
  precision: number;
  recall: number;
  f1: number;
  f1Interval: Interval;
}

/** The part of bench/variants/run.ts's output the tables read. */
interface VariantsReport {
  command: string;
  date: string;
  git: { commit: string };
  machine: { cpus: number; cpuModel: string };
  data: { truth: { snvs: number; indels: number } };
  tools: Record<string, string>;
  samples: {
    sample: string;
    description: string;
    coverage: number;
    runs: { caller: string; command: string; seconds: number; cpuSeconds: number; peakRssMb: number }[];
    rows: {
      caller: string;
      filter: string;
      calls: number;
      snv: ClassScore;
      indel: ClassScore;
      locusMinus?: Record<'snv' | 'indel', { difference: number; interval: Interval }>;
    }[];
    qualSweep?: {
      command: string;
      rows: { minQual: number; calls: number; snv: ClassScore; indel: ClassScore }[];
    };
  }[];
}

const TEST = 'variants.json';
const VALIDATION = 'variants-validation.json';

const CALLER_NAMES: Record<string, string> = {
  locus: 'locus variants',
  bcftools: 'bcftools (mpileup, call -mv)',
  freebayes: 'freebayes',
  'freebayes-pooled': 'freebayes --pooled-continuous -F 0.05 -C 2',
};

const f1Cell = (s: ClassScore) =>
  `${fixed(s.f1, 4)} (${fixed(s.f1Interval[0], 4)} to ${fixed(s.f1Interval[1], 4)})`;
const difference = (d: { difference: number; interval: Interval } | undefined) =>
  d === undefined
    ? ''
    : `${d.difference >= 0 ? '+' : ''}${fixed(d.difference, 4)} (${fixed(d.interval[0], 4)} to ${fixed(d.interval[1], 4)})`;

function accuracyTable(root: string, file: string): string {
  const r = result<VariantsReport>(root, file);
  const parts: string[] = [
    `Truth: ${count(r.data.truth.snvs)} SNVs and ${count(r.data.truth.indels)} indels (1-10 bp) on E. coli 536 + lambda ` +
      `(5.07 Mb). F1 with its 95% block-bootstrap interval; "locus − row" is Locus's F1 minus the row's, ` +
      'paired on the same bootstrap draws (an interval that excludes 0 is a difference chance does not explain).',
  ];
  for (const s of r.samples) {
    const rows = s.rows.map((row) => [
      CALLER_NAMES[row.caller] ?? row.caller,
      row.filter,
      f1Cell(row.snv),
      `${fixed(row.snv.precision, 4)} / ${fixed(row.snv.recall, 4)}`,
      difference(row.locusMinus?.snv),
      f1Cell(row.indel),
      `${fixed(row.indel.precision, 4)} / ${fixed(row.indel.recall, 4)}`,
      difference(row.locusMinus?.indel),
    ]);
    parts.push(
      '',
      `**${s.sample}**: ${s.description} (${fixed(s.coverage, 1)}x measured)`,
      '',
      markdownTable(
        [
          'caller',
          'scored',
          'SNV F1',
          'SNV P / R',
          'SNV: locus − row',
          'indel F1',
          'indel P / R',
          'indel: locus − row',
        ],
        rows,
      ),
    );
  }
  parts.push('', provenance(file, r));
  return parts.join('\n');
}

const SHORT_NAMES: Record<string, string> = {
  hap30: 'haploid 30x',
  hap12: 'haploid 12x with 1-2% base errors',
  mix60: 'every variant at 10% in 60x (--min-af 0.05)',
};

/** One sentence for the README: Locus against the best-known peer on each test sample. */
function headline(root: string): string {
  const r = result<VariantsReport>(root, TEST);
  const parts = r.samples.map((s) => {
    const row = (caller: string) => s.rows.find((x) => x.caller === caller && x.filter === 'as written');
    const ours = row('locus');
    const peer = s.sample.startsWith('mix') ? row('freebayes-pooled') : row('bcftools');
    const time = (caller: string) => s.runs.find((run) => run.caller === caller)?.seconds ?? Number.NaN;
    if (!ours || !peer) return `${s.sample}: (missing rows)`;
    const peerName = CALLER_NAMES[peer.caller] ?? peer.caller;
    return (
      `${SHORT_NAMES[s.sample] ?? s.sample}: SNV F1 ${fixed(ours.snv.f1, 4)}, ` +
      `indel F1 ${fixed(ours.indel.f1, 4)} against ${peerName}'s ${fixed(peer.snv.f1, 4)} and ` +
      `${fixed(peer.indel.f1, 4)}, in ${fixed(time('locus') / time('bcftools'), 2)}x bcftools' wall time`
    );
  });
  return (
    `On simulated reads of E. coli 536 + lambda, \`locus variants\` reaches ${parts.join('; ')} ` +
    `(\`docs/variants.md\`; \`bench/results/${TEST}\` of ${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}).`
  );
}

/** The part of bench/variants/llr-repeats.ts's output the table reads. */
interface LlrRepeatsReport {
  command: string;
  date: string;
  git: { commit: string };
  model: string;
  naturalRepeats: { pairs: number };
  repeats: { pairs: number; sites: number };
  random: { sites: number };
  llr: {
    repeatMean: number;
    randomMean: number;
    firstCopyMean: number;
    secondCopyMean: number;
    difference: { estimate: number; low: number; high: number };
    auroc: number;
    /** Absent in runs before it was measured (the causal model always reads the other copy). */
    otherCopyInView?: { sites: number; mean: number | null; auroc: number };
  };
  cost: { passes: number; scoringSeconds: number };
}

/** One JSON per model: the causal model's, then the masked LM's. */
const LLR_REPEATS = ['variants-llr-repeats.json', 'variants-llr-repeats-mlm.json'];

function llrRepeatsTable(root: string): string {
  const reports = LLR_REPEATS.map((file) => result<LlrRepeatsReport>(root, file));
  const first = reports[0]!;
  const row = (label: string, sites: number, mean: (l: LlrRepeatsReport['llr']) => number | null) => [
    label,
    count(sites),
    ...reports.map((r) => {
      const m = mean(r.llr);
      return m === null ? '–' : fixed(m, 3);
    }),
  ];
  return [
    markdownTable(
      ['SNVs', 'sites', ...reports.map((r) => `mean LLR, \`${r.model}\` (nats)`)],
      [
        row('in a planted repeat copy', first.repeats.sites, (l) => l.repeatMean),
        row('… in the first copy (other copy to the right)', first.repeats.sites / 2, (l) => l.firstCopyMean),
        row(
          '… in the second copy (other copy to the left)',
          first.repeats.sites / 2,
          (l) => l.secondCopyMean,
        ),
        [
          'at random positions of the same stretch',
          count(first.random.sites),
          ...reports.map((r) => fixed(r.llr.randomMean, 3)),
        ],
      ],
    ),
    '',
    ...reports.map((r) => {
      const l = r.llr;
      const view = l.otherCopyInView;
      return (
        `\`${r.model}\`: repeat minus random ${fixed(l.difference.estimate, 3)} nats ` +
        `(95% bootstrap interval ${fixed(l.difference.low, 3)} to ${fixed(l.difference.high, 3)}); AUROC of −LLR for ` +
        `"in a repeat copy" ${fixed(l.auroc, 3)}` +
        (view && view.sites < r.repeats.sites
          ? `; the ${count(view.sites)} repeat sites whose other copy lies in the same window: mean ${view.mean === null ? '–' : fixed(view.mean, 3)}, AUROC ${fixed(view.auroc, 3)}`
          : '') +
        `. ${count(r.cost.passes)} forward passes, ${seconds(r.cost.scoringSeconds)} s of scoring.`
      );
    }),
    '',
    ...LLR_REPEATS.map((file, i) => provenance(file, reports[i]!)),
  ].join('\n');
}

interface LlrCostReport {
  command: string;
  date: string;
  sample: string;
  summary: {
    setup: string;
    model: string | null;
    region: string;
    calledBases: number;
    calls: number;
    seconds: Spread;
    callingSeconds: Spread;
    scoringSeconds?: Spread;
    passes: number | null;
    basesRead: number | null;
    readsOfCalledRegion: number | null;
    peakRssMb: Spread;
  }[];
  repeats: number;
}

const LLR_COST = 'variants-llr-cost.json';

/** What INFO/LLR costs: the same calls without a model, with the masked LM and with the causal LM. */
function llrCostTable(root: string): string {
  const r = result<LlrCostReport>(root, LLR_COST);
  const spread = (x: Spread | undefined) => (x ? withRange(x, seconds) : '–');
  return [
    markdownTable(
      [
        'called region',
        'model',
        'alleles',
        'wall s',
        'calling s',
        'scoring s',
        'passes',
        'bases the model read / called bases',
        'peak MB',
      ],
      r.summary.map((s) => [
        s.region === 'whole reference' ? 'whole reference (E. coli 536 + lambda)' : `\`${s.region}\``,
        s.model ? `\`${s.model}\`` : 'none',
        count(s.calls),
        spread(s.seconds),
        spread(s.callingSeconds),
        spread(s.scoringSeconds),
        s.passes === null ? '–' : count(s.passes),
        s.readsOfCalledRegion === null ? '–' : `${fixed(s.readsOfCalledRegion, 3)}x`,
        fixed(s.peakRssMb.median, 0),
      ]),
    ),
    '',
    `Sample ${r.sample}, haploid; median (min-max) of ${r.repeats} runs per setup, alternated.`,
    '',
    provenance(LLR_COST, r),
  ].join('\n');
}

/** Locus's calls with --min-qual 0, scored at each QUAL threshold, per test sample. */
function qualSweepTable(root: string): string {
  const r = result<VariantsReport>(root, TEST);
  const rows = r.samples.flatMap((s) =>
    (s.qualSweep?.rows ?? []).map((q) => [
      s.sample,
      `${q.minQual}`,
      fixed(q.snv.f1, 4),
      `${fixed(q.snv.precision, 4)} / ${fixed(q.snv.recall, 4)}`,
      fixed(q.indel.f1, 4),
      `${fixed(q.indel.precision, 4)} / ${fixed(q.indel.recall, 4)}`,
    ]),
  );
  return [
    markdownTable(['sample', 'QUAL ≥', 'SNV F1', 'SNV P / R', 'indel F1', 'indel P / R'], rows),
    '',
    provenance(TEST, r),
  ].join('\n');
}

export const VARIANTS_TABLES: Record<string, TableRenderer> = {
  /** What --min-qual trades: Locus scored at several QUAL thresholds. */
  'variants-qual-sweep': qualSweepTable,
  /** INFO/LLR on SNVs in planted repeats against random SNVs (bench/variants/llr-repeats.ts). */
  'variants-llr-repeats': llrRepeatsTable,
  /** What INFO/LLR costs beside the calling, per model (bench/variants/llr-cost.ts). */
  'variants-llr-cost': llrCostTable,
  /** The README's one sentence. */
  'variants-headline': headline,
  /** Accuracy of every caller on the test samples (seed 1). */
  'variants-results': (root) => accuracyTable(root, TEST),
  /** The same on the validation samples (seed 2). */
  'variants-validation-results': (root) => accuracyTable(root, VALIDATION),
  /** Wall time, CPU time and peak memory of every run on the test samples, with the ratio to bcftools. */
  'variants-cost': (root) => {
    const r = result<VariantsReport>(root, TEST);
    const rows = r.samples.flatMap((s) => {
      const bcftools = s.runs.find((run) => run.caller === 'bcftools');
      return s.runs.map((run) => [
        s.sample,
        CALLER_NAMES[run.caller] ?? run.caller,
        seconds(run.seconds),
        bcftools ? `${fixed(run.seconds / bcftools.seconds, 2)}x` : '-',
        seconds(run.cpuSeconds),
        count(run.peakRssMb),
      ]);
    });
    return [
      `${r.machine.cpus} CPUs (${r.machine.cpuModel}); \`locus variants\` with its default workers (one per CPU beyond the first), the peers single-threaded ` +
        `as they run by default. Tools: ${Object.entries(r.tools)
          .map(([tool, version]) =>
            version.includes(tool) ? version : `${tool} ${version.replace(/^version:\s*/, '')}`,
          )
          .join(', ')}.`,
      '',
      markdownTable(['sample', 'caller', 'wall s', 'wall / bcftools', 'CPU s', 'peak RSS MB'], rows),
      '',
      provenance(TEST, r),
    ].join('\n');
  },
};

/**
 * Generated doc tables of the model benchmarks (see ../generate.ts), from bench/results/model-*.json
 * and duplication-*.json. The results table is the one `bench/model/run.js` prints, and every cell
 * is formatted by bench/model/table.ts.
 */
import {
  fmt,
  formatEnvironment,
  formatMatmul,
  formatTable,
  K,
  matmulPeak,
  mb,
  secondsCell,
  targetState,
  type CaseResult,
  type MatmulResult,
  type RunEnvironment,
  type Target,
} from '../../model/table.js';
import { fixed, markdownTable, provenance, result, seconds } from '../json.js';
import type { TableRenderer } from '../tables.js';

/** What bench/model/run.ts writes. */
interface ModelReport extends RunEnvironment {
  date: string;
  command: string;
  git: { commit: string; dirty: boolean };
  backend: string;
  matmul: MatmulResult | null;
  reference: {
    source: string;
    at4096Tokens: { forwardTokensPerS: number; trainTokensPerS: number };
    at16384Tokens: { forwardTokensPerS: number; trainTokensPerS: number; peakRssBytes: number };
    at131072Tokens: string;
  };
  cases: CaseResult[];
  summary: {
    targets: Target[];
    lshVsFull: {
      bases: number;
      tokens: number;
      fullSeconds: number | null;
      lshSeconds: number | null;
      fullPeakRssBytes: number | null;
      lshPeakRssBytes: number | null;
      lshOverFull: number | null;
      defaultOverFull: number | null;
      fullError?: string;
    }[];
  };
}

/** What bench/model/duplication.ts writes. */
interface DuplicationReport {
  date: string;
  command: string;
  config: { attention: string[]; rounds: number };
  training: { steps: number };
  seconds: number;
  copyAccuracy: number;
  copyByLshEvalRounds?: Record<string, { accuracy: number }>;
  history: { step: number; copyAccuracy: number }[];
}

const LATEST = 'model-latest.json';
/** Before the fused attention kernel: chunked attention as tfjs batched matmuls. */
const BEFORE_KERNEL = 'model-20261128T104128Z.json';
/** The run the before/after table compares with (the final code of the kernel change). */
const AFTER_KERNEL = 'model-20261128T134857Z.json';
/** Full runs of the kernel's code before its last changes, with what each lacked. */
const EARLIER_RUNS: [file: string, note: string][] = [
  ['model-20261128T122642Z.json', 'before hashing moved into the kernel'],
  ['model-20261128T124954Z.json', 'before the worker fix (`--no-liftoff`) and the sorted-row copy'],
  [LATEST, 'latest'],
];
const DUPLICATION = [
  'duplication-lsh-4.json',
  'duplication-lsh-2.json',
  'duplication-lsh-1.json',
  'duplication-full.json',
];
/** The duplication task's target for LSH with 4 rounds (issue 3). */
const DUPLICATION_TARGET = 0.95;

const model = (root: string, file: string) => result<ModelReport>(root, file);

/** A case of a run, by id; undefined when the run did not have it. */
const find = (r: ModelReport, id: string): CaseResult | undefined => r.cases.find((c) => c.id === id);

/** A case of a run that must be there and have succeeded. */
function ok(
  r: ModelReport,
  file: string,
  id: string,
): CaseResult & { seconds: number; tokensPerSecond: number } {
  const c = find(r, id);
  if (!c?.ok || c.seconds === null || c.tokensPerSecond === null)
    throw new Error(`bench/results/${file} has no successful case ${id}`);
  return c as CaseResult & { seconds: number; tokensPerSecond: number };
}

const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 2): string =>
  a === null || a === undefined || b === null || b === undefined ? '-' : `${fixed(a / b, digits)}x`;

const percent = (value: number): string => `${fixed(100 * value, 0)}%`;

/** "12:26 UTC" from an ISO date. */
const time = (iso: string): string => `${iso.slice(11, 16)} UTC`;

/** Provenance lines, one paragraph each. */
const sources = (root: string, files: string[]): string =>
  files.map((file) => provenance(file, result(root, file))).join('\n\n');

export const MODEL_TABLES: Record<string, TableRenderer> = {
  /** The latest run: machine, matmul peak and the table `run.js` prints. */
  'model-results': (root) => {
    const r = model(root, LATEST);
    return [
      `- ${formatEnvironment(r, r.backend)}`,
      ...(r.matmul ? [`- ${formatMatmul(r.matmul)}`] : []),
      '',
      formatTable(r.cases, matmulPeak(r.matmul)),
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** The cases that decide the close targets, in the full runs of the kernel's code. */
  'model-earlier-runs': (root) => {
    const rows = EARLIER_RUNS.map(([file, note]) => {
      const r = model(root, file);
      const fwd100k = find(r, 'fwd-100k-lsh');
      const fwd1M = find(r, 'fwd-1M-lsh');
      const w1 = find(r, 'train-100k-lsh-w1');
      const w2 = find(r, 'train-100k-lsh-w2');
      const perBase = (c: CaseResult | undefined) => (c?.seconds ? c.seconds / c.bases : null);
      return [
        `${time(r.date)}, ${note}`,
        secondsCell(fwd100k?.seconds ?? null),
        secondsCell(fwd1M?.seconds ?? null),
        ratio(perBase(fwd1M), perBase(fwd100k)),
        fmt(w1?.tokensPerSecond),
        fmt(w2?.tokensPerSecond),
        ratio(w2?.tokensPerSecond, w1?.tokensPerSecond),
      ];
    });
    return [
      markdownTable(
        [
          'full run',
          'forward 100k s',
          'forward 1M s',
          '1M / 100k per base',
          'train 100k, 1 worker: tokens/s',
          'train 100k, 2 workers: tokens/s',
          '2 / 1 workers',
        ],
        rows,
      ),
      '',
      sources(
        root,
        EARLIER_RUNS.map(([file]) => file),
      ),
    ].join('\n');
  },

  /** Before the fused attention kernel against after it. */
  'model-before-after': (root) => {
    const before = model(root, BEFORE_KERNEL);
    const after = model(root, AFTER_KERNEL);
    const ids = [
      'fwd-10k-lsh-only',
      'fwd-24.6k-lsh-only',
      'fwd-100k-lsh',
      'fwd-1M-lsh',
      'train-100k-lsh',
      'train-100k-lsh-w2',
      'train-100k-lsh-d12',
    ];
    const rows = ids.map((id) => {
      const b = find(before, id);
      const a = find(after, id);
      return [
        (a ?? b)?.title ?? id,
        secondsCell(b?.seconds ?? null),
        secondsCell(a?.seconds ?? null),
        ratio(b?.seconds, a?.seconds, 1),
        mb(b?.peakRssBytes ?? null),
        mb(a?.peakRssBytes ?? null),
      ];
    });
    return [
      markdownTable(
        ['case', 'before: s/iteration', 'after', 'speed-up', 'before: peak RSS MB', 'after'],
        rows,
      ),
      '',
      sources(root, [BEFORE_KERNEL, AFTER_KERNEL]),
    ].join('\n');
  },

  /** The targets as the latest run checked them (`summary.targets`). */
  'model-targets': (root) => {
    const r = model(root, LATEST);
    return [
      markdownTable(
        ['target', 'measured', 'met?'],
        r.summary.targets.map((t) => [t.target, t.detail, targetState(t)]),
      ),
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** The latest run against the reformer-pytorch figures recorded with it. */
  'model-reference': (root) => {
    const r = model(root, LATEST);
    const ref = r.reference;
    const fwd4k = ok(r, LATEST, 'fwd-24.6k-lsh-only');
    const train4k = ok(r, LATEST, 'train-24.6k-lsh');
    const fwd100k = ok(r, LATEST, 'fwd-100k-lsh');
    const train100k = ok(r, LATEST, 'train-100k-lsh');
    const fwd1M = ok(r, LATEST, 'fwd-1M-lsh');
    return [
      `- At ${fmt(fwd4k.tokens)} tokens (${K(fwd4k.bases)} bases), LSH runs at ${fmt(fwd4k.tokensPerSecond)} tokens/s ` +
        `forward against ${fmt(ref.at4096Tokens.forwardTokensPerS)} ` +
        `(${percent(fwd4k.tokensPerSecond / ref.at4096Tokens.forwardTokensPerS)}) and trains at ` +
        `${fmt(train4k.tokensPerSecond)} tokens/s against ${fmt(ref.at4096Tokens.trainTokensPerS)} ` +
        `(${percent(train4k.tokensPerSecond / ref.at4096Tokens.trainTokensPerS)}), in the main thread.`,
      `- At ${fmt(fwd100k.tokens)} tokens (${K(fwd100k.bases)} bases), Locus's peak RSS is ${mb(fwd100k.peakRssBytes)} MB ` +
        `forward and ${mb(train100k.peakRssBytes)} MB for a training step; reformer-pytorch peaked at ` +
        `${fixed(ref.at16384Tokens.peakRssBytes / 1e9, 1)} GB at 16,384 tokens.`,
      `- At 131,072 tokens, reformer-pytorch ${ref.at131072Tokens}. Locus ran ${fmt(fwd1M.tokens)} tokens ` +
        `(${K(fwd1M.bases)} bases) forward in ${mb(fwd1M.peakRssBytes)} MB.`,
      '',
      `Reference figures from issue 3, as the run records them: ${ref.source}.`,
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** A training step in forwards. */
  'model-train-cost': (root) => {
    const r = model(root, LATEST);
    const fwd = ok(r, LATEST, 'fwd-100k-lsh');
    const train = ok(r, LATEST, 'train-100k-lsh');
    return [
      `In the latest run a training step at ${K(train.bases)} bases takes ${secondsCell(train.seconds)} s against ` +
        `${secondsCell(fwd.seconds)} s for a forward: ${fixed(train.seconds / fwd.seconds, 1)} forwards.`,
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** 2 workers against 1 in the latest run. */
  'model-workers': (root) => {
    const r = model(root, LATEST);
    const pair = (kind: 'fwd' | 'train') => {
      const one = ok(r, LATEST, `${kind}-100k-lsh-w1`);
      const two = ok(r, LATEST, `${kind}-100k-lsh-w2`);
      return `${ratio(two.tokensPerSecond, one.tokensPerSecond)} one worker (${fmt(two.tokensPerSecond)} against ${fmt(one.tokensPerSecond)} tokens/s)`;
    };
    return [
      `In the latest run, at 100k bases, 2 workers ran forward at ${pair('fwd')} and trained at ${pair('train')}.`,
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** LSH alone and full attention at each length of the ladder (`summary.lshVsFull`). */
  'model-lsh-vs-full': (root) => {
    const r = model(root, LATEST);
    const rows = r.summary.lshVsFull.map((c) => [
      K(c.bases),
      fmt(c.tokens),
      secondsCell(c.lshSeconds),
      c.fullSeconds !== null ? secondsCell(c.fullSeconds) : `FAILED (${c.fullError ?? 'error'})`,
      c.lshOverFull === null ? '-' : `${fixed(c.lshOverFull, 2)}x`,
      c.defaultOverFull === null ? '-' : `${fixed(c.defaultOverFull, 2)}x`,
      mb(c.lshPeakRssBytes),
      mb(c.fullPeakRssBytes),
    ]);
    return [
      markdownTable(
        [
          'bases',
          'tokens',
          'LSH only s',
          'full s',
          'LSH / full',
          'default / full',
          'LSH peak RSS MB',
          'full peak RSS MB',
        ],
        rows,
      ),
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** The paper's duplication task, one row per training run. */
  'model-duplication': (root) => {
    const runs = DUPLICATION.map((file) => ({ file, d: result<DuplicationReport>(root, file) }));
    const pct = (accuracy: number | undefined, bold: boolean) =>
      accuracy === undefined
        ? '-'
        : bold
          ? `**${fixed(100 * accuracy, 1)}%**`
          : `${fixed(100 * accuracy, 1)}%`;
    const rows = runs.map(({ d }) => {
      const full = d.config.attention.every((a) => a === 'full');
      const rounds = d.config.rounds;
      const learned = d.history.find((h) => h.copyAccuracy >= 0.5);
      return [
        full ? 'full attention' : `LSH, ${rounds} round${rounds === 1 ? '' : 's'}`,
        fmt(d.training.steps),
        `${seconds(d.seconds)} s`,
        full ? pct(d.copyAccuracy, true) : '-',
        ...[1, 2, 4].map((n) => pct(d.copyByLshEvalRounds?.[String(n)]?.accuracy, !full && n === rounds)),
        learned ? fmt(learned.step) : `not by ${fmt(d.training.steps)}`,
      ];
    });
    const lsh4 = runs.find(({ d }) => d.config.attention.includes('lsh') && d.config.rounds === 4)?.d;
    return [
      markdownTable(
        [
          'trained with',
          'steps',
          'time',
          'eval full',
          'eval LSH-1',
          'eval LSH-2',
          'eval LSH-4',
          'copy accuracy first >= 50% at step',
        ],
        rows,
      ),
      '',
      ...(lsh4
        ? [
            `LSH with 4 rounds copies ${fixed(100 * lsh4.copyAccuracy, 1)}% (target >= ${percent(DUPLICATION_TARGET)}: ` +
              `${lsh4.copyAccuracy >= DUPLICATION_TARGET ? 'met' : 'NOT met'}).`,
            '',
          ]
        : []),
      sources(
        root,
        runs.map(({ file }) => file),
      ),
    ].join('\n');
  },

  /** One sentence for the README: the 100k forward with the kernel against before it. */
  'model-headline': (root) => {
    const before = model(root, BEFORE_KERNEL);
    const now = model(root, LATEST);
    const b = ok(before, BEFORE_KERNEL, 'fwd-100k-lsh');
    const n = ok(now, LATEST, 'fwd-100k-lsh');
    return (
      `A 100,000-base forward pass takes ${secondsCell(n.seconds)} s instead of ${secondsCell(b.seconds)} s ` +
      `with tfjs's batched matmuls (\`docs/benchmarks.md\`; \`bench/results/${LATEST}\` of ` +
      `${now.date.slice(0, 10)}, commit ${now.git.commit.slice(0, 10)}, against \`${BEFORE_KERNEL}\`).`
    );
  },
};

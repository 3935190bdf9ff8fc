/**
 * Generated doc tables of the desktop benchmark (see ../generate.ts), from bench/results/desktop.json,
 * which bench/desktop/run.ts writes.
 */
import { count, fixed, markdownTable, provenance, result, withRange, type Spread } from '../json.js';
import type { TableRenderer } from '../tables.js';

interface PageSummary {
  firstViewMs: Spread;
  loadMs: Spread;
  jumpMs: Spread;
  longTaskMaxMs: Spread;
  longTaskTotalMs: Spread;
  jsHeapMb: Spread;
  ink: Spread;
}

/** The part of bench/desktop/run.ts's output the tables read. */
interface DesktopReport {
  command: string;
  date: string;
  git: { commit: string };
  machine: { cpus: number; cpuModel: string };
  browser: string;
  data: { genome: string; reads: string; bamMb: number };
  opening: string;
  jumps: string[];
  target: { firstViewMs: number };
  summary: { locus: PageSummary; igvAlone: PageSummary; firstViewRatio: number };
  attention: {
    locus: string;
    otherLocus: string;
    defaults: { model: string; layer: string; head: string };
    runs: {
      kind: AttentionKind;
      clickToArcsMs: number;
      serverSeconds: number;
      queries: number;
      contexts: number;
      queryStep: number;
      method: string;
      arcsDrawn: number;
      peakRssMb: number;
      timings: {
        loadModel: number;
        startWorkers: number;
        compute: number;
        workers: number;
        contextsCached: number;
      };
    }[];
    byKind: Record<AttentionKind, { clickToArcsSeconds: Spread; clickToFirstArcsSeconds: Spread }>;
    peakRssMb: Spread;
    threads: { workers: number; seconds: number }[];
  };
  pages: unknown[];
}

type AttentionKind = 'cold' | 'warm' | 'other head';

const FILE = 'desktop.json';
const overlap = (a: Spread, b: Spread) => a.min <= b.max && b.min <= a.max;
const ms = (s: Spread) => withRange(s, count);
const secs = (s: Spread) => withRange(s, (x) => fixed(x, 1));

function firstViewTable(root: string): string {
  const r = result<DesktopReport>(root, FILE);
  const runs = r.pages.length / 2;
  const row = (name: string, s: PageSummary) => [
    name,
    ms(s.firstViewMs),
    ms(s.jumpMs),
    ms(s.longTaskMaxMs),
    ms(s.longTaskTotalMs),
    fixed(s.jsHeapMb.median, 0),
  ];
  const met = r.summary.locus.firstViewMs.max < r.target.firstViewMs;
  return [
    `${r.data.genome} with ${r.data.reads} (BAM ${fixed(r.data.bamMb, 0)} MB), opened at \`${r.opening}\` in ${r.browser} on ${r.machine.cpus} CPUs; ` +
      `median (min-max) of ${runs} fresh page loads each, alternating; a jump is one of ${r.jumps.length} moves to 10 kb views across the genome.`,
    '',
    markdownTable(
      [
        'page',
        'first view after load, ms',
        'jump until drawn, ms',
        'longest task, ms',
        'long tasks in all, ms',
        'JS heap, MB',
      ],
      [
        row('Locus (`locus serve`)', r.summary.locus),
        row('igv.js alone (bare page, bare server)', r.summary.igvAlone),
      ],
    ),
    '',
    `Locus / igv.js alone, first view (medians): ${fixed(r.summary.firstViewRatio, 2)}x` +
      (overlap(r.summary.locus.firstViewMs, r.summary.igvAlone.firstViewMs)
        ? ` (the min-max ranges overlap: no difference shown at ${runs} loads each). `
        : '. ') +
      `Target: first view under ${count(r.target.firstViewMs)} ms after the page loads: ${met ? 'met on every load' : 'not met on every load'}.`,
    '',
    provenance(FILE, r),
  ].join('\n');
}

function attentionTable(root: string): string {
  const r = result<DesktopReport>(root, FILE);
  const a = r.attention;
  const first = a.runs[0]!;
  const runsOf = (kind: AttentionKind) => a.runs.filter((x) => x.kind === kind);
  const mean = (kind: AttentionKind, pick: (run: (typeof a.runs)[number]) => number) =>
    fixed(runsOf(kind).reduce((m, x) => m + pick(x), 0) / runsOf(kind).length, 1);
  const row = (kind: AttentionKind, name: string) => [
    name,
    secs(a.byKind[kind].clickToFirstArcsSeconds),
    secs(a.byKind[kind].clickToArcsSeconds),
    `${mean(kind, (x) => x.timings.loadModel)} + ${mean(kind, (x) => x.timings.startWorkers)} + ${mean(kind, (x) => x.timings.compute)}`,
    `${runsOf(kind)[0]!.timings.contextsCached} of ${runsOf(kind)[0]!.contexts}`,
  ];
  return [
    `The attention panel at its defaults (model ${a.defaults.model}, layer ${a.defaults.layer}, heads ${a.defaults.head === 'mean' ? 'averaged' : a.defaults.head}) on 100 kb views, ${runsOf('cold').length} runs, each on a fresh server: ` +
      `the first view of the session (\`${a.locus}\`), then another 100 kb (\`${a.otherLocus}\`), then that view with head 0 alone. ` +
      `What the panel says it computed: "${first.method}"`,
    '',
    markdownTable(
      [
        'view',
        'click to first arcs, s',
        'click to all arcs, s',
        `server: load model + start workers + read contexts, s (${first.timings.workers} workers)`,
        'contexts read before',
      ],
      [
        row('cold', 'the first view of a session (cold)'),
        row('warm', 'another 100 kb (model loaded)'),
        row('other head', 'the same 100 kb, head 0 (contexts read before)'),
      ],
    ),
    '',
    `${count(first.queries)} queries in ${first.contexts} contexts, ${count(first.arcsDrawn)} arcs drawn; ` +
      `peak RSS of the server ${fixed(a.peakRssMb.median, 0)} MB (${fixed(a.peakRssMb.min, 0)}-${fixed(a.peakRssMb.max, 0)}). ` +
      `The first view from the pipeline alone (no browser): ${a.threads
        .map(
          (t) =>
            `${fixed(t.seconds, 1)} s on ${t.workers === 1 ? 'one thread' : `${t.workers} worker threads`}`,
        )
        .join(', ')}.`,
    '',
    provenance(FILE, r),
  ].join('\n');
}

export const DESKTOP_TABLES: Record<string, TableRenderer> = {
  /** First view and responsiveness of the UI against igv.js alone. */
  'desktop-first-view': firstViewTable,
  /** The attention view of 100 kb at the panel's default settings. */
  'desktop-attention': attentionTable,
  /** One paragraph for the README. */
  'desktop-headline': (root) => {
    const r = result<DesktopReport>(root, FILE);
    return (
      `Opening a ${r.data.genome.split(', ')[1]} genome (${r.data.genome.split(', ')[0]}) with ${r.data.reads.split(', ').at(-1)} reads, the desktop draws its first view ` +
      `${count(r.summary.locus.firstViewMs.median)} ms after the page loads (igv.js alone: ${count(r.summary.igvAlone.firstViewMs.median)} ms); ` +
      `the attention view of 100 kb at its defaults draws its first arcs ${fixed(r.attention.byKind.cold.clickToFirstArcsSeconds.median, 1)} s after the click and all of them after ${fixed(r.attention.byKind.cold.clickToArcsSeconds.median, 1)} s ` +
      `as the session's first view, ${fixed(r.attention.byKind.warm.clickToArcsSeconds.median, 1)} s once the model is loaded ` +
      `(\`docs/desktop.md\`; \`bench/results/${FILE}\` of ${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}).`
    );
  },
};

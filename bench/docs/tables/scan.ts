/**
 * Generated doc tables of the `locus scan` benchmark (see ../generate.ts), from
 * bench/results/scan-test.json, which bench/scan/run.ts writes on the planted-island test genome.
 */
import { count, fixed, markdownTable, provenance, result, seconds } from '../json.js';
import { basesOf, hostNativeMask } from '../../scan/host-native.js';
import type { TableRenderer } from '../tables.js';

interface Group {
  segments: number;
  found: number;
  recall: number;
}

/** The part of bench/scan/run.ts's output the tables read. */
interface ScanReport {
  split: string;
  date: string;
  command: string;
  git: { commit: string; dirty: boolean };
  machine: { cpus: number; cpuModel: string };
  genome: { segments: number; plantedBases: number; contigs: { length: number }[] };
  tools: {
    tool: string;
    ok: boolean;
    error?: string;
    seconds?: number;
    peakRssMb?: number;
    metrics?: {
      segments: { total: number; found: number };
      perClass: Record<string, Group>;
      bases: { precision: number; recall: number; f1: number };
      plantedOnly: { precision: number };
      auroc: { value: number | null };
      hostNativeExcluded?: { precision: number; f1: number; auroc: number | null };
    };
  }[];
  hostNative?: { bases: number; intervals: number } | null;
}

/** bench/scan/host-calls.ts's record of every tool on the unplanted host. */
interface HostReport {
  date: string;
  command: string;
  git: { commit: string };
  host: { length: number };
  tools: { tool: string; seconds: number; intervals: [number, number][]; bases: number }[];
  union: { intervals: [number, number][]; bases: number; fraction: number };
}
const HOST = 'scan-host.json';

const TEST = 'scan-test.json';

/** bench/train/record.js around `locus scan samples/ecoli-island.fa ... --json`. */
interface SampleRecord {
  command: string;
  date: string;
  git: { commit: string };
  machine: { cpus: number };
  seconds: number;
  peakRssBytes: number;
  result: { segments: { contig: string; start: number; end: number; reason: string }[] };
}
const GRID = 'scan-validation-grid.json';

interface GridReport {
  date: string;
  command: string;
  runs: {
    method: string;
    args: string[];
    ok: boolean;
    seconds?: number;
    found?: string;
    f1?: number;
    precision?: number;
    recall?: number;
    auroc?: number;
  }[];
}

/** Readable tool names for the ids run.ts records. */
const TOOL_NAMES: Record<string, string> = {
  'locus scan --method reformer': 'locus scan --method reformer',
  'locus scan --method markov': 'locus scan --method markov',
  'locus scan --method gc': 'locus scan --method gc (GC z-score)',
  alien_hunter: 'alien_hunter 1.7 (default settings)',
};

const PHAGE = 'phage_host_gc';

export const SCAN_TABLES: Record<string, TableRenderer> = {
  /** Every tool on the test genome: found segments, base scores, AUROC, the phage class, cost. */
  'scan-results': (root) => resultsTable(root, TEST),
  /** The README's main command on the shipped sample: time, memory and what it calls. */
  'scan-sample': (root) => {
    const r = result<SampleRecord>(root, 'scan-sample.json');
    const calls = r.result.segments
      .map((s) => `${s.contig}:${count(s.start + 1)}-${count(s.end)} (${s.reason})`)
      .join(', ');
    return [
      `\`${r.command}\` took ${seconds(r.seconds)} s wall on ${r.machine.cpus} CPUs, ` +
        `${fixed(r.peakRssBytes / 2 ** 20, 0)} MB peak RSS, and called ${calls}.`,
      '',
      provenance('scan-sample.json', r),
    ].join('\n');
  },
  /** One sentence for the README: the default method against alien_hunter on the test genome. */
  'scan-headline': (root) => {
    const r = result<ScanReport>(root, TEST);
    const tool = (id: string) => r.tools.find((t) => t.tool === id && t.ok && t.metrics);
    const ours = tool('locus scan --method reformer');
    const peer = tool('alien_hunter');
    if (!ours || !peer) return `(${TEST} lacks a successful reformer or alien_hunter run)`;
    const describe = (t: NonNullable<typeof ours>) =>
      `${t.metrics!.segments.found}/${t.metrics!.segments.total} segments found, base F1 ` +
      `${fixed(t.metrics!.bases.f1, 2)}, per-base AUROC ${fixed(t.metrics!.auroc.value ?? NaN, 3)}, ` +
      `${seconds(t.seconds ?? NaN)} s`;
    const masked = (t: NonNullable<typeof ours>) => {
      const x = t.metrics!.hostNativeExcluded;
      return x ? `F1 ${fixed(x.f1, 2)} and AUROC ${fixed(x.auroc ?? NaN, 3)}` : undefined;
    };
    const withoutNative =
      masked(ours) && masked(peer)
        ? ` With the host's own islands left out (what alien_hunter and Locus both call in E. coli 536 ` +
          `alone), ${masked(ours)} against alien_hunter's ${masked(peer)}.`
        : '';
    return (
      `On a ${r.genome.segments}-island planted E. coli 536 test genome, \`locus scan\` (Reformer): ` +
      `${describe(ours)}; alien_hunter: ${describe(peer)} (\`docs/scan.md\`; \`bench/results/${TEST}\` of ` +
      `${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}).${withoutNative}`
    );
  },
  /** The test genome's figures with the host's own anomalous DNA left out. */
  'scan-host-native': (root) => hostNativeTable(root, TEST),
  'scan-validation-host-native': (root) => hostNativeTable(root, 'scan-validation.json'),
  /** What every tool calls in the unplanted host: the host-native mask. */
  'scan-host': (root) => {
    const r = result<HostReport>(root, HOST);
    const percent = (bases: number) => `${fixed((100 * bases) / r.host.length, 1)}%`;
    const rows = r.tools.map((t) => [
      TOOL_NAMES[t.tool] ?? t.tool,
      String(t.intervals.length),
      count(t.bases),
      percent(t.bases),
    ]);
    const mask = hostNativeMask(r);
    const maskBases = basesOf(mask);
    rows.push([
      'any of them',
      String(r.union.intervals.length),
      count(r.union.bases),
      percent(r.union.bases),
    ]);
    rows.push([
      'alien_hunter and a locus method: the host-native mask',
      String(mask.length),
      count(maskBases),
      percent(maskBases),
    ]);
    return [
      markdownTable(['tool, on the unplanted host', 'segments', 'bases', 'of the host'], rows),
      '',
      provenance(HOST, r),
    ].join('\n');
  },
  /** The same on the validation genome, where the defaults were chosen. */
  'scan-validation-results': (root) => resultsTable(root, 'scan-validation.json'),
  /** The settings tried on the validation genome, one change from the defaults per row. */
  'scan-validation-grid': (root) => {
    const r = result<GridReport>(root, GRID);
    const rows = r.runs.map((run) => [
      `\`--method ${run.method} ${run.args.join(' ')}\``,
      run.ok ? (run.found ?? '-') : 'failed',
      run.f1 === undefined ? '-' : fixed(run.f1, 3),
      run.auroc === undefined ? '-' : fixed(run.auroc, 3),
      run.seconds === undefined ? '-' : seconds(run.seconds),
    ]);
    return [
      markdownTable(['validation run', 'segments found', 'base F1', 'per-base AUROC', 'wall s'], rows),
      '',
      provenance(GRID, r),
    ].join('\n');
  },
};

/** Every tool on one planted genome: found segments, base scores, AUROC, the phage class, cost. */
function resultsTable(root: string, file: string): string {
  const r = result<ScanReport>(root, file);
  const rows = r.tools.map((t) => {
    const name = TOOL_NAMES[t.tool] ?? t.tool;
    const m = t.metrics;
    // The error (a command line and its output) stays in the JSON; the table says where to look.
    if (!t.ok || !m) return [name, `failed: see \`tools\` in ${file}`, ...Array<string>(8).fill('')];
    const phage = m.perClass[PHAGE];
    return [
      name,
      `${m.segments.found}/${m.segments.total}`,
      `${fixed(m.bases.precision, 3)} / ${fixed(m.plantedOnly.precision, 3)}`,
      fixed(m.bases.recall, 3),
      fixed(m.bases.f1, 3),
      m.auroc.value === null ? '-' : fixed(m.auroc.value, 3),
      phage ? `${phage.found}/${phage.segments}` : '-',
      phage ? fixed(phage.recall, 3) : '-',
      t.seconds === undefined ? '-' : seconds(t.seconds),
      t.peakRssMb === undefined ? '-' : fixed(t.peakRssMb, 0),
    ];
  });
  const genomeLength = r.genome.contigs.reduce((sum, c) => sum + c.length, 0);
  return [
    `Planted-island ${r.split} genome: E. coli 536 with ${r.genome.segments} inserted segments ` +
      `(${count(r.genome.plantedBases)} of ${count(genomeLength)} bases); ` +
      `${r.machine.cpus} CPUs (${r.machine.cpuModel}).`,
    '',
    markdownTable(
      [
        'tool',
        'segments found',
        'base precision (all / planted-only)',
        'base recall',
        'base F1',
        'per-base AUROC',
        'phage, host GC: found',
        'phage, host GC: recall',
        'wall s',
        'peak RSS MB',
      ],
      rows,
    ),
    '',
    provenance(file, r),
  ].join('\n');
}

/** Precision, F1 and AUROC over all bases and with the host-native mask left out, per tool. */
function hostNativeTable(root: string, file: string): string {
  const r = result<ScanReport>(root, file);
  if (!r.hostNative)
    return `(${file} was written without bench/results/${HOST}: run host-calls.js, then run.js)`;
  const rows = r.tools.map((t) => {
    const name = TOOL_NAMES[t.tool] ?? t.tool;
    const m = t.metrics;
    const x = m?.hostNativeExcluded;
    if (!t.ok || !m || !x) return [name, 'failed', '', ''];
    const auroc = (v: number | null) => (v === null ? '-' : fixed(v, 3));
    return [
      name,
      `${fixed(m.bases.precision, 3)} / ${fixed(x.precision, 3)}`,
      `${fixed(m.bases.f1, 3)} / ${fixed(x.f1, 3)}`,
      `${auroc(m.auroc.value)} / ${auroc(x.auroc)}`,
    ];
  });
  return [
    `The ${r.split} genome's figures over all bases / with the host-native mask left out ` +
      `(${count(r.hostNative.bases)} bases; recall and segments found do not change):`,
    '',
    markdownTable(['tool', 'base precision', 'base F1', 'per-base AUROC'], rows),
    '',
    provenance(file, r),
  ].join('\n');
}

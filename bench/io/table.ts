/**
 * What the I/O benchmark prints about its results: the result types of bench/results/io-*.json and
 * the text made from them. `run.ts` prints these; `bench/docs/tables/io.ts` puts the same text in the
 * docs, so that a table in the docs is exactly what the benchmark printed.
 */
import type { FileComparison, PileupComparison } from './compare.js';
import type { Run } from './measure.js';

/** What one tool did in one case. */
export interface ToolResult {
  argv: string[];
  runs: Run[];
  medianS: number;
  /** Largest peak RSS over the runs, MB (absent without /usr/bin/time). */
  peakRssMb?: number;
}

export type Correctness =
  | ({ kind: 'bytes'; records: number; expectedRecords: number } & FileComparison)
  | ({ kind: 'pileup' } & PileupComparison)
  | { kind: 'error'; identical: false; message: string };

export interface CaseResult {
  id: string;
  title: string;
  locus: ToolResult;
  samtools: ToolResult;
  /** locus median / samtools median. */
  ratio: number;
  /** The ratio locus must stay within. */
  target: number;
  targetMet: boolean;
  correctness: Correctness;
  identical: boolean;
}

/** The machine and tools of a run, as `environment()` in run.ts records them. */
export interface RunEnvironment {
  machine: { cpus: number; cpuModel: string; totalMemGiB: number };
  node: string;
  samtools: string;
  htslib: string;
}

export const seconds = (s: number): string => s.toFixed(s < 1 ? 3 : 2);

/** "2 x AMD EPYC, 23.5 GiB; node v20; samtools 1.16.1 (Using htslib 1.16)". */
export function formatEnvironment(env: RunEnvironment): string {
  return `${env.machine.cpus} x ${env.machine.cpuModel}, ${env.machine.totalMemGiB} GiB; node ${env.node}; ${env.samtools} (${env.htslib})`;
}

/** How many runs each median is of. */
export function formatRepeats(faidxRepeats: number, pileupRepeats: number): string {
  return `median of ${faidxRepeats} (faidx, start-up) / ${pileupRepeats} (pileup) runs, whole-process wall time`;
}

/** The start-up baselines. */
export function formatStartup(nodeEmptyS: number, locusVersionS: number): string {
  return `start-up: node -e '' ${seconds(nodeEmptyS)} s; locus --version ${seconds(locusVersionS)} s`;
}

/** The results table, in markdown. */
export function formatTable(cases: CaseResult[]): string {
  const header = [
    'case',
    'locus s',
    'samtools s',
    'locus/samtools',
    'locus RSS MB',
    'samtools RSS MB',
    'identical?',
  ];
  const rows = cases.map((c) => [
    c.title,
    seconds(c.locus.medianS),
    seconds(c.samtools.medianS),
    `${c.ratio.toFixed(1)}x (target <= ${c.target}x: ${c.targetMet ? 'met' : 'NOT met'})`,
    c.locus.peakRssMb?.toFixed(0) ?? 'n/a',
    c.samtools.peakRssMb?.toFixed(0) ?? 'n/a',
    c.identical ? 'yes' : 'NO',
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** What the output check of one case found. */
export function describeCorrectness(c: Correctness): string {
  if (c.kind === 'error') return `CHECK FAILED: ${c.message}`;
  if (c.kind === 'bytes') {
    return c.identical
      ? `byte-identical (${c.bytesA} bytes, ${c.records} records)`
      : `DIFFERENT: ${c.bytesA} vs ${c.bytesB} bytes, first difference at byte ${c.firstDifference}; ${c.records}/${c.expectedRecords} records`;
  }
  const base = `${c.positions} positions compared (${c.bothPrinted} printed by both), ${c.mismatches} mismatches, ${c.rowsOnlyInLocus} rows only in locus, ${c.rowsOnlyInSamtools} only in samtools`;
  if (c.identical) return base;
  const columns = Object.entries(c.columnMismatches)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k}: ${n}`)
    .join(', ');
  const examples = c.examples
    .map((e) => `\n      ${e.contig}:${e.pos}  locus [${e.locus ?? '-'}]  samtools [${e.samtools ?? '-'}]`)
    .join('');
  return `${base}; per column: ${columns}; first (ref depth A C G T N del ins):${examples}`;
}

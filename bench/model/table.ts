/**
 * What the model benchmark prints about its results: the result types of bench/results/model-*.json
 * and the text made from them. `run.ts` prints these; `bench/docs/tables/model.ts` puts the same text
 * in the docs, so that a table in the docs is exactly what the benchmark printed.
 */
import type { FlopBreakdown } from './flops.js';

export interface CaseSpec {
  id: string;
  title: string;
  bases: number;
  attention: 'lsh' | 'full';
  depth: number;
  train: boolean;
  workers: number;
  iterations: number;
  warmup: number;
  timeoutS: number;
  /** `--full-up-to`: LSH layers run full attention up to this many tokens (undefined: the model's default). */
  fullUpTo?: number;
  /** Part of the LSH/full ladder: the ladder stops after a length where full attention fails. */
  ladder?: boolean;
}

/** What `locus bench model --json` prints. */
export interface CommandResult {
  bases: number;
  tokens: number;
  seconds: number | null;
  tokensPerSecond: number | null;
  peakRssBytes: number;
  backend: string;
  effectiveAttention?: string;
  fullAttentionUpTo?: number;
  iterationSeconds: number[];
  loss?: number;
  error?: string;
  failedAt?: string;
  failure?: string;
}

export interface CaseResult extends Omit<CaseSpec, 'ladder' | 'timeoutS'> {
  argv: string[];
  ok: boolean;
  tokens: number;
  /** What the layers ran (LSH layers fall back to full attention up to fullAttentionUpTo tokens). */
  effectiveAttention: string | null;
  seconds: number | null;
  tokensPerSecond: number | null;
  /** Peak RSS of the whole process, /usr/bin/time %M (falls back to the command's own figure). */
  peakRssBytes: number | null;
  /** The command's own peak (getrusage maxrss and sampled rss). */
  reportedPeakRssBytes: number | null;
  /** Process wall and CPU time (start-up and warm-up included), from /usr/bin/time. */
  processWallS: number;
  processCpuS: number | null;
  flops: FlopBreakdown;
  /** FLOPs of one iteration over its seconds (all sequences of the iteration). */
  gflopsPerS: number | null;
  error?: string;
  failedAt?: string;
  failure?: string;
  loadAverage: { before: number; after: number };
  command: CommandResult | null;
}

/** One of the issue's targets, with the numbers that decide it (met null: not measured in this run). */
export interface Target {
  target: string;
  met: boolean | null;
  detail: string;
}

/** What `bench/model/matmul.js` prints: the plain 2-D matmul of the backend. */
export interface MatmulResult {
  backend: string;
  results: { m: number; k: number; n: number; medianSeconds: number; gflops: number }[];
}

/** The machine and versions of a run, as `environment()` in run.ts records them. */
export interface RunEnvironment {
  machine: { cpus: number; cpuModel: string; totalMemGiB: number };
  node: string;
  tfjs: string;
}

/** A number with thousands separators and fixed decimals; '-' when there is none. */
export const fmt = (n: number | null | undefined, digits = 0): string =>
  n === null || n === undefined || !Number.isFinite(n)
    ? '-'
    : n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Bytes as MB (2^20 bytes). */
export const mb = (bytes: number | null): string => (bytes === null ? '-' : fmt(bytes / 2 ** 20));

/** Seconds per iteration: 2 decimals under 10 s, 1 above. */
export const secondsCell = (s: number | null): string => fmt(s, s !== null && s < 10 ? 2 : 1);

/** Bases as 1.5k, 100k, 1M. */
export const K = (bases: number): string =>
  bases >= 1e6 ? `${bases / 1e6}M` : bases >= 1000 ? `${Math.round(bases / 100) / 10}k` : String(bases);

/** The peak the "% of matmul peak" column divides by: the faster of the plain matmuls. */
export const matmulPeak = (matmul: MatmulResult | null): number | null =>
  matmul ? Math.max(...matmul.results.map((r) => r.gflops)) : null;

/** "2 x AMD EPYC, 23.5 GiB; node v20; tfjs 4.22.0 (wasm)". */
export function formatEnvironment(env: RunEnvironment, backend: string): string {
  return `${env.machine.cpus} x ${env.machine.cpuModel}, ${env.machine.totalMemGiB} GiB; node ${env.node}; tfjs ${env.tfjs} (${backend})`;
}

/** "matmul peak: 4096x512x512 26.1 GFLOP/s, ...". */
export function formatMatmul(matmul: MatmulResult): string {
  return `matmul peak: ${matmul.results.map((r) => `${r.m}x${r.k}x${r.n} ${r.gflops.toFixed(1)} GFLOP/s`).join(', ')}`;
}

/** The results table, in markdown; `peak` is the matmul peak per core, GFLOP/s. */
export function formatTable(cases: CaseResult[], peak: number | null): string {
  const header = [
    'case',
    'tokens/seq',
    's/iteration',
    'tokens/s',
    'GFLOP/iter',
    'GFLOP/s',
    '% of matmul peak',
    'peak RSS MB',
    'status',
  ];
  const rows = cases.map((c) => [
    c.title +
      (c.effectiveAttention && c.effectiveAttention !== c.attention ? ` (ran ${c.effectiveAttention})` : ''),
    fmt(c.tokens),
    secondsCell(c.seconds),
    fmt(c.tokensPerSecond),
    fmt((c.flops.total * Math.max(1, c.workers)) / 1e9, 1),
    fmt(c.gflopsPerS, 2),
    c.gflopsPerS !== null && peak
      ? `${fmt((100 * c.gflopsPerS) / (peak * Math.max(1, c.workers)), 0)}%`
      : '-',
    mb(c.peakRssBytes),
    c.ok ? 'ok' : `FAILED (${c.failure ?? 'error'} at ${c.failedAt ?? '?'}): ${(c.error ?? '').slice(0, 80)}`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** How a target's check reads: met, NOT met, or ? (not measured). */
export const targetState = (t: Target): string => (t.met === null ? '?' : t.met ? 'met' : 'NOT met');

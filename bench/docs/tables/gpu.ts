/**
 * Generated doc tables of the GPU backend benchmark (see ../generate.ts), from the JSON that
 * bench/gpu/run.ts writes: bench/results/gpu.json on a GPU, bench/results/gpu-mesa.json on Mesa's CPU
 * renderer (which checks the path end to end and says nothing of GPU speed).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { count, fixed, markdownTable, provenance, result, seconds } from '../json.js';
import type { TableRenderer } from '../tables.js';

interface Case {
  backend: string;
  train: boolean;
  bases: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  peakRssBytes: number;
  peakTensorBytes?: number;
  loss?: number;
  error?: string;
}

interface Comparison {
  bases: number;
  train: boolean;
  ratio: { median: number; low: number; high: number } | null;
  lossDifference?: number;
}

interface Target {
  what: string;
  maxSeconds: number;
  minRatio: number;
  seconds?: number;
  ratio?: number;
  verdict: string;
}

interface GpuReport {
  command: string;
  date: string;
  git: { commit: string };
  machine: { cpus: number; cpuModel: string };
  adapter: { api: string; device: string; description: string; software: boolean };
  iterations: number;
  cases: Case[];
  comparisons: Comparison[];
  targets: Target[];
}

const mb = (bytes: number | undefined) => (bytes === undefined ? '-' : count(bytes / 2 ** 20));

function comparisonTable(file: string): TableRenderer {
  return (root) => {
    const r = result<GpuReport>(root, file);
    const pick = (c: Comparison, backend: string) =>
      r.cases.find((x) => x.bases === c.bases && x.train === c.train && x.backend === backend)!;
    const kind = r.adapter.software
      ? 'a CPU renderer: these rows check that the webgpu path runs and agrees with wasm; they say nothing of GPU speed'
      : 'a GPU';
    return [
      `Adapter: ${r.adapter.api} ${r.adapter.device} (${r.adapter.description}), ${kind}. ` +
        `Host: ${r.machine.cpus} CPUs (${r.machine.cpuModel}). Median of ${r.iterations} iteration(s) per case; ` +
        'the ratio is wasm time over webgpu time, with its range over every pair of iterations.',
      '',
      markdownTable(
        [
          'bases',
          'iteration',
          'webgpu, s',
          'wasm, s',
          'webgpu tokens/s',
          'wasm tokens/s',
          'webgpu / wasm',
          'tensors peak (webgpu), MB',
          'peak RSS webgpu / wasm, MB',
          'loss difference (absolute)',
        ],
        r.comparisons.map((c) => {
          const gpu = pick(c, 'webgpu');
          const wasm = pick(c, 'wasm');
          const failed = (x: Case) => (x.error !== undefined ? `failed: ${x.error}` : undefined);
          return [
            count(c.bases),
            c.train ? 'training step' : 'forward',
            failed(gpu) ?? seconds(gpu.seconds),
            failed(wasm) ?? seconds(wasm.seconds),
            count(gpu.tokensPerSecond),
            count(wasm.tokensPerSecond),
            c.ratio
              ? `${fixed(c.ratio.median, 2)}x (${fixed(c.ratio.low, 2)}-${fixed(c.ratio.high, 2)})`
              : '-',
            mb(gpu.peakTensorBytes),
            `${mb(gpu.peakRssBytes)} / ${mb(wasm.peakRssBytes)}`,
            c.lossDifference === undefined ? '-' : c.lossDifference.toExponential(1),
          ];
        }),
      ),
      '',
      provenance(file, r),
    ].join('\n');
  };
}

/** The targets: from the GPU run where there is one, else marked open. */
function targets(root: string): string {
  const onGpu = existsSync(join(root, 'bench', 'results', 'gpu.json'));
  const rows = onGpu
    ? result<GpuReport>(root, 'gpu.json').targets.map((t) => [
        t.what,
        `< ${t.maxSeconds} s and >= ${t.minRatio}x wasm`,
        t.seconds === undefined ? '-' : `${seconds(t.seconds)} s, ${fixed(t.ratio ?? NaN, 1)}x`,
        t.verdict,
      ])
    : [
        ['forward at 1,000,000 bases', '< 5 s and >= 10x wasm', '-', 'open: no GPU machine has run it yet'],
        [
          'training step at 100,000 bases',
          '< 1 s and >= 10x wasm',
          '-',
          'open: no GPU machine has run it yet',
        ],
      ];
  return markdownTable(['target', 'goal', 'measured', 'verdict'], rows);
}

export const GPU_TABLES: Record<string, TableRenderer> = {
  'gpu-mesa': comparisonTable('gpu-mesa.json'),
  'gpu-targets': targets,
};

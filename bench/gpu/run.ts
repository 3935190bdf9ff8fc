/**
 * GPU backend benchmark (issue 15): `locus bench model` on webgpu and on wasm, side by side on the same
 * machine, for the forward pass and a training step at each length; tokens/s, the webgpu/wasm ratio
 * with the range its iterations allow, peak host RSS and the tensors' peak bytes (device memory on
 * webgpu), and the issue's targets (a 1M-base forward under 5 s, a 100k-base training step under 1 s,
 * both at least 10x wasm) judged only where the adapter is a GPU.
 *
 *   node dist/bench/gpu/run.js                               # 100k and 1M bases, 3 iterations each
 *   node dist/bench/gpu/run.js --sizes 30000 --iterations 1 --out bench/results/gpu-mesa.json
 *
 * Every case runs in a fresh process (its own peak RSS, its own device). The model, bases and masking
 * are seeded (--seed, default 0): both backends see the same inputs and weights.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';

const USAGE = `Usage: node dist/bench/gpu/run.js [options]

  --sizes N,...       bases per sequence, forward and training (default 100000,1000000)
  --forward-sizes N,...  forward passes only at these (instead of --sizes)
  --train-sizes N,...    training steps only at these (instead of --sizes)
  --iterations I      timed iterations per case (default 3)
  --warmup W          untimed iterations first (default 1; the first compiles the shaders)
  --seed S            seed for the model, the bases and the masking (default 0)
  --out FILE          result JSON (default bench/results/gpu.json)
  -h, --help          this help`;

interface Case {
  backend: 'webgpu' | 'wasm';
  train: boolean;
  bases: number;
}

/** The part of `locus bench model --json` this script reads. */
interface ModelBench {
  bases: number;
  tokens: number;
  seconds: number;
  tokensPerSecond: number;
  iterationSeconds: number[];
  peakRssBytes: number;
  peakTensorBytes?: number;
  backend: string;
  adapter?: string;
  loss?: number;
  error?: string;
  failedAt?: string;
}

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    'forward-sizes': { type: 'string' },
    'train-sizes': { type: 'string' },
    iterations: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const root = findRepoRoot();
const list = (text: string) => text.split(',').map(Number);
const forwardSizes = list(args['forward-sizes'] ?? args.sizes!);
const trainSizes = list(args['train-sizes'] ?? args.sizes!);
const sizes = [...new Set([...forwardSizes, ...trainSizes])].sort((a, b) => a - b);
const iterations = Number(args.iterations);
const warmup = Number(args.warmup);
const seed = Number(args.seed);
const out = resolve(args.out ?? join(root, 'bench/results/gpu.json'));
if (sizes.some((n) => !Number.isInteger(n) || n < 6) || !(iterations >= 1) || !(warmup >= 0)) {
  console.error(USAGE);
  process.exit(2);
}

const cli = join(root, 'dist/src/cli/main.js');

/** The adapter as `locus backends` sees it (absent when webgpu does not load). */
function probeAdapter(): { device: string; description: string; api: string; software: boolean } | undefined {
  const run = spawnSync(process.execPath, [cli, 'backends', '--json'], { encoding: 'utf8' });
  const probes = JSON.parse(run.stdout) as {
    name: string;
    adapter?: { device: string; description: string; api: string; software: boolean };
  }[];
  return probes.find((p) => p.name === 'webgpu')?.adapter;
}

function runCase(c: Case): ModelBench {
  const argv = [
    cli,
    'bench',
    'model',
    '--bases',
    String(c.bases),
    '--backend',
    c.backend,
    '--iterations',
    String(iterations),
    '--warmup',
    String(warmup),
    '--seed',
    String(seed),
    '--json',
    ...(c.train ? ['--train'] : []),
  ];
  log(
    `${c.backend} ${c.train ? 'training step' : 'forward'} at ${c.bases.toLocaleString('en-US')} bases ...`,
  );
  const run = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  // A failed case (out of memory, ...) still prints its JSON, with `error`, and exits 1.
  try {
    return JSON.parse(run.stdout) as ModelBench;
  } catch {
    throw new Error(
      `locus bench model failed without a result (exit ${run.status}):\n${run.stderr.slice(-2000)}`,
    );
  }
}

const adapter = probeAdapter();
if (!adapter) {
  console.error('no WebGPU adapter here (locus backends says why): nothing to compare');
  process.exit(1);
}
log(`adapter: ${adapter.api} ${adapter.device}${adapter.software ? ' (a CPU renderer)' : ''}`);

const cases: (Case & { result: ModelBench })[] = [];
for (const bases of sizes) {
  for (const train of [false, true]) {
    if (!(train ? trainSizes : forwardSizes).includes(bases)) continue;
    for (const backend of ['webgpu', 'wasm'] as const) {
      const c = { backend, train, bases };
      cases.push({ ...c, result: runCase(c) });
    }
  }
}

/** webgpu over wasm throughput: the ratio of medians, and the range over all pairs of iterations. */
function comparison(bases: number, train: boolean) {
  const pick = (backend: string) =>
    cases.find((c) => c.bases === bases && c.train === train && c.backend === backend)!.result;
  const gpu = pick('webgpu');
  const wasm = pick('wasm');
  if (gpu.error !== undefined || wasm.error !== undefined) return { bases, train, ratio: null };
  const ratios = gpu.iterationSeconds.flatMap((g) => wasm.iterationSeconds.map((w) => w / g));
  return {
    bases,
    train,
    webgpuSeconds: gpu.seconds,
    wasmSeconds: wasm.seconds,
    ratio: { median: wasm.seconds / gpu.seconds, low: Math.min(...ratios), high: Math.max(...ratios) },
    lossDifference:
      gpu.loss !== undefined && wasm.loss !== undefined ? Math.abs(gpu.loss - wasm.loss) : undefined,
  };
}

const comparisons = [
  ...forwardSizes.map((bases) => comparison(bases, false)),
  ...trainSizes.map((bases) => comparison(bases, true)),
];

/** The issue's targets, judged on a GPU only (a CPU renderer says nothing about GPU speed). */
function target(bases: number, train: boolean, maxSeconds: number) {
  const c = comparisons.find((x) => x.bases === bases && x.train === train);
  const what = `${train ? 'training step' : 'forward'} at ${bases.toLocaleString('en-US')} bases`;
  if (adapter!.software) return { what, maxSeconds, minRatio: 10, verdict: 'not measured on a GPU' };
  if (!c) return { what, maxSeconds, minRatio: 10, verdict: 'not run (add the size to --sizes)' };
  if (c.ratio === null) return { what, maxSeconds, minRatio: 10, verdict: 'failed' };
  const met = c.webgpuSeconds! < maxSeconds && c.ratio.median >= 10;
  return {
    what,
    maxSeconds,
    minRatio: 10,
    seconds: c.webgpuSeconds,
    ratio: c.ratio.median,
    verdict: met ? 'met' : 'not met',
  };
}

await writeResult(
  out,
  {
    benchmark: 'gpu',
    command: `node dist/bench/gpu/run.js --forward-sizes ${forwardSizes.join(',')} --train-sizes ${trainSizes.join(',')} --iterations ${iterations} --warmup ${warmup} --seed ${seed}${args.out ? ` --out ${args.out}` : ''}`,
    date: new Date().toISOString(),
    ...provenance(root),
    seed,
    adapter,
    iterations,
    warmup,
    cases: cases.map(({ train, result }) => ({ train, ...result })),
    comparisons,
    targets: [target(1_000_000, false, 5), target(100_000, true, 1)],
  },
  root,
);

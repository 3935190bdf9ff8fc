/**
 * The webgpu backend against wasm, at small sizes, on whatever adapter Dawn finds (in CI: Mesa's
 * llvmpipe through OpenGL ES, a CPU renderer that computes what a GPU would). Each case runs first on
 * wasm (host plan, fused wasm kernel), then on webgpu (plan hashed and sorted on the device, WGSL
 * kernels), from the same inputs and weights:
 * - the device plan's sort orders equal the host's;
 * - an attention layer's output and its gradients (input and weights) agree, for LSH (bidirectional,
 *   causal, padding masked, dropout), local (bidirectional, causal) and full attention;
 * - a whole Reformer: forward, and one training step (loss and updated weights).
 * Where no adapter can be created the webgpu cases are skipped with the reason; the error a user gets
 * from `--backend webgpu` without an adapter is checked in a child process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { attend, planAttention, releasePlans, type AttentionWeights } from '../../src/model/attention.js';
import { selectBackend } from '../../src/model/backend.js';
import { resolveConfig, type AttentionKind, type ReformerConfig } from '../../src/model/config.js';
import { makeOps } from '../../src/model/ops.js';
import { AdamW } from '../../src/model/optimizer.js';
import { Reformer } from '../../src/model/reformer.js';
import { trainStepAsync } from '../../src/model/train-step.js';
import { checkDevice, loadWebgpu } from '../../src/model/webgpu-device.js';

const device = await loadWebgpu(tf);
if (!device.ok) {
  console.warn(`webgpu tests skipped: ${device.problem} (${device.fix})`);
}
const withAdapter = describe.skipIf(!device.ok);

const D = 16;

/** Deterministic pseudo-random values (no tfjs generator, so both backends get the same numbers). */
function values(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface Case {
  name: string;
  kind: AttentionKind;
  config: Partial<ReformerConfig>;
  length: number;
  masked?: number[];
  dropout?: number;
}

const CASES: Case[] = [
  { name: 'LSH, bidirectional, 2 rounds', kind: 'lsh', config: { rounds: 2 }, length: 61 },
  { name: 'LSH, causal (same-bucket only)', kind: 'lsh', config: { rounds: 2, causal: true }, length: 70 },
  { name: 'LSH, padding masked', kind: 'lsh', config: { rounds: 3 }, length: 64, masked: [0, 5, 60, 61] },
  { name: 'LSH, dropout 0.2', kind: 'lsh', config: { rounds: 2 }, length: 50, dropout: 0.2 },
  { name: 'local, bidirectional', kind: 'local', config: {}, length: 45 },
  { name: 'local, causal', kind: 'local', config: { causal: true }, length: 45 },
  { name: 'full', kind: 'full', config: {}, length: 30 },
  { name: 'LSH, odd chunk of 5 and heads of 6', kind: 'lsh', config: { chunk: 5, dHead: 6 }, length: 37 },
  {
    // dh 32, chunk 64, 4 heads, 4 rounds: key tiles of 32, half a chunk, as at the default dims.
    name: 'LSH at the default dims, 1,200 tokens',
    kind: 'lsh',
    config: { heads: 4, dHead: 32, chunk: 64, rounds: 4, maxLength: 2048 },
    length: 1200,
  },
];

interface LayerResult {
  out: Float32Array;
  grads: Float32Array[];
  perms?: Int32Array[];
}

/** One attention layer, forward and gradients wrt x and the three weights, on the active backend. */
async function runLayer(c: Case): Promise<LayerResult> {
  const ops = makeOps(tf);
  const config = resolveConfig({
    dModel: D,
    heads: 2,
    dHead: 8,
    chunk: 8,
    rounds: 2,
    maxLength: 256,
    fullAttentionUpTo: 0,
    attention: c.kind,
    depth: 1,
    dropout: c.dropout ?? 0,
    ...c.config,
  });
  const inner = config.heads * config.dHead;
  const x = tf.tensor2d(values(c.length * D, 3), [c.length, D]);
  const w: AttentionWeights = {
    wqk: tf.tensor2d(values(D * inner, 5, 0.4), [D, inner]),
    wv: tf.tensor2d(values(D * inner, 7, 0.4), [D, inner]),
    wo: tf.tensor2d(values(inner * D, 9, 0.3), [inner, D]),
  };
  let valid: Uint8Array | undefined;
  if (c.masked) {
    valid = new Uint8Array(c.length).fill(1);
    for (const t of c.masked) valid[t] = 0;
  }
  const plan = planAttention(ops, x, w, config, c.kind, { seed: 11, fullFallback: false, valid });
  const training = (c.dropout ?? 0) > 0;
  const dy = tf.tensor2d(values(c.length * D, 13), [c.length, D]);
  const { value, grads } = tf.valueAndGrads((xs: tf.Tensor, a: tf.Tensor, b: tf.Tensor, o: tf.Tensor) =>
    attend(ops, xs, { wqk: a, wv: b, wo: o }, config, plan, training),
  )([x, w.wqk, w.wv, w.wo], dy);
  const result: LayerResult = {
    out: (await value.data()) as Float32Array,
    grads: await Promise.all(grads.map(async (g) => (await g.data()) as Float32Array)),
  };
  if (plan.device) {
    const perm = (await plan.device.perm.data()) as Int32Array;
    const Tp = plan.paddedLength;
    result.perms = Array.from({ length: perm.length / Tp }, (_, i) => perm.slice(i * Tp, (i + 1) * Tp));
  } else if (plan.orders.length > 0) {
    result.perms = plan.orders.flatMap((rounds) => rounds.map((o) => o.perm));
  }
  releasePlans([plan]);
  tf.dispose([x, w.wqk, w.wv, w.wo, dy, value, ...grads]);
  return result;
}

function expectClose(actual: Float32Array, expected: Float32Array, tolerance: number, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  expect(scale, `${what}: compared nothing but zeros`).toBeGreaterThan(0);
  expect(worst / scale, what).toBeLessThan(tolerance);
}

withAdapter('webgpu attention layer = wasm', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      await selectBackend('wasm');
      const onWasm = await runLayer(c);
      await selectBackend('webgpu', { asyncReads: true });
      const onGpu = await runLayer(c);
      await selectBackend('wasm');
      if (c.kind !== 'full') {
        // Host perms are per head then round; device rows are head * R + round: the same order.
        expect(onGpu.perms).toEqual(onWasm.perms);
      }
      expectClose(onGpu.out, onWasm.out, 1e-5, 'output');
      ['dx', 'dwqk', 'dwv', 'dwo'].forEach((name, i) =>
        expectClose(onGpu.grads[i]!, onWasm.grads[i]!, 1e-4, name),
      );
    });
  }
});

/** A small Reformer: forward hidden states, then one AdamW step's loss and updated weights. */
async function runModel(kind: AttentionKind, causal: boolean, tokenConv: number) {
  const config = resolveConfig({
    dModel: 32,
    heads: 2,
    dHead: 16,
    depth: 2,
    chunk: 16,
    rounds: 2,
    maxLength: 512,
    fullAttentionUpTo: 0,
    attention: kind,
    causal,
    vocabSize: 12,
    seed: 5,
    dropout: 0.1,
    tokenConv,
  });
  const model = new Reformer(tf, config, { kind: 'lm' });
  const T = 150;
  const ids = Int32Array.from({ length: T }, (_, i) => (i * 7 + (i >> 3)) % 12);
  const labels = Int32Array.from(ids, (id, i) => (i % 5 === 0 ? id : -100));
  const hidden = model.encode({ ids }, { step: 3 });
  const forward = (await hidden.data()) as Float32Array;
  hidden.dispose();
  // A large epsilon makes the first AdamW step linear in the gradient (about lr * g): with the usual
  // 1e-8, a gradient entry near zero becomes a full +-lr step whose sign is rounding noise.
  const optimizer = new AdamW(tf, { learningRate: 1e-2, weightDecay: 0.01, epsilon: 1 });
  const before = tf.memory().numTensors;
  const step = await trainStepAsync(model, optimizer, { ids }, { kind: 'lm', labels }, { step: 1, clip: 1 });
  const leaked = tf.memory().numTensors - before;
  const weights = new Map<string, Float32Array>();
  for (const [name, p] of model.params) weights.set(name, (await p.data()) as Float32Array);
  optimizer.dispose();
  model.dispose();
  return { forward, loss: step.loss, norm: step.gradientNorm, weights, leaked };
}

withAdapter('webgpu Reformer = wasm', () => {
  for (const [kind, causal, tokenConv] of [
    ['lsh', false, 4],
    ['lsh', true, 0],
    ['local', true, 0],
  ] as const) {
    const conv = tokenConv > 0 ? `, token convolution of ${tokenConv}` : '';
    it(`${kind}${causal ? ', causal' : ''}${conv}: forward and a training step with dropout`, async () => {
      await selectBackend('wasm');
      const onWasm = await runModel(kind, causal, tokenConv);
      await selectBackend('webgpu', { asyncReads: true });
      const onGpu = await runModel(kind, causal, tokenConv);
      await selectBackend('wasm');
      expectClose(onGpu.forward, onWasm.forward, 1e-4, 'hidden states');
      expect(onGpu.loss).toBeCloseTo(onWasm.loss, 4);
      expect(onGpu.norm).toBeCloseTo(onWasm.norm, 3);
      for (const [name, w] of onWasm.weights) expectClose(onGpu.weights.get(name)!, w, 1e-4, name);
      // Only the optimizer's moment estimates (two per parameter) outlive the step.
      expect(onGpu.leaked).toBe(2 * onGpu.weights.size);
    });
  }
});

withAdapter('webgpu device errors', () => {
  const limit = device.ok ? device.adapter.maxStorageBufferBindingSize : 0;
  // Only where the limit is small (Mesa's 128 MB): a GPU's would need gigabytes to exceed.
  it.skipIf(limit > 2 ** 29)('a result beyond the storage limit is an error, not silent zeros', async () => {
    await selectBackend('webgpu', { asyncReads: true });
    const big = tf.fill([limit / 4 + 1024], 1);
    const sum = tf.add(big, 1);
    const values = await sum.data();
    tf.dispose([big, sum]);
    await selectBackend('wasm');
    expect(values[0]).not.toBe(2); // what WebGPU leaves: the command was never run
    expect(() => checkDevice()).toThrow(/exceeds the adapter's largest storage buffer \(\d+ MB\)/);
    expect(() => checkDevice()).not.toThrow(); // reported once
  });
});

const hasBcftools = spawnSync('bcftools', ['--version']).status === 0;

/**
 * Run the built CLI in a child process, asynchronously: a run on Mesa takes up to half a minute, and a
 * synchronous one would block this test worker's event loop past vitest's RPC timeout.
 */
function locus(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

withAdapter('commands on --backend webgpu', () => {
  it('locus bench model --train names the adapter and reaches the loss wasm reaches', async () => {
    const args = ['bench', 'model', '--bases', '1200', '--depth', '1', '--full-up-to', '0', '--train'];
    const common = [...args, '--iterations', '1', '--warmup', '0', '--json'];
    const gpu = await locus([...common, '--backend', 'webgpu']);
    const wasm = await locus([...common, '--backend', 'wasm']);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(wasm.status, wasm.stderr).toBe(0);
    const onGpu = JSON.parse(gpu.stdout);
    const onWasm = JSON.parse(wasm.stdout);
    expect(onGpu).toMatchObject({ backend: 'webgpu', effectiveAttention: 'lsh' });
    expect(onGpu.adapter).toMatch(/adapter/);
    expect(onGpu.peakTensorBytes).toBeGreaterThan(0);
    expect(onGpu.loss).toBeCloseTo(onWasm.loss, 4);
  }, 60_000);

  it('locus pretrain trains and evaluates as on wasm', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-webgpu-'));
    const run = async (backend: string) => {
      const result = await locus([
        'pretrain',
        'samples/lambda.fa',
        '-o',
        join(dir, backend),
        ...['--steps', '4', '--checkpoint-every', '2', '--eval-every', '2', '--eval-windows', '2'],
        ...['--context', '600', '-k', '3', '--d-model', '16', '--depth', '2', '--heads', '2'],
        ...['--d-head', '8', '--chunk', '16', '--rounds', '2', '--backend', backend, '--quiet', '--json'],
      ]);
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    const onGpu = await run('webgpu');
    const onWasm = await run('wasm');
    expect(onGpu.stepsDone).toBe(4);
    expect(onGpu.best.step).toBe(onWasm.best.step);
    expect(onGpu.best.bitsPerBase).toBeCloseTo(onWasm.best.bitsPerBase, 4);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('locus eval scores as on wasm', async () => {
    const run = async (backend: string) => {
      const result = await locus([
        'eval',
        'samples/model',
        'samples/lambda.fa',
        '--windows',
        '2',
        '--json',
        '--backend',
        backend,
      ]);
      expect(result.status, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    const onGpu = await run('webgpu');
    const onWasm = await run('wasm');
    expect(onGpu.tokens).toBe(onWasm.tokens);
    expect(onGpu.bitsPerBase).toBeCloseTo(onWasm.bitsPerBase, 5);
  });

  it('locus scan --method reformer trains and scores on this thread, with the track wasm gives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'locus-webgpu-scan-'));
    const scan = async (backend: string) => {
      const out = join(dir, backend);
      const result = await locus([
        'scan',
        'samples/ecoli-island.fa',
        ...['--region', 'ecoli536_island_sample:1-8000', '--window', '1000', '--bin', '500'],
        ...['--steps', '1', '--context', '512', '--workers', '1', '--quiet', '-o', out, '--backend', backend],
      ]);
      expect(result.status, result.stderr).toBe(0);
      return {
        track: readFileSync(join(out, 'scores.bedgraph'), 'utf8'),
        segments: readFileSync(join(out, 'anomalies.bed'), 'utf8'),
        bitsPerBase: JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).model.bitsPerBase,
      };
    };
    const onGpu = await scan('webgpu');
    const onWasm = await scan('wasm');
    // The same bins, and z-scores (printed to 3 decimals) equal up to the last digit's rounding.
    const rows = (track: string) =>
      track
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t'));
    const gpuRows = rows(onGpu.track);
    const wasmRows = rows(onWasm.track);
    expect(gpuRows.length).toBeGreaterThan(10);
    expect(gpuRows.map((r) => r.slice(0, 3))).toEqual(wasmRows.map((r) => r.slice(0, 3)));
    gpuRows.forEach((r, i) => expect(Math.abs(Number(r[3]) - Number(wasmRows[i]![3]))).toBeLessThan(0.0015));
    expect(onGpu.segments).toBe(onWasm.segments);
    expect(onGpu.bitsPerBase).toBeCloseTo(onWasm.bitsPerBase, 5);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it.skipIf(!hasBcftools)(
    'locus variants --model scores INFO/LLR as on wasm',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'locus-webgpu-variants-'));
      const llr = async (backend: string) => {
        const out = join(dir, `${backend}.vcf.gz`);
        const args = ['samples/lambda.bam', '--ref', 'samples/lambda.fa', '--model', 'samples/model'];
        const result = await locus(['variants', ...args, '-o', out, '--backend', backend, '--quiet']);
        expect(result.status, result.stderr).toBe(0);
        const query = spawnSync('bcftools', ['query', '-f', '%POS\t%INFO/LLR\n', out], { encoding: 'utf8' });
        return query.stdout
          .trimEnd()
          .split('\n')
          .map((line) => line.split('\t'));
      };
      const onGpu = await llr('webgpu');
      const onWasm = await llr('wasm');
      expect(onGpu.map((r) => r[0])).toEqual(onWasm.map((r) => r[0]));
      const scored = onGpu.filter((r) => r[1] !== '.');
      expect(scored.length).toBeGreaterThan(10);
      onGpu.forEach((r, i) => {
        if (r[1] === '.') expect(onWasm[i]![1]).toBe('.');
        else expect(Math.abs(Number(r[1]) - Number(onWasm[i]![1]))).toBeLessThan(2e-4);
      });
      rmSync(dir, { recursive: true, force: true });
    },
    60_000,
  );

  it('commands that read synchronously refuse webgpu with the commands that can use it', async () => {
    const run = await locus([
      'attention',
      'samples/model',
      'samples/lambda.fa',
      '--region',
      'lambda:1-600',
      '--backend',
      'webgpu',
    ]);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(
      /webgpu runs locus pretrain and finetune \(--workers 1\), eval, predict and embed, scan, variants --model, bench model/,
    );
    expect(run.stderr).toMatch(/use --backend wasm/);
  });
});

describe('--backend webgpu without an adapter', () => {
  it('fails with one clear error that names the backend, the reason and the fix', async () => {
    // EGL without a display server and no Vulkan loader: Dawn finds no adapter.
    const env = { ...process.env, EGL_PLATFORM: 'x11', DISPLAY: '', LD_LIBRARY_PATH: '' };
    const run = await locus(
      ['bench', 'model', '--backend', 'webgpu', '--bases', '600', '--iterations', '1'],
      env,
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/backend "webgpu" cannot be loaded: no WebGPU adapter/);
    expect(run.stderr).toMatch(/use --backend wasm/);
  });
});

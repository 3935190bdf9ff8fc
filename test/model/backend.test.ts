/**
 * Backend selection: wasm and cpu load here and agree; the native backends are absent here (their
 * install downloads libtensorflow), so asking for one explicitly gives a clear error and `auto` picks wasm.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { LocusInputError } from '../../src/errors.js';
import {
  BACKEND_ORDER,
  parseBackendChoice,
  probeBackends,
  selectBackend,
  type BackendProbe,
  type SelectedBackend,
} from '../../src/model/backend.js';
import { captureStdout } from '../helpers/capture.js';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}
const hasTfjsNode = installed('@tensorflow/tfjs-node');
const hasTfjsNodeGpu = installed('@tensorflow/tfjs-node-gpu');

/** A 2-D matMul with values that are not exactly representable, read back as plain numbers. */
function matmul({ tf }: SelectedBackend): Float32Array {
  const before = tf.memory().numTensors;
  const values = tf.tidy(() => {
    const a = tf.tensor2d(
      Array.from({ length: 24 * 40 }, (_, i) => Math.sin(i * 0.37)),
      [24, 40],
    );
    const b = tf.tensor2d(
      Array.from({ length: 40 * 16 }, (_, i) => Math.cos(i * 0.11) / 3),
      [40, 16],
    );
    return tf.matMul(a, b).dataSync() as Float32Array;
  });
  expect(tf.memory().numTensors).toBe(before);
  return values;
}

describe('selectBackend', () => {
  it('selects cpu and wasm, and a matMul gives the same numbers on both', async () => {
    const cpu = await selectBackend('cpu');
    expect(cpu.name).toBe('cpu');
    expect(cpu.tf.getBackend()).toBe('cpu');
    const onCpu = matmul(cpu);

    const wasm = await selectBackend('wasm');
    expect(wasm.name).toBe('wasm');
    expect(wasm.tf.getBackend()).toBe('wasm');
    const onWasm = matmul(wasm);

    expect(onWasm).toHaveLength(24 * 16);
    let worst = 0;
    for (let i = 0; i < onCpu.length; i++) worst = Math.max(worst, Math.abs(onCpu[i]! - onWasm[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(Math.max(...onCpu.map(Math.abs))).toBeGreaterThan(0.1); // compared real numbers, not zeros
  });

  it('is idempotent and cheap when the backend is already selected', async () => {
    const first = await selectBackend('wasm');
    const start = performance.now();
    for (let i = 0; i < 1000; i++) await selectBackend('wasm');
    expect(performance.now() - start).toBeLessThan(500);
    const again = await selectBackend('wasm');
    expect(again.tf).toBe(first.tf);
    expect(again.tf.getBackend()).toBe('wasm');
  });

  it('serializes concurrent selections: the last call wins', async () => {
    const results = await Promise.all([selectBackend('cpu'), selectBackend('wasm'), selectBackend('cpu')]);
    expect(results.map((r) => r.name)).toEqual(['cpu', 'wasm', 'cpu']);
    expect(results[0]!.tf.getBackend()).toBe('cpu');
  });

  it.skipIf(hasTfjsNode)(
    'explains that "tensorflow" needs @tensorflow/tfjs-node and how to install it',
    async () => {
      const err = await selectBackend('tensorflow').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LocusInputError);
      expect((err as LocusInputError).input).toBe('tensorflow');
      expect((err as Error).message).toMatch(
        /^backend "tensorflow" cannot be loaded: package @tensorflow\/tfjs-node is not installed; npm install @tensorflow\/tfjs-node@4\.22\.0$/,
      );
    },
  );

  it.skipIf(hasTfjsNodeGpu)(
    'explains that "tensorflow-gpu" needs @tensorflow/tfjs-node-gpu and CUDA',
    async () => {
      await expect(selectBackend('tensorflow-gpu')).rejects.toThrow(
        /backend "tensorflow-gpu" cannot be loaded: package @tensorflow\/tfjs-node-gpu is not installed; npm install @tensorflow\/tfjs-node-gpu@4\.22\.0; it needs .*CUDA/,
      );
    },
  );

  it.skipIf(hasTfjsNode || hasTfjsNodeGpu)(
    'auto picks wasm here, after a failed explicit choice too',
    async () => {
      await selectBackend('cpu');
      await selectBackend('tensorflow').catch(() => undefined);
      const auto = await selectBackend('auto');
      expect(auto.name).toBe('wasm');
      expect(auto.tf.getBackend()).toBe('wasm');
      expect((await selectBackend()).name).toBe('wasm');
    },
  );

  it('rejects unknown names: TypeError from code, LocusInputError from the command line', async () => {
    await expect(selectBackend('webgl' as 'cpu')).rejects.toBeInstanceOf(TypeError);
    expect(parseBackendChoice('wasm')).toBe('wasm');
    expect(() => parseBackendChoice('gpu')).toThrow(
      /unknown backend "gpu"; use one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/,
    );
  });

  it('refuses webgpu for code that reads synchronously, and auto there never takes it', async () => {
    await expect(selectBackend('webgpu')).rejects.toThrow(
      /reads model outputs synchronously, which the webgpu backend cannot do under Node; webgpu runs locus pretrain and finetune/,
    );
    await expect(selectBackend('webgpu')).rejects.toBeInstanceOf(LocusInputError);
    // Here the only adapter is Mesa's CPU renderer (or none): auto keeps to wasm either way.
    expect((await selectBackend('auto', { asyncReads: true })).name).not.toBe('webgpu');
    expect((await selectBackend('auto')).name).not.toBe('webgpu');
  });
});

describe('probeBackends', () => {
  it('reports every backend in order, why the native ones do not load, and restores the selection', async () => {
    await selectBackend('cpu');
    const probes = await probeBackends();
    expect(probes.map((p) => p.name)).toEqual([...BACKEND_ORDER]);
    expect(probes.map((p) => p.tfjsName)).toEqual(['tensorflow', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
    const byName = Object.fromEntries(probes.map((p) => [p.name, p]));
    expect(byName.wasm).toEqual({ name: 'wasm', tfjsName: 'wasm', loaded: true, auto: true });
    expect(byName.cpu).toEqual({ name: 'cpu', tfjsName: 'cpu', loaded: true, auto: true });
    // webgpu loads where Dawn finds an adapter and then names it; a CPU renderer is not for auto.
    const webgpu = byName.webgpu!;
    if (webgpu.loaded) {
      expect(webgpu.adapter?.device).toBeTruthy();
      expect(webgpu.auto).toBe(!webgpu.adapter!.software);
    } else {
      expect(webgpu.reason).toMatch(/webgpu|WebGPU/);
    }
    if (!hasTfjsNode) {
      expect(byName.tensorflow).toMatchObject({
        loaded: false,
        reason: 'package @tensorflow/tfjs-node is not installed (npm install @tensorflow/tfjs-node@4.22.0)',
      });
    }
    const { tf } = await selectBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe('locus backends', () => {
  const run = (...args: string[]) => captureStdout(() => main(['node', 'locus', 'backends', ...args]));

  it('--json prints one entry per backend', async () => {
    const { code, stdout } = await run('--json');
    expect(code).toBe(0);
    const probes = JSON.parse(stdout) as BackendProbe[];
    expect(probes.map((p) => p.name)).toEqual([...BACKEND_ORDER]);
    expect(probes.find((p) => p.name === 'wasm')?.loaded).toBe(true);
    for (const p of probes) expect(p.loaded || (p.reason ?? '').length > 0).toBe(true);
  });

  it('prints a table with the reason and fix for each backend that does not load', async () => {
    const { code, stdout, stderr } = await run();
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      `# --backend auto selects: ${hasTfjsNode || hasTfjsNodeGpu ? lines[0]!.split(': ')[1] : 'wasm'}`,
    );
    expect(lines[1]).toMatch(/^backend +tfjs +loaded +notes$/);
    expect(lines.find((l) => l.startsWith('webgpu '))).toMatch(/^webgpu +webgpu +(yes +\w+ adapter |no +)/);
    expect(lines.slice(2).map((l) => l.split(/ +/)[0])).toEqual([...BACKEND_ORDER]);
    expect(lines.find((l) => l.startsWith('wasm '))).toMatch(/^wasm +wasm +yes$/);
    if (!hasTfjsNode) {
      expect(lines.find((l) => l.startsWith('tensorflow '))).toMatch(
        /^tensorflow +tensorflow +no +package @tensorflow\/tfjs-node is not installed \(npm install @tensorflow\/tfjs-node@4\.22\.0\)$/,
      );
    }
  });
});

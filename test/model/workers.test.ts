/**
 * The worker pool against the same model in this thread. The workers run the compiled model
 * (dist/src/model, from `npm run build`; `npm test` builds first), so the test first checks that the
 * build is not older than the sources it is compared with.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../src/model/backend.js';
import { resolveConfig, type ReformerConfig } from '../../src/model/config.js';
import { exampleStep, IGNORE, Reformer, type SequenceInput, type Target } from '../../src/model/reformer.js';
import { lossAndGradients } from '../../src/model/reversible.js';
import { ModelWorkerPool, modelWeights, splitSizes, workerScript } from '../../src/model/workers.js';
import { ROOT } from '../helpers/paths.js';
import { randomIds, TINY_CONFIG } from '../helpers/model.js';

const small: Partial<ReformerConfig> = {
  ...TINY_CONFIG,
  ffChunk: 24,
  dropout: 0.1, // training gradients replay the step's dropout seeds in the worker too
  seed: 11,
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

/** Fail early, with the fix, when the workers would run a build older than the sources. */
function checkBuildIsFresh(): void {
  const src = join(ROOT, 'src/model');
  const dist = join(ROOT, 'dist/src/model');
  const stale = readdirSync(src)
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => {
      try {
        return statSync(join(dist, f.replace(/\.ts$/, '.js'))).mtimeMs < statSync(join(src, f)).mtimeMs;
      } catch {
        return true;
      }
    });
  if (stale.length > 0)
    throw new Error(`dist/src/model is older than src/model (${stale.join(', ')}): run \`npm run build\``);
}

// Lengths around the chunk pairs (full fallback at <= 16 tokens) and not multiples of the chunk.
const lengths = [37, 9, 70, 16, 53];
const inputs: SequenceInput[] = lengths.map((n, i) => ({ ids: randomIds(n, 100 + i) }));
inputs[2]!.valid = Uint8Array.from({ length: 70 }, (_, t) => (t < 61 ? 1 : 0)); // padded tail

describe('ModelWorkerPool', () => {
  let tf: Tf;
  let model: Reformer;
  let pool: ModelWorkerPool;

  beforeAll(async () => {
    checkBuildIsFresh();
    tf = (await selectBackend('wasm')).tf;
    model = new Reformer(tf, resolveConfig(small), { kind: 'lm' });
    // Perturb the weights away from the seed's initialisation so that the test shows they were sent.
    for (const p of model.params.values()) {
      const moved = tf.tidy(() => tf.add(p, tf.randomNormal(p.shape, 0, 0.05, 'float32', 3)));
      p.assign(moved);
      moved.dispose();
    }
    pool = await ModelWorkerPool.create({
      workers: 2,
      backend: 'wasm',
      config: small,
      head: { kind: 'lm' },
      weights: modelWeights(model),
    });
  });

  afterAll(async () => {
    await pool?.close();
    model?.dispose();
  });

  it('finds its worker script and splits work in order', () => {
    expect(workerScript().pathname).toMatch(/worker-entry\.js$/);
    expect(splitSizes(5, 2)).toEqual([3, 2]);
    expect(splitSizes(1, 2)).toEqual([1, 0]);
    expect(splitSizes(0, 3)).toEqual([0, 0, 0]);
    expect(pool.size).toBe(2);
    expect(pool.running).toBe(2);
    expect(pool.backends).toEqual(['wasm', 'wasm']);
  });

  it('encodes like the in-process model, in input order (1e-5)', async () => {
    const before = await pool.stats();
    const outputs = await pool.encodeMany(inputs);
    expect(outputs).toHaveLength(inputs.length);
    inputs.forEach((input, i) => {
      const hidden = model.encode(input);
      expect(outputs[i]!.length, `input ${i}`).toBe(lengths[i]! * 16);
      expect(maxAbsDiff(outputs[i]!, hidden.dataSync()), `input ${i}`).toBeLessThan(1e-5);
      hidden.dispose();
    });
    // The same call again gives the same answer, and no tensor is left behind in the workers.
    const again = await pool.encodeMany(inputs);
    again.forEach((o, i) => expect(maxAbsDiff(o, outputs[i]!)).toBe(0));
    expect((await pool.stats()).map((s) => s.numTensors)).toEqual(before.map((s) => s.numTensors));
  });

  it('predicts logits and argmax like the in-process model', async () => {
    const logits = await pool.predictMany(inputs.slice(0, 3));
    const best = await pool.predictMany(inputs.slice(0, 3), { output: 'argmax' });
    for (let i = 0; i < 3; i++) {
      const expected = model.predict(inputs[i]!);
      expect(maxAbsDiff(logits[i]!, expected.dataSync()), `input ${i}`).toBeLessThan(1e-5);
      const argmax = tf.argMax(expected, 1);
      expect(Array.from(best[i]!)).toEqual(Array.from(argmax.dataSync()));
      expect(best[i]).toBeInstanceOf(Int32Array);
      argmax.dispose();
      expected.dispose();
    }
  });

  it('computes the gradients of in-process lossAndGradients (1e-5), in input order, each input with its own seeds', async () => {
    const targets: Target[] = inputs.map((input) => ({
      kind: 'lm',
      labels: Int32Array.from(input.ids, (id, t) => (t % 3 === 1 ? id : IGNORE)),
    }));
    const step = 4;
    const results = await pool.gradients(inputs, targets, step);
    expect(results).toHaveLength(inputs.length);
    inputs.forEach((input, i) => {
      const expected = lossAndGradients(model, input, targets[i]!, {
        training: true,
        step: exampleStep(step, i),
      });
      expect(results[i]!.loss, `input ${i}`).toBeCloseTo(expected.loss, 5);
      expect(results[i]!.scored).toBe(expected.scored);
      expect(Object.keys(results[i]!.grads).sort()).toEqual([...expected.grads.keys()].sort());
      for (const [name, g] of expected.grads) {
        expect(maxAbsDiff(results[i]!.grads[name]!, g.dataSync()), `input ${i} ${name}`).toBeLessThan(1e-5);
        g.dispose();
      }
    });
  });

  it('takes new weights with setWeights', async () => {
    // Same config (the seed also drives LSH and dropout), other weights.
    const other = new Reformer(tf, resolveConfig(small), { kind: 'lm' });
    try {
      for (const p of other.params.values()) {
        const moved = tf.tidy(() => tf.add(p, tf.randomNormal(p.shape, 0, 0.05, 'float32', 77)));
        p.assign(moved);
        moved.dispose();
      }
      await pool.setWeights(modelWeights(other));
      const [out] = await pool.encodeMany([inputs[0]!]);
      const hidden = other.encode(inputs[0]!);
      expect(maxAbsDiff(out!, hidden.dataSync())).toBeLessThan(1e-5);
      hidden.dispose();
    } finally {
      await pool.setWeights(modelWeights(model));
      other.dispose();
    }
    await expect(pool.setWeights({ 'no.such.param': new Float32Array(1) })).rejects.toThrow(
      /model has no parameter no\.such\.param/,
    );
  });

  it("rejects with the worker's message when a worker fails, and stays usable", async () => {
    const tooLong = { ids: randomIds(600, 7) }; // maxLength is 512
    await expect(pool.encodeMany([inputs[0]!, inputs[1]!, tooLong])).rejects.toThrow(
      /model worker 1 failed \(encode of input 2\): sequence of 600 tokens is longer than the model's maxLength 512/,
    );
    await expect(pool.gradients([inputs[0]!], [])).rejects.toThrow(/0 targets for 1 inputs/);
    const [out] = await pool.encodeMany([inputs[1]!]);
    expect(out!.length).toBe(9 * 16);
  });

  it('reports a worker that cannot start', async () => {
    await expect(
      ModelWorkerPool.create({
        workers: 2,
        backend: 'wasm',
        config: { ...small, depht: 3 } as Partial<ReformerConfig>,
        head: { kind: 'lm' },
      }),
    ).rejects.toThrow(/model worker \d failed to start: Invalid model config .*depht is not a model setting/);
  });

  it('close() terminates every worker and later calls reject', async () => {
    const threads = () => Number(/Threads:\s+(\d+)/.exec(readProcStatus())?.[1] ?? NaN);
    const before = threads();
    const extra = await ModelWorkerPool.create({
      workers: 2,
      backend: 'wasm',
      config: small,
      head: { kind: 'lm' },
    });
    expect(extra.running).toBe(2);
    const during = threads();
    // (The handler is attached before close(): the wasm backend aborts the process on an unhandled rejection.)
    const inFlight = expect(extra.encodeMany(inputs)).rejects.toThrow(/closed while the call was running/);
    await extra.close();
    await inFlight;
    expect(extra.running).toBe(0);
    await expect(extra.encodeMany(inputs)).rejects.toThrow(/the pool is closed/);
    if (Number.isFinite(before)) {
      expect(during).toBeGreaterThanOrEqual(before + 2);
      expect(threads()).toBeLessThanOrEqual(during - 2);
    }
  });
});

function readProcStatus(): string {
  try {
    return readFileSync('/proc/self/status', 'utf8');
  } catch {
    return '';
  }
}

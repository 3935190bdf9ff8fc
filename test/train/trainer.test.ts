import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../../src/model/backend.js';
import { resolveConfig } from '../../src/model/config.js';
import { IGNORE, Reformer } from '../../src/model/reformer.js';
import { train, type Example, type ExampleSource } from '../../src/train/trainer.js';
import { TINY_CONFIG } from '../helpers/model.js';

/** Sequences of a repeating motif with a random phase: learnable, deterministic, resumable. */
class MotifSource implements ExampleSource {
  private drawn = 0;
  take(count: number): Example[] {
    return Array.from({ length: count }, () => {
      const phase = (Math.imul(this.drawn++, 2654435761) >>> 0) % 7;
      const ids = Int32Array.from({ length: 48 }, (_, i) => 5 + ((i + phase) % 7) * 3);
      const labels = Int32Array.from(ids, (id, i) => (i < 47 ? ids[i + 1]! : IGNORE));
      return { input: { ids }, target: { kind: 'lm' as const, labels } };
    });
  }
  state(): unknown {
    return { drawn: this.drawn };
  }
  restore(state: unknown): void {
    this.drawn = (state as { drawn: number }).drawn;
  }
}

const config = { ...TINY_CONFIG, maxLength: 256, chunk: 8, causal: true, dropout: 0.1, seed: 1 };

function weights(model: Reformer): Float32Array[] {
  return [...model.params.values()].map((p) => p.dataSync() as Float32Array);
}

describe('trainer', () => {
  let tf: Tf;
  beforeAll(async () => {
    tf = (await selectBackend('wasm')).tf;
  });

  it('learns, logs every step, keeps the last checkpoints and the best, writes the curve', async () => {
    const output = mkdtempSync(join(tmpdir(), 'locus-train-'));
    const model = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    let evaluations = 0;
    const result = await train(model, new MotifSource(), {
      output,
      steps: 24,
      batchSize: 2,
      accumulate: 2,
      learningRate: 1e-2,
      warmup: 2,
      checkpointEvery: 5,
      keepLast: 2,
      evalEvery: 8,
      evaluate: async () => ({ metric: 10 - evaluations++ }),
    });
    expect(result.stepsDone).toBe(24);
    const lines = readFileSync(join(output, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(lines.at(-1).loss).toBeLessThan(lines[0].loss * 0.6);
    expect(readdirSync(join(output, 'checkpoints')).sort()).toEqual(['step-000020', 'step-000024']);
    expect(result.best).toMatchObject({ step: 24, metric: 8 });
    expect(existsSync(join(output, 'best', 'model.safetensors'))).toBe(true);
    expect(existsSync(join(output, 'model', 'model.safetensors'))).toBe(true);
    expect(readFileSync(join(output, 'loss.svg'), 'utf8')).toMatch(/^<svg/);
    model.dispose();
  });

  it('a run that crashes and resumes ends with the weights of an uninterrupted run', async () => {
    const options = { steps: 10, batchSize: 2, learningRate: 5e-3, warmup: 2, checkpointEvery: 4 };
    const straight = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    await train(straight, new MotifSource(), { ...options, output: mkdtempSync(join(tmpdir(), 'locus-a-')) });

    const output = mkdtempSync(join(tmpdir(), 'locus-b-'));
    const crashing = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    await expect(
      train(crashing, new MotifSource(), {
        ...options,
        output,
        onProgress: ({ step }) => {
          if (step === 6) throw new Error('simulated crash after step 6');
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    crashing.dispose();

    // A fresh process: a new model object whose weights are scrambled, same folder, --resume.
    const resumed = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    for (const p of resumed.params.values())
      tf.tidy(() => p.assign(tf.randomNormal(p.shape, 0, 1, 'float32', 5)));
    const result = await train(resumed, new MotifSource(), { ...options, output, resume: true });
    expect(result.resumedFrom).toBe(4);
    const a = weights(straight);
    const b = weights(resumed);
    a.forEach((w, i) => expect(Array.from(b[i]!)).toEqual(Array.from(w)));
    straight.dispose();
    resumed.dispose();
  });

  it('--resume in a folder without a checkpoint starts fresh, dropping a stale metrics log', async () => {
    const output = mkdtempSync(join(tmpdir(), 'locus-fresh-'));
    writeFileSync(join(output, 'metrics.jsonl'), '{"step":99,"loss":1}\n');
    const model = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    const result = await train(model, new MotifSource(), {
      steps: 2,
      batchSize: 1,
      learningRate: 1e-3,
      checkpointEvery: 10,
      output,
      resume: true,
    });
    expect(result.resumedFrom).toBeUndefined();
    const steps = readFileSync(join(output, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).step);
    expect(steps).toEqual([1, 2]);
    model.dispose();
  });

  it('stops cleanly on abort and saves where it stopped', async () => {
    const output = mkdtempSync(join(tmpdir(), 'locus-c-'));
    const model = new Reformer(tf, resolveConfig(config), { kind: 'lm' });
    const controller = new AbortController();
    const result = await train(model, new MotifSource(), {
      output,
      steps: 50,
      batchSize: 1,
      learningRate: 1e-3,
      checkpointEvery: 100,
      signal: controller.signal,
      onProgress: ({ step }) => step === 3 && controller.abort(),
    });
    expect(result).toMatchObject({ stepsDone: 3, interrupted: true });
    expect(readdirSync(join(output, 'checkpoints'))).toEqual(['step-000003']);
    model.dispose();
  });
});

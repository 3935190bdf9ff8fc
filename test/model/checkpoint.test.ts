/**
 * Checkpoints: round trip, shape/name/dtype checks that list every mismatch, clear errors for broken
 * folders, atomic replacement (a failed save leaves the previous checkpoint loadable and no temporary
 * folder), and no leaked tensors.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { LocusInputError } from '../../src/errors.js';
import { selectBackend } from '../../src/model/backend.js';
import { loadCheckpoint, saveCheckpoint, type ExpectedTensor } from '../../src/model/checkpoint.js';
import { scratch } from '../helpers/paths.js';

beforeAll(async () => {
  await selectBackend('wasm');
});

const CONFIG = { model: { dModel: 32, nLayers: 2 }, tokenizer: { k: 6, vocab: ['A', 'C'] }, step: 1200 };

/** Fresh tensors (the caller disposes them). */
function weights(): Record<string, tf.Tensor> {
  return {
    'layers.0.attn.wqk': tf.randomNormal([8, 4], 0, 1, 'float32', 7),
    'layers.0.ffn.w1': tf.tensor2d([
      [0.1, -2.5, NaN],
      [1e-30, 3e30, -0],
    ]),
    'positions.ids': tf.tensor1d([0, -1, 2147483647], 'int32'),
    'norm.scale': tf.scalar(0.75),
    empty: tf.zeros([0, 4]),
  };
}

async function read(t: tf.Tensor) {
  return { shape: t.shape, dtype: t.dtype, values: Array.from(await t.data()) };
}

function entries(dir: string): string[] {
  return readdirSync(dir).sort();
}

async function expectInputError(promise: Promise<unknown>, pattern: RegExp): Promise<LocusInputError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LocusInputError);
  expect((err as Error).message).toMatch(pattern);
  return err as LocusInputError;
}

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round-trips config, metadata and identical tensors, without leaking tensors', async () => {
    const dir = join(scratch(), 'runs', 'ckpt'); // parent folders are created
    const tensors = weights();
    const before = tf.memory().numTensors;
    await saveCheckpoint(dir, { config: CONFIG, tensors, metadata: { step: '1200' } });
    expect(tf.memory().numTensors).toBe(before);
    expect(entries(dir)).toEqual(['config.json', 'model.safetensors']);
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toEqual(CONFIG);

    const loaded = await loadCheckpoint(dir);
    expect(loaded.config).toEqual(CONFIG);
    expect(loaded.metadata).toEqual({ step: '1200' });
    expect(Object.keys(loaded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    for (const [name, t] of Object.entries(tensors)) {
      const got = await read(loaded.tensors[name]!);
      const want = await read(t);
      expect(got.shape).toEqual(want.shape);
      expect(got.dtype).toBe(want.dtype);
      expect(got.values).toEqual(want.values); // Object.is per value: NaN equals NaN, -0 differs from 0
    }
    expect(tf.memory().numTensors).toBe(before + Object.keys(tensors).length);
    tf.dispose(Object.values(loaded.tensors));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(tensors));
  });

  it('checks the model: lists every missing, unexpected, reshaped and retyped tensor, and creates none', async () => {
    const dir = join(scratch(), 'x');
    const tensors = weights();
    await saveCheckpoint(dir, { config: CONFIG, tensors });
    tf.dispose(Object.values(tensors));
    const expected: Record<string, ExpectedTensor> = {
      'layers.0.attn.wqk': { shape: [8, 2], dtype: 'float32' },
      'layers.0.ffn.w1': { shape: [2, 3], dtype: 'float32' },
      'positions.ids': { shape: [3], dtype: 'float32' },
      'norm.scale': { shape: [], dtype: 'float32' },
      'layers.3.ffn.w1': { shape: [4, 4], dtype: 'float32' },
    };
    const before = tf.memory().numTensors;
    const err = await expectInputError(loadCheckpoint(dir, expected), /does not match the model/);
    expect(err.message).toBe(
      `checkpoint "${dir}" does not match the model: layers.0.attn.wqk has shape [8,4], expected [8,2]; ` +
        'positions.ids has dtype int32, expected float32; missing layers.3.ffn.w1; unexpected empty; ' +
        'load it with the model config it was trained with',
    );
    expect(err.input).toBe(dir);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loads when the model matches exactly', async () => {
    const dir = join(scratch(), 'x');
    const tensors = weights();
    await saveCheckpoint(dir, { config: CONFIG, tensors });
    const expected = Object.fromEntries(
      Object.entries(tensors).map(([n, t]) => [n, { shape: t.shape, dtype: t.dtype as 'float32' | 'int32' }]),
    );
    const loaded = await loadCheckpoint(dir, expected);
    expect(Object.keys(loaded.tensors)).toHaveLength(5);
    tf.dispose([...Object.values(loaded.tensors), ...Object.values(tensors)]);
  });
});

describe('broken checkpoints', () => {
  async function saved(): Promise<string> {
    const dir = join(scratch(), 'ckpt');
    const tensors = weights();
    await saveCheckpoint(dir, { config: CONFIG, tensors });
    tf.dispose(Object.values(tensors));
    return dir;
  }

  it('missing folder, file instead of folder, missing files', async () => {
    const root = scratch();
    await expectInputError(
      loadCheckpoint(join(root, 'nope')),
      /checkpoint folder ".*nope" does not exist; check the path/,
    );
    writeFileSync(join(root, 'file'), 'x');
    await expectInputError(
      loadCheckpoint(join(root, 'file')),
      /is a file, not a folder; give the folder that holds config\.json/,
    );

    const dir = await saved();
    writeFileSync(join(dir, 'model.safetensors.bak'), readFileSync(join(dir, 'model.safetensors')));
    const { rmSync } = await import('node:fs');
    rmSync(join(dir, 'model.safetensors'));
    const err = await expectInputError(
      loadCheckpoint(dir),
      /checkpoint ".*ckpt" has no model\.safetensors \(looked for ".*ckpt\/model\.safetensors"\)/,
    );
    expect(err.input).toBe(join(dir, 'model.safetensors'));
    rmSync(join(dir, 'config.json'));
    await expectInputError(loadCheckpoint(dir), /has no config\.json/);
  });

  it('corrupt config.json and corrupt model.safetensors', async () => {
    const dir = await saved();
    const config = join(dir, 'config.json');
    writeFileSync(config, '{"model": {"dModel": 32,');
    await expectInputError(
      loadCheckpoint(dir),
      new RegExp(`^"${config}" is not valid JSON \\(.+\\); fix it or save the checkpoint again$`),
    );
    writeFileSync(config, '[1, 2]');
    await expectInputError(loadCheckpoint(dir), /config\.json" is not a JSON object/);
    writeFileSync(config, '{}');
    const weightsPath = join(dir, 'model.safetensors');
    const bytes = readFileSync(weightsPath);
    writeFileSync(weightsPath, bytes.subarray(0, bytes.length - 10));
    const before = tf.memory().numTensors;
    const err = await expectInputError(
      loadCheckpoint(dir),
      /model\.safetensors" is not a valid safetensors file: .*runs past the end/,
    );
    expect(err.input).toBe(weightsPath);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the folders an interrupted save left behind', async () => {
    const dir = await saved();
    const { renameSync } = await import('node:fs');
    renameSync(dir, `${dir}.old-4242`);
    await expectInputError(loadCheckpoint(dir), /an interrupted save left ".*ckpt\.old-4242"/);
  });
});

describe('atomic replace', () => {
  it('replaces an existing checkpoint and leaves no temporary folders', async () => {
    const dir = join(scratch(), 'ckpt');
    const first = weights();
    await saveCheckpoint(dir, { config: { ...CONFIG, step: 1 }, tensors: first });
    const second = { only: tf.tensor1d([9, 8, 7]) };
    await saveCheckpoint(dir, { config: { ...CONFIG, step: 2 }, tensors: second });
    expect(readdirSync(join(dir, '..'))).toEqual(['ckpt']);
    const loaded = await loadCheckpoint(dir);
    expect(loaded.config.step).toBe(2);
    expect(Object.keys(loaded.tensors)).toEqual(['only']);
    tf.dispose([...Object.values(loaded.tensors), ...Object.values(first), ...Object.values(second)]);
  });

  it('a save that fails midway keeps the previous checkpoint and removes its temporary folder', async () => {
    const dir = join(scratch(), 'ckpt');
    const tensors = weights();
    await saveCheckpoint(dir, { config: { ...CONFIG, step: 1 }, tensors });
    const written: string[] = [];
    const failing = async (path: string, data: Uint8Array) => {
      written.push(path);
      if (path.endsWith('model.safetensors')) {
        writeFileSync(path, data.subarray(0, 100)); // a half-written file, then the "crash"
        throw new Error('ENOSPC: no space left on device');
      }
      writeFileSync(path, data);
    };
    await expect(
      saveCheckpoint(dir, { config: { ...CONFIG, step: 2 }, tensors }, { writeFile: failing }),
    ).rejects.toThrow(/ENOSPC/);
    expect(written.map((p) => p.slice(p.lastIndexOf('ckpt')))).toEqual([
      `ckpt.tmp-${process.pid}/config.json`,
      `ckpt.tmp-${process.pid}/model.safetensors`,
    ]);
    expect(readdirSync(join(dir, '..'))).toEqual(['ckpt']);
    const loaded = await loadCheckpoint(dir);
    expect(loaded.config.step).toBe(1);
    expect(Object.keys(loaded.tensors)).toHaveLength(5);
    tf.dispose([...Object.values(loaded.tensors), ...Object.values(tensors)]);
  });

  it('a tensor that cannot be serialized fails the save before anything is written', async () => {
    const dir = join(scratch(), 'ckpt');
    const tensors = weights();
    await saveCheckpoint(dir, { config: CONFIG, tensors });
    const bad = tf.tensor1d([true, false], 'bool');
    await expect(saveCheckpoint(dir, { config: CONFIG, tensors: { ...tensors, bad } })).rejects.toThrow(
      /tensor "bad" has dtype bool; cast it to float32 or int32/,
    );
    const disposed = tf.scalar(1);
    disposed.dispose();
    await expect(saveCheckpoint(dir, { config: CONFIG, tensors: { disposed } })).rejects.toThrow(TypeError);
    await expect(saveCheckpoint(dir, { config: [] as unknown as object, tensors })).rejects.toThrow(
      TypeError,
    );
    expect(readdirSync(join(dir, '..'))).toEqual(['ckpt']);
    const loaded = await loadCheckpoint(dir);
    expect(Object.keys(loaded.tensors).sort()).toEqual(Object.keys(tensors).sort());
    tf.dispose([...Object.values(loaded.tensors), ...Object.values(tensors), bad]);
  });

  it('refuses to replace a folder that is not a checkpoint, or a file', async () => {
    const root = scratch();
    const project = join(root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'notes.txt'), 'keep me');
    const t = { a: tf.scalar(1) };
    await expectInputError(
      saveCheckpoint(project, { config: {}, tensors: t }),
      /exists and is not a checkpoint .* will not be replaced; choose a new folder/,
    );
    expect(readFileSync(join(project, 'notes.txt'), 'utf8')).toBe('keep me');
    writeFileSync(join(root, 'file'), 'x');
    await expectInputError(
      saveCheckpoint(join(root, 'file'), { config: {}, tensors: t }),
      /it is a file, not a folder/,
    );
    mkdirSync(join(root, 'empty'));
    await saveCheckpoint(join(root, 'empty'), { config: {}, tensors: t });
    expect(existsSync(join(root, 'empty', 'model.safetensors'))).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['empty', 'file', 'project']);
    tf.dispose(t.a);
  });
});

describe('model checkpoints record every setting', () => {
  it('writes every model setting to config.json, and reads an old one with the behaviour it had', async () => {
    const { Reformer } = await import('../../src/model/reformer.js');
    const { resolveConfig, DEFAULT_CONFIG } = await import('../../src/model/config.js');
    const { saveModel, loadModel } = await import('../../src/model/model-io.js');
    const { TINY_CONFIG } = await import('../helpers/model.js');
    const model = new Reformer(tf, resolveConfig({ ...TINY_CONFIG, fullAttentionUpTo: 64 }), { kind: 'lm' });
    const dir = join(scratch(), 'model');
    await saveModel(dir, model);
    model.dispose();
    const stored = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(Object.keys(stored.model).sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    // A checkpoint from before fullAttentionUpTo existed always hashed: it must not pick up today's 512.
    delete stored.model.fullAttentionUpTo;
    delete stored.model.tokenConv;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(stored));
    const old = await loadModel(tf, dir);
    expect(old.model.config.fullAttentionUpTo).toBe(0);
    expect(old.model.config.tokenConv).toBe(0);
    old.model.dispose();
    delete stored.model.dModel;
    writeFileSync(join(dir, 'config.json'), JSON.stringify(stored));
    await expect(loadModel(tf, dir)).rejects.toThrow(/does not record the model setting "dModel"/);
  });
});

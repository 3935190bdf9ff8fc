/**
 * Checkpoints: a folder holding
 *
 *   config.json        any JSON object (model config, tokenizer config, training state, ...)
 *   model.safetensors  the weights, F32 / I32, plus optional string metadata
 *
 * Saving never leaves a mix of old and new files: everything is written and fsynced in a sibling
 * `DIR.tmp-<pid>`, then the old folder is renamed to `DIR.old-<pid>`, the new one renamed into place
 * and the old one removed. A crash leaves the old or the new checkpoint complete (between the two
 * renames both survive as the `.old-` / `.tmp-` siblings, and `loadCheckpoint` names them).
 *
 * Tensors are created on the active backend: select one (`selectBackend`) before loading.
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { LocusInputError, isErrnoCode } from '../errors.js';
import { replaceFolder } from '../replace-folder.js';
import { decodeSafetensors, encodeSafetensors, type SafetensorsTensor } from './safetensors.js';

export const CONFIG_FILE = 'config.json';
export const WEIGHTS_FILE = 'model.safetensors';

export type CheckpointDtype = 'float32' | 'int32';

export interface ExpectedTensor {
  shape: number[];
  dtype: CheckpointDtype;
}

export interface Checkpoint<Config = Record<string, unknown>> {
  config: Config;
  /** Owned by the caller: dispose them. */
  tensors: Record<string, tf.Tensor>;
  /** The safetensors `__metadata__` map ({} when none). */
  metadata: Record<string, string>;
}

export interface SaveCheckpointInput {
  /** A JSON object (plain data). */
  config: object;
  /** float32 or int32 tensors (variables too); read, not disposed. */
  tensors: Record<string, tf.Tensor>;
  metadata?: Record<string, string>;
  /**
   * More safetensors files saved in the same atomic step, by file name (e.g. the optimizer state in
   * `optimizer.safetensors`), so a checkpoint and its training state can never come from two saves.
   */
  extraTensorFiles?: Record<string, Record<string, tf.Tensor>>;
}

export interface SaveCheckpointOptions {
  /** Writes one file durably (default: write, then fsync). A seam for tests that simulate a crash. */
  writeFile?: (path: string, data: Uint8Array) => Promise<void>;
}

/** Write a file and fsync it before returning. */
async function writeFileDurably(path: string, data: Uint8Array): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function statOrUndefined(path: string) {
  try {
    return await stat(path);
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return undefined;
    throw err;
  }
}

async function toSafetensors(name: string, t: tf.Tensor): Promise<SafetensorsTensor> {
  if (!(t instanceof tf.Tensor)) {
    throw new TypeError(`saveCheckpoint: "${name}" is not a tf.Tensor`);
  }
  if (t.isDisposed) throw new TypeError(`saveCheckpoint: tensor "${name}" is disposed`);
  if (t.dtype !== 'float32' && t.dtype !== 'int32') {
    throw new TypeError(`saveCheckpoint: tensor "${name}" has dtype ${t.dtype}; cast it to float32 or int32`);
  }
  // Only read: encodeSafetensors copies it (on cpu this may be the backend's own storage).
  const data = (await t.data()) as Float32Array | Int32Array;
  return { dtype: t.dtype === 'float32' ? 'F32' : 'I32', shape: [...t.shape], data };
}

/**
 * Save a checkpoint to the folder `dir`, atomically replacing an existing checkpoint there. `dir` must
 * not exist, be empty, or hold a checkpoint (a folder with config.json or model.safetensors): the whole
 * folder is replaced. Its parent folders are created.
 */
export async function saveCheckpoint(
  dir: string,
  input: SaveCheckpointInput,
  options: SaveCheckpointOptions = {},
): Promise<void> {
  const { config, tensors, metadata } = input;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new TypeError('saveCheckpoint: config must be a JSON object');
  }
  const configText = JSON.stringify(config, null, 2);
  if (configText === undefined) throw new TypeError('saveCheckpoint: config is not JSON-serializable');

  // Read every tensor before touching the disk: a bad one fails the save with nothing written.
  const plain: Record<string, SafetensorsTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    Object.defineProperty(plain, name, { value: await toSafetensors(name, t), enumerable: true });
  }
  const weights = encodeSafetensors(plain, metadata);
  const extras: [string, Uint8Array][] = [];
  for (const [file, group] of Object.entries(input.extraTensorFiles ?? {})) {
    if (file === CONFIG_FILE || file === WEIGHTS_FILE || file.includes('/')) {
      throw new TypeError(`saveCheckpoint: extra file name "${file}" is not allowed`);
    }
    const groupPlain: Record<string, SafetensorsTensor> = {};
    for (const [name, t] of Object.entries(group)) {
      Object.defineProperty(groupPlain, name, { value: await toSafetensors(name, t), enumerable: true });
    }
    extras.push([file, encodeSafetensors(groupPlain)]);
  }

  const existing = await statOrUndefined(dir);
  if (existing && !existing.isDirectory()) {
    throw new LocusInputError(
      dir,
      `cannot save checkpoint to "${dir}": it is a file, not a folder`,
      'choose a folder path',
    );
  }
  if (existing) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(CONFIG_FILE) && !entries.includes(WEIGHTS_FILE)) {
      throw new LocusInputError(
        dir,
        `cannot save checkpoint to "${dir}": the folder exists and is not a checkpoint (no ${CONFIG_FILE} or ${WEIGHTS_FILE}), so it will not be replaced`,
        'choose a new folder or remove that one',
      );
    }
  }

  const write = options.writeFile ?? writeFileDurably;
  await replaceFolder(
    dir,
    async (temporary) => {
      await write(join(temporary, CONFIG_FILE), new TextEncoder().encode(configText + '\n'));
      await write(join(temporary, WEIGHTS_FILE), weights);
      for (const [file, bytes] of extras) await write(join(temporary, file), bytes);
    },
    { durable: true },
  );
}

/** Tensors of an extra safetensors file saved with `extraTensorFiles`; the caller disposes them. */
export async function loadCheckpointTensors(dir: string, file: string): Promise<Record<string, tf.Tensor>> {
  const decoded = decodeSafetensors(await readCheckpointFile(dir, file), join(dir, file));
  const out: Record<string, tf.Tensor> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) {
    Object.defineProperty(out, name, {
      value: tf.tensor(t.data, t.shape, DTYPE_OF[t.dtype]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Siblings an interrupted save may have left, for the "missing folder" message. */
async function leftovers(dir: string): Promise<string[]> {
  try {
    const prefix = basename(dir);
    return (await readdir(dirname(dir)))
      .filter((name) => name.startsWith(`${prefix}.old-`) || name.startsWith(`${prefix}.tmp-`))
      .map((name) => join(dirname(dir), name));
  } catch {
    return [];
  }
}

async function readCheckpointFile(dir: string, file: string): Promise<Buffer> {
  const path = join(dir, file);
  try {
    return await readFile(path);
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) {
      throw new LocusInputError(
        path,
        `checkpoint "${dir}" has no ${file} (looked for "${path}")`,
        'give a folder written by locus (it holds config.json and model.safetensors)',
      );
    }
    if (isErrnoCode(err, 'EACCES')) {
      throw new LocusInputError(path, `cannot read "${path}": permission denied`, 'check its permissions');
    }
    if (isErrnoCode(err, 'EISDIR')) {
      throw new LocusInputError(
        path,
        `"${path}" is a folder, not a file`,
        `remove it and save the checkpoint again`,
      );
    }
    throw err;
  }
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

const DTYPE_OF = { F32: 'float32', I32: 'int32' } as const;

/**
 * Load a checkpoint folder. With `expected` (name -> shape and dtype, e.g. from the model, or a
 * function that derives them from the checkpoint's own config.json), every
 * missing, unexpected or mismatched tensor is listed in one `LocusInputError`; no tensor is created
 * unless all match. The caller owns (and disposes) the returned tensors.
 */
export async function loadCheckpoint<Config = Record<string, unknown>>(
  dir: string,
  expectedOrFromConfig?:
    Record<string, ExpectedTensor> | ((config: Config) => Record<string, ExpectedTensor>),
): Promise<Checkpoint<Config>> {
  const info = await statOrUndefined(dir);
  if (info === undefined) {
    const found = await leftovers(dir);
    throw new LocusInputError(
      dir,
      `checkpoint folder "${dir}" does not exist`,
      found.length > 0
        ? `an interrupted save left ${found.map((f) => `"${f}"`).join(' and ')}: the .old- folder is the previous checkpoint, the .tmp- one the complete new one; rename one to "${dir}"`
        : 'check the path',
    );
  }
  if (!info.isDirectory()) {
    throw new LocusInputError(
      dir,
      `checkpoint "${dir}" is a file, not a folder`,
      `give the folder that holds ${CONFIG_FILE} and ${WEIGHTS_FILE}`,
    );
  }

  const configPath = join(dir, CONFIG_FILE);
  const configText = (await readCheckpointFile(dir, CONFIG_FILE)).toString('utf8');
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (err) {
    throw new LocusInputError(
      configPath,
      `"${configPath}" is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      'fix it or save the checkpoint again',
    );
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new LocusInputError(
      configPath,
      `"${configPath}" is not a JSON object`,
      'fix it or save the checkpoint again',
    );
  }

  // The expected tensors may depend on the config (a model's shapes follow from its settings).
  const expected =
    typeof expectedOrFromConfig === 'function'
      ? expectedOrFromConfig(config as Config)
      : expectedOrFromConfig;
  const weightsPath = join(dir, WEIGHTS_FILE);
  const file = decodeSafetensors(await readCheckpointFile(dir, WEIGHTS_FILE), weightsPath);

  if (expected !== undefined) {
    const problems: string[] = [];
    const missing: string[] = [];
    for (const [name, want] of Object.entries(expected)) {
      const got = Object.hasOwn(file.tensors, name) ? file.tensors[name] : undefined;
      if (got === undefined) {
        missing.push(name);
        continue;
      }
      const sameShape =
        got.shape.length === want.shape.length && got.shape.every((d, i) => d === want.shape[i]);
      if (!sameShape) {
        problems.push(`${name} has shape ${formatShape(got.shape)}, expected ${formatShape(want.shape)}`);
      }
      if (DTYPE_OF[got.dtype] !== want.dtype) {
        problems.push(`${name} has dtype ${DTYPE_OF[got.dtype]}, expected ${want.dtype}`);
      }
    }
    for (const name of missing) problems.push(`missing ${name}`);
    for (const name of Object.keys(file.tensors)) {
      if (!Object.hasOwn(expected, name)) problems.push(`unexpected ${name}`);
    }
    if (problems.length > 0) {
      throw new LocusInputError(
        dir,
        `checkpoint "${dir}" does not match the model: ${problems.join('; ')}`,
        'load it with the model config it was trained with',
      );
    }
  }

  const tensors: Record<string, tf.Tensor> = {};
  try {
    for (const [name, t] of Object.entries(file.tensors)) {
      Object.defineProperty(tensors, name, {
        value: tf.tensor(t.data, t.shape, DTYPE_OF[t.dtype]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  } catch (err) {
    tf.dispose(Object.values(tensors));
    throw err;
  }
  return { config: config as Config, tensors, metadata: file.metadata };
}

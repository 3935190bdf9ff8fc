/**
 * A pool of `worker_threads`, each holding the same Reformer on its own TensorFlow.js backend.
 *
 * Why: the wasm backend runs on one thread in Node, so one process uses one core. Every worker
 * selects its backend itself (one wasm module, one engine per worker) and builds the model from the
 * same config, head and weights; the weights are sent once, at start. Work is split across the
 * workers in order (worker 0 takes the first share of the inputs, worker 1 the next, ...) and the
 * results come back in input order.
 *
 *   const pool = await ModelWorkerPool.create({ workers: 2, backend: 'wasm', config, head, weights });
 *   const hidden = await pool.encodeMany([{ ids: a }, { ids: b }]); // (T * dModel) per input
 *   await pool.close();
 *
 * An error in a worker rejects the call with the worker's message; a worker that dies (out of memory,
 * a crash) rejects every call in flight and makes the pool unusable. `close()` terminates the workers.
 *
 * The worker script is `worker-entry.js` next to this file: compiled code (dist/src/model/) finds its
 * sibling. Run from TypeScript sources (vitest), there is no `.js` sibling, and Node 20 cannot run
 * `.ts` in a worker, so the pool falls back to the compiled `dist/src/model/worker-entry.js`: run
 * `npm run build` first (`npm test` does). The workers then run the compiled model code, so a stale
 * build is a different model; rebuild after changing src/model.
 */
import { compiledScript } from '../compiled-script.js';
import { Worker } from 'node:worker_threads';
import type { BackendChoice, BackendName } from './backend.js';
import type { ReformerConfig } from './config.js';
import type { AttentionExport, AttentionExportOptions } from './attention-export.js';
import type { HeadSpec } from './params.js';
import type { Reformer, SequenceInput, Target } from './reformer.js';

/** Weights by parameter name (`layers.0.attn.wqk`, ...), row-major. */
export type Weights = Record<string, Float32Array>;

export interface PoolOptions {
  /** Number of worker threads, >= 1 (one per core is the useful maximum). */
  workers: number;
  /** Backend each worker selects (default 'auto'). */
  backend?: BackendChoice;
  /** Model config; resolved with `resolveConfig` in every worker. */
  config: Partial<ReformerConfig>;
  head: HeadSpec;
  /** Weights every worker starts from (e.g. `modelWeights(model)`); default: initialised from the seed. */
  weights?: Weights;
}

export interface PredictOptions {
  /**
   * 'logits' (default): the head's outputs, (T * outputs) per input for lm/token heads, (classes) for
   * classify. 'argmax': the best output per row (T) as an Int32Array (classify: one value), without
   * sending the (T * vocab) logits back.
   */
  output?: 'logits' | 'argmax';
  /**
   * The LSH rotations' step (Reformer.encode's `step`); default: the model's own default. Give the
   * step the main thread would use when results must equal its own.
   */
  step?: number;
}

export interface WorkerGradients {
  /** Mean loss over the input's scored positions. */
  loss: number;
  /** Positions scored. */
  scored: number;
  /** Gradient of the mean loss, by parameter name. */
  grads: Weights;
}

export interface WorkerStats {
  /** Backend the worker runs on. */
  backend: BackendName;
  /** `tf.memory()` in the worker: live tensors and their bytes. */
  numTensors: number;
  numBytes: number;
}

// ---- Messages (shared with worker-entry.ts) ---------------------------------------------------------

/** One input of `attentionMany`: its tokens and the query positions to export. */
export interface AttentionItem {
  input: SequenceInput;
  queries: Int32Array;
}

/** `exportAttention`'s options that travel to a worker (no signal or callback crosses threads). */
export type WorkerAttentionOptions = Pick<AttentionExportOptions, 'topK' | 'layers' | 'heads' | 'rounds'>;

/** Sent once, as `workerData`. */
export interface InitData {
  backend: BackendChoice;
  config: Partial<ReformerConfig>;
  head: HeadSpec;
  weights?: Weights;
}

export type Request =
  | { id: number; op: 'encode'; inputs: SequenceInput[] }
  | { id: number; op: 'predict'; inputs: SequenceInput[]; output: 'logits' | 'argmax'; step?: number }
  | { id: number; op: 'gradients'; inputs: SequenceInput[]; targets: Target[]; step: number; first: number }
  | { id: number; op: 'attention'; items: AttentionItem[]; options: WorkerAttentionOptions }
  | { id: number; op: 'setWeights'; weights: Weights }
  | { id: number; op: 'stats' };

export type Reply =
  | { type: 'ready'; backend: BackendName }
  | { type: 'fatal'; message: string }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; message: string; stack?: string };

// ---- Pool --------------------------------------------------------------------------------------------

/** The worker script: the compiled sibling, or the build's copy when running from sources. */
export function workerScript(): URL {
  return compiledScript(import.meta.url, 'worker-entry.js', '../../dist/src/model/worker-entry.js');
}

/** Every parameter of `model` as a Float32Array copy, for `ModelWorkerPool.create({ weights })`. */
export function modelWeights(model: Reformer): Weights {
  const out: Weights = {};
  for (const [name, p] of model.params) out[name] = Float32Array.from(p.dataSync() as Float32Array);
  return out;
}

/** Sizes of `n` items split over `k` workers in order, as evenly as possible (first ones larger). */
export function splitSizes(n: number, k: number): number[] {
  const base = Math.floor(n / k);
  return Array.from({ length: k }, (_, i) => base + (i < n % k ? 1 : 0));
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  /** What the call was, for error messages. */
  what: string;
}

interface Slot {
  index: number;
  worker: Worker;
  running: boolean;
  pending: Map<number, Pending>;
  backend: BackendName | undefined;
}

/** Copies of the typed arrays' buffers in `inputs`, and those buffers for the transfer list. */
function copyInputs(inputs: SequenceInput[]): { inputs: SequenceInput[]; transfer: ArrayBuffer[] } {
  const transfer: ArrayBuffer[] = [];
  const copy = <T extends Int32Array | Uint8Array>(a: T): T => {
    const c = a.slice() as T;
    transfer.push(c.buffer as ArrayBuffer);
    return c;
  };
  return {
    inputs: inputs.map((input) => ({
      ids: copy(input.ids),
      ...(input.valid ? { valid: copy(input.valid) } : {}),
    })),
    transfer,
  };
}

function copyWeights(weights: Weights): { weights: Weights; transfer: ArrayBuffer[] } {
  const out: Weights = {};
  const transfer: ArrayBuffer[] = [];
  for (const [name, values] of Object.entries(weights)) {
    const c = values.slice();
    out[name] = c;
    transfer.push(c.buffer);
  }
  return { weights: out, transfer };
}

function checkInputs(inputs: readonly SequenceInput[], method: string): void {
  if (!Array.isArray(inputs)) throw new TypeError(`${method}: inputs must be an array`);
  inputs.forEach((input, i) => {
    if (!(input?.ids instanceof Int32Array))
      throw new TypeError(`${method}: inputs[${i}].ids must be an Int32Array`);
    if (input.valid !== undefined && !(input.valid instanceof Uint8Array))
      throw new TypeError(`${method}: inputs[${i}].valid must be a Uint8Array`);
  });
}

export class ModelWorkerPool {
  private nextId = 1;
  private closed = false;
  /** Why the pool cannot be used any more (a worker died), if it cannot. */
  private broken: Error | undefined;

  private constructor(private readonly slots: Slot[]) {}

  /** Workers that each hold a copy of `model`: its config, head and current weights. */
  static forModel(model: Reformer, workers: number, backend?: BackendChoice): Promise<ModelWorkerPool> {
    const { config, head } = model;
    return ModelWorkerPool.create({ workers, backend, config, head, weights: modelWeights(model) });
  }

  /** Start `options.workers` workers and wait until each has built its model. */
  static async create(options: PoolOptions): Promise<ModelWorkerPool> {
    const count = options.workers;
    if (!Number.isInteger(count) || count < 1)
      throw new TypeError(`ModelWorkerPool: workers must be an integer >= 1, got ${String(count)}`);
    const script = workerScript();
    const slots: Slot[] = [];
    const pool = new ModelWorkerPool(slots);
    const ready: Promise<void>[] = [];
    for (let index = 0; index < count; index++) {
      const copied = options.weights ? copyWeights(options.weights) : undefined;
      const workerData: InitData = {
        backend: options.backend ?? 'auto',
        config: options.config,
        head: options.head,
        ...(copied ? { weights: copied.weights } : {}),
      };
      const worker = new Worker(script, { workerData, transferList: copied?.transfer ?? [] });
      const slot: Slot = { index, worker, running: true, pending: new Map(), backend: undefined };
      slots.push(slot);
      ready.push(new Promise<void>((resolve, reject) => pool.listen(slot, resolve, reject)));
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  /** Route a worker's replies: its start-up (`started`/`failed`), then results to the pending calls. */
  private listen(slot: Slot, started: () => void, failed: (err: Error) => void): void {
    const { worker, index } = slot;
    let isReady = false;
    worker.on('message', (reply: Reply) => {
      if (reply.type === 'ready') {
        isReady = true;
        slot.backend = reply.backend;
        started();
        return;
      }
      if (reply.type === 'fatal') {
        failed(new Error(`model worker ${index} failed to start: ${reply.message}`));
        return;
      }
      const pending = slot.pending.get(reply.id);
      if (!pending) return;
      slot.pending.delete(reply.id);
      if (reply.type === 'result') {
        pending.resolve(reply.value);
      } else {
        const err = new Error(`model worker ${index} failed (${pending.what}): ${reply.message}`);
        if (reply.stack) err.stack = `${err.message}\n--- in the worker ---\n${reply.stack}`;
        pending.reject(err);
      }
    });
    worker.on('error', (err) => {
      const wrapped = new Error(
        `model worker ${index} ${isReady ? 'crashed' : 'failed to start'}: ${err.message}`,
      );
      if (isReady) this.fail(slot, wrapped);
      else failed(wrapped);
    });
    worker.on('exit', (code) => {
      slot.running = false;
      const err = new Error(
        `model worker ${index} exited with code ${code}${isReady ? '' : ' before it was ready'}`,
      );
      if (!isReady) failed(err);
      else if (!this.closed) this.fail(slot, err);
    });
  }

  /** A worker died: reject its calls and every later one. */
  private fail(slot: Slot, err: Error): void {
    this.broken ??= err;
    for (const pending of slot.pending.values()) pending.reject(err);
    slot.pending.clear();
  }

  /** Number of workers. */
  get size(): number {
    return this.slots.length;
  }

  /** Workers whose thread has not exited (0 after `close()`). */
  get running(): number {
    return this.slots.filter((s) => s.running).length;
  }

  /** The backend each worker runs on. */
  get backends(): BackendName[] {
    return this.slots.map((s) => s.backend!);
  }

  private usable(method: string): void {
    if (this.closed) throw new Error(`ModelWorkerPool.${method}: the pool is closed`);
    if (this.broken)
      throw new Error(`ModelWorkerPool.${method}: the pool failed earlier: ${this.broken.message}`);
  }

  private call<T>(slot: Slot, request: Request, transfer: ArrayBuffer[], what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(request.id, { resolve: resolve as (v: unknown) => void, reject, what });
      slot.worker.postMessage(request, transfer);
    });
  }

  /**
   * Split `items` over the workers in order; `make` builds each worker's request for its share
   * (given the share and the index of its first item); results are concatenated in input order.
   */
  private async map<I, R>(
    method: string,
    items: I[],
    make: (share: I[], first: number, id: number) => { request: Request; transfer: ArrayBuffer[] },
  ): Promise<R[]> {
    this.usable(method);
    const sizes = splitSizes(items.length, this.slots.length);
    const calls: Promise<R[]>[] = [];
    let first = 0;
    sizes.forEach((size, w) => {
      if (size === 0) return;
      const share = items.slice(first, first + size);
      const { request, transfer } = make(share, first, this.nextId++);
      const what = `${method} of input${size > 1 ? `s ${first}-${first + size - 1}` : ` ${first}`}`;
      calls.push(this.call<R[]>(this.slots[w]!, request, transfer, what));
      first += size;
    });
    return (await Promise.all(calls)).flat();
  }

  /** Final hidden states per input: (T * dModel), row-major. */
  async encodeMany(inputs: SequenceInput[]): Promise<Float32Array[]> {
    checkInputs(inputs, 'encodeMany');
    return this.map<SequenceInput, Float32Array>('encode', inputs, (share, _first, id) => {
      const copied = copyInputs(share);
      return { request: { id, op: 'encode', inputs: copied.inputs }, transfer: copied.transfer };
    });
  }

  /** Head outputs per input (see `PredictOptions`); the logits are computed 4,096 rows at a time. */
  predictMany(
    inputs: SequenceInput[],
    options?: { output?: 'logits'; step?: number },
  ): Promise<Float32Array[]>;
  predictMany(inputs: SequenceInput[], options: { output: 'argmax'; step?: number }): Promise<Int32Array[]>;
  async predictMany(
    inputs: SequenceInput[],
    options: PredictOptions = {},
  ): Promise<(Float32Array | Int32Array)[]> {
    checkInputs(inputs, 'predictMany');
    const output = options.output ?? 'logits';
    if (output !== 'logits' && output !== 'argmax')
      throw new TypeError(`predictMany: output must be 'logits' or 'argmax', got ${String(output)}`);
    return this.map<SequenceInput, Float32Array | Int32Array>('predict', inputs, (share, _first, id) => {
      const copied = copyInputs(share);
      return {
        request: { id, op: 'predict', inputs: copied.inputs, output, step: options.step },
        transfer: copied.transfer,
      };
    });
  }

  /**
   * `exportAttention` of each item on the workers (items split in order, results in input order):
   * the same weights the main thread computes, for long inputs read in parallel (the desktop's
   * attention view reads a locus as several model contexts).
   */
  async attentionMany(items: AttentionItem[], options: WorkerAttentionOptions): Promise<AttentionExport[]> {
    checkInputs(
      items.map((item) => item.input),
      'attentionMany',
    );
    return this.map<AttentionItem, AttentionExport>('attention', items, (share, _first, id) => {
      const copied = copyInputs(share.map((item) => item.input));
      const sent = share.map((item, i) => ({
        input: copied.inputs[i]!,
        queries: Int32Array.from(item.queries),
      }));
      return {
        request: { id, op: 'attention', items: sent, options },
        transfer: [...copied.transfer, ...sent.map((item) => item.queries.buffer as ArrayBuffer)],
      };
    });
  }

  /**
   * Loss and gradients per input (the reversible backward, training mode, input i seeded by
   * `exampleStep(step, i)` as on the main thread), in input order.
   * Each worker computes its share; summing them (weighted by `scored` for a token mean) and applying
   * an optimizer is the caller's (data-parallel training: then `setWeights`).
   */
  async gradients(inputs: SequenceInput[], targets: Target[], step = 0): Promise<WorkerGradients[]> {
    checkInputs(inputs, 'gradients');
    if (!Array.isArray(targets) || targets.length !== inputs.length)
      throw new TypeError(
        `gradients: ${Array.isArray(targets) ? targets.length : 'no'} targets for ${inputs.length} inputs`,
      );
    if (!Number.isInteger(step) || step < 0)
      throw new TypeError(`gradients: step must be an integer >= 0, got ${String(step)}`);
    const pairs = inputs.map((input, i) => ({ input, target: targets[i]! }));
    return this.map<(typeof pairs)[number], WorkerGradients>('gradients', pairs, (share, first, id) => {
      const copied = copyInputs(share.map((p) => p.input));
      return {
        request: {
          id,
          op: 'gradients',
          inputs: copied.inputs,
          targets: share.map((p) => p.target),
          step,
          first,
        },
        transfer: copied.transfer,
      };
    });
  }

  /** Give every worker new weights (all or some parameters), e.g. after an optimizer step. */
  async setWeights(weights: Weights): Promise<void> {
    this.usable('setWeights');
    await Promise.all(
      this.slots.map((slot) => {
        const copied = copyWeights(weights);
        return this.call<void>(
          slot,
          { id: this.nextId++, op: 'setWeights', weights: copied.weights },
          copied.transfer,
          'setWeights',
        );
      }),
    );
  }

  /** Backend and live tensors of every worker (a leak shows as a growing `numTensors`). */
  async stats(): Promise<WorkerStats[]> {
    this.usable('stats');
    return Promise.all(
      this.slots.map((slot) => this.call<WorkerStats>(slot, { id: this.nextId++, op: 'stats' }, [], 'stats')),
    );
  }

  /** Terminate the workers; calls in flight are rejected. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('ModelWorkerPool was closed while the call was running');
    for (const slot of this.slots) {
      for (const pending of slot.pending.values()) pending.reject(err);
      slot.pending.clear();
    }
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.worker.terminate();
        slot.running = false;
      }),
    );
  }
}

/**
 * The script each `ModelWorkerPool` worker runs (compiled to dist/src/model/worker-entry.js).
 *
 * At start (`workerData`: backend, config, head, weights) it selects its own TensorFlow.js backend,
 * builds the Reformer, assigns the weights and says `ready`. Then it answers requests one at a time,
 * in the order they arrive, posting every result's buffers back by transfer.
 */
import { setFlagsFromString } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type * as TF from '@tensorflow/tfjs';
import { exportAttention } from './attention-export.js';
import { selectBackend, type BackendName } from './backend.js';
import { resolveConfig } from './config.js';
import { exampleStep, Reformer, type SequenceInput } from './reformer.js';
import { lossAndGradients } from './reversible.js';
import type { InitData, Reply, Request, WorkerGradients, WorkerStats, Weights } from './workers.js';

// Compile wasm (tfjs's backend and Locus's attention kernel) with the optimising compiler from the
// start. In worker threads V8's baseline code was never tiered up for the long-running kernel calls:
// a training step ran 1.5x slower than the same step on the main thread (3.2 s against 2.1 s at
// 1,667 tokens), and as fast with this flag. It must run before the first wasm module compiles;
// V8 flags are process-wide, so it applies to the main thread's later compilations too.
setFlagsFromString('--no-liftoff');

/** Rows of head outputs computed at once: bounds the (rows, vocab) logits. */
const HEAD_ROWS = 4096;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function assignWeights(model: Reformer, weights: Weights): void {
  const { tf } = model;
  const specs = new Map(model.specs.map((s) => [s.name, s]));
  for (const [name, values] of Object.entries(weights)) {
    const spec = specs.get(name);
    if (!spec) throw new TypeError(`weights: the model has no parameter ${name}`);
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (!(values instanceof Float32Array) || values.length !== size)
      throw new TypeError(
        `weights: ${name} has ${values?.length ?? 'no'} values, the model's [${spec.shape.join(', ')}] needs ${size}`,
      );
    const tensor = tf.tensor(values, spec.shape, 'float32');
    model.param(name).assign(tensor);
    tensor.dispose();
  }
}

/**
 * A tensor's values in a Float32Array of their own, safe to transfer. Always a copy: some backends
 * (cpu) return their own storage from `dataSync`, which other tensors may share.
 */
function read(t: TF.Tensor): Float32Array {
  return (t.dataSync() as Float32Array).slice();
}

/** Head outputs of one sequence, HEAD_ROWS rows at a time for per-token heads. */
function predictOne(
  model: Reformer,
  input: SequenceInput,
  output: 'logits' | 'argmax',
  step: number | undefined,
): Float32Array | Int32Array {
  const { tf } = model;
  const hidden = model.encode(input, step === undefined ? {} : { step });
  try {
    const get = (n: string) => model.param(n);
    if (model.head.kind === 'classify') {
      return tf.tidy(() => {
        const logits = model.headOutputs(hidden, input.valid, get);
        return output === 'argmax' ? Int32Array.from(tf.argMax(logits).dataSync()) : read(logits);
      });
    }
    // Row blocks are made from one read-out of the hidden states: the wasm backend's Slice copies its
    // whole input to JavaScript on every call, which would make this O(T^2).
    const [T, d] = hidden.shape as [number, number];
    const values = hidden.dataSync() as Float32Array;
    let width = 0;
    let out: Float32Array | Int32Array | undefined;
    for (let start = 0; start < T; start += HEAD_ROWS) {
      const n = Math.min(HEAD_ROWS, T - start);
      tf.tidy(() => {
        const rows = tf.tensor2d(values.subarray(start * d, (start + n) * d), [n, d]);
        const logits = model.headOutputs(rows, undefined, get); // (n, K)
        if (output === 'argmax') {
          out ??= new Int32Array(T);
          out.set(tf.argMax(logits, 1).dataSync() as Int32Array, start);
        } else {
          width = logits.shape[1]!;
          out ??= new Float32Array(T * width);
          out.set(logits.dataSync() as Float32Array, start * width);
        }
      });
    }
    return out ?? (output === 'argmax' ? new Int32Array(0) : new Float32Array(0));
  } finally {
    hidden.dispose();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('worker-entry.js runs inside a ModelWorkerPool worker, not as a script');
  const init = workerData as InitData;
  let model: Reformer;
  let backend: BackendName;
  try {
    const selected = await selectBackend(init.backend);
    backend = selected.name;
    model = new Reformer(selected.tf, resolveConfig(init.config), init.head);
    if (init.weights) assignWeights(model, init.weights);
  } catch (err) {
    port.postMessage({ type: 'fatal', message: messageOf(err) } satisfies Reply);
    return;
  }
  const { tf } = model;

  const handle = (request: Request): { value: unknown; transfer: ArrayBuffer[] } => {
    switch (request.op) {
      case 'encode': {
        const outputs = request.inputs.map((input) => {
          const hidden = model.encode(input);
          try {
            return read(hidden);
          } finally {
            hidden.dispose();
          }
        });
        return { value: outputs, transfer: outputs.map((o) => o.buffer as ArrayBuffer) };
      }
      case 'predict': {
        const outputs = request.inputs.map((input) => predictOne(model, input, request.output, request.step));
        return { value: outputs, transfer: outputs.map((o) => o.buffer as ArrayBuffer) };
      }
      case 'gradients': {
        const results: WorkerGradients[] = [];
        const transfer: ArrayBuffer[] = [];
        request.inputs.forEach((input, i) => {
          const { loss, scored, grads } = lossAndGradients(model, input, request.targets[i]!, {
            training: true,
            step: exampleStep(request.step, request.first + i),
          });
          const out: Weights = {};
          try {
            for (const [name, g] of grads) {
              const values = read(g);
              out[name] = values;
              transfer.push(values.buffer as ArrayBuffer);
            }
          } finally {
            for (const g of grads.values()) g.dispose();
          }
          results.push({ loss, scored, grads: out });
        });
        return { value: results, transfer };
      }
      case 'attention': {
        const outputs = request.items.map((item) =>
          exportAttention(model, item.input, { ...request.options, queries: item.queries }),
        );
        // Heads may share one query array: each buffer is transferred once.
        const buffers = new Set(
          outputs.flatMap((o) =>
            o.layers.flatMap((l) => [l.queries.buffer, l.keys.buffer, l.weights.buffer]),
          ),
        );
        return { value: outputs, transfer: [...buffers] as ArrayBuffer[] };
      }
      case 'setWeights':
        assignWeights(model, request.weights);
        return { value: undefined, transfer: [] };
      case 'stats': {
        const memory = tf.memory();
        const stats: WorkerStats = { backend, numTensors: memory.numTensors, numBytes: memory.numBytes };
        return { value: stats, transfer: [] };
      }
    }
  };

  // Requests run one at a time: the message handler is synchronous, so they cannot interleave.
  port.on('message', (request: Request) => {
    let reply: Reply;
    let transfer: ArrayBuffer[] = [];
    try {
      const result = handle(request);
      reply = { type: 'result', id: request.id, value: result.value };
      transfer = result.transfer;
    } catch (err) {
      reply = {
        type: 'error',
        id: request.id,
        message: messageOf(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ type: 'ready', backend } satisfies Reply);
}

void main().catch((err: unknown) => {
  parentPort?.postMessage({ type: 'fatal', message: messageOf(err) } satisfies Reply);
});

/**
 * Loss and gradients for one sequence with the reversible backward (Gomez et al. 2017; Reformer §3):
 * the forward keeps only the last block's two halves; the backward walks the blocks in reverse,
 * rebuilding each block's inputs from its outputs,
 *
 *   x2 = y2 - G(y1),  x1 = y1 - F(x2),
 *
 * and taking each branch's gradient with a top-level `tf.valueAndGrads` call (nesting gradient calls
 * inside a customGrad crashes tfjs; see DESIGN.md). Attention replays the forward's sort orders and
 * every dropout replays its seed, so the rebuilt branches are the ones the forward computed. The
 * feed-forward branch is position-wise, so its recompute and gradient run `ffChunk` tokens at a time.
 *
 * Live memory is the two halves, their gradients and one branch's activations, whatever the depth.
 */
import type * as TF from '@tensorflow/tfjs';
import { headLossSum, scoredPositions } from './loss.js';
import { releasePlans, type AttentionPlan } from './attention.js';
import { readsSynchronously } from './ops.js';
import { checkDevice } from './webgpu-device.js';
import type { Reformer, RunOptions, SequenceInput, Target } from './reformer.js';

type Tensor = TF.Tensor;

export interface LossAndGradients {
  /** Mean loss over scored positions (or the one classification). */
  loss: number;
  /** Positions scored (1 for classification). */
  scored: number;
  /** Gradient of the mean loss for every parameter, by name. The caller disposes them. */
  grads: Map<string, Tensor>;
  /** Sort orders used, per layer (the backward replayed them). */
  plans: AttentionPlan[];
  /** Largest |rebuilt block-0 input - embedding|: how exactly the backward reconstructed the inputs. */
  reconstructionError: number;
}

/** Rows of the loss evaluated per gradient call, bounding the (rows, vocab) logits. */
const LOSS_ROWS = 2048;

function labelsOf(target: Target): { rows: Int32Array | undefined; labels: Int32Array } {
  if (target.kind === 'classify') return { rows: undefined, labels: Int32Array.of(target.label) };
  return scoredPositions(target.labels);
}

function addInto(grads: Map<string, Tensor>, name: string, g: Tensor, tf: typeof TF): void {
  const previous = grads.get(name);
  if (!previous) {
    grads.set(name, g);
    return;
  }
  grads.set(name, tf.add(previous, g));
  previous.dispose();
  g.dispose();
}

/** `LossAndGradients` with the two figures still on the device, as scalar tensors. */
export interface DeferredLossAndGradients extends Omit<LossAndGradients, 'loss' | 'reconstructionError'> {
  loss: Tensor;
  reconstructionError: Tensor;
}

/** Loss and gradients with the memory-saving reversible backward. */
export function lossAndGradients(
  model: Reformer,
  input: SequenceInput,
  target: Target,
  options: RunOptions = {},
  plans?: AttentionPlan[],
): LossAndGradients {
  const deferred = deferredLossAndGradients(model, input, target, options, plans);
  const loss = deferred.loss.dataSync()[0]!;
  const reconstructionError = deferred.reconstructionError.dataSync()[0]!;
  deferred.loss.dispose();
  deferred.reconstructionError.dispose();
  return { ...deferred, loss, reconstructionError };
}

/**
 * The same, read back asynchronously: the form that works on every backend, webgpu included (where
 * nothing is read back before the step's gradients are computed).
 */
export async function lossAndGradientsAsync(
  model: Reformer,
  input: SequenceInput,
  target: Target,
  options: RunOptions = {},
  plans?: AttentionPlan[],
): Promise<LossAndGradients> {
  const deferred = deferredLossAndGradients(model, input, target, options, plans);
  const [loss, reconstructionError] = await Promise.all([
    deferred.loss.data(),
    deferred.reconstructionError.data(),
  ]);
  checkDevice();
  deferred.loss.dispose();
  deferred.reconstructionError.dispose();
  return { ...deferred, loss: loss[0]!, reconstructionError: reconstructionError[0]! };
}

/**
 * The reversible forward and backward with no value read back: loss and reconstruction error stay
 * scalar tensors. Plans made here (no `plans` given) are released at the end: on webgpu their sort
 * orders are device tensors, and the returned `plans` then hold host fields only.
 */
export function deferredLossAndGradients(
  model: Reformer,
  input: SequenceInput,
  target: Target,
  options: RunOptions = {},
  plans?: AttentionPlan[],
): DeferredLossAndGradients {
  const { tf, config } = model;
  const training = options.training ?? true;
  const step = options.step ?? 0;
  const grads = new Map<string, Tensor>();
  const { y1: top1, y2: top2, trace } = model.encodeHalves(input, { training, step }, plans);
  const { rows, labels } = labelsOf(target);
  const scored = labels.length;
  if (scored === 0) throw new RangeError('target scores no position (every label is IGNORE)');

  // Head and loss, in row chunks. Gradients flow into the top halves and the head's parameters.
  const headNames = model.names.filter((n) => n.startsWith('head.') || n.startsWith('final.'));
  let dy1: Tensor = tf.zerosLike(top1);
  let dy2: Tensor = tf.zerosLike(top2);
  let lossSum: Tensor = tf.scalar(0);
  const chunks = rows && rows.length > LOSS_ROWS ? Math.ceil(rows.length / LOSS_ROWS) : 1;
  for (let c = 0; c < chunks; c++) {
    const chunkRows = rows && chunks > 1 ? rows.subarray(c * LOSS_ROWS, (c + 1) * LOSS_ROWS) : rows;
    const chunkLabels = chunks > 1 ? labels.subarray(c * LOSS_ROWS, (c + 1) * LOSS_ROWS) : labels;
    const { value, grads: g } = tf.valueAndGrads((...args: Tensor[]) => {
      const [a, b, ...headParams] = args;
      const lookup = new Map(headNames.map((n, i) => [n, headParams[i]!]));
      return tf.div(
        headLossSum(model, a!, b!, target, chunkRows, chunkLabels, input.valid, (n) => lookup.get(n)!),
        scored,
      );
    })([top1, top2, ...headNames.map((n) => model.param(n))]);
    lossSum = replace(lossSum, tf.add(lossSum, value), value);
    const [g1, g2, ...gHead] = g;
    dy1 = replace(dy1, tf.add(dy1, g1!), g1!);
    dy2 = replace(dy2, tf.add(dy2, g2!), g2!);
    headNames.forEach((n, i) => addInto(grads, n, gHead[i]!, tf));
  }

  // Blocks in reverse: rebuild inputs, accumulate gradients.
  let y1 = top1;
  let y2 = top2;
  for (let l = config.depth - 1; l >= 0; l--) {
    const ffNames = ['norm.gain', 'norm.bias', 'w1', 'b1', 'w2', 'b2'].map((s) => `layers.${l}.ffn.${s}`);
    const attnNames = ['norm.gain', 'norm.bias', 'wqk', 'wv', 'wo'].map((s) => `layers.${l}.attn.${s}`);

    // G: y2 = x2 + G(y1). Chunked along tokens; each chunk's gradient w.r.t. its rows of y1.
    const T = y1.shape[0]!;
    const chunk = config.ffChunk;
    const gParts: Tensor[] = [];
    const dParts: Tensor[] = [];
    // Row blocks cut in JavaScript from one read-out of y1 and dy2 (both off the tape): the wasm
    // backend's Slice copies its whole input on every call, O(T^2 / ffChunk) over the chunks. On a
    // device that cannot read back (webgpu), its own slices.
    const cutOnHost = T > chunk && readsSynchronously(tf);
    const y1Values = cutOnHost ? (y1.dataSync() as Float32Array) : undefined;
    const dy2Values = cutOnHost ? (dy2.dataSync() as Float32Array) : undefined;
    const d = y1.shape[1]!;
    for (let start = 0, c = 0; start < T; start += chunk, c++) {
      const n = Math.min(chunk, T - start);
      const rowsOf = (t: Tensor, values: Float32Array | undefined) =>
        values
          ? tf.tensor2d(values.subarray(start * d, (start + n) * d), [n, d])
          : T <= chunk
            ? t
            : t.slice([start, 0], [n, d]);
      const seed = model.ffSeed(step, l, T <= chunk ? 0 : c);
      const y1c = rowsOf(y1, y1Values);
      const dy2c = rowsOf(dy2, dy2Values);
      const { value, grads: g } = tf.valueAndGrads((...args: Tensor[]) => {
        const [rowsIn, ...w] = args;
        const lookup = new Map(ffNames.map((name, i) => [name, w[i]!]));
        return model.feedForwardRows(rowsIn!, l, seed, training, (name) => lookup.get(name)!);
      })([y1c, ...ffNames.map((n) => model.param(n))], dy2c);
      if (y1c !== y1) y1c.dispose();
      if (dy2c !== dy2) dy2c.dispose();
      const [dRows, ...dW] = g;
      gParts.push(value);
      dParts.push(dRows!);
      ffNames.forEach((name, i) => addInto(grads, name, dW[i]!, tf));
    }
    const gy1 = gParts.length === 1 ? gParts[0]! : tf.concat(gParts, 0);
    const dFromG = dParts.length === 1 ? dParts[0]! : tf.concat(dParts, 0);
    if (gParts.length > 1) [...gParts, ...dParts].forEach((t) => t.dispose());
    const x2 = tf.sub(y2, gy1);
    gy1.dispose();
    const dx1 = tf.add(dy1, dFromG);
    dFromG.dispose();
    dy1.dispose();
    y2.dispose();

    // F: y1 = x1 + F(x2).
    const plan = trace.plans[l]!;
    const { value: fx2, grads: gF } = tf.valueAndGrads((...args: Tensor[]) => {
      const [x, ...w] = args;
      const lookup = new Map(attnNames.map((name, i) => [name, w[i]!]));
      return model.attentionBranch(x!, l, plan, training, (name) => lookup.get(name)!);
    })([x2, ...attnNames.map((n) => model.param(n))], dx1);
    const [dFromF, ...dWf] = gF;
    attnNames.forEach((name, i) => addInto(grads, name, dWf[i]!, tf));
    const x1 = tf.sub(y1, fx2);
    fx2.dispose();
    y1.dispose();
    const dx2 = tf.add(dy2, dFromF!);
    dFromF!.dispose();
    dy2.dispose();

    y1 = x1;
    y2 = x2;
    dy1 = dx1;
    dy2 = dx2;
  }

  // Embedding: x1 = x2 = x, so dx = dx1 + dx2.
  const dx = tf.add(dy1, dy2);
  [dy1, dy2].forEach((t) => t.dispose());
  const embedNames = model.embeddingNames;
  const { value: embedded, grads: gE } = tf.valueAndGrads((...w: Tensor[]) => {
    const byName = new Map(embedNames.map((name, i) => [name, w[i]!]));
    return model.embed(
      input.ids,
      model.embeddingWeights((name) => byName.get(name)!),
      model.embedSeed(step),
      training,
    );
  })(
    embedNames.map((n) => model.param(n)),
    dx,
  );
  const reconstructionError = tf.tidy(() =>
    tf.maximum(tf.max(tf.abs(tf.sub(y1, embedded))), tf.max(tf.abs(tf.sub(y2, embedded)))),
  );
  [y1, y2, embedded].forEach((t) => t.dispose());
  dx.dispose();
  embedNames.forEach((name, i) => addInto(grads, name, gE[i]!, tf));
  if (!plans) releasePlans(trace.plans);
  return { loss: lossSum, scored, grads, plans: trace.plans, reconstructionError };
}

function replace(old: Tensor, next: Tensor, alsoDispose: Tensor): Tensor {
  old.dispose();
  alsoDispose.dispose();
  return next;
}

/**
 * The same loss and gradients by plain autodiff over a stored forward (memory grows with depth):
 * the reference the reversible backward is tested against. Replays `plans` for identical buckets.
 */
export function referenceLossAndGradients(
  model: Reformer,
  input: SequenceInput,
  target: Target,
  options: RunOptions,
  plans: AttentionPlan[],
): { loss: number; grads: Map<string, Tensor> } {
  const { tf, config } = model;
  const training = options.training ?? true;
  const step = options.step ?? 0;
  const names = model.names;
  const { rows, labels } = labelsOf(target);
  const { value, grads } = tf.valueAndGrads((...weights: Tensor[]) => {
    const lookup = new Map(names.map((n, i) => [n, weights[i]!]));
    const get = (n: string) => lookup.get(n)!;
    const x = model.embed(input.ids, model.embeddingWeights(get), model.embedSeed(step), training);
    let y1 = x;
    let y2 = x;
    for (let l = 0; l < config.depth; l++) {
      y1 = tf.add(y1, model.attentionBranch(y2, l, plans[l]!, training, get));
      y2 = tf.add(y2, model.feedForwardBranch(y1, l, step, training, get));
    }
    return tf.div(headLossSum(model, y1, y2, target, rows, labels, input.valid, get), labels.length);
  })(names.map((n) => model.param(n)));
  const loss = value.dataSync()[0]!;
  value.dispose();
  return { loss, grads: new Map(names.map((n, i) => [n, grads[i]!])) };
}

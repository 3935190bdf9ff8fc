/**
 * The Reformer, read top to bottom: token embedding + axial positions, a stack of reversible blocks
 * (Y1 = X1 + Attention(LN X2), Y2 = X2 + FeedForward(LN Y1)), a final LayerNorm over the mean of the
 * two halves, and one head. Sequences go through one at a time (T tokens, d = dModel); batching is the
 * trainer's job, since long contexts leave room for little else.
 *
 * Training uses `lossAndGradients`, whose backward rebuilds each block's inputs from its outputs
 * instead of storing activations (reversible.ts): memory does not grow with depth.
 */
import type * as TF from '@tensorflow/tfjs';
import {
  attend,
  planAttention,
  releasePlans,
  type AttentionPlan,
  type AttentionWeights,
} from './attention.js';
import type { ResolvedConfig } from './config.js';
import { makeOps, readsSynchronously, type Ops, type Tf } from './ops.js';
import {
  deriveSeed,
  initParameters,
  parameterSpecs,
  type ClassifyPooling,
  type HeadSpec,
  type ParamSpec,
} from './params.js';

type Tensor = TF.Tensor;

/** Labels that are not scored (BERT's convention). */
export const IGNORE = -100;

export interface SequenceInput {
  /** Token ids (T). */
  ids: Int32Array;
  /** 1 for real tokens, 0 for padding (T); default all real. */
  valid?: Uint8Array;
}

/** What a head is trained to predict for one sequence. */
export type Target =
  | { kind: 'lm'; labels: Int32Array } // per token: a token id, or IGNORE
  | { kind: 'classify'; label: number }
  | { kind: 'token'; labels: Int32Array }; // per token: a class, or IGNORE

export interface RunOptions {
  /** Training mode: dropout on. */
  training?: boolean;
  /**
   * Seeds the LSH rotations and dropout of the pass (the training step, or `exampleStep(step, i)` for
   * the i-th sequence of a step), so they change from pass to pass yet replay exactly.
   */
  step?: number;
}

/**
 * The seed step of the `example`-th sequence of a training step: every sequence of a micro-batch gets
 * its own LSH rotations and dropout masks (one shared set would make the batch's hashing errors
 * correlated). The first sequence keeps the step itself, so single-sequence steps are unchanged.
 */
export function exampleStep(step: number, example: number): number {
  return example === 0 ? step : deriveSeed(step, 0x5e9, example);
}

/** Per-layer attention plans and seeds of one forward pass, replayed by the backward. */
export interface ForwardTrace {
  plans: AttentionPlan[];
  step: number;
  training: boolean;
}

export class Reformer {
  readonly tf: Tf;
  readonly ops: Ops;
  readonly specs: ParamSpec[];
  readonly params: Map<string, TF.Variable>;

  constructor(
    tf: Tf,
    readonly config: ResolvedConfig,
    readonly head: HeadSpec,
    params?: Map<string, TF.Variable>,
  ) {
    this.tf = tf;
    this.ops = makeOps(tf);
    this.specs = parameterSpecs(config, head);
    this.params = params ?? initParameters(tf, this.specs, config.seed);
  }

  param(name: string): TF.Variable {
    const p = this.params.get(name);
    if (!p) throw new TypeError(`model has no parameter ${name}`);
    return p;
  }

  /** Parameter names in a fixed order (the order gradients are returned in). */
  get names(): string[] {
    return this.specs.map((s) => s.name);
  }

  dispose(): void {
    for (const p of this.params.values()) p.dispose();
  }

  // ---- Embedding -------------------------------------------------------------------------------

  /** Names of the embedding's parameters, in the order `embeddingWeights` lists them. */
  get embeddingNames(): string[] {
    const names = ['embed.tokens', 'embed.axial0', 'embed.axial1'];
    return this.config.tokenConv > 0 ? [...names, 'embed.conv'] : names;
  }

  embeddingWeights(get: (name: string) => Tensor = (n) => this.param(n)): EmbeddingWeights {
    return {
      tokens: get('embed.tokens'),
      axial0: get('embed.axial0'),
      axial1: get('embed.axial1'),
      conv: this.config.tokenConv > 0 ? get('embed.conv') : undefined,
    };
  }

  /**
   * Token embedding (through the token convolution, if any) plus axial positions: ids (T) -> (T, d).
   * Weights are passed in so that gradients can be taken with respect to them.
   */
  embed(ids: Int32Array, weights: EmbeddingWeights, seed: number, training: boolean): Tensor {
    const { tf, ops } = this;
    const T = ids.length;
    if (T > this.config.maxLength) {
      throw new RangeError(
        `sequence of ${T} tokens is longer than the model's maxLength ${this.config.maxLength}`,
      );
    }
    const positions = (readsSynchronously(tf) ? axialPositions : axialPositionsByOps)(
      tf,
      weights.axial0,
      weights.axial1,
      T,
      this.config.dModel,
    ); // (T, d)
    let tokens = ops.lookupRows(weights.tokens, ids); // (T, d)
    if (weights.conv) tokens = causalDepthwiseConv(tf, tokens, weights.conv);
    const x = tf.add(tokens, positions); // (T, d)
    return training && this.config.dropout > 0 ? tf.dropout(x, this.config.dropout, undefined, seed) : x;
  }

  // ---- Blocks ----------------------------------------------------------------------------------

  attentionWeights(layer: number, source: (name: string) => Tensor = (n) => this.param(n)): AttentionWeights {
    const p = `layers.${layer}.attn`;
    return { wqk: source(`${p}.wqk`), wv: source(`${p}.wv`), wo: source(`${p}.wo`) };
  }

  /** F: x2 (T, d) -> Attention(LayerNorm(x2)) (T, d). */
  attentionBranch(
    x2: Tensor,
    layer: number,
    plan: AttentionPlan,
    training: boolean,
    get: (n: string) => Tensor,
  ): Tensor {
    const p = `layers.${layer}.attn`;
    const normed = this.ops.layerNorm(x2, get(`${p}.norm.gain`), get(`${p}.norm.bias`));
    return attend(this.ops, normed, this.attentionWeights(layer, get), this.config, plan, training);
  }

  /** G on rows [start, start + n) of y1: FeedForward(LayerNorm(y1)) (n, d). Position-wise. */
  feedForwardRows(
    y1: Tensor,
    layer: number,
    seed: number,
    training: boolean,
    get: (n: string) => Tensor,
  ): Tensor {
    const { tf, ops } = this;
    const p = `layers.${layer}.ffn`;
    const normed = ops.layerNorm(y1, get(`${p}.norm.gain`), get(`${p}.norm.bias`));
    let hidden = ops.gelu(tf.add(ops.linear(normed, get(`${p}.w1`)), get(`${p}.b1`))); // (n, ffMult * d)
    if (training && this.config.dropout > 0)
      hidden = tf.dropout(hidden, this.config.dropout, undefined, seed);
    return tf.add(ops.linear(hidden, get(`${p}.w2`)), get(`${p}.b2`));
  }

  /** G over a whole sequence, `ffChunk` tokens at a time so the wide hidden layer stays small. */
  feedForwardBranch(
    y1: Tensor,
    layer: number,
    step: number,
    training: boolean,
    get: (n: string) => Tensor,
    /** False when no gradient flows through (inference): rows are then cut in JavaScript. */
    differentiable = true,
  ): Tensor {
    const { tf } = this;
    const [T, d] = y1.shape as [number, number];
    const chunk = this.config.ffChunk;
    if (T <= chunk) return this.feedForwardRows(y1, layer, this.ffSeed(step, layer, 0), training, get);
    // The wasm backend's Slice copies its whole input on every call, so slicing a long sequence chunk
    // by chunk costs O(T^2); without gradients, read it once and make each chunk from that copy.
    const values = differentiable || !readsSynchronously(tf) ? undefined : (y1.dataSync() as Float32Array);
    const parts: Tensor[] = [];
    for (let start = 0, c = 0; start < T; start += chunk, c++) {
      const n = Math.min(chunk, T - start);
      parts.push(
        tf.tidy(() => {
          const rows = values
            ? tf.tensor2d(values.subarray(start * d, (start + n) * d), [n, d])
            : y1.slice([start, 0], [n, -1]);
          return this.feedForwardRows(rows, layer, this.ffSeed(step, layer, c), training, get);
        }),
      );
    }
    const out = tf.concat(parts, 0);
    parts.forEach((t) => t.dispose());
    return out;
  }

  ffSeed(step: number, layer: number, chunk: number): number {
    return deriveSeed(this.config.seed, step, layer, 2, chunk);
  }

  embedSeed(step: number): number {
    return deriveSeed(this.config.seed, step, 0xe, 1);
  }

  /** Hash and sort for one layer (outside the tape). */
  plan(
    x2: Tensor,
    layer: number,
    step: number,
    valid: Uint8Array | undefined,
    fullFallback = true,
  ): AttentionPlan {
    const p = `layers.${layer}.attn`;
    const normed = this.tf.tidy(() =>
      this.ops.layerNorm(x2, this.param(`${p}.norm.gain`), this.param(`${p}.norm.bias`)),
    );
    try {
      return planAttention(
        this.ops,
        normed,
        this.attentionWeights(layer),
        this.config,
        this.config.attention[layer]!,
        {
          seed: deriveSeed(this.config.seed, step, layer, 1),
          valid,
          fullFallback,
        },
      );
    } finally {
      normed.dispose();
    }
  }

  // ---- Forward ---------------------------------------------------------------------------------

  /**
   * The two halves (y1, y2) after the last block, with the plans used; nothing else is kept.
   * `plans` replays a previous forward's sort orders (for tests and the autodiff reference).
   */
  encodeHalves(
    input: SequenceInput,
    options: RunOptions = {},
    plans?: AttentionPlan[],
  ): { y1: Tensor; y2: Tensor; trace: ForwardTrace } {
    const { tf } = this;
    const step = options.step ?? 0;
    const training = options.training ?? false;
    const get = (n: string) => this.param(n);
    const x = tf.tidy(() =>
      this.embed(input.ids, this.embeddingWeights(get), this.embedSeed(step), training),
    );
    let y1: Tensor = x;
    let y2: Tensor = tf.clone(x);
    const trace: ForwardTrace = { plans: [], step, training };
    for (let l = 0; l < this.config.depth; l++) {
      const plan = plans?.[l] ?? this.plan(y2, l, step, input.valid);
      trace.plans.push(plan);
      const next1 = tf.tidy(() => tf.add(y1, this.attentionBranch(y2, l, plan, training, get)));
      const next2 = tf.tidy(() => tf.add(y2, this.feedForwardBranch(next1, l, step, training, get, false)));
      y1.dispose();
      y2.dispose();
      y1 = next1;
      y2 = next2;
    }
    return { y1, y2, trace };
  }

  /** Final hidden states: LayerNorm of the mean of the two halves, (T, d). */
  finalHidden(y1: Tensor, y2: Tensor, get: (n: string) => Tensor): Tensor {
    const { tf } = this;
    return this.ops.layerNorm(tf.mul(tf.add(y1, y2), 0.5), get('final.norm.gain'), get('final.norm.bias'));
  }

  /** Hidden states (T, d) for a sequence: the encoder's output, before any head. */
  encode(input: SequenceInput, options: RunOptions = {}): Tensor {
    const { y1, y2, trace } = this.encodeHalves(input, options);
    releasePlans(trace.plans);
    const hidden = this.tf.tidy(() => this.finalHidden(y1, y2, (n) => this.param(n)));
    y1.dispose();
    y2.dispose();
    return hidden;
  }

  /** Head outputs from hidden states: lm (T, vocab) logits, token (T, outputs), classify (classes). */
  headOutputs(hidden: Tensor, valid: Uint8Array | undefined, get: (n: string) => Tensor): Tensor {
    const { tf, ops } = this;
    if (this.head.kind === 'lm') return tf.add(ops.linear(hidden, get('head.lm.w')), get('head.lm.b'));
    if (this.head.kind === 'token')
      return tf.add(ops.linear(hidden, get('head.token.w')), get('head.token.b'));
    const pooled = poolHidden(tf, hidden, valid, this.head.pooling); // (1, d)
    return tf.add(ops.linear(pooled, get('head.cls.w')), get('head.cls.b')).reshape([-1]);
  }

  /** Forward pass to head outputs (logits), for inference. */
  predict(input: SequenceInput, options: RunOptions = {}): Tensor {
    const hidden = this.encode(input, options);
    const out = this.tf.tidy(() => this.headOutputs(hidden, input.valid, (n) => this.param(n)));
    hidden.dispose();
    return out;
  }
}

/** The embedding's weights: token table (vocab, d), axial tables, and the token convolution (W, d). */
export interface EmbeddingWeights {
  tokens: Tensor;
  axial0: Tensor;
  axial1: Tensor;
  conv?: Tensor;
}

/**
 * Axial position embeddings of T positions built from tfjs ops (Tile, Concat, Slice), for the backends
 * that cannot read tensors synchronously: position p takes row p / n2 of axial0 (n1, d1) and row
 * p % n2 of axial1 (n2, d2), concatenated (TRAX / HF), cut to dModel columns: (T, dModel).
 */
export function axialPositionsByOps(
  tf: Tf,
  axial0: Tensor,
  axial1: Tensor,
  T: number,
  dModel: number,
): Tensor {
  const [, d1] = axial0.shape as [number, number];
  const [n2, d2] = axial1.shape as [number, number];
  const rows = Math.ceil(T / n2);
  return tf
    .concat(
      [
        tf.reshape(tf.tile(tf.expandDims(axial0.slice([0, 0], [rows, d1]), 1), [1, n2, 1]), [rows * n2, d1]),
        tf.reshape(tf.tile(axial1, [rows, 1]), [rows * n2, d2]),
      ],
      1,
    )
    .slice([0, 0], [T, dModel]);
}

/**
 * Axial position embeddings of T positions: position p is row p / n2 of axial0 (n1, d1) beside row
 * p % n2 of axial1 (n2, d2), cut to dModel columns: (T, dModel). Copied row by row in JavaScript, with
 * the matching sums as its gradient: axialPositionsByOps took about 170 ms at 10,000 positions on wasm,
 * this a few. For the backends that read synchronously.
 */
export function axialPositions(tf: Tf, axial0: Tensor, axial1: Tensor, T: number, dModel: number): Tensor {
  const [n1, d1] = axial0.shape as [number, number];
  const [n2, d2] = axial1.shape as [number, number];
  const w1 = Math.min(d1, dModel); // columns taken from axial0, then from axial1
  const w2 = Math.min(d2, dModel - w1);
  const f = tf.customGrad((a0, a1) => {
    const first = (a0 as Tensor).dataSync() as Float32Array;
    const second = (a1 as Tensor).dataSync() as Float32Array;
    const out = new Float32Array(T * dModel);
    for (let p = 0; p < T; p++) {
      const row = Math.floor(p / n2);
      const col = p % n2;
      out.set(first.subarray(row * d1, row * d1 + w1), p * dModel);
      out.set(second.subarray(col * d2, col * d2 + w2), p * dModel + w1);
    }
    return {
      value: tf.tensor2d(out, [T, dModel]),
      gradFunc: (dy) => {
        const g = (dy as Tensor).dataSync() as Float32Array;
        const g0 = new Float32Array(n1 * d1);
        const g1 = new Float32Array(n2 * d2);
        for (let p = 0; p < T; p++) {
          const at0 = Math.floor(p / n2) * d1;
          const at1 = (p % n2) * d2;
          const from = p * dModel;
          for (let c = 0; c < w1; c++) g0[at0 + c]! += g[from + c]!;
          for (let c = 0; c < w2; c++) g1[at1 + c]! += g[from + w1 + c]!;
        }
        return [tf.tensor2d(g0, [n1, d1]), tf.tensor2d(g1, [n2, d2])];
      },
    };
  }) as (a: Tensor, b: Tensor) => Tensor;
  return f(axial0, axial1);
}

/**
 * out[i] = sum over j < W of conv[j] * x[i - j] (per channel; x before the start counts as zero):
 * x (T, d), conv (W, d) -> (T, d). Plain loops with a hand-written gradient, O(T W d) each way:
 * autodiff of the same sum as W shifted tensor slices kept all W copies of x for the backward, which
 * at 100,000 tokens and W = 16 exhausted the wasm heap. This keeps x and conv only.
 */
export function causalDepthwiseConv(tf: Tf, x: Tensor, conv: Tensor): Tensor {
  const [T, d] = x.shape as [number, number];
  const W = conv.shape[0]!;
  if (!readsSynchronously(tf)) {
    // On the device (webgpu), the sum of W shifted copies by tfjs ops, differentiated by tfjs: W
    // copies of x live until the backward, which device memory affords for the small W used. Added
    // one at a time: webgpu's AddN binds all its inputs at once, beyond its storage-buffer limit.
    let out = tf.mul(x, conv.slice([0, 0], [1, d]));
    for (let j = 1; j < Math.min(W, T); j++) {
      const shifted = tf.pad(x.slice([0, 0], [T - j, d]), [
        [j, 0],
        [0, 0],
      ]);
      out = tf.add(out, tf.mul(shifted, conv.slice([j, 0], [1, d])));
    }
    return out;
  }
  const f = tf.customGrad((xIn, convIn, save) => {
    (save as TF.GradSaveFunc)([xIn as Tensor, convIn as Tensor]);
    // The forward by the backend's depthwise convolution (XNNPACK's on wasm: 2-3x the plain loops):
    // x with W - 1 zero rows in front, as (1, T + W - 1, 1, d), and the taps reversed, as (W, 1, d, 1),
    // so that output row i sums tap j times x[i - j].
    const xs = (xIn as Tensor).dataSync() as Float32Array;
    const taps = (convIn as Tensor).dataSync() as Float32Array;
    const padded = new Float32Array((T + W - 1) * d);
    padded.set(xs, (W - 1) * d);
    const reversed = new Float32Array(W * d);
    for (let j = 0; j < W; j++) reversed.set(taps.subarray(j * d, (j + 1) * d), (W - 1 - j) * d);
    const value = tf.tidy(() =>
      tf
        .depthwiseConv2d(
          tf.tensor4d(padded, [1, T + W - 1, 1, d]),
          tf.tensor4d(reversed, [W, 1, d, 1]),
          1,
          'valid',
        )
        .reshape([T, d]),
    );
    return {
      value,
      // dx[i - j] += conv[j] * dy[i]; dconv[j] += dy[i] * x[i - j], over i >= j.
      gradFunc: (dy, saved) => {
        const [xSaved, convSaved] = saved as Tensor[];
        const xv = xSaved!.dataSync() as Float32Array;
        const tv = convSaved!.dataSync() as Float32Array;
        const g = (dy as Tensor).dataSync() as Float32Array;
        const dx = new Float32Array(T * d);
        const dconv = new Float64Array(W * d); // a sum over all T rows: keep it in doubles
        for (let j = 0; j < W; j++) {
          for (let i = j; i < T; i++) {
            const o = i * d;
            const s = (i - j) * d;
            const t = j * d;
            for (let c = 0; c < d; c++) {
              dx[s + c]! += tv[t + c]! * g[o + c]!;
              dconv[t + c]! += g[o + c]! * xv[s + c]!;
            }
          }
        }
        return [tf.tensor2d(dx, [T, d]), tf.tensor2d(Float32Array.from(dconv), [W, d])];
      },
    };
  }) as (a: Tensor, b: Tensor) => Tensor;
  return f(x, conv);
}

/** A classifier's pooling (params.ts ClassifyPooling) over valid rows: hidden (T, d) -> (1, d). */
export function poolHidden(
  tf: Tf,
  hidden: Tensor,
  valid: Uint8Array | undefined,
  pooling: ClassifyPooling = 'mean',
): Tensor {
  if (pooling === 'mean') return meanPool(tf, hidden, valid);
  // With no valid row at all the plain maximum is taken, as meanPool then averages every row.
  if (!valid || valid.every((v) => v !== 0) || valid.every((v) => v === 0)) return tf.max(hidden, 0, true);
  // Rows outside the sequence are pushed far below any hidden value (a LayerNorm output) first.
  const offsets = Float32Array.from(valid, (v) => (v ? 0 : -1e9));
  return tf.max(tf.add(hidden, tf.tensor2d(offsets, [valid.length, 1])), 0, true);
}

/** Mean over valid rows: hidden (T, d) -> (1, d). */
export function meanPool(tf: Tf, hidden: Tensor, valid: Uint8Array | undefined): Tensor {
  if (!valid) return tf.mean(hidden, 0, true);
  const weights = Float32Array.from(valid, (v) => v);
  const count = weights.reduce((a, b) => a + b, 0);
  return tf.div(
    tf.matMul(tf.tensor2d(weights, [1, weights.length]), hidden as TF.Tensor2D),
    Math.max(count, 1),
  );
}

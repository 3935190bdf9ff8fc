/**
 * What the model attends to: per layer and head, each query token's attention weights over the keys,
 * as the forward pass computed them, reduced to the top k keys per query. The desktop's attention view
 * and `locus attention` read this.
 *
 * The forward pass runs exactly as `Reformer.encodeHalves` does at inference (same plans, same hash
 * seeds, no dropout), through the model's own methods. For a requested layer, the attention weights
 * are recomputed from that layer's input, without gradients, in JavaScript on one head's shared
 * query/key vectors at a time (T x dHead floats), so memory stays O(T * dHead + queries * topK) and a
 * T x T matrix is never built:
 *
 * - 'full': the plain softmax row of each query over all keys (masks as `fullMask`).
 * - 'lsh' / 'local': per hash round r, the softmax p_r(q, .) over the 2C keys of q's chunk pair (masks
 *   as `chunkMask`, including its same-bucket rule when `attendAcrossBuckets` is off), and the round
 *   weight w_r(q) = softmax over rounds of that softmax's logsumexp, as attention.ts combines rounds.
 *   weight(q, k) = sum of w_r(q) * p_r(q, k) over the rounds where k is in q's chunk pair. So
 *   sum_k weight(q, k) v_k is exactly the head's attention output for q (before the output projection).
 *
 * The masks are re-derived here per (query, key) rather than built per chunk (`chunkMask` makes
 * Tp x 2C floats per head and round); the tests check the result against `attend`, so a change to the
 * masks in lsh.ts that is not mirrored here fails them.
 *
 * Keys are token indices into the input (internal padding past the input is dropped); a key with
 * weight 0 (masked: causal future, padding) is never listed. Ties order by key index. A query's
 * weights sum to 1 over all keys, except for a padding query (valid = 0) that sees no real key.
 */
import type * as TF from '@tensorflow/tfjs';
import type { AttentionPlan } from './attention.js';
import type { AttentionKind } from './config.js';
import { chunkMaskEntry, fullMaskEntry } from './lsh.js';
import type { Reformer, SequenceInput } from './reformer.js';
import { tokenCoordinates, type TokenizedWindow } from '../tokenize/windows.js';

type Tensor = TF.Tensor;

export interface AttentionExportOptions {
  /** Keys kept per query, >= 1. */
  topK: number;
  /** Layers to export (0-based); default all. */
  layers?: readonly number[];
  /** Heads to export (0-based); default all. */
  heads?: readonly number[];
  /** Query token indices; default every token. */
  queries?: ArrayLike<number>;
  /** Replay these per-layer plans (e.g. a previous forward's `trace.plans`) instead of hashing anew. */
  plans?: readonly AttentionPlan[];
  /**
   * Let short inputs switch to full attention, as the model's forward does (default true). With
   * false, layers are planned with the configured kind whatever the length (tests compare LSH to full).
   */
  fullFallback?: boolean;
  /**
   * How LSH hash rounds combine (ignored by full attention): 'merged' (default) as the model's
   * forward combines them, so a query's weights sum to 1; 'max', each key's largest weight within
   * any one round; or a round index, that round's softmax alone (its weights sum to 1).
   */
  rounds?: RoundsMode;
  signal?: AbortSignal;
  /** Called after each (layer, head) with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** See `AttentionExportOptions.rounds`. */
export type RoundsMode = 'merged' | 'max' | number;

/** One head of one layer: the top keys of each query. */
export interface HeadAttention {
  layer: number;
  head: number;
  /** The kind that ran ('full' when a short input fell back to it). */
  kind: AttentionKind;
  /** Query token indices. */
  queries: Int32Array;
  /** (queries.length * topK): query i's keys in descending weight at [i * topK, (i + 1) * topK); -1 where fewer. */
  keys: Int32Array;
  /** Weights matching `keys`; 0 where the key is -1. */
  weights: Float32Array;
}

export interface AttentionExport {
  /** Tokens in the input. */
  length: number;
  topK: number;
  /** One entry per requested layer and head, layer-major. */
  layers: HeadAttention[];
}

function checkIndices(values: readonly number[] | undefined, count: number, what: string): number[] {
  const all = Array.from({ length: count }, (_, i) => i);
  if (values === undefined) return all;
  for (const v of values) {
    if (!Number.isInteger(v) || v < 0 || v >= count) {
      throw new RangeError(`${what} ${String(v)} is out of range: there are ${count} (0-${count - 1})`);
    }
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

/**
 * Attention weights of `model` on one sequence (inference: no dropout, step 0, the plans `predict`
 * uses). See the top of this file for what the weights are.
 */
export function exportAttention(
  model: Reformer,
  input: SequenceInput,
  options: AttentionExportOptions,
): AttentionExport {
  const { tf } = model;
  const { config } = model;
  const T = input.ids.length;
  const { topK } = options;
  if (!Number.isInteger(topK) || topK < 1) throw new RangeError(`topK must be an integer >= 1, got ${topK}`);
  if (T === 0) throw new RangeError('exportAttention needs at least one token');
  if (input.valid && input.valid.length !== T) {
    throw new RangeError(`valid has ${input.valid.length} entries for ${T} tokens`);
  }
  const layers = checkIndices(options.layers, config.depth, 'layer');
  const heads = checkIndices(options.heads, config.heads, 'head');
  let queries: Int32Array;
  if (options.queries === undefined) {
    queries = Int32Array.from({ length: T }, (_, i) => i);
  } else {
    const given = options.queries;
    queries = new Int32Array(given.length);
    for (let i = 0; i < given.length; i++) {
      const q = given[i]!;
      if (!Number.isInteger(q) || q < 0 || q >= T) {
        throw new RangeError(`query ${String(q)} is out of range: there are ${T} tokens (0-${T - 1})`);
      }
      queries[i] = q;
    }
  }
  const result: AttentionExport = { length: T, topK, layers: [] };
  if (layers.length === 0 || heads.length === 0) return result;

  const wanted = new Set(layers);
  const last = layers[layers.length - 1]!;
  const total = layers.length * heads.length;
  const get = (n: string) => model.param(n);
  const step = 0;
  let y1: Tensor = tf.tidy(() =>
    model.embed(input.ids, model.embeddingWeights(get), model.embedSeed(step), false),
  );
  let y2: Tensor = tf.clone(y1);
  try {
    for (let l = 0; l <= last; l++) {
      options.signal?.throwIfAborted();
      const plan = options.plans?.[l] ?? model.plan(y2, l, step, input.valid, options.fullFallback !== false);
      if (wanted.has(l)) {
        for (const h of heads) {
          options.signal?.throwIfAborted();
          result.layers.push(headAttention(model, y2, l, h, plan, queries, topK, options.rounds));
          options.onProgress?.(result.layers.length, total);
        }
      }
      if (l === last) break;
      const next1 = tf.tidy(() => tf.add(y1, model.attentionBranch(y2, l, plan, false, get)));
      const next2 = tf.tidy(() => tf.add(y2, model.feedForwardBranch(next1, l, step, false, get, false)));
      y1.dispose();
      y2.dispose();
      y1 = next1;
      y2 = next2;
    }
  } finally {
    y1.dispose();
    y2.dispose();
  }
  return result;
}

/**
 * One head's shared query/key vectors (T, dh) and the inverse norms that make its keys unit rows, read
 * back from the layer input x2 as `attend` computes them.
 */
function headVectors(model: Reformer, x2: Tensor, layer: number, head: number) {
  const { tf, ops } = model;
  const { dHead } = model.config;
  const p = `layers.${layer}.attn`;
  const [qk, inv] = tf.tidy(() => {
    const normed = ops.layerNorm(x2, model.param(`${p}.norm.gain`), model.param(`${p}.norm.bias`));
    const w = model.param(`${p}.wqk`).slice([0, head * dHead], [-1, dHead]);
    const q = ops.linear(normed, w); // (T, dh)
    return [q, tf.rsqrt(tf.add(tf.sum(tf.square(q), -1), 1e-6))]; // (T, dh), (T)
  });
  try {
    return { qk: qk!.dataSync() as Float32Array, inv: inv!.dataSync() as Float32Array };
  } finally {
    qk!.dispose();
    inv!.dispose();
  }
}

function headAttention(
  model: Reformer,
  x2: Tensor,
  layer: number,
  head: number,
  plan: AttentionPlan,
  queries: Int32Array,
  topK: number,
  rounds: RoundsMode = 'merged',
): HeadAttention {
  const { config } = model;
  const { dHead: dh, causal, chunk: C } = config;
  const T = plan.length;
  const { qk, inv } = headVectors(model, x2, layer, head);
  const valid = plan.valid;
  const keys = new Int32Array(queries.length * topK).fill(-1);
  const weights = new Float32Array(queries.length * topK);
  const top = new TopK(topK);

  // Dot products are cached per query: a key met in several rounds is computed once.
  const Tp = plan.paddedLength;
  const dotStamp = new Int32Array(Tp).fill(-1);
  const dotCache = new Float64Array(Tp);
  const dot = (q: number, k: number, stamp: number): number => {
    if (dotStamp[k] === stamp) return dotCache[k]!;
    let s = 0;
    if (k < T) {
      const a = q * dh;
      const b = k * dh;
      for (let i = 0; i < dh; i++) s += qk[a + i]! * qk[b + i]!;
      s *= inv[k]!;
    } // padding rows are zero vectors in `attend`
    dotStamp[k] = stamp;
    dotCache[k] = s;
    return s;
  };
  if (plan.kind === 'full') {
    const logits = new Float64Array(T);
    const candidates = Int32Array.from({ length: T }, (_, i) => i);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      let max = -Infinity;
      for (let k = 0; k < T; k++) {
        const l = dot(q, k, i) + fullMaskEntry(q, k, causal, valid);
        logits[k] = l;
        if (l > max) max = l;
      }
      let sum = 0;
      for (let k = 0; k < T; k++) {
        const e = Math.exp(logits[k]! - max);
        logits[k] = e;
        sum += e;
      }
      for (let k = 0; k < T; k++) logits[k]! /= sum;
      top.select(candidates, logits, T, keys, weights, i * topK);
    }
  } else {
    const orders = plan.orders[head]!;
    const R = orders.length;
    if (typeof rounds === 'number' && !(Number.isInteger(rounds) && rounds >= 0 && rounds < R)) {
      throw new RangeError(
        `round ${rounds} is out of range: layer ${layer} hashes ${R} round${R === 1 ? '' : 's'}`,
      );
    }
    const nChunks = Tp / C;
    const wrap = plan.kind === 'lsh';
    // The masks `attend` applies (lsh.ts), entry by entry: no (T x 2C) arrays for long inputs.
    const maskOptions = {
      chunk: C,
      causal,
      wrap,
      valid,
      sameBucketOnly: plan.kind === 'lsh' && !config.attendAcrossBuckets,
    };
    const roundKeys = new Int32Array(R * 2 * C);
    const roundLogits = new Float64Array(R * 2 * C);
    const lse = new Float64Array(R);
    // Merged weight per key, accumulated over rounds (stamped so nothing is cleared per query).
    const accStamp = new Int32Array(Tp).fill(-1);
    const acc = new Float64Array(Tp);
    const touched = new Int32Array(R * 2 * C);
    // 'max' only: a key's weight within the current round.
    const inRoundStamp = new Int32Array(rounds === 'max' ? Tp : 0).fill(-1);
    const inRound = new Float64Array(rounds === 'max' ? Tp : 0);
    const touchedWeights = new Float64Array(R * 2 * C);
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      for (let r = 0; r < R; r++) {
        const { perm, inverse } = orders[r]!;
        const slot = inverse[q]!;
        const n = Math.floor(slot / C);
        const previous = (n - 1 + nChunks) % nChunks;
        const base = r * 2 * C;
        let max = -Infinity;
        for (let j = 0; j < 2 * C; j++) {
          const s = j < C ? n * C + j : previous * C + j - C; // the key's sorted slot
          const k = perm[s]!;
          const l = dot(q, k, i) + chunkMaskEntry(orders[r]!, maskOptions, slot, j);
          roundKeys[base + j] = k;
          roundLogits[base + j] = l;
          if (l > max) max = l;
        }
        let sum = 0;
        for (let j = 0; j < 2 * C; j++) sum += Math.exp(roundLogits[base + j]! - max);
        lse[r] = max + Math.log(sum);
      }
      // Round weights: softmax of the rounds' logsumexps.
      let maxLse = -Infinity;
      for (let r = 0; r < R; r++) if (lse[r]! > maxLse) maxLse = lse[r]!;
      let norm = 0;
      for (let r = 0; r < R; r++) norm += Math.exp(lse[r]! - maxLse);
      let count = 0;
      for (let r = 0; r < R; r++) {
        if (typeof rounds === 'number' && r !== rounds) continue;
        // The round's weight in the model's output; 1 when rounds are looked at one by one.
        const w = rounds === 'merged' ? Math.exp(lse[r]! - maxLse) / norm : 1;
        const base = r * 2 * C;
        // A key can fill two slots of one round (a chunk that is its own predecessor): its round
        // weight is their sum, which 'max' then compares across rounds.
        const roundStamp = i * R + r;
        for (let j = 0; j < 2 * C; j++) {
          const k = roundKeys[base + j]!;
          const p = w * Math.exp(roundLogits[base + j]! - lse[r]!);
          if (accStamp[k] !== i) {
            accStamp[k] = i;
            acc[k] = 0;
            touched[count++] = k;
          }
          if (rounds !== 'max') {
            acc[k]! += p;
            continue;
          }
          if (inRoundStamp[k] !== roundStamp) {
            inRoundStamp[k] = roundStamp;
            inRound[k] = 0;
          }
          inRound[k]! += p;
          acc[k] = Math.max(acc[k]!, inRound[k]!);
        }
      }
      let kept = 0;
      for (let c = 0; c < count; c++) {
        const k = touched[c]!;
        if (k >= T) continue; // internal padding past the input
        touched[kept] = k;
        touchedWeights[kept++] = acc[k]!;
      }
      top.select(touched, touchedWeights, kept, keys, weights, i * topK);
    }
  }
  return { layer, head, kind: plan.kind, queries: queries.slice(), keys, weights };
}

/** The k largest positive weights of a candidate list, by a bounded min-heap: O(n log k). */
class TopK {
  private readonly heapKeys: Int32Array;
  private readonly heapWeights: Float64Array;
  private size = 0;

  constructor(readonly k: number) {
    this.heapKeys = new Int32Array(k);
    this.heapWeights = new Float64Array(k);
  }

  /** True when (wa, ka) ranks below (wb, kb): smaller weight, or equal weight and larger key. */
  private static below(wa: number, ka: number, wb: number, kb: number): boolean {
    return wa < wb || (wa === wb && ka > kb);
  }

  private siftDown(i: number): void {
    const { heapKeys: hk, heapWeights: hw } = this;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.size && TopK.below(hw[l]!, hk[l]!, hw[m]!, hk[m]!)) m = l;
      if (r < this.size && TopK.below(hw[r]!, hk[r]!, hw[m]!, hk[m]!)) m = r;
      if (m === i) return;
      [hk[i], hk[m]] = [hk[m]!, hk[i]!];
      [hw[i], hw[m]] = [hw[m]!, hw[i]!];
      i = m;
    }
  }

  private siftUp(i: number): void {
    const { heapKeys: hk, heapWeights: hw } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!TopK.below(hw[i]!, hk[i]!, hw[parent]!, hk[parent]!)) return;
      [hk[i], hk[parent]] = [hk[parent]!, hk[i]!];
      [hw[i], hw[parent]] = [hw[parent]!, hw[i]!];
      i = parent;
    }
  }

  /** Write the top of (keys, weights)[0, n) to out*[offset, offset + k), best first; -1 / 0 where fewer. */
  select(
    keys: Int32Array,
    weights: Float64Array,
    n: number,
    outKeys: Int32Array,
    outWeights: Float32Array,
    offset: number,
  ): void {
    const { heapKeys: hk, heapWeights: hw } = this;
    this.size = 0;
    for (let c = 0; c < n; c++) {
      const w = weights[c]!;
      if (!(w > 0)) continue;
      const key = keys[c]!;
      if (this.size < this.k) {
        hk[this.size] = key;
        hw[this.size] = w;
        this.siftUp(this.size++);
      } else if (TopK.below(hw[0]!, hk[0]!, w, key)) {
        hk[0] = key;
        hw[0] = w;
        this.siftDown(0);
      }
    }
    // Pop the minimum repeatedly, filling from the back, so the output runs best first.
    for (let slot = this.size - 1; slot >= 0; slot--) {
      outKeys[offset + slot] = hk[0]!;
      outWeights[offset + slot] = hw[0]!;
      this.size--;
      hk[0] = hk[this.size]!;
      hw[0] = hw[this.size]!;
      this.siftDown(0);
    }
  }
}

/** One head's attention in genome coordinates (0-based half-open); -1 where `keys` is -1. */
export interface GenomeHeadAttention {
  layer: number;
  head: number;
  kind: AttentionKind;
  /** Query token indices, as in the export. */
  queries: Int32Array;
  queryStarts: Float64Array;
  queryEnds: Float64Array;
  /** (queries.length * topK), as `HeadAttention.keys`. */
  keyStarts: Float64Array;
  keyEnds: Float64Array;
  weights: Float32Array;
}

export interface GenomeAttention {
  contig: string;
  topK: number;
  layers: GenomeHeadAttention[];
}

/**
 * Map an export's token indices to the genome intervals they cover (`tokenCoordinates`). The export
 * must come from exactly the window's tokens (`tokenized.ids`, no added special tokens).
 */
export function attentionToGenome(
  exported: AttentionExport,
  tokenized: TokenizedWindow,
  /** Model input positions before the window's first token ([CLS]); positions outside the window map to -1. */
  offset = 0,
): GenomeAttention {
  const T = tokenized.genomeStarts.length;
  if (exported.length !== T + 2 * offset) {
    throw new RangeError(`attention was exported for ${exported.length} tokens but the window has ${T}`);
  }
  const starts = new Float64Array(T);
  const ends = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const where = tokenCoordinates(tokenized, t);
    starts[t] = where.start;
    ends[t] = where.end;
  }
  const inWindow = (token: number) => token >= offset && token < offset + T;
  const startOf = (token: number): number => (inWindow(token) ? starts[token - offset]! : -1);
  const endOf = (token: number): number => (inWindow(token) ? ends[token - offset]! : -1);
  return {
    contig: tokenized.window.contig,
    topK: exported.topK,
    layers: exported.layers.map((entry) => ({
      layer: entry.layer,
      head: entry.head,
      kind: entry.kind,
      queries: entry.queries,
      queryStarts: Float64Array.from(entry.queries, startOf),
      queryEnds: Float64Array.from(entry.queries, endOf),
      keyStarts: Float64Array.from(entry.keys, startOf),
      keyEnds: Float64Array.from(entry.keys, endOf),
      weights: entry.weights,
    })),
  };
}

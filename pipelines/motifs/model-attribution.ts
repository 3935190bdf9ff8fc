/**
 * Which bases a motif classifier's decision rests on: input x gradient per base.
 *
 * For one strand of a sequence, the token embeddings E (T, d) (rows of `embed.tokens`, before the
 * token convolution and the positions are added) are the input of a taped forward pass
 *
 *   x = conv(E) + positions;  reversible blocks;  final LayerNorm;  mean pool;  head -> logits
 *
 * and the explained output is the target class's log-odds, logit[t] - logsumexp(other logits)
 * (= logit[1] - logit[0] for a two-class model: what the decision depends on; the target logit
 * alone also moves with evidence that raises both logits). A token's score is sum over the model
 * dimension of E * d(log-odds)/dE, shared equally among the k bases the token covers (overlapping
 * tokens add up). Positive scores are evidence for the target class.
 *
 * Both strands: the reverse complement is scored too and its per-base scores mapped back (base j of
 * the reverse strand is base L-1-j of the forward one); the result is the mean of the two, so the
 * attribution of reverseComplement(s) is exactly that of s reversed.
 *
 * Gradients are taken with respect to a tensor passed in (E), never through the id lookup (whose
 * gather gradient the wasm backend lacks); the forward is the model's own methods (embed for the
 * positions, attentionBranch, feedForwardBranch, finalHidden, headOutputs), with the inference plans
 * and no dropout, so the log-odds is exactly what `predict` gives.
 *
 * Optionally, `attention`: the attention each base receives in the last layer (summed over queries,
 * averaged over heads, shared among a token's bases, both strands averaged), from attention-export.ts.
 */
import type * as TF from '@tensorflow/tfjs';
import { exportAttention } from '../../src/model/attention-export.js';
import { causalDepthwiseConv, type Reformer, type SequenceInput } from '../../src/model/reformer.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { encodeForModel, loadMotifModel, type EncodedSequence, type MotifModel } from './model-checkpoint.js';

type Tensor = TF.Tensor;

export type StrandChoice = 'both' | 'forward' | 'reverse';

export interface AttributeBasesOptions {
  /** Classifier checkpoint folder (e.g. `trainMotifClassifier`'s), or a shipped model name. */
  checkpoint: string;
  sequences: string[];
  /** auto, tensorflow-gpu, tensorflow, wasm or cpu. */
  backend?: string;
  /** 'both' (default): mean of the two strands; 'forward' / 'reverse': one strand only (for checks). */
  strands?: StrandChoice;
  /** Also the attention each base receives in the last layer. Default false. */
  attention?: boolean;
  /** The class explained; default the checkpoint's `task.targetClass`, else 1. */
  targetClass?: number;
  signal?: AbortSignal;
  /** Sequences done and total. */
  onProgress?: (done: number, total: number) => void;
}

export interface BaseAttribution {
  /** Per sequence, one score per base (0 for bases no token covers, e.g. a tail shorter than k). */
  inputTimesGradient: Float32Array[];
  /** Per sequence, one value per base: attention received in the last layer (when asked for). */
  attention?: Float32Array[];
  /** Per sequence, the target log-odds (mean over the strands scored). */
  logOdds: Float64Array;
}

/** Input x gradient (and optionally attention) per base of each sequence; see the top of this file. */
export async function attributeBases(options: AttributeBasesOptions): Promise<BaseAttribution> {
  const { sequences } = options;
  if (!Array.isArray(sequences)) throw new TypeError('sequences must be an array of strings');
  sequences.forEach((s, i) => {
    if (typeof s !== 'string') throw new TypeError(`sequences[${i}] is not a string`);
  });
  const strands = options.strands ?? 'both';
  if (!['both', 'forward', 'reverse'].includes(strands))
    throw new TypeError(`strands must be 'both', 'forward' or 'reverse', got ${String(strands)}`);
  const loaded = await loadMotifModel(options.checkpoint, options.backend ?? 'auto', options.targetClass);
  const result: BaseAttribution = {
    inputTimesGradient: [],
    logOdds: new Float64Array(sequences.length),
    ...(options.attention ? { attention: [] } : {}),
  };
  try {
    for (const [i, sequence] of sequences.entries()) {
      options.signal?.throwIfAborted();
      const one = attributeSequence(
        loaded,
        sequence,
        strands,
        options.attention ?? false,
        `sequence ${i + 1}`,
      );
      result.inputTimesGradient.push(one.inputTimesGradient);
      result.attention?.push(one.attention!);
      result.logOdds[i] = one.logOdds;
      options.onProgress?.(i + 1, sequences.length);
    }
  } finally {
    loaded.model.dispose();
  }
  return result;
}

/** One sequence: scores of the strands asked for, mapped to forward-strand bases and averaged. */
export function attributeSequence(
  loaded: MotifModel,
  sequence: string,
  strands: StrandChoice,
  withAttention: boolean,
  name = 'sequence',
): { inputTimesGradient: Float32Array; attention?: Float32Array; logOdds: number } {
  const L = sequence.length;
  const { model, tokenizer } = loaded;
  const grads = new Float64Array(L);
  const attention = withAttention ? new Float64Array(L) : undefined;
  let logOdds = 0;
  const chosen = strands === 'both' ? [false, true] : [strands === 'reverse'];
  if (tokenizer.tokenCount(L) === 0) {
    // Nothing the model can read: no evidence either way.
    return {
      inputTimesGradient: new Float32Array(L),
      ...(attention ? { attention: new Float32Array(L) } : {}),
      logOdds: Number.NaN,
    };
  }
  for (const reverse of chosen) {
    const strand = reverse ? reverseComplement(sequence) : sequence;
    const encoded = encodeForModel(tokenizer, loaded.addSpecialTokens, model.config.maxLength, strand, name);
    const scored = inputTimesGradient(model, encoded.input, loaded.targetClass);
    logOdds += scored.logOdds / chosen.length;
    addTokenScores(grads, scored.tokenScores, encoded, tokenizer.k, reverse, 1 / chosen.length);
    if (attention) {
      addTokenScores(
        attention,
        attentionReceived(model, encoded.input),
        encoded,
        tokenizer.k,
        reverse,
        1 / chosen.length,
      );
    }
  }
  return {
    inputTimesGradient: Float32Array.from(grads),
    ...(attention ? { attention: Float32Array.from(attention) } : {}),
    logOdds,
  };
}

/**
 * Add `weight` x each k-mer token's score, shared equally among its k bases, into `bases` (forward
 * strand, length L). Scores are indexed by model position (`encoded.offset` skips [CLS]); on the
 * reverse strand, base j is forward base L-1-j.
 */
export function addTokenScores(
  bases: Float64Array,
  scores: ArrayLike<number>,
  encoded: Pick<EncodedSequence, 'offset' | 'starts'>,
  k: number,
  reverse: boolean,
  weight: number,
): void {
  const L = bases.length;
  const { offset, starts } = encoded;
  for (let t = 0; t < starts.length; t++) {
    const share = (weight * scores[offset + t]!) / k;
    const start = starts[t]!;
    for (let j = start; j < start + k; j++) bases[reverse ? L - 1 - j : j]! += share;
  }
}

/**
 * Per model position, sum over the model dimension of token embedding x d(target log-odds)/d(token
 * embedding), and the log-odds itself. Inference: no dropout, step-0 plans (as `predict`).
 */
export function inputTimesGradient(
  model: Reformer,
  input: SequenceInput,
  targetClass: number,
): { tokenScores: Float32Array; logOdds: number } {
  const { tf, ops } = model;
  const get = (n: string) => model.param(n);
  const weights = model.embeddingWeights(get);
  const step = 0;
  return tf.tidy(() => {
    const embedded = ops.lookupRows(weights.tokens, input.ids); // (T, d), a constant here
    // Positions alone: the embedding of an all-zero token table (the convolution of zeros is zero).
    const positions = model.embed(
      input.ids,
      { ...weights, tokens: tf.zerosLike(weights.tokens) },
      model.embedSeed(step),
      false,
    );
    const logOddsOf = (tokens: Tensor): Tensor => {
      const x = tf.add(weights.conv ? causalDepthwiseConv(tf, tokens, weights.conv) : tokens, positions);
      let y1 = x;
      let y2 = x;
      for (let l = 0; l < model.config.depth; l++) {
        // Hashing and sorting read y2's values; no gradient flows through the plan.
        const plan = model.plan(y2, l, step, input.valid);
        y1 = tf.add(y1, model.attentionBranch(y2, l, plan, false, get));
        y2 = tf.add(y2, model.feedForwardBranch(y1, l, step, false, get));
      }
      const logits = model.headOutputs(model.finalHidden(y1, y2, get), input.valid, get); // (classes)
      const classes = logits.shape[0]!;
      const target = logits.slice([targetClass], [1]);
      const parts = [];
      if (targetClass > 0) parts.push(logits.slice([0], [targetClass]));
      if (targetClass < classes - 1) parts.push(logits.slice([targetClass + 1], [classes - targetClass - 1]));
      const others = parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
      return tf.sub(tf.sum(target), tf.logSumExp(others));
    };
    const { value, grad } = tf.valueAndGrad(logOddsOf)(embedded);
    const scores = tf.sum(tf.mul(embedded, grad), 1); // (T)
    return {
      tokenScores: Float32Array.from(scores.dataSync() as Float32Array),
      logOdds: value.dataSync()[0]!,
    };
  });
}

/** Attention each model position receives in the last layer: summed over queries, mean over heads. */
export function attentionReceived(model: Reformer, input: SequenceInput): Float32Array {
  const { config } = model;
  const T = input.ids.length;
  const last = config.depth - 1;
  // Every key a query can see: all T under full attention, at most 2 chunks per round otherwise.
  const reach =
    config.attention[last] === 'full'
      ? T
      : Math.max(config.fullAttentionUpTo, 2 * config.chunk * config.rounds);
  const exported = exportAttention(model, input, { topK: Math.min(T, reach), layers: [last] });
  const received = new Float32Array(T);
  const heads = exported.layers.length;
  for (const head of exported.layers) {
    for (let i = 0; i < head.keys.length; i++) {
      const key = head.keys[i]!;
      if (key >= 0) received[key]! += head.weights[i]! / heads;
    }
  }
  return received;
}

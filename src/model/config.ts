/**
 * Reformer configuration: one typed object with a comment per field, defaults for the genomic model,
 * and validation that names the field and the fix. Everything that shapes a checkpoint lives here.
 */
import { LocusInputError } from '../errors.js';

export type AttentionKind = 'lsh' | 'full' | 'local';

/** Whether `value` names an attention kind (for config files and command-line options alike). */
export function isAttentionKind(value: unknown): value is AttentionKind {
  return value === 'lsh' || value === 'full' || value === 'local';
}
export type AttentionKernel = 'auto' | 'wasm' | 'tensor';

export interface ReformerConfig {
  /** Tokens in the vocabulary (from the tokenizer: 4^k + 5). */
  vocabSize: number;
  /** Width of the residual stream (each reversible half). */
  dModel: number;
  /** Number of reversible blocks. */
  depth: number;
  /** Attention heads per layer. */
  heads: number;
  /** Width of one head's shared query/key and value. */
  dHead: number;
  /** Feed-forward hidden width = ffMult * dModel. */
  ffMult: number;
  /** Tokens per attention chunk: each query sees its own chunk and the previous one (2 * chunk keys). */
  chunk: number;
  /** LSH hash rounds; more rounds lower the chance that neighbours land in different buckets. */
  rounds: number;
  /** LSH buckets per round; 'auto' = 2 * ceil(length / chunk), i.e. two buckets per chunk on average. */
  nBuckets: number | 'auto';
  /** Causal (left-to-right) attention, for causal-LM pretraining. */
  causal: boolean;
  /**
   * Whether LSH queries may attend to keys of other buckets that share their chunk pair (TRAX's and
   * Hugging Face's default). 'auto' = yes when bidirectional, no when causal: there, chunk membership
   * depends on later tokens, which would leak them into earlier outputs (see lsh.ts chunkMask).
   */
  attendAcrossBuckets: boolean | 'auto';
  /** Attention kind per layer; a single kind applies to all layers. */
  attention: AttentionKind | AttentionKind[];
  /**
   * LSH layers run exact full attention on sequences of at most this many tokens (and always when
   * the sequence fits in one chunk pair). Measured on wasm with the fused kernel (docs/benchmarks.md):
   * LSH and full attention were even at 256 tokens and LSH 1.5-1.8x faster at 512 (forward and
   * training step); 512 keeps short inputs exact and never slower.
   */
  fullAttentionUpTo: number;
  /**
   * Width of a causal depthwise convolution over the token embeddings: each token's vector becomes a
   * per-channel weighted sum of its own and the previous tokenConv - 1 tokens' embeddings. 0 = none.
   * Attention over absolute (axial) positions learns "the base 3 back" slowly; the convolution hands
   * every layer the local context a Markov model sees (short convolutions as in HyenaDNA and Evo).
   * It only looks back, so causal models stay causal.
   */
  tokenConv: number;
  /** Longest input in tokens the positional embedding covers. */
  maxLength: number;
  /** Axial position shape [n1, n2] with n1 * n2 >= maxLength; 'auto' picks n2 = chunk. */
  axialShape: [number, number] | 'auto';
  /** Widths of the two axial embeddings; they are concatenated, so they sum to dModel. 'auto' = halves. */
  axialDims: [number, number] | 'auto';
  /** Tokens per feed-forward chunk (forward and backward), bounding the ffMult * dModel activations. */
  ffChunk: number;
  /** Dropout rate on embeddings, attention weights and the feed-forward hidden layer. */
  dropout: number;
  /** Seed for initialisation, LSH rotations and dropout: same seed, same result. */
  seed: number;
  /**
   * How LSH and local attention run: 'wasm' = the fused SIMD kernel (kernels/assembly), 4x faster
   * than tfjs's batched matmuls for a 100k-base forward on wasm; 'tensor' = tfjs ops, which stay on the
   * device of a GPU backend; 'auto' = 'wasm' on the wasm and cpu backends, else 'tensor'. The two
   * agree to float rounding; with dropout they draw different masks.
   */
  attentionKernel: AttentionKernel;
}

export const DEFAULT_CONFIG: ReformerConfig = {
  vocabSize: 4101, // k = 6
  dModel: 128,
  depth: 4,
  heads: 4,
  dHead: 32,
  ffMult: 4,
  chunk: 64,
  rounds: 4,
  nBuckets: 'auto',
  causal: false,
  attendAcrossBuckets: 'auto',
  attention: 'lsh',
  fullAttentionUpTo: 512,
  tokenConv: 0,
  maxLength: 1 << 20, // 1M tokens; axial positions keep this cheap
  axialShape: 'auto',
  axialDims: 'auto',
  ffChunk: 4096,
  dropout: 0,
  seed: 0,
  attentionKernel: 'auto',
};

/** A config with every 'auto' resolved, as the model uses and checkpoints store it. */
export interface ResolvedConfig extends Omit<
  ReformerConfig,
  'attention' | 'axialShape' | 'axialDims' | 'attendAcrossBuckets'
> {
  attention: AttentionKind[];
  attendAcrossBuckets: boolean;
  axialShape: [number, number];
  axialDims: [number, number];
}

function fail(field: string, problem: string, hint: string, source: string): never {
  throw new LocusInputError(source, `Invalid model config (${source}): ${field} ${problem}`, hint);
}

function checkInteger(
  value: unknown,
  field: string,
  min: number,
  source: string,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(
      field,
      `must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got ${JSON.stringify(value)}`,
      `set ${field}`,
      source,
    );
  }
  return value;
}

/** Merge `partial` over the defaults, validate every field, and resolve 'auto' values. */
export function resolveConfig(
  partial: Partial<ReformerConfig> = {},
  source = 'model config',
): ResolvedConfig {
  const known = new Set(Object.keys(DEFAULT_CONFIG));
  for (const key of Object.keys(partial)) {
    if (!known.has(key))
      fail(key, 'is not a model setting', `known settings: ${[...known].join(', ')}`, source);
  }
  const c = { ...DEFAULT_CONFIG, ...partial };
  checkInteger(c.vocabSize, 'vocabSize', 6, source);
  checkInteger(c.dModel, 'dModel', 2, source);
  checkInteger(c.depth, 'depth', 1, source, 256);
  checkInteger(c.heads, 'heads', 1, source, 64);
  checkInteger(c.dHead, 'dHead', 1, source, 1024);
  checkInteger(c.ffMult, 'ffMult', 1, source, 64);
  checkInteger(c.chunk, 'chunk', 1, source, 1 << 16);
  checkInteger(c.rounds, 'rounds', 1, source, 64);
  checkInteger(c.maxLength, 'maxLength', 1, source, 1 << 26);
  checkInteger(c.ffChunk, 'ffChunk', 1, source);
  checkInteger(c.fullAttentionUpTo, 'fullAttentionUpTo', 0, source);
  checkInteger(c.tokenConv, 'tokenConv', 0, source, 1024);
  checkInteger(c.seed, 'seed', 0, source, 2 ** 32 - 1);
  if (c.nBuckets !== 'auto') {
    checkInteger(c.nBuckets, 'nBuckets', 2, source, 1 << 20);
    if (c.nBuckets % 2 !== 0)
      fail(
        'nBuckets',
        `must be even (angular LSH uses ±rotations), got ${c.nBuckets}`,
        "use an even number or 'auto'",
        source,
      );
  }
  if (typeof c.causal !== 'boolean') fail('causal', 'must be true or false', 'set causal', source);
  if (c.attendAcrossBuckets !== 'auto' && typeof c.attendAcrossBuckets !== 'boolean') {
    fail('attendAcrossBuckets', "must be true, false or 'auto'", "use 'auto'", source);
  }
  if (!['auto', 'wasm', 'tensor'].includes(c.attentionKernel))
    fail(
      'attentionKernel',
      `must be 'auto', 'wasm' or 'tensor', got ${JSON.stringify(c.attentionKernel)}`,
      "use 'auto'",
      source,
    );
  const attendAcrossBuckets = c.attendAcrossBuckets === 'auto' ? !c.causal : c.attendAcrossBuckets;
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1))
    fail('dropout', `must be in [0, 1), got ${String(c.dropout)}`, 'set dropout', source);

  const kinds = Array.isArray(c.attention)
    ? c.attention
    : Array.from({ length: c.depth }, () => c.attention as AttentionKind);
  if (kinds.length !== c.depth)
    fail(
      'attention',
      `lists ${kinds.length} kinds for ${c.depth} layers`,
      'give one kind, or one per layer',
      source,
    );
  for (const kind of kinds) {
    if (!isAttentionKind(kind))
      fail('attention', `has unknown kind ${JSON.stringify(kind)}`, "use 'lsh', 'full' or 'local'", source);
  }

  const axialShape: [number, number] =
    c.axialShape === 'auto' ? [Math.ceil(c.maxLength / c.chunk), c.chunk] : c.axialShape;
  if (!Array.isArray(axialShape) || axialShape.length !== 2)
    fail('axialShape', 'must be [n1, n2]', "use 'auto'", source);
  axialShape.forEach((n, i) => checkInteger(n, `axialShape[${i}]`, 1, source));
  if (axialShape[0] * axialShape[1] < c.maxLength) {
    fail(
      'axialShape',
      `[${axialShape.join(', ')}] covers ${axialShape[0] * axialShape[1]} positions, fewer than maxLength ${c.maxLength}`,
      "make n1 * n2 >= maxLength or use 'auto'",
      source,
    );
  }
  const half = Math.floor(c.dModel / 2);
  const axialDims: [number, number] = c.axialDims === 'auto' ? [half, c.dModel - half] : c.axialDims;
  if (!Array.isArray(axialDims) || axialDims.length !== 2)
    fail('axialDims', 'must be [d1, d2]', "use 'auto'", source);
  axialDims.forEach((d, i) => checkInteger(d, `axialDims[${i}]`, 1, source));
  if (axialDims[0] + axialDims[1] !== c.dModel) {
    fail(
      'axialDims',
      `[${axialDims.join(', ')}] sums to ${axialDims[0] + axialDims[1]}, not dModel ${c.dModel}`,
      'the two widths are concatenated, so they must sum to dModel',
      source,
    );
  }
  return { ...c, attention: kinds, axialShape, axialDims, attendAcrossBuckets };
}

/** Buckets per round for a sequence of `length` tokens (even, at least 2). */
export function bucketsFor(config: ResolvedConfig, length: number): number {
  if (config.nBuckets !== 'auto') return config.nBuckets;
  return Math.max(2, 2 * Math.ceil(length / config.chunk));
}

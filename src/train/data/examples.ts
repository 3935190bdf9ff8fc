/**
 * Training examples for the trainer (src/train/trainer.ts `ExampleSource`: a synchronous
 * `take(count)` plus `state()`/`restore()` for exact resume), from genome windows (pretraining) or a
 * labeled set (fine-tuning). Every random choice is derived from a seed and a counter (the window's
 * draw number, the epoch and position), so the saved state is just a position.
 */
import type { SequenceInput, Target } from '../../model/reformer.js';
import { LocusInputError } from '../../errors.js';
import { Random } from '../../tokenize/random.js';
import { reverseComplement } from '../../tokenize/reverse-complement.js';
import {
  causalLmBatch,
  classificationBatch,
  mlmBatch,
  type EncodeOptions,
  type MlmOptions,
} from './batch.js';
import type { GenomeWindowSampler } from './genome-windows.js';
import type { LabeledSequence } from './labeled.js';
import { inFrame } from './frames.js';
import { deriveSeed, permutation } from './rng.js';

export interface Example {
  input: SequenceInput;
  target: Target;
}

/** Training examples in a fixed order; `state`/`restore` let a resumed run draw the same ones. */
export interface ExampleSourceLike {
  take(count: number): Example[];
  state(): unknown;
  restore(state: unknown): void;
}

export interface WindowExampleOptions extends EncodeOptions {
  /** 'mlm' (DNABERT: masked k-mers, CLS/SEP) or 'causal' (HyenaDNA: next token, no CLS/SEP). */
  objective: 'mlm' | 'causal';
  /** Seed for masking; window i is masked with deriveSeed(seed, i). */
  seed: number;
  mask?: MlmOptions['mask'];
}

/**
 * Pretraining examples from a sampler opened with `load: 'memory'` (the trainer's `take` is
 * synchronous). The state is the sampler's state.
 */
export function windowExamples(
  sampler: GenomeWindowSampler,
  options: WindowExampleOptions,
): ExampleSourceLike {
  if (!sampler.inMemory) {
    throw new TypeError("windowExamples needs a sampler opened with load: 'memory' (take is synchronous)");
  }
  if (options.objective !== 'mlm' && options.objective !== 'causal') {
    throw new TypeError(`objective must be 'mlm' or 'causal', got ${String(options.objective)}`);
  }
  return {
    take(count) {
      return sampler.takeSync(count).map((window) => {
        const batch =
          options.objective === 'mlm'
            ? mlmBatch([window.sequence], { ...options, seed: deriveSeed(options.seed, window.index) })
            : causalLmBatch([window.sequence], options);
        const row = batch.rows[0]!;
        return {
          input: { ids: row.ids, valid: row.valid },
          target: { kind: 'lm', labels: batch.labelRows[0]! },
        };
      });
    },
    state: () => sampler.state(),
    restore: (state) => sampler.restore(state),
  };
}

export interface LabeledExampleOptions extends EncodeOptions {
  /** Seed for the epoch orders (and strand flips). */
  seed: number;
  /** Shuffle each epoch (a new seeded order per epoch). Default true. */
  shuffle?: boolean;
  /** Reverse-complement each example with probability 0.5. Default false (wrong for strand-specific tasks). */
  reverseComplement?: boolean;
  /**
   * Read each example in a random one of the tokenizer's `stride` frames (frames.ts). Default false:
   * frame 0, the sequence from its first base.
   */
  frameShift?: boolean;
}

export interface LabeledExampleState {
  kind: 'labeled-examples';
  version: 1;
  size: number;
  seed: number;
  epoch: number;
  offset: number;
}

/** Fine-tuning examples: epoch after epoch over `items`, each epoch in a seeded order. */
export class LabeledExamples implements ExampleSourceLike {
  private epoch = 0;
  private offset = 0;
  private order: Int32Array;

  constructor(
    readonly items: readonly LabeledSequence[],
    private readonly options: LabeledExampleOptions,
  ) {
    if (items.length === 0) throw new RangeError('LabeledExamples needs at least one item');
    if (!Number.isSafeInteger(options.seed)) throw new TypeError('seed must be a safe integer');
    this.order = this.orderOf(0);
  }

  private orderOf(epoch: number): Int32Array {
    const n = this.items.length;
    if (this.options.shuffle === false) return Int32Array.from({ length: n }, (_, i) => i);
    return permutation(n, new Random(deriveSeed(this.options.seed, epoch)));
  }

  /** Epochs completed and position in the current one. */
  get position(): { epoch: number; offset: number } {
    return { epoch: this.epoch, offset: this.offset };
  }

  take(count: number): Example[] {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be >= 0, got ${count}`);
    const out: Example[] = [];
    for (let i = 0; i < count; i++) {
      if (this.offset === this.order.length) {
        this.epoch++;
        this.offset = 0;
        this.order = this.orderOf(this.epoch);
      }
      const item = this.items[this.order[this.offset]!]!;
      let sequence = item.sequence;
      if (this.options.reverseComplement) {
        const coin = new Random(deriveSeed(this.options.seed, this.epoch, this.offset, 1)).nextFloat();
        if (coin < 0.5) sequence = reverseComplement(sequence);
      }
      if (this.options.frameShift) {
        const { k, stride } = this.options.tokenizer;
        const draw = new Random(deriveSeed(this.options.seed, this.epoch, this.offset, 2)).nextFloat();
        sequence = inFrame(sequence, Math.floor(draw * stride), k);
      }
      this.offset++;
      const batch = classificationBatch([{ sequence, label: item.label }], this.options);
      const row = batch.rows[0]!;
      out.push({
        input: { ids: row.ids, valid: row.valid },
        target: { kind: 'classify', label: item.label },
      });
    }
    return out;
  }

  state(): LabeledExampleState {
    return {
      kind: 'labeled-examples',
      version: 1,
      size: this.items.length,
      seed: this.options.seed,
      epoch: this.epoch,
      offset: this.offset,
    };
  }

  restore(state: unknown): void {
    const s = state as Partial<LabeledExampleState> | null;
    const ok =
      typeof s === 'object' &&
      s !== null &&
      s.kind === 'labeled-examples' &&
      s.version === 1 &&
      Number.isSafeInteger(s.epoch) &&
      Number.isSafeInteger(s.offset) &&
      s.epoch! >= 0 &&
      s.offset! >= 0 &&
      s.offset! <= this.items.length;
    if (!ok || s!.size !== this.items.length || s!.seed !== this.options.seed) {
      throw new LocusInputError(
        'labeled example state',
        `Cannot restore the labeled examples: the state does not belong to this data set (${this.items.length} items, seed ${this.options.seed})`,
        'resume with the data and seed the run started with, or start a fresh run',
      );
    }
    this.epoch = s!.epoch!;
    this.offset = s!.offset!;
    this.order = this.orderOf(this.epoch);
  }
}

/** Consecutive chunks of at most `size` items, in order (for evaluation). */
export function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  if (!Number.isSafeInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * `locus bench model`: time the Reformer on random DNA and report its peak memory.
 *
 * The model is the default genomic one (DEFAULT_CONFIG: dModel 128, depth 4, 4 heads of 32, chunk
 * 64, 4 LSH rounds, k = 6 vocabulary of 4,101 tokens) with an LM head; `--depth` and `--attention`
 * override it. The input is N random bases tokenized as 6-mers with stride 6 (N / 6 tokens).
 *
 * An iteration is either
 * - forward: `encode` plus the LM head's logits at every position, computed 4,096 rows at a time and
 *   reduced to the best token per position (all logits of 1M bases would take 2.7 GB), or
 * - `--train`: one training step: forward, reversible backward and AdamW, with MLM labels on 15% of
 *   the positions (BERT's 80/10/10 masking).
 *
 * With `--workers W` (W >= 1) a pool of W worker threads runs W sequences of N bases, one per worker,
 * in parallel; for training that is one data-parallel step: each worker computes its sequence's
 * gradients, this thread averages them (weighted by positions scored), applies AdamW and sends the
 * new weights back. `seconds` is the wall time of one iteration for the whole batch, so throughput is
 * W * tokens / seconds. `--workers 0` (the default) runs in this thread.
 *
 * Peak RSS is the process's peak resident set (`getrusage` maxrss; worker threads live in the same
 * process), and the largest `process.memoryUsage().rss` sampled every 50 ms while it ran.
 */
import type * as TF from '@tensorflow/tfjs';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { LocusInputError } from '../../errors.js';
import { integer } from '../options.js';
import { withOutput } from '../output.js';
import type { BackendChoice } from '../../model/backend.js';
import { isAttentionKind, type AttentionKind, type ReformerConfig } from '../../model/config.js';

interface BenchModelOptions {
  bases: number;
  attention: AttentionKind;
  depth?: number;
  fullUpTo?: number;
  train?: boolean;
  workers: number;
  iterations: number;
  warmup: number;
  backend: BackendChoice;
  seed: number;
  json?: boolean;
}

export interface ModelBenchResult {
  bases: number;
  /** Tokens per sequence. */
  tokens: number;
  /** Wall time of one iteration (median of the timed ones); with W workers, for the W sequences. */
  seconds: number;
  /** Sequences per iteration (W, or 1 in-process) * tokens / seconds. */
  tokensPerSecond: number;
  peakRssBytes: number;
  backend: string;
  attention: AttentionKind;
  /** What the first layer actually ran: LSH layers run full attention up to `fullAttentionUpTo` tokens. */
  effectiveAttention: AttentionKind;
  fullAttentionUpTo: number;
  depth: number;
  train: boolean;
  workers: number;
  iterations: number;
  warmup: number;
  /** Every timed iteration, seconds. */
  iterationSeconds: number[];
  /** webgpu: the adapter that ran it (e.g. 'vulkan adapter NVIDIA H100 ...'). */
  adapter?: string;
  /**
   * webgpu: the most bytes held by live tensors during one more (untimed) iteration, from
   * `tf.profile`: the device memory the model's tensors need (RSS counts host memory only).
   */
  peakTensorBytes?: number;
  /** Mean training loss of the last iteration (--train). */
  loss?: number;
  /** Why it failed, when it did (then `seconds` and `tokensPerSecond` are null). */
  error?: string;
  /** Where it failed: 'setup', 'warm-up 1', 'iteration 2', ... */
  failedAt?: string;
  /** A rough class of the failure: memory ('out-of-memory'), an array too large ('array-size'), other. */
  failure?: 'out-of-memory' | 'array-size' | 'other';
}

const KMER = 6;
/** Rows of LM logits computed at once in the forward iteration (the same bound the workers use). */
const HEAD_ROWS = 4096;

/** Random DNA as ASCII bytes (uniform A, C, G, T), reproducible from `seed`. */
function randomBases(n: number, rng: { nextInt(n: number): number }): Uint8Array {
  const letters = [65, 67, 71, 84];
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = letters[rng.nextInt(4)]!;
  return out;
}

function classify(message: string): 'out-of-memory' | 'array-size' | 'other' {
  // A failed allocation in the wasm heap (at most 4 GiB) surfaces as an out-of-bounds access.
  if (/RuntimeError: (memory access|table index) (is )?out of bounds|abort\(OOM\)/.test(message))
    return 'out-of-memory';
  if (
    /invalid (typed )?array length|array buffer allocation|too large|exceeds|maximum (array|size)/i.test(
      message,
    )
  )
    return /memory/i.test(message) ? 'out-of-memory' : 'array-size';
  if (/memory|OOM|allocat|enlarge/i.test(message)) return 'out-of-memory';
  return 'other';
}

function messageOf(err: unknown): string {
  const text =
    err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.split('\n', 1)[0] ?? text;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Peak RSS so far: getrusage's maxrss and the largest sampled rss. */
function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    },
  };
}

/** Run the benchmark; never throws for a failure of the model itself (see `error`). */
export async function runModelBenchmark(options: BenchModelOptions): Promise<ModelBenchResult> {
  const sampler = rssSampler();
  const [{ selectBackend }, { DEFAULT_CONFIG, resolveConfig }, { effectiveKind }, tokenize] =
    await Promise.all([
      import('../../model/backend.js'),
      import('../../model/config.js'),
      import('../../model/attention.js'),
      import('../../tokenize/index.js'),
    ]);
  const depth = options.depth ?? DEFAULT_CONFIG.depth;
  const partial: Partial<ReformerConfig> = {
    depth,
    attention: options.attention,
    seed: options.seed,
    ...(options.fullUpTo !== undefined ? { fullAttentionUpTo: options.fullUpTo } : {}),
  };
  const config = resolveConfig(partial);
  const tokenizer = new tokenize.KmerTokenizer({ k: KMER, stride: KMER });
  if (config.vocabSize !== tokenizer.vocabSize)
    throw new Error(`model vocabulary ${config.vocabSize} != tokenizer's ${tokenizer.vocabSize}`);
  const tokens = tokenizer.tokenCount(options.bases);
  const sequences = Math.max(1, options.workers);
  const rng = new tokenize.Random(options.seed);
  const inputs = Array.from(
    { length: sequences },
    () => tokenizer.tokenize(randomBases(options.bases, rng)).ids,
  );
  const masked = inputs.map((ids) => tokenize.maskTokens(ids, tokenizer, { rng, rate: 0.15 }));

  const result: ModelBenchResult = {
    bases: options.bases,
    tokens,
    seconds: NaN,
    tokensPerSecond: NaN,
    peakRssBytes: 0,
    backend: options.backend,
    attention: options.attention,
    effectiveAttention: effectiveKind(config.attention[0]!, tokens, config),
    fullAttentionUpTo: config.fullAttentionUpTo,
    depth,
    train: options.train ?? false,
    workers: options.workers,
    iterations: options.iterations,
    warmup: options.warmup,
    iterationSeconds: [],
  };
  let stage = 'setup';
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    // In this thread every read below is asynchronous on webgpu (worker threads read synchronously).
    const { tf, name } = await selectBackend(options.backend, { asyncReads: options.workers === 0 });
    result.backend = name;
    const onDevice = name === 'webgpu';
    const { loadWebgpu, describeAdapter, checkDevice } = await import('../../model/webgpu-device.js');
    if (onDevice) {
      const device = await loadWebgpu(tf);
      if (device.ok) result.adapter = describeAdapter(device.adapter);
    }
    const [{ Reformer }, { AdamW, clipGradients }, { trainStep, trainStepAsync }] = await Promise.all([
      import('../../model/reformer.js'),
      import('../../model/optimizer.js'),
      import('../../model/train-step.js'),
    ]);
    const head = { kind: 'lm' } as const;
    const model = new Reformer(tf, config, head);
    cleanups.push(() => model.dispose());
    const optimizer = new AdamW(tf, { learningRate: 1e-4, weightDecay: 0.01 });
    cleanups.push(() => optimizer.dispose());
    let iterate: (step: number) => Promise<number | undefined>;

    if (options.workers === 0) {
      const input = inputs[0]!;
      const { inputIds, labels } = masked[0]!;
      iterate = async (step) => {
        if (result.train) {
          const target = { kind: 'lm', labels } as const;
          const stepOptions = { step, clip: 1 };
          return onDevice
            ? (await trainStepAsync(model, optimizer, { ids: inputIds }, target, stepOptions)).loss
            : trainStep(model, optimizer, { ids: inputIds }, target, stepOptions).loss;
        }
        const hidden = model.encode({ ids: input });
        const d = hidden.shape[1]!;
        const best = new Int32Array(tokens);
        if (onDevice) {
          // On the device, row blocks are slices of the hidden states; only the argmax comes back.
          for (let start = 0; start < tokens; start += HEAD_ROWS) {
            const n = Math.min(HEAD_ROWS, tokens - start);
            const argmax = tf.tidy(() => {
              const logits = model.headOutputs(hidden.slice([start, 0], [n, d]), undefined, (p) =>
                model.param(p),
              );
              return tf.argMax(logits, 1);
            });
            best.set((await argmax.data()) as Int32Array, start);
            argmax.dispose();
            checkDevice();
          }
          hidden.dispose();
          return undefined;
        }
        // The hidden states are read out once and the row blocks made from that copy: the wasm
        // backend's Slice copies its whole input to JavaScript on every call (O(T) per block).
        const values = hidden.dataSync() as Float32Array;
        hidden.dispose();
        for (let start = 0; start < tokens; start += HEAD_ROWS) {
          const n = Math.min(HEAD_ROWS, tokens - start);
          tf.tidy(() => {
            const rows = tf.tensor2d(values.subarray(start * d, (start + n) * d), [n, d]);
            const logits = model.headOutputs(rows, undefined, (p) => model.param(p));
            best.set(tf.argMax(logits, 1).dataSync() as Int32Array, start);
          });
        }
        return undefined;
      };
    } else {
      const { ModelWorkerPool, modelWeights } = await import('../../model/workers.js');
      const pool = await ModelWorkerPool.create({
        workers: options.workers,
        backend: options.backend,
        config: partial,
        head,
        weights: modelWeights(model),
      });
      cleanups.push(() => pool.close());
      iterate = async (step) => {
        if (!result.train) {
          await pool.predictMany(
            inputs.map((ids) => ({ ids })),
            { output: 'argmax' },
          );
          return undefined;
        }
        // One data-parallel step: per-sequence gradients in the workers, the token-weighted mean here.
        const parts = await pool.gradients(
          masked.map((m) => ({ ids: m.inputIds })),
          masked.map((m) => ({ kind: 'lm' as const, labels: m.labels })),
          step,
        );
        const scored = parts.reduce((sum, p) => sum + p.scored, 0);
        const grads = new Map<string, TF.Tensor>();
        for (const spec of model.specs) {
          const sum = new Float32Array(spec.shape.reduce((a, b) => a * b, 1));
          for (const part of parts) {
            const g = part.grads[spec.name]!;
            const w = part.scored / scored;
            for (let i = 0; i < sum.length; i++) sum[i]! += w * g[i]!;
          }
          grads.set(spec.name, tf.tensor(sum, spec.shape));
        }
        try {
          clipGradients(tf, grads, 1);
          optimizer.apply(model.params, grads);
        } finally {
          for (const g of grads.values()) g.dispose();
        }
        await pool.setWeights(modelWeights(model));
        return parts.reduce((sum, p) => sum + (p.loss * p.scored) / scored, 0);
      };
    }

    let step = 0;
    for (let i = 0; i < options.warmup; i++) {
      stage = `warm-up ${i + 1}`;
      await iterate(step++);
    }
    for (let i = 0; i < options.iterations; i++) {
      stage = `iteration ${i + 1}`;
      const started = performance.now();
      const loss = await iterate(step++);
      result.iterationSeconds.push((performance.now() - started) / 1000);
      if (loss !== undefined) result.loss = loss;
    }
    result.seconds = median(result.iterationSeconds);
    result.tokensPerSecond = (sequences * tokens) / result.seconds;
    // Device memory is what RSS cannot show: on webgpu, one more iteration measures the tensors' peak.
    if (onDevice) {
      stage = 'memory pass';
      const profile = await tf.profile(async () => {
        await iterate(step++);
      });
      result.peakTensorBytes = profile.peakBytes;
    }
  } catch (err) {
    const message = messageOf(err);
    result.error = message;
    result.failedAt = stage;
    result.failure = classify(message);
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // a failed run may leave the backend unusable; the result already says why
      }
    }
    result.peakRssBytes = sampler.stop();
  }
  return result;
}

const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20).toLocaleString('en-US')} MB`;

function describe(r: ModelBenchResult): string {
  const what = r.train ? 'training step' : 'forward';
  const batch =
    r.workers > 0
      ? `${r.workers} worker${r.workers > 1 ? 's' : ''} x ${r.bases.toLocaleString('en-US')} bases`
      : `${r.bases.toLocaleString('en-US')} bases`;
  const kind =
    r.effectiveAttention === r.attention
      ? `${r.attention} attention`
      : `${r.attention} attention (${r.effectiveAttention} up to ${r.fullAttentionUpTo.toLocaleString('en-US')} tokens)`;
  const head = `${what}, ${kind}, depth ${r.depth}, ${batch} (${r.tokens.toLocaleString('en-US')} tokens each), ${r.backend}`;
  if (r.error !== undefined)
    return `${head}\n  FAILED at ${r.failedAt} (${r.failure}): ${r.error}\n  peak RSS ${mb(r.peakRssBytes)}`;
  return (
    `${head}\n  ${r.seconds.toFixed(r.seconds < 10 ? 3 : 1)} s per iteration (median of ${r.iterations}), ` +
    `${Math.round(r.tokensPerSecond).toLocaleString('en-US')} tokens/s, peak RSS ${mb(r.peakRssBytes)}` +
    (r.loss !== undefined ? `, loss ${r.loss.toFixed(3)}` : '')
  );
}

function attentionKind(text: string): AttentionKind {
  if (isAttentionKind(text)) return text;
  throw new InvalidArgumentError("expected 'lsh', 'full' or 'local'");
}

/** The `bench` command group (other benchmarks may add subcommands to it). */
function benchGroup(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks of Locus components')
  );
}

export function registerBenchModel(program: Command): void {
  benchGroup(program)
    .command('model')
    .description('time the Reformer (forward or training step) on random DNA and report peak memory')
    .requiredOption('--bases <n>', 'bases per sequence (tokenized as 6-mers, stride 6)', integer(6))
    .option('--attention <kind>', "'lsh', 'full' or 'local'", attentionKind, 'lsh' as AttentionKind)
    .option('--depth <d>', 'reversible blocks (default: 4)', integer(1, 256))
    .option(
      '--full-up-to <tokens>',
      "LSH layers run exact full attention up to this many tokens (default: the model's; 0 = always LSH)",
      integer(0),
    )
    .option('--train', 'time a training step (forward, reversible backward, AdamW) instead of a forward')
    .option('--workers <w>', 'worker threads, one sequence each (0 = run in this thread)', integer(0, 64), 0)
    .option('--iterations <i>', 'timed iterations', integer(1), 3)
    .option('--warmup <n>', 'untimed iterations first', integer(0), 1)
    .option('--backend <name>', 'auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu', 'auto')
    .option('--seed <s>', 'seed for the model, the bases and the masking', integer(0, 2 ** 32 - 1), 0)
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Prints {bases, tokens, seconds, tokensPerSecond, peakRssBytes, peakTensorBytes, backend, adapter,
attention, depth, train, workers}. peakTensorBytes is the most memory live tensors
held during one more, untimed iteration on --backend webgpu: the GPU memory the model needs.
seconds is per iteration (median); with --workers W each worker runs its own sequence in parallel and
seconds covers all W, so tokensPerSecond = W * tokens / seconds. A failure (out of memory, an array too
large for full attention) is reported, with "error" in the JSON, one line on stderr and exit code 1.

Examples:
  locus bench model --bases 100000
  locus bench model --bases 100000 --train --workers 2 --json
  locus bench model --bases 1000000 --backend webgpu --json
  locus bench model --bases 30000 --attention full --iterations 1`,
    )
    .action(async (options: BenchModelOptions) => {
      // Loaded on demand (inside runModelBenchmark): TensorFlow.js takes ~0.6 s to import.
      const { parseBackendChoice } = await import('../../model/backend.js');
      const result = await runModelBenchmark({ ...options, backend: parseBackendChoice(options.backend) });
      await withOutput(undefined, async (out) => {
        await out.write(options.json ? JSON.stringify(result, null, 2) + '\n' : describe(result) + '\n');
      });
      if (result.error !== undefined) {
        throw new LocusInputError(
          `--bases ${options.bases}`,
          `the model benchmark failed at ${result.failedAt}: ${result.error}`,
          options.attention === 'full'
            ? 'full attention needs T^2 memory: use fewer --bases'
            : 'use fewer --bases',
        );
      }
    });
}

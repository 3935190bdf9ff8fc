/**
 * INFO/LLR of `locus variants --model`: how much likelier a language model finds each called allele
 * than the reference, given the reference around it. Two kinds of model:
 *
 * - a causal (next-base) model, such as the shipped `ecoli-causal`: see llr-causal.ts. It reads both
 *   strands, so each allele is judged from the left and from the right, and nothing depends on which
 *   other alleles were called.
 * - a masked LM (this file), such as the shipped `ecoli-mlm`: LLR = ln P(alt k-mer) - ln P(ref k-mer)
 *   at the variant's token, with that token replaced by [MASK] (the only way a masked LM gives a
 *   distribution over one token's k-mers from its context).
 *
 * Masked LM windows: each contig is tiled from base 0 into windows of the model's context (a whole
 * number of tokens), so token slots sit at fixed genome positions. Only windows that hold variants are
 * read. ONE forward pass per window scores every variant in it: all variant-holding tokens of the
 * window are masked at once (variants in the same token share one [MASK]; each reads its own alt
 * k-mer from that token's distribution). That is what MLM pretraining shows the model too (15% of
 * tokens masked at once); the price is that a variant's context lacks the reference k-mers of the
 * other masked tokens in its window, so its LLR can move slightly (by up to 0.05 nats on the lambda
 * sample) with the set of alleles called around it. The Reformer takes one sequence per pass (LSH
 * buckets are per sequence), so windows are not stacked: passes = windows with variants. With
 * startLlrThreads, a batch of windows (one per thread) is read in parallel on copies of the model.
 */
import { LocusInputError } from '../../src/errors.js';
import type { FastaFile } from '../../src/io/fasta.js';
import { releasePlans } from '../../src/model/attention.js';
import { parseBackendChoice, selectBackend } from '../../src/model/backend.js';
import { checkDevice } from '../../src/model/webgpu-device.js';
import { loadModel } from '../../src/model/model-io.js';
import type { Reformer } from '../../src/model/reformer.js';
import { resolveCheckpoint } from '../../src/model/shipped.js';
import type { ModelWorkerPool } from '../../src/model/workers.js';
import { CLS_ID, MASK_ID, SEP_ID, UNK_ID } from '../../src/tokenize/vocab.js';
import { KmerTokenizer } from '../../src/tokenize/tokenizer.js';
import { EVALUATION_STEP_BASE } from '../../src/train/evaluate.js';
import type { VariantCall } from './types.js';

/** A language model ready to score variants. Dispose `model` when done. */
export interface LlrModel {
  /** The checkpoint folder, as resolved. */
  path: string;
  objective: 'mlm' | 'causal';
  model: Reformer;
  tokenizer: KmerTokenizer;
  /** 1 when windows start with [CLS] (and, for a masked LM, end with [SEP]), as the model was pretrained; else 0. */
  special: 0 | 1;
  /** Bases per window: whole tokens, at most the model's context and its maxLength. */
  windowBases: number;
  /** Threads holding copies of the model that read windows in parallel (startLlrThreads); absent: this thread. */
  pool?: ModelWorkerPool;
}

/**
 * Load a checkpoint folder (or shipped model name) for LLR scoring on the chosen backend. Refuses a
 * model that cannot give a token's distribution from both sides: a causal LM, or a classifier.
 */
export async function loadLlrModel(pathOrName: string, backend = 'auto'): Promise<LlrModel> {
  const path = resolveCheckpoint(pathOrName);
  // Scoring reads every result asynchronously, so webgpu can run it.
  const { tf } = await selectBackend(parseBackendChoice(backend), { asyncReads: true });
  // Missing folder, bad config.json or mismatched weights: loadModel's errors name the file and the fix.
  const { model, config } = await loadModel(tf, path);
  try {
    const task = (config.task ?? {}) as { objective?: string; context?: number; addSpecialTokens?: boolean };
    const objective = task.objective ?? (model.config.causal ? 'causal' : 'mlm');
    if (model.head.kind !== 'lm') {
      throw new LocusInputError(
        pathOrName,
        `--model "${pathOrName}" is a ${model.head.kind} model; INFO/LLR needs a language model's prediction of each base`,
        'give a checkpoint from `locus pretrain` (masked or causal), such as the shipped ecoli-mlm, or leave out --model',
      );
    }
    const causal = model.config.causal || objective === 'causal';
    const source = `${path}/config.json`;
    const tokenizer = config.tokenizer
      ? KmerTokenizer.fromConfig(config.tokenizer, source)
      : new KmerTokenizer({ k: 6, stride: 6 });
    if (tokenizer.vocabSize !== model.config.vocabSize) {
      throw new LocusInputError(
        path,
        `Checkpoint "${path}": its tokenizer has ${tokenizer.vocabSize} tokens but the model ${model.config.vocabSize}`,
        'the checkpoint is damaged; save it again',
      );
    }
    if (causal && (tokenizer.k !== 1 || tokenizer.stride !== 1)) {
      // A causal model scores an allele one base at a time; k-mer tokens would hide the base in a token.
      throw new LocusInputError(
        pathOrName,
        `--model "${pathOrName}" is a causal model of ${tokenizer.k}-mers (stride ${tokenizer.stride}); INFO/LLR from a causal model needs single-base tokens`,
        'give a causal checkpoint pretrained with -k 1 --stride 1 (such as the shipped ecoli-causal), or a masked LM',
      );
    }
    if (!causal && tokenizer.stride !== tokenizer.k) {
      // Overlapping k-mers would show the masked bases in the neighbouring tokens.
      throw new LocusInputError(
        pathOrName,
        `--model "${pathOrName}" reads overlapping ${tokenizer.k}-mers (stride ${tokenizer.stride}); INFO/LLR masks one token per variant, which needs non-overlapping k-mers (stride = k)`,
        `give a checkpoint pretrained with -k ${tokenizer.k} --stride ${tokenizer.k}, or leave out --model`,
      );
    }
    // Causal pretraining adds no [CLS]/[SEP] unless told to; masked pretraining adds both unless told not to.
    const special = (causal ? task.addSpecialTokens === true : task.addSpecialTokens !== false) ? 1 : 0;
    const maxTokens = model.config.maxLength - (causal ? special : 2 * special);
    const contextTokens = Math.floor((task.context ?? Infinity) / tokenizer.stride);
    const windowTokens = Math.min(maxTokens, contextTokens);
    if (!(windowTokens >= 1)) {
      throw new LocusInputError(
        source,
        `Checkpoint "${path}" reads fewer than one ${tokenizer.k}-mer token at once (maxLength ${model.config.maxLength}, context ${task.context})`,
        'the checkpoint is damaged; save it again',
      );
    }
    return {
      path,
      objective: causal ? 'causal' : 'mlm',
      model,
      tokenizer,
      special,
      windowBases: windowTokens * tokenizer.stride,
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/**
 * Start `threads` worker threads, each with a copy of the model, to read windows in parallel (the
 * wasm backend runs on one thread, so one thread uses one core). Nothing is started for fewer than 2
 * threads, or on a backend that is parallel or asynchronous itself (tensorflow, webgpu): windows are
 * then read on this thread. The LLRs are the same either way (tested).
 */
export async function startLlrThreads(scorer: LlrModel, threads: number): Promise<void> {
  if (threads < 2 || scorer.pool || !['wasm', 'cpu'].includes(scorer.model.tf.getBackend())) return;
  const { ModelWorkerPool } = await import('../../src/model/workers.js');
  const backend = scorer.model.tf.getBackend() as 'wasm' | 'cpu';
  scorer.pool = await ModelWorkerPool.forModel(scorer.model, threads, backend);
}

/**
 * Starting a thread costs about as much as reading 4 to 6 windows (1.4 s for ecoli-mlm's 0.25 s
 * windows, measured on 2 cores): threads pay off from about this many windows each.
 */
export const MIN_WINDOWS_PER_THREAD = 8;

/** About how many forward passes scoring `calls` takes: windows holding calls (a causal model reads two strands). */
export function expectedPasses(calls: readonly VariantCall[], scorer: LlrModel): number {
  const windows = new Set(
    calls.map((c) => `${c.contig}\t${Math.floor(targetPosition(c) / scorer.windowBases)}`),
  );
  return windows.size * (scorer.objective === 'causal' ? 2 : 1);
}

/** Free the model and stop its threads. */
export async function closeLlrModel(scorer: LlrModel): Promise<void> {
  scorer.model.dispose();
  await scorer.pool?.close();
  scorer.pool = undefined;
}

/**
 * The base whose token a call is scored at: where the alt haplotype first differs from the reference.
 * For an SNV that is its base. An indel is written left-aligned, but inside a repeat the haplotypes
 * agree until the repeat's end (`span`, see indelSpan in reads.ts): a deletion of L bases first
 * differs at span - L, an insertion at span. Scoring there keeps the slot's alt k-mer different from
 * the reference's (at the anchor's token it is often the same k-mer, LLR 0).
 */
export function targetPosition(call: VariantCall): number {
  const c = call.candidate;
  if (c.kind === 'snv') return c.pos;
  return c.kind === 'del' ? c.span - (c.ref.length - 1) : c.span;
}

/** Windows of one contig that hold variants, by window number. */
interface WindowPlan {
  contig: string;
  start: number;
  end: number;
  /** Indices into `calls` of the variants scored in this window. */
  calls: number[];
}

function planWindows(calls: readonly VariantCall[], scorer: LlrModel, lengths: Map<string, number>) {
  const byKey = new Map<string, WindowPlan>();
  const { windowBases, tokenizer } = scorer;
  calls.forEach((call, i) => {
    const length = lengths.get(call.contig)!;
    const target = targetPosition(call);
    if (target >= length) return; // an insertion after the contig's last base
    const w = Math.floor(target / windowBases);
    const start = w * windowBases;
    const end = Math.min(start + windowBases, length);
    // A base in the contig's last few bases (after the last whole token) has no token: no LLR.
    if (target >= start + tokenizer.tokenCount(end - start) * tokenizer.stride) return;
    const key = `${call.contig}\t${w}`;
    let plan = byKey.get(key);
    if (!plan) byKey.set(key, (plan = { contig: call.contig, start, end, calls: [] }));
    plan.calls.push(i);
  });
  return [...byKey.values()];
}

/**
 * The k bases of the alt haplotype (the reference with REF replaced by ALT) from `slotStart`, which is
 * at or before the first base where the haplotypes differ, so genome and haplotype coordinates still
 * agree there. For an indel this is an approximation: the alt haplotype is read on the reference's
 * token grid and only the slot's k-mer is compared; the bases the indel shifts into later tokens are
 * not scored. `bases` is the reference from `basesStart` (<= the call's pos) to far enough past the
 * slot for any deletion; near a contig end the k-mer may come out short, which maps to [UNK].
 */
export function altKmer(
  call: VariantCall,
  slotStart: number,
  bases: string,
  basesStart: number,
  k: number,
): string {
  const { pos, ref, alt } = call.candidate;
  const at = pos - basesStart;
  const haplotype = bases.slice(0, at) + alt + bases.slice(at + ref.length);
  return haplotype.slice(slotStart - basesStart, slotStart - basesStart + k);
}

export interface LlrScoring {
  /** Per call, in the order given: the LLR, or undefined (no token, or a non-ACGT k-mer). */
  llr: (number | undefined)[];
  /** Windows that held variants. */
  windows: number;
  /** Forward passes run (one per window, and strand for a causal model). */
  passes: number;
  /** Reference bases the model read: the window lengths summed over the passes. */
  basesRead: number;
}

export interface LlrOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The model's input for one window (`ids`: its k-mer ids without [CLS]/[SEP]) with every token slot in
 * `slots` masked, and the input rows of those slots.
 */
export function maskedInput(
  scorer: LlrModel,
  ids: Int32Array,
  slots: readonly number[],
): { input: Int32Array; rows: Int32Array } {
  const { special } = scorer;
  const input = new Int32Array(ids.length + 2 * special);
  input.set(ids, special);
  if (special) {
    input[0] = CLS_ID;
    input[input.length - 1] = SEP_ID;
  }
  const rows = Int32Array.from(slots, (s) => s + special);
  for (const r of rows) input[r] = MASK_ID;
  return { input, rows };
}

/**
 * One forward pass over `input` (token ids with any special tokens), and the log-softmax of the
 * outputs at `rows`: (rows.length, vocab), row-major.
 */
export async function rowLogProbabilities(
  scorer: LlrModel,
  input: Int32Array,
  rows: Int32Array,
): Promise<Float32Array> {
  const { model } = scorer;
  const { tf } = model;
  // One fixed set of LSH rotations for every window (never a training step's): a variant's LLR
  // depends on its window only, not on which other windows a run reads or in which order.
  const { y1, y2, trace } = model.encodeHalves({ ids: input }, { step: EVALUATION_STEP_BASE }); // (T, d) each
  releasePlans(trace.plans);
  const logp = tf.tidy(() => {
    const get = (n: string) => model.param(n);
    // Only the scored rows go through the final norm and the (d, vocab) head.
    const hidden = model.finalHidden(model.ops.lookupRows(y1, rows), model.ops.lookupRows(y2, rows), get); // (M, d)
    return tf.logSoftmax(model.headOutputs(hidden, undefined, get)); // (M, vocab)
  });
  tf.dispose([y1, y2]);
  // Read outside tf.tidy (tidy walks whatever it returns, element by element, ~1 s per million),
  // and asynchronously (webgpu cannot read synchronously).
  const values = (await logp.data()) as Float32Array;
  logp.dispose();
  checkDevice();
  return values;
}

/**
 * rowLogProbabilities of several windows, one forward pass each: split over the scorer's threads when
 * started (startLlrThreads), else one after another on this thread. (rows.length, vocab) each.
 */
async function rowLogProbabilitiesMany(
  scorer: LlrModel,
  windows: readonly { input: Int32Array; rows: Int32Array }[],
): Promise<Float32Array[]> {
  if (!scorer.pool) {
    const out: Float32Array[] = [];
    for (const w of windows) out.push(await rowLogProbabilities(scorer, w.input, w.rows));
    return out;
  }
  // The same LSH rotations as this thread's passes (rowLogProbabilities), so the LLRs are the same.
  const logits = await scorer.pool.predictMany(
    windows.map((w) => ({ ids: w.input })),
    { step: EVALUATION_STEP_BASE },
  ); // (T, V) each
  const V = scorer.model.config.vocabSize;
  return windows.map((w, i) => logSoftmaxRows(logits[i]!, w.rows, V));
}

/** ln softmax of the given rows of a (T, V) row-major table: (rows.length, V). */
function logSoftmaxRows(table: Float32Array, rows: Int32Array, V: number): Float32Array {
  const out = new Float32Array(rows.length * V);
  rows.forEach((r, j) => {
    const row = table.subarray(r * V, (r + 1) * V);
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (const x of row) sum += Math.exp(x - max);
    const logZ = max + Math.log(sum);
    for (let v = 0; v < V; v++) out[j * V + v] = row[v]! - logZ;
  });
  return out;
}

/**
 * Read `windows` one forward pass each, a batch of one per thread at a time (rowLogProbabilitiesMany):
 * `prepare` fetches and tokenizes a window into its model input, the rows to score and the reference
 * bases it spans; `use` takes its log-probabilities, (rows, vocab). A window with no rows to score is
 * not read. Progress counts windows. Returns the passes run and the reference bases they read.
 */
export async function readWindows<W, P extends { input: Int32Array; rows: Int32Array; span: number }>(
  scorer: LlrModel,
  windows: readonly W[],
  prepare: (window: W) => Promise<P>,
  use: (prepared: P, logp: Float32Array) => void,
  options: LlrOptions,
): Promise<{ passes: number; basesRead: number }> {
  let passes = 0;
  let basesRead = 0;
  const batch = scorer.pool?.size ?? 1;
  options.onProgress?.(0, windows.length);
  for (let first = 0; first < windows.length; first += batch) {
    options.signal?.throwIfAborted();
    const prepared = await Promise.all(windows.slice(first, first + batch).map(prepare));
    const read = prepared.filter((p) => p.rows.length > 0);
    const logps = await rowLogProbabilitiesMany(scorer, read);
    read.forEach((p, i) => {
      use(p, logps[i]!);
      passes++;
      basesRead += p.span;
    });
    options.onProgress?.(first + prepared.length, windows.length);
  }
  return { passes, basesRead };
}

/** Score every call with the model: causal (llr-causal.ts) or masked (the top of this file). */
export async function scoreVariants(
  calls: readonly VariantCall[],
  reference: FastaFile,
  scorer: LlrModel,
  options: LlrOptions = {},
): Promise<LlrScoring> {
  if (scorer.objective === 'causal') {
    const { scoreCausal } = await import('./llr-causal.js');
    return scoreCausal(calls, reference, scorer, options);
  }
  const { tokenizer } = scorer;
  const { k, stride, vocab } = tokenizer;
  const V = scorer.model.config.vocabSize;
  const lengths = reference.lengths();
  const plans = planWindows(calls, scorer, lengths);
  const llr: (number | undefined)[] = calls.map(() => undefined);
  const { passes, basesRead } = await readWindows(
    scorer,
    plans,
    async (plan) => {
      // The window's bases, from the earliest anchor (a deletion may start in the window before) to
      // enough past the end for the alt haplotype of the longest deletion.
      const members = plan.calls.map((i) => calls[i]!.candidate);
      const fetchStart = Math.min(plan.start, ...members.map((c) => c.pos));
      const reach = Math.max(...members.map((c) => c.ref.length)) + k;
      const fetchEnd = Math.min(plan.end + reach, lengths.get(plan.contig)!);
      const bases = await reference.fetch(
        { contig: plan.contig, start: fetchStart, end: fetchEnd },
        { uppercase: true, signal: options.signal },
      );
      const { ids } = tokenizer.tokenize(bases.slice(plan.start - fetchStart, plan.end - fetchStart));
      const slotOf = (i: number) => Math.floor((targetPosition(calls[i]!) - plan.start) / stride);
      const slots = [...new Set(plan.calls.map(slotOf))].sort((a, b) => a - b);
      const span = plan.end - plan.start;
      return { plan, bases, fetchStart, ids, slotOf, slots, span, ...maskedInput(scorer, ids, slots) };
    },
    ({ plan, bases, fetchStart, ids, slotOf, slots }, logp) => {
      // logp: (slots, V)
      const slotIndex = new Map(slots.map((slot, j) => [slot, j]));
      for (const i of plan.calls) {
        const slot = slotOf(i);
        const refId = ids[slot]!;
        const altId = vocab.tokenToId(altKmer(calls[i]!, plan.start + slot * stride, bases, fetchStart, k));
        if (refId === UNK_ID || altId === UNK_ID) continue; // a non-ACGT (or cut-short) k-mer: no LLR
        const row = slotIndex.get(slot)! * V;
        llr[i] = logp[row + altId]! - logp[row + refId]!;
      }
    },
    options,
  );
  return { llr, windows: plans.length, passes, basesRead };
}

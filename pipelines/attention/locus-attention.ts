/**
 * Attention over a locus, for the desktop's attention view: which loci each position of the locus
 * attends to, in one layer, for one head or all heads combined.
 *
 * A locus is read in contexts of the model's maxLength tokens, on a grid from the contig's start, each
 * a separate forward pass: attention never crosses from one context to the next, and the view says
 * so. A position is read in the same context whatever the view around it. Queries are downsampled
 * (one query token every `queryStep` bases), which bounds what is sent and drawn, not what the model
 * reads: each query's keys are still every token of its context. Weights are those
 * `locus attention` exports (src/model/attention-export.ts): LSH hash rounds merged as the model
 * combines them, so a query's weights over all keys sum to 1.
 */
import { stat } from 'node:fs/promises';
import { LocusInputError } from '../../src/errors.js';
import { openFasta } from '../../src/io/fasta.js';
import { formatRegion, parseRegion, resolveRegion, type ResolvedRegion } from '../../src/io/region.js';
import type { GenomeAttention } from '../../src/model/attention-export.js';
import { CLS_ID, SEP_ID, tokenizeWindow } from '../../src/tokenize/index.js';
import { startPool, type AttentionEngine } from './engine.js';
import { loadAttentionModel } from './load-model.js';
import type { HeadMode, LocusAttention, ViewRounds } from './types.js';

export type { HeadMode, LocusAttention } from './types.js';

export interface LocusAttentionOptions {
  /** Checkpoint folder or shipped model name. */
  model: string;
  fasta: string;
  /** Samtools region syntax. */
  region: string;
  layer: number;
  head: HeadMode;
  /** LSH hash rounds: merged as the model combines them (default), the strongest per key, or one round. */
  rounds?: ViewRounds;
  /**
   * Bases between query tokens; 0 picks the smallest power of two (in tokens) that gives at most
   * `targetQueries` queries.
   */
  queryStep: number;
  topK: number;
  backend?: string;
  /** Worker threads reading contexts in parallel (default 1: this thread). */
  workers?: number;
  /** Queries aimed for when `queryStep` is 0. */
  targetQueries?: number;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
  /** The view so far, after each round of contexts but the last (the desktop draws it at once). */
  onPartial?: (view: LocusAttention) => void;
  /**
   * A model kept loaded by the caller, with its worker threads and cache of contexts read before
   * (`openAttentionEngine`); `model`, `backend` and `workers` are then the engine's. Without one, the
   * view loads the model and starts `workers` threads for itself, and caches nothing.
   */
  engine?: AttentionEngine;
}

/** Bases one forward pass reads: maxLength tokens minus [CLS]/[SEP], as bases. */
export function contextBases(maxLength: number, special: number, k: number, stride: number): number {
  return (maxLength - 2 * special - 1) * stride + k;
}

/**
 * The model contexts that cover the region: consecutive, on a grid of `bases` from the contig's start
 * (the last one cut at the contig's end), so a position is read in the same context whatever the view
 * around it; that is also what lets a cache serve a moved view.
 */
export function tileContexts(
  region: ResolvedRegion,
  bases: number,
  contigLength: number,
): { start: number; end: number }[] {
  const contexts: { start: number; end: number }[] = [];
  for (let start = Math.floor(region.start / bases) * bases; start < region.end; start += bases) {
    contexts.push({ start, end: Math.min(contigLength, start + bases) });
  }
  return contexts;
}

/**
 * Combine several heads' top keys of one query into `topK` keys: 'mean' averages the weights (a key
 * absent from a head's top list counts 0 there, so the mean is a lower bound), 'max' keeps each key's
 * largest weight.
 */
export function combineHeads(
  lists: { keys: ArrayLike<number>; weights: ArrayLike<number> }[],
  mode: 'mean' | 'max',
  topK: number,
): { keys: number[]; weights: number[] } {
  const combined = new Map<number, number>();
  for (const list of lists) {
    for (let j = 0; j < list.keys.length; j++) {
      const key = list.keys[j]!;
      if (key < 0) continue;
      const w = list.weights[j]!;
      const before = combined.get(key) ?? 0;
      combined.set(key, mode === 'mean' ? before + w / lists.length : Math.max(before, w));
    }
  }
  const sorted = [...combined.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, topK);
  return { keys: sorted.map(([k]) => k), weights: sorted.map(([, w]) => w) };
}
/** One context's part of a view: its queries, each with `topK` keys (the requested heads combined). */
interface ContextView {
  queryStarts: number[];
  queryEnds: number[];
  keyStarts: number[];
  keyEnds: number[];
  weights: number[];
}

export async function attentionOverLocus(options: LocusAttentionOptions): Promise<LocusAttention> {
  const started = performance.now();
  const { exportAttention, attentionToGenome } = await import('../../src/model/attention-export.js');
  const backend = options.backend ?? 'auto';
  // A caller's engine stays open, with its cache, after the view; otherwise the view loads its own.
  const engine = options.engine;
  const loaded = engine?.loaded ?? (await loadAttentionModel(options.model, backend));
  const modelLoaded = performance.now();
  const { model, tokenizer, special } = loaded;
  let pool = engine?.pool;
  try {
    const { depth, heads, maxLength, attention } = model.config;
    if (options.layer >= depth) {
      throw new LocusInputError(
        String(options.layer),
        `Layer ${options.layer} is out of range: the model "${options.model}" has ${depth} layers`,
        `choose 0 to ${depth - 1}`,
      );
    }
    if (typeof options.head === 'number' && options.head >= heads) {
      throw new LocusInputError(
        String(options.head),
        `Head ${options.head} is out of range: the model "${options.model}" has ${heads} heads`,
        `choose 0 to ${heads - 1}, mean or max`,
      );
    }
    const fasta = await openFasta(options.fasta);
    let region: ResolvedRegion;
    let contexts: { start: number; end: number }[];
    const sequences: string[] = [];
    try {
      const lengths = fasta.lengths();
      region = resolveRegion(parseRegion(options.region, new Set(lengths.keys())), lengths, options.fasta);
      const length = region.end - region.start;
      if (length < tokenizer.k) {
        throw new LocusInputError(
          options.region,
          `Region "${formatRegion(region)}" is shorter than one ${tokenizer.k}-mer token`,
          `give a region of at least ${tokenizer.k} bases`,
        );
      }
      if (length > 10_000_000) {
        throw new LocusInputError(
          options.region,
          `Region "${formatRegion(region)}" is ${length.toLocaleString('en-US')} bases; the attention view reads at most 10,000,000`,
          'zoom in',
        );
      }
      contexts = tileContexts(
        region,
        contextBases(maxLength, special, tokenizer.k, tokenizer.stride),
        lengths.get(region.contig)!,
      );
      for (const c of contexts) sequences.push(await fasta.fetch({ contig: region.contig, ...c }));
    } finally {
      await fasta.close();
    }

    const targetQueries = options.targetQueries ?? 4000;
    const length = region.end - region.start;
    // Queries every `tokenStep` tokens; the step in bases is a whole number of strides. The default
    // is a power of two, so that a coarser view (zoomed out) finds its queries among a finer one's.
    const tokenStep =
      options.queryStep > 0
        ? Math.max(1, Math.round(options.queryStep / tokenizer.stride))
        : 2 ** Math.max(0, Math.ceil(Math.log2(length / targetQueries / tokenizer.stride)));
    const headList =
      typeof options.head === 'number' ? [options.head] : Array.from({ length: heads }, (_, h) => h);
    const topK = options.topK;
    const rounds = options.rounds ?? 'merged';
    let layerKind = attention[options.layer] ?? 'lsh';
    // The FASTA as it is now: a file written again since a context was cached is read again.
    const fastaVersion = engine
      ? await stat(options.fasta).then((f) => `${options.fasta}\t${f.size}\t${f.mtimeMs}`)
      : options.fasta;
    // Every context's model input and query positions; a tail shorter than one k-mer has none. The
    // cache key is everything a context's export depends on besides the engine's model and the step.
    const work = contexts
      .map((context, c) => {
        const tokenized = tokenizeWindow(tokenizer, { contig: region.contig, ...context }, sequences[c]!);
        const count = tokenized.ids.length;
        const ids = special ? Int32Array.from([CLS_ID, ...tokenized.ids, SEP_ID]) : tokenized.ids;
        const queries = Int32Array.from(
          { length: Math.ceil(count / tokenStep) },
          (_, q) => q * tokenStep + special,
        );
        const key = [fastaVersion, region.contig, context.start, context.end, options.layer]
          .concat([String(rounds), topK])
          .join('\t');
        return { tokenized, key, item: { input: { ids }, queries } };
      })
      .filter((w) => w.tokenized.ids.length > 0);
    // With a cache, every head is exported: the next view of these contexts with another head is free.
    const exportOptions = {
      topK,
      layers: [options.layer],
      heads: engine ? Array.from({ length: heads }, (_, h) => h) : headList,
      rounds,
    };

    /**
     * One context's queries inside the region, with the requested heads combined; `every` > 1 takes
     * every so many of its queries (a cached context read at a finer step).
     */
    const combine = (genome: GenomeAttention, every = 1): ContextView => {
      layerKind = genome.layers[0]?.kind ?? layerKind;
      const entries = genome.layers.filter((entry) => headList.includes(entry.head));
      const first = entries[0]!;
      const out: ContextView = { queryStarts: [], queryEnds: [], keyStarts: [], keyEnds: [], weights: [] };
      for (let i = 0; i < first.queries.length; i += every) {
        // A context on the grid may reach past the view: its queries there are not shown (their
        // keys may be, as arcs that leave the view).
        const at = first.queryStarts[i]!;
        if (at < region.start || at >= region.end) continue;
        const lists = entries.map((entry) => ({
          keys: entry.keyStarts.subarray(i * topK, (i + 1) * topK),
          weights: entry.weights.subarray(i * topK, (i + 1) * topK),
          ends: entry.keyEnds.subarray(i * topK, (i + 1) * topK),
        }));
        const endOf = new Map<number, number>();
        for (const list of lists) list.keys.forEach((k, j) => endOf.set(k, list.ends[j]!));
        const merged = combineHeads(lists, options.head === 'mean' ? 'mean' : 'max', topK);
        out.queryStarts.push(first.queryStarts[i]!);
        out.queryEnds.push(first.queryEnds[i]!);
        for (let j = 0; j < topK; j++) {
          const key = merged.keys[j];
          out.keyStarts.push(key ?? -1);
          out.keyEnds.push(key === undefined ? -1 : endOf.get(key)!);
          out.weights.push(key === undefined ? 0 : Number(merged.weights[j]!.toPrecision(5)));
        }
      }
      return out;
    };

    // Contexts are independent forward passes: with several, worker threads read them in parallel
    // (one model per worker, as training does), a round of one context per worker at a time.
    const poolStarted = performance.now();
    const workers = engine ? engine.workers : Math.min(options.workers ?? 1, work.length);
    if (!engine && workers > 1) pool = await startPool(loaded, backend, workers);
    // A context read before at this step, or at a step that divides it (its queries include these).
    const views: (ContextView | undefined)[] = work.map((w) => {
      if (!engine) return undefined;
      for (let step = tokenStep; step >= 1; step--) {
        if (tokenStep % step !== 0) continue;
        const cached = engine.contexts.get(`${w.key}\t${step}`);
        if (cached) return combine(cached, tokenStep / step);
      }
      return undefined;
    });
    const fromCache = views.filter((v) => v !== undefined).length;
    const stepBases = tokenStep * tokenizer.stride;
    const headText =
      typeof options.head === 'number'
        ? `head ${options.head}`
        : `${options.head === 'max' ? 'the strongest of' : 'the mean of'} ${heads} heads`;
    const bases = contextBases(maxLength, special, tokenizer.k, tokenizer.stride).toLocaleString('en-US');
    const contextText =
      contexts.length === 1
        ? `one context of ${bases} bases on a grid from the contig's start`
        : `${contexts.length} contexts of ${bases} bases on a grid from the contig's start (attention does not cross them)`;
    const roundsText = () =>
      layerKind === 'full'
        ? 'full attention (no hash rounds)'
        : rounds === 'merged'
          ? 'LSH rounds merged as the model combines them'
          : rounds === 'max'
            ? `the strongest of the ${model.config.rounds} LSH rounds per key (weights need not sum to 1)`
            : `LSH round ${rounds} alone (the model averages it with ${model.config.rounds - 1} others)`;
    const methodOf = () =>
      `Layer ${options.layer} (${layerKind}), ${headText}; read as ${contextText}; ` +
      `${stepBases === tokenizer.stride ? 'every query token' : `one query every ${stepBases.toLocaleString('en-US')} bases (downsampled)`}, ` +
      `its top ${topK} keys; ${roundsText()}.`;
    const view = (): LocusAttention => {
      const done = views.filter((v): v is ContextView => v !== undefined);
      return {
        model: options.model,
        contig: region.contig,
        start: region.start,
        end: region.end,
        layer: options.layer,
        head: options.head,
        rounds,
        heads,
        layerKind,
        contexts,
        queryStep: stepBases,
        topK,
        contextsRead: done.length,
        // Fresh arrays: a partial view goes to another thread while this one goes on.
        queryStarts: done.flatMap((v) => v.queryStarts),
        queryEnds: done.flatMap((v) => v.queryEnds),
        keyStarts: done.flatMap((v) => v.keyStarts),
        keyEnds: done.flatMap((v) => v.keyEnds),
        weights: done.flatMap((v) => v.weights),
        method: methodOf(),
        seconds: (performance.now() - started) / 1000,
        timings: {
          loadModel: (modelLoaded - started) / 1000,
          startWorkers: (computeStarted - poolStarted) / 1000,
          compute: (performance.now() - computeStarted) / 1000,
          workers,
          contextsCached: fromCache,
        },
      };
    };

    const computeStarted = performance.now();
    const missing = work.map((w, i) => ({ ...w, index: i })).filter((w) => views[w.index] === undefined);
    if (fromCache > 0 && missing.length > 0) options.onPartial?.(view());
    for (let done = 0; done < missing.length;) {
      options.signal?.throwIfAborted();
      const round = missing.slice(done, done + workers);
      const exported = pool
        ? await pool.attentionMany(
            round.map((w) => w.item),
            exportOptions,
          )
        : [
            exportAttention(model, round[0]!.item.input, {
              ...exportOptions,
              queries: round[0]!.item.queries,
            }),
          ];
      round.forEach((w, i) => {
        const genome = attentionToGenome(exported[i]!, w.tokenized, special);
        engine?.contexts.set(`${w.key}\t${tokenStep}`, genome);
        views[w.index] = combine(genome);
      });
      done += round.length;
      if (done < missing.length) options.onPartial?.(view());
      options.onProgress?.({ done: fromCache + done, total: work.length });
    }
    return view();
  } finally {
    if (!engine) {
      await pool?.close();
      model.dispose();
    }
  }
}

/** The attention view's arithmetic: contexts tiled over a locus, heads combined, arcs and heatmap. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arcsOf, heatmapOf, longRangeLinks } from '../../electron/renderer/attention-view.js';
import { combineHeads, contextBases, tileContexts } from '../../pipelines/attention/locus-attention.js';
import type { LocusAttention } from '../../pipelines/attention/types.js';
import type { AttentionView } from '../../src/server/contract.js';
import { SAMPLES, scratch } from '../helpers/paths.js';

describe('tileContexts', () => {
  it('covers the region with consecutive contexts on a grid from the contig start, cut at its end', () => {
    expect(tileContexts({ contig: 'c', start: 100, end: 350 }, 100, 1000)).toEqual([
      { start: 100, end: 200 },
      { start: 200, end: 300 },
      { start: 300, end: 400 },
    ]);
    expect(tileContexts({ contig: 'c', start: 0, end: 100 }, 100, 1000)).toEqual([{ start: 0, end: 100 }]);
    expect(tileContexts({ contig: 'c', start: 150, end: 420 }, 100, 410)).toEqual([
      { start: 100, end: 200 },
      { start: 200, end: 300 },
      { start: 300, end: 400 },
      { start: 400, end: 410 },
    ]);
    expect(tileContexts({ contig: 'c', start: 30, end: 60 }, 100, 1000)).toEqual([{ start: 0, end: 100 }]);
  });

  it('counts a context in bases from the model length, special tokens and k-mer stride', () => {
    expect(contextBases(10_000, 0, 1, 1)).toBe(10_000);
    expect(contextBases(502, 1, 6, 6)).toBe(3000);
    expect(contextBases(252, 1, 6, 3)).toBe(3 * 249 + 6);
  });
});

describe('combineHeads', () => {
  const a = { keys: [5, 7, -1], weights: [0.6, 0.4, 0] };
  const b = { keys: [7, 9, 5], weights: [0.5, 0.3, 0.2] };
  it('averages weights over heads (a key missing from a head counts 0 there), strongest first', () => {
    const mean = combineHeads([a, b], 'mean', 3);
    expect(mean.keys).toEqual([7, 5, 9]);
    expect(mean.weights[0]).toBeCloseTo(0.45);
    expect(mean.weights[1]).toBeCloseTo(0.4);
    expect(mean.weights[2]).toBeCloseTo(0.15);
  });
  it('keeps the strongest weight of each key with max, and only topK keys', () => {
    expect(combineHeads([a, b], 'max', 2)).toEqual({ keys: [5, 7], weights: [0.6, 0.5] });
  });
});

describe('arcs and heatmap', () => {
  const view: AttentionView = {
    model: 'm',
    contig: 'c',
    start: 0,
    end: 100,
    layer: 0,
    head: 'mean',
    rounds: 'merged',
    heads: 2,
    layerKind: 'lsh',
    contexts: [{ start: 0, end: 100 }],
    contextsRead: 1,
    queryStep: 50,
    topK: 2,
    queryStarts: [10, 60],
    queryEnds: [11, 61],
    keyStarts: [90, 12, 5, -1],
    keyEnds: [91, 13, 6, -1],
    weights: [0.7, 0.3, 1, 0],
    method: 'test',
    seconds: 0,
  };

  it('makes one arc per listed key, strongest first, from query centre to key centre', () => {
    const arcs = arcsOf(view);
    expect(arcs.map((a) => [a.from, a.to, a.weight])).toEqual([
      [60.5, 5.5, 1],
      [10.5, 90.5, 0.7],
      [10.5, 12.5, 0.3],
    ]);
    expect(longRangeLinks(arcs, 50, 5).map((a) => a.weight)).toEqual([1, 0.7]);
  });

  it('bins the mean weight per query into a query x key matrix', () => {
    const m = heatmapOf(view, 0, 100, 2);
    // query bin 0 (position 10): keys at 90 (bin 1, 0.7) and 12 (bin 0, 0.3); query bin 1: key 5 (bin 0, 1).
    expect(Array.from(m).map((v) => Number(v.toFixed(3)))).toEqual([0.3, 0.7, 1, 0]);
  });
});

describe('attentionOverLocus', () => {
  /** What a view shows: its queries, and their keys and weights. */
  const arrays = (view: LocusAttention) => [
    view.queryStarts,
    view.queryEnds,
    view.keyStarts,
    view.keyEnds,
    view.weights,
  ];
  /** 7 kb of lambda through the test model: three 3 kb contexts, one query every 30 bases. */
  const options = {
    model: join(SAMPLES, 'model'),
    fasta: join(SAMPLES, 'lambda.fa'),
    region: 'lambda:1-7,000',
    layer: 1,
    head: 'mean' as const,
    queryStep: 30,
    topK: 4,
    backend: 'wasm',
  };

  it('gives the same view whether its contexts are read on this thread or on worker threads', async () => {
    const { attentionOverLocus } = await import('../../pipelines/attention/locus-attention.js');
    const here = await attentionOverLocus({ ...options, workers: 1 });
    const progress: number[] = [];
    const partials: LocusAttention[] = [];
    const pooled = await attentionOverLocus({
      ...options,
      workers: 2,
      onProgress: (p) => progress.push(p.done),
      onPartial: (view) => partials.push(view),
    });
    expect(here.contexts).toHaveLength(3);
    expect(progress).toEqual([2, 3]);
    // One partial view after the first round (two contexts), a prefix of the final one.
    expect(partials.map((p) => p.contextsRead)).toEqual([2]);
    expect(pooled.contextsRead).toBe(3);
    expect(partials[0]!.queryStarts).toEqual(pooled.queryStarts.slice(0, 200));
    expect(partials[0]!.weights).toEqual(pooled.weights.slice(0, 200 * 4));
    expect(pooled.queryStarts).toEqual(here.queryStarts);
    expect(pooled.keyStarts).toEqual(here.keyStarts);
    expect(pooled.weights).toEqual(here.weights);
    // One query every 5 tokens: 100 in each 3,000-base context, 34 in the view's last 1,000 bases
    // (its third context, [6,000, 9,000), reaches past the view; its queries there are not shown).
    expect(here.contexts.at(-1)).toEqual({ start: 6000, end: 9000 });
    expect(here.queryStarts.length).toBe(100 + 100 + 34);
  });

  it('reads each context once per engine: the view again, another head and a pan come from its cache', async () => {
    const { attentionOverLocus } = await import('../../pipelines/attention/locus-attention.js');
    const { openAttentionEngine, closeAttentionEngine } = await import('../../pipelines/attention/engine.js');
    const engine = await openAttentionEngine(options.model, 'wasm', 2);
    try {
      const first = await attentionOverLocus({ ...options, engine });
      expect(first.timings!.contextsCached).toBe(0);
      expect(engine.contexts.size).toBe(3);
      const again = await attentionOverLocus({ ...options, engine });
      expect(again.timings!.contextsCached).toBe(3);
      expect(arrays(again)).toEqual(arrays(first));
      // The cache holds every head, so one head alone is what a fresh view of that head gives.
      const head1 = await attentionOverLocus({ ...options, head: 1, engine });
      const fresh = await attentionOverLocus({ ...options, head: 1, workers: 1 });
      expect(head1.timings!.contextsCached).toBe(3);
      expect(fresh.timings!.contextsCached).toBe(0);
      expect(arrays(head1)).toEqual(arrays(fresh));
      // Zoomed out: one query every 60 bases is every other query of the contexts read at 30.
      const coarser = await attentionOverLocus({ ...options, queryStep: 60, engine });
      const coarserFresh = await attentionOverLocus({ ...options, queryStep: 60, workers: 1 });
      expect(coarser.timings!.contextsCached).toBe(3);
      expect(coarser.queryStarts.length).toBe(50 + 50 + 17);
      expect(arrays(coarser)).toEqual(arrays(coarserFresh));
      // Moved on by 3 kb: its contexts [3,000, 6,000) and [6,000, 9,000) were read before, [9,000,
      // 12,000) was not; the partial view sent before reading it holds the other two.
      const partials: LocusAttention[] = [];
      const panned = await attentionOverLocus({
        ...options,
        region: 'lambda:3,001-10,000',
        engine,
        onPartial: (view) => partials.push(view),
      });
      expect(panned.timings!.contextsCached).toBe(2);
      expect(partials.map((p) => p.contextsRead)).toEqual([2]);
      const pannedFresh = await attentionOverLocus({ ...options, region: 'lambda:3,001-10,000', workers: 1 });
      expect(arrays(panned)).toEqual(arrays(pannedFresh));
      // Contexts on the contig's grid: a position gets the same keys in every view that shows it.
      const inBoth = (view: LocusAttention) => {
        const rows: [number, number[], number[]][] = [];
        view.queryStarts.forEach((at, q) => {
          if (at >= 3000 && at < 7000) {
            const keys = view.keyStarts.slice(q * 4, q * 4 + 4);
            rows.push([at, keys, view.weights.slice(q * 4, q * 4 + 4)]);
          }
        });
        return rows;
      };
      expect(inBoth(panned)).toEqual(inBoth(first));
      expect(inBoth(panned).length).toBe(100 + 34); // one every 30 bases in [3,000, 6,000) and [6,000, 7,000)
      // The FASTA written again (same path, new time): its contexts are read again.
      const { copyFileSync, utimesSync } = await import('node:fs');
      const copy = join(scratch(), 'lambda.fa');
      copyFileSync(options.fasta, copy);
      const before = await attentionOverLocus({ ...options, fasta: copy, engine });
      expect(before.timings!.contextsCached).toBe(0);
      expect((await attentionOverLocus({ ...options, fasta: copy, engine })).timings!.contextsCached).toBe(3);
      utimesSync(copy, new Date(), new Date(Date.now() + 5000));
      expect((await attentionOverLocus({ ...options, fasta: copy, engine })).timings!.contextsCached).toBe(0);
    } finally {
      await closeAttentionEngine(engine);
    }
  });
});

describe('ContextCache', () => {
  it('keeps the most recently used entries within its byte budget', async () => {
    const { ContextCache } = await import('../../pipelines/attention/engine.js');
    // One head of 10 queries with 2 keys each: 40 + 80 + 80 + 160 + 160 + 80 = 600 bytes.
    const entry = (contig: string) => ({
      contig,
      topK: 2,
      layers: [
        {
          layer: 0,
          head: 0,
          kind: 'lsh' as const,
          queries: new Int32Array(10),
          queryStarts: new Float64Array(10),
          queryEnds: new Float64Array(10),
          keyStarts: new Float64Array(20),
          keyEnds: new Float64Array(20),
          weights: new Float32Array(20),
        },
      ],
    });
    const cache = new ContextCache(1200);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    expect(cache.get('a')?.contig).toBe('a'); // a is now newer than b
    cache.set('c', entry('c'));
    expect([cache.get('a')?.contig, cache.get('b'), cache.get('c')?.contig]).toEqual(['a', undefined, 'c']);
    expect(cache.size).toBe(2);
    // An entry larger than the whole budget is not kept, and evicts nothing.
    const small = new ContextCache(500);
    small.set('big', entry('big'));
    expect(small.size).toBe(0);
  });
});

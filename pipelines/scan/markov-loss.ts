/**
 * The genome's own model for `--method markov`: an interpolated order-k Markov chain counted on every
 * contig, both strands, and each bin's forward-strand log-loss under it. It is the classical composition
 * model (alien_hunter's is an interpolated variable-order one up to order 8); with `--method reformer`
 * the Reformer takes its place (reformer-loss.ts).
 *
 * Leave-region-out: each tile of bins is scored by the chain *without* the counts of every base its
 * windows cover. Counted in, a high-order chain memorises the region it then scores (an island's
 * 9-mers occur nowhere else, so it would explain the island perfectly); left out, the region is
 * judged by the rest of the genome alone, which is the question a scan asks. The counts are taken out
 * and put back exactly, in the same contexts the fit counted them in.
 */
import { BASE_CODE } from '../../src/tokenize/vocab.js';
import { fitMarkov, markovScore, MarkovCounter, type MarkovModel } from '../../src/train/baselines/markov.js';
import { binCount } from './composition.js';
import type { BinLoss } from './track.js';

export interface MarkovLossOptions {
  order: number;
  alpha: number;
  binSize: number;
  /** Bases of each scoring window: the span left out around a tile reaches half of it on each side. */
  windowSize: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** Bins scored per leave-out step. */
const TILE_BINS = 10;

/** Per contig, in order: the loss of each bin under the chain fitted on the rest of the genome. */
export function markovBinLoss(sequences: readonly string[], options: MarkovLossOptions): BinLoss[] {
  const model = fitMarkov(sequences, options.order, options.alpha, 'interpolated', {
    reverseComplement: true,
  });
  const total = sequences.reduce((n, s) => n + s.length, 0);
  let done = 0;
  const tile = TILE_BINS * options.binSize;
  const reach = Math.ceil(options.windowSize / 2);
  return sequences.map((sequence) => {
    const bins = binCount(sequence.length, options.binSize);
    const nats = new Float64Array(bins);
    const bases = new Float64Array(bins);
    for (let start = 0; start < sequence.length; start += tile) {
      options.signal?.throwIfAborted();
      const end = Math.min(sequence.length, start + tile);
      const leftOut: [number, number] = [Math.max(0, start - reach), Math.min(sequence.length, end + reach)];
      recount(model, sequence, leftOut, -1);
      // Score [start, end), with the bin before it as context only (a bin is longer than any order),
      // so the score's blocks line up with the bins.
      const from = Math.max(0, start - options.binSize);
      const scored = new Uint8Array(end - from);
      for (let p = start; p < end; p++) scored[p - from] = isAcgt(sequence.charCodeAt(p)) ? 1 : 0;
      const score = markovScore(model, [sequence.slice(from, end)], {
        scored: [scored],
        blockSize: options.binSize,
      });
      recount(model, sequence, leftOut, 1);
      for (const block of score.blocks ?? []) {
        if (block.bases === 0) continue; // the context bin
        const bin = (from + block.start) / options.binSize;
        nats[bin]! += block.nats;
        bases[bin]! += block.bases;
      }
      done += end - start;
      options.onProgress?.(done, total);
    }
    return { nats, bases };
  });
}

function isAcgt(c: number): boolean {
  return c < 128 && BASE_CODE[c]! !== 4;
}

/** Add `delta` to the counts of bases [start, end) of `sequence`, in the contexts the fit used. */
function recount(model: MarkovModel, sequence: string, [start, end]: [number, number], delta: 1 | -1): void {
  const counter = new MarkovCounter(model.counts, model.order, model.reverseComplement);
  counter.gap();
  // Walk in from up to `order` bases earlier so the first counted bases see their full contexts.
  for (let p = Math.max(0, start - model.order); p < end; p++) {
    const c = sequence.charCodeAt(p);
    const b = c < 128 ? BASE_CODE[c]! : 4;
    if (b === 4) {
      counter.gap();
      continue;
    }
    if (p < start) {
      counter.advance(b);
    } else {
      counter.locate();
      counter.count(b, delta);
    }
  }
}

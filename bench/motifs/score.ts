/**
 * Scoring a motif finder's output against planted truth, the same way for Locus and its peers:
 *   - similarity: the best column similarity (pipelines/motifs/compare.ts alignMotifs) of any of the
 *     top `top` motifs to the planted JASPAR matrix, and that motif's rank;
 *   - found: that similarity reaches the tier's bar (0.95 for the 70% tier, 0.9 for the 40% and 10 kb tiers);
 *   - site recall: the share of planted sites overlapped by one of the motif's best k sites in that
 *     sequence (highest scores; a tool's own order when it gives none), k = the sites planted there.
 */
import { alignMotifs } from '../../pipelines/motifs/compare.js';
import type { Matrix } from '../../pipelines/motifs/types.js';

export interface FoundMotif {
  id: string;
  matrix: Matrix;
}

export interface FoundSite {
  motifId: string;
  sequence: string;
  start: number;
  end: number;
  score?: number;
}

export interface TruthSite {
  sequence: string;
  start: number;
  end: number;
}

export interface BestMatch {
  /** 1-based rank of the most similar of the top motifs; null when the tool reported none. */
  rank: number | null;
  motifId: string | null;
  similarity: number;
}

export function bestOfTop(found: readonly FoundMotif[], truth: Matrix, top: number): BestMatch {
  let best: BestMatch = { rank: null, motifId: null, similarity: 0 };
  found.slice(0, top).forEach((motif, i) => {
    const similarity = alignMotifs(motif.matrix, truth).similarity;
    if (similarity > best.similarity) best = { rank: i + 1, motifId: motif.id, similarity };
  });
  return best;
}

/** The items of each sequence, in their order. */
function bySequence<T extends { sequence: string }>(items: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(item.sequence);
    if (list) list.push(item);
    else out.set(item.sequence, [item]);
  }
  return out;
}

/**
 * Share of truth sites overlapped by one of their sequence's best k sites (of the given sites), k the
 * number of truth sites in that sequence: a tool gets as many tries per sequence as there are sites,
 * so reporting many sites earns nothing. With one site per sequence: its best site.
 */
export function siteRecall(sites: readonly FoundSite[], truth: readonly TruthSite[]): number {
  if (truth.length === 0) return Number.NaN;
  const truthIn = bySequence(truth);
  const foundIn = bySequence(sites);
  let hits = 0;
  for (const [sequence, planted] of truthIn) {
    // Stable sort: among equal scores (or none) the tool's own order decides.
    const best = [...(foundIn.get(sequence) ?? [])]
      .sort((a, b) => (b.score ?? -Infinity) - (a.score ?? -Infinity))
      .slice(0, planted.length);
    for (const t of planted) if (best.some((s) => s.start < t.end && t.start < s.end)) hits++;
  }
  return hits / truth.length;
}

/** The bar a tier's best similarity must reach (issue 12; the sparse 10 kb tier takes the 40% tier's). */
export function similarityBar(tier: string): number {
  return tier === '70pct' ? 0.95 : 0.9;
}

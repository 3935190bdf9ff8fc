/**
 * Scoring a motif finder's output against planted truth, the same way for Locus and its peers:
 *   - similarity: the best column similarity (pipelines/motifs/compare.ts alignMotifs) of any of the
 *     top `top` motifs to the planted JASPAR matrix, and that motif's rank;
 *   - found: that similarity reaches the tier's bar (0.95 for the 70% tier, 0.9 for the 40% tier);
 *   - site recall: the share of planted sites for which the motif's best site in that sequence (the
 *     highest score; a tool's only site there when it gives no score) overlaps the planted site.
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

/** Share of truth sites whose sequence's best site (of the given sites) overlaps them. */
export function siteRecall(sites: readonly FoundSite[], truth: readonly TruthSite[]): number {
  if (truth.length === 0) return Number.NaN;
  const best = new Map<string, FoundSite>();
  for (const site of sites) {
    const current = best.get(site.sequence);
    if (!current || (site.score ?? -Infinity) > (current.score ?? -Infinity)) best.set(site.sequence, site);
  }
  let hits = 0;
  for (const t of truth) {
    const site = best.get(t.sequence);
    if (site && site.start < t.end && t.start < site.end) hits++;
  }
  return hits / truth.length;
}

/** The bar a tier's best similarity must reach (issue 12). */
export function similarityBar(tier: string): number {
  return tier === '70pct' ? 0.95 : 0.9;
}

/**
 * The shapes motif discovery shares: matrices, motifs, sites. Bases are indexed A=0 C=1 G=2 T=3
 * everywhere in pipelines/motifs (the column order of MEME and JASPAR files).
 */

/** Letter probabilities, one row per motif position: (width, 4), columns A C G T, rows sum to 1. */
export type Matrix = number[][];

/** Background letter frequencies A C G T (sum 1). */
export type Background = readonly [number, number, number, number];

export interface Motif {
  /** MEME's MOTIF identifier: "1-TATAWAWR" for found motifs, "MA0108.3" for JASPAR. */
  id: string;
  /** MEME's alternate name: the tool and rank ("locus-1") or the factor ("TBP"). */
  name: string;
  matrix: Matrix;
  /** Sites the matrix was counted from (MEME's nsites). */
  sites: number;
  /** Expected number of motifs this enriched by chance (MEME's E=); undefined when not tested. */
  evalue?: number;
  url?: string;
}

/** One occurrence of a motif in an input sequence. */
export interface MotifSite {
  motifId: string;
  /** Name of the input sequence (FASTA record). */
  sequence: string;
  /** 0-based start on the forward strand of the record. */
  start: number;
  end: number;
  strand: '+' | '-';
  /** Log-odds score (bits) of the site against the background. */
  score: number;
  /** Probability that a background position scores at least as high. */
  pvalue: number;
  /** The site as read on its strand. */
  text: string;
}

export const BASES = 'ACGT';

/** A best database match of a found motif (compare.ts). */
export interface MotifMatch {
  id: string;
  name: string;
  /** Column similarity in [0, 1] (compare.ts), best alignment. */
  similarity: number;
  pvalue: number;
  qvalue: number;
  /** Target column under the found motif's first column; the found motif is reverse-complemented when `reverse`. */
  offset: number;
  reverse: boolean;
  url?: string;
}

/** A found motif as `locus motifs` reports it. */
export interface ReportedMotif {
  rank: number;
  /** "1-TATAWAWR": rank and consensus, MEME's MOTIF id. */
  id: string;
  consensus: string;
  matrix: Matrix;
  evalue: number;
  /** log10 p-values of the enrichment on the held-out part and on the training part. */
  testLog10P: number;
  trainLog10P: number;
  /** Site score threshold in bits. */
  threshold: number;
  /** Sites in all targets / all background sequences, at the threshold. */
  targetSites: number;
  backgroundSites: number;
  /** Target sequences with at least one site, and their share. */
  targetSequences: number;
  targetSequenceShare: number;
  backgroundSequenceShare: number;
  /** Site centres along the sequences, as counts in 20 equal bins of relative position (0 = start). */
  positions: number[];
  /** Which discovery round found it (1 = first) and from which seed word. */
  found: number;
  seedWord: string;
  matches: MotifMatch[];
  /**
   * With a model: the share of the model's positive attribution on the targets inside this motif's
   * sites, and the share of the targets' bases those sites cover (model-guided.ts).
   */
  modelShare?: { attribution: number; bases: number };
  /**
   * 'enrichment' (targets against background), 'position' (sites crowding at a distance from the
   * anchor, positional.ts) or 'model' (found from the fine-tuned model's attribution).
   */
  source: 'enrichment' | 'position' | 'model';
  /**
   * For 'model' motifs: the matrix as found on the windows the model's attribution peaks on, before
   * it was re-estimated on the whole targets (`matrix`).
   */
  peakMatrix?: Matrix;
  /** For 'position' motifs: the window of site centres, relative to the anchor, and its counts. */
  position?: PositionalWindow;
}

/** Where a positional motif's sites crowd (positional.ts). Offsets are of site centres from the anchor. */
export interface PositionalWindow {
  anchor: 'start' | 'center' | 'end';
  /** Site centres in [from, to) bases from the anchor (negative: before it). */
  from: number;
  to: number;
  /** Sites in the held-out targets, those in the window, and the number the null expects there. */
  testSites: number;
  testInWindow: number;
  testExpected: number;
  /** The same in the training targets (where the window was chosen). */
  trainSites: number;
  trainInWindow: number;
  trainExpected: number;
}

/** "centres -33 to -26 from the end": a positional motif's window for people (inclusive, signed). */
export function windowText(window: Pick<PositionalWindow, 'anchor' | 'from' | 'to'>): string {
  const signed = (x: number) => (x > 0 ? `+${x}` : String(x));
  const where = window.anchor === 'center' ? 'around the centre' : `from the ${window.anchor}`;
  return `centres ${signed(window.from)} to ${signed(window.to - 1)} ${where}`;
}

/**
 * A synthetic ScanResult for report and plot tests: noisy z-score and GC tracks with a few raised,
 * AT-rich islands, an N run (NaN bins) and segments on the islands. No scan is run.
 */
import type { AnomalyReason, AnomalySegment, ContigTrack, ScanResult } from '../../pipelines/scan/types.js';
import { seededRandom } from '../helpers/paths.js';

export interface Island {
  contig: string;
  /** 0-based half-open, multiples of the bin size. */
  start: number;
  end: number;
  reason: AnomalyReason;
  /** z-score level inside the island. */
  level: number;
  /** GC inside the island. */
  gc: number;
}

export interface SyntheticScanOptions {
  contigs: { name: string; length: number }[];
  binSize: number;
  islands: Island[];
  /** Bins of [start, end) set to NaN (an N run), per contig. */
  gaps?: { contig: string; start: number; end: number }[];
  seed?: number;
  genome?: string;
}

export function syntheticScan(options: SyntheticScanOptions): ScanResult {
  const random = seededRandom(options.seed ?? 7);
  const normal = () => {
    const u = Math.max(1e-12, random());
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const { binSize } = options;
  const tracks: ContigTrack[] = options.contigs.map(({ name, length }) => {
    const bins = Math.ceil(length / binSize);
    const scores = new Float64Array(bins);
    const gc = new Float64Array(bins);
    for (let i = 0; i < bins; i++) {
      scores[i] = normal();
      gc[i] = 0.51 + 0.015 * normal();
    }
    for (const island of options.islands.filter((s) => s.contig === name)) {
      for (let i = island.start / binSize; i < Math.min(bins, island.end / binSize); i++) {
        scores[i] = island.level + 0.8 * normal();
        gc[i] = island.gc + 0.01 * normal();
      }
    }
    for (const gap of (options.gaps ?? []).filter((g) => g.contig === name)) {
      for (let i = Math.floor(gap.start / binSize); i < Math.min(bins, Math.ceil(gap.end / binSize)); i++) {
        scores[i] = NaN;
        gc[i] = NaN;
      }
    }
    return { contig: name, start: 0, length, binSize, scores, gc };
  });
  const segments: AnomalySegment[] = options.islands.map((s) => {
    const track = tracks.find((t) => t.contig === s.contig)!;
    const bins = track.scores.slice(s.start / binSize, s.end / binSize);
    const mean = bins.reduce((a, b) => a + b, 0) / bins.length;
    return {
      contig: s.contig,
      start: s.start,
      end: Math.min(s.end, track.length),
      reason: s.reason,
      meanScore: mean,
      maxScore: Math.max(...bins),
      gc: s.gc,
      bedScore: Math.min(1000, Math.round(mean * 100)),
    };
  });
  return {
    genome: options.genome ?? '/data/genomes/synthetic.fa',
    contigs: options.contigs,
    settings: {
      method: 'markov',
      windowSize: 5000,
      binSize,
      seed: 1,
      workers: 2,
      details: { genomeOrder: 5, localOrder: 2, strands: 'both', pseudocount: 0.5 },
    },
    tracks,
    // Reversed so the report has to sort them.
    segments: segments.reverse(),
    threshold: {
      value: 2.8731,
      method: '2-state HMM fitted by EM (Baum-Welch) on the track; segments are Viterbi runs of state 1',
      parameters: { mean: 6.21, sd: 1.93, enter: 0.000412, leave: 0.0187, iterations: 30 },
    },
    model: null,
    phases: [
      { name: 'read', seconds: 0.42 },
      { name: 'score', seconds: 61.3 },
      { name: 'segment', seconds: 0.9 },
      { name: 'write', seconds: 0.2 },
    ],
    seconds: 62.82,
    peakRssMb: 812.4,
  };
}

/** A 5 Mb chromosome on 10,000 bins of 500 bp and a plasmid named `<chr&1>`, with four islands and an N run. */
export function twoContigScan(): ScanResult {
  return syntheticScan({
    contigs: [
      { name: 'chr', length: 5_000_000 },
      { name: '<chr&1>', length: 60_250 },
    ],
    binSize: 500,
    islands: [
      {
        contig: 'chr',
        start: 1_200_000,
        end: 1_245_000,
        reason: 'foreign_composition',
        level: 5.5,
        gc: 0.47,
      },
      { contig: 'chr', start: 3_000_000, end: 3_012_500, reason: 'gc', level: 8.2, gc: 0.38 },
      { contig: 'chr', start: 4_400_000, end: 4_401_000, reason: 'surprisal', level: 4.1, gc: 0.52 },
      { contig: '<chr&1>', start: 20_000, end: 31_000, reason: 'gc', level: 6.8, gc: 0.41 },
    ],
    gaps: [{ contig: 'chr', start: 2_500_000, end: 2_560_000 }],
  });
}

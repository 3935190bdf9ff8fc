/**
 * Seeds: the words most enriched in the targets, each a starting point for a PWM. Exact words of a
 * few widths find most motifs; gapped words (3 bases, a gap, 3 bases) find the dimers whose halves
 * sit at a fixed distance (nuclear receptors, bHLH pairs, p53). Both strands are counted as one: a
 * window counts under the smaller of its word and its reverse complement.
 */
import { enrichmentLogP } from './enrichment.js';
import { MASKED, type CodedSequence } from './sequences.js';
import type { Background, Matrix } from './types.js';

export interface Seed {
  /** The word with "." for gap positions, e.g. "TATAAA", "CAC..GTG". */
  word: string;
  /** ln p-value of its enrichment in the training targets. */
  logP: number;
  targetCount: number;
  backgroundCount: number;
}

/** Positions of the specified bases of a word pattern, left to right. */
type Pattern = number[];

function patterns(exactWidths: readonly number[], maxGap: number): Pattern[] {
  const out: Pattern[] = exactWidths.map((k) => Array.from({ length: k }, (_, i) => i));
  for (let gap = 1; gap <= maxGap; gap++) out.push([0, 1, 2, 3 + gap, 4 + gap, 5 + gap]);
  return out;
}

const POWERS_OF_4 = Array.from({ length: 16 }, (_, j) => 4 ** j);

/** Count each canonical word of `pattern` over all windows of the sequences. */
function countWords(
  sequences: readonly CodedSequence[],
  pattern: Pattern,
): { counts: Int32Array; windows: number } {
  const k = pattern.length;
  const span = pattern[k - 1]! + 1;
  const counts = new Int32Array(4 ** k);
  let windows = 0;
  for (const { codes } of sequences) {
    next: for (let i = 0; i + span <= codes.length; i++) {
      let id = 0;
      let rc = 0;
      for (let j = 0; j < k; j++) {
        const c = codes[i + pattern[j]!]!;
        if (c === MASKED) continue next;
        id = id * 4 + c;
        // The reverse complement reads the same (symmetric) pattern backwards, complemented.
        rc += (3 - c) * POWERS_OF_4[j]!;
      }
      windows++;
      counts[Math.min(id, rc)]!++;
    }
  }
  return { counts, windows };
}

function wordText(id: number, pattern: Pattern): string {
  const k = pattern.length;
  const span = pattern[k - 1]! + 1;
  const chars = Array<string>(span).fill('.');
  for (let j = k - 1; j >= 0; j--) {
    chars[pattern[j]!] = 'ACGT'[id % 4]!;
    id = Math.floor(id / 4);
  }
  return chars.join('');
}

export interface SeedOptions {
  exactWidths: readonly number[];
  maxGap: number;
  /** How many seeds to return, best first. */
  count: number;
  /** At most this many seeds from any one word pattern, so no single pattern crowds out the rest. */
  perPattern: number;
  /** Words seen fewer times than this in the targets are not seeds (noise on small inputs). */
  minTargetCount: number;
}

export const SEED_DEFAULTS: SeedOptions = {
  exactWidths: [6, 8],
  maxGap: 8,
  count: 16,
  perPattern: 3,
  minTargetCount: 3,
};

/**
 * Counts of each word's neighbourhood: the word and every word one substitution away. Sampled sites
 * of a real motif rarely repeat one exact word, but most lie within one letter of the consensus.
 * Indexed by canonical id like the exact counts (a non-canonical word counts as its reverse complement).
 */
function neighbourhoodCounts(counts: Int32Array, k: number): Int32Array {
  const out = new Int32Array(counts.length);
  const canonical = (id: number) => Math.min(id, reverseComplementId(id, k));
  for (let id = 0; id < counts.length; id++) {
    if (canonical(id) !== id) continue;
    let n = counts[id]!;
    for (let j = 0, place = 1; j < k; j++, place *= 4) {
      const letter = Math.floor(id / place) % 4;
      for (let other = 0; other < 4; other++) {
        if (other !== letter) n += counts[canonical(id + (other - letter) * place)]!;
      }
    }
    out[id] = n;
  }
  return out;
}

function reverseComplementId(id: number, k: number): number {
  let rc = 0;
  for (let j = 0; j < k; j++) {
    rc = rc * 4 + (3 - (id % 4));
    id = Math.floor(id / 4);
  }
  return rc;
}

/** The most enriched words over all patterns, best first: exact counts and, for ungapped words, neighbourhoods. */
export function findSeeds(
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
  options: SeedOptions = SEED_DEFAULTS,
): Seed[] {
  const seeds: Seed[] = [];
  for (const pattern of patterns(options.exactWidths, options.maxGap)) {
    const t = countWords(targets, pattern);
    const b = countWords(background, pattern);
    const gapped = pattern[pattern.length - 1]! + 1 !== pattern.length;
    const tables: [Int32Array, Int32Array][] = [[t.counts, b.counts]];
    if (!gapped) {
      tables.push([
        neighbourhoodCounts(t.counts, pattern.length),
        neighbourhoodCounts(b.counts, pattern.length),
      ]);
    }
    const best = new Map<number, Seed>();
    const share = t.windows / (t.windows + b.windows);
    for (const [targetCounts, backgroundCounts] of tables) {
      for (let id = 0; id < targetCounts.length; id++) {
        const k = targetCounts[id]!;
        if (k < options.minTargetCount) continue;
        // Cheap screen before the exact tail: the targets must hold more than their share.
        if (k <= (k + backgroundCounts[id]!) * share) continue;
        const logP = enrichmentLogP({
          target: k,
          background: backgroundCounts[id]!,
          targetWindows: t.windows,
          backgroundWindows: b.windows,
        });
        if (logP < (best.get(id)?.logP ?? 0)) {
          best.set(id, {
            word: wordText(id, pattern),
            logP,
            targetCount: k,
            backgroundCount: backgroundCounts[id]!,
          });
        }
      }
    }
    seeds.push(...[...best.values()].sort((x, y) => x.logP - y.logP).slice(0, options.perPattern));
  }
  seeds.sort((x, y) => x.logP - y.logP || (x.word < y.word ? -1 : 1));
  return seeds.slice(0, options.count);
}

/** A seed as a starting matrix: its bases at 0.7, the rest evenly; gap columns are the background. */
export function seedMatrix(word: string, background: Background): Matrix {
  return [...word].map((ch) => {
    const b = 'ACGT'.indexOf(ch);
    return b < 0 ? [...background] : [0, 1, 2, 3].map((i) => (i === b ? 0.7 : 0.1));
  });
}

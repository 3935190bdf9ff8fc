/**
 * The sequences motif discovery reads: FASTA records checked for what the search cannot use
 * (protein, all-N, duplicate names, too short), upper-cased, and coded as bytes A=0 C=1 G=2 T=3, 4 for
 * N and any other IUPAC letter. Code 4 is also how found sites are masked: no motif scores across it.
 */
import { LocusInputError } from '../../src/errors.js';
import { readFastaRecords } from '../../src/io/fasta-stream.js';

export const MASKED = 4;

export interface CodedSequence {
  name: string;
  /** (length) base codes 0-3, MASKED for N / IUPAC / masked sites. */
  codes: Uint8Array;
  /** How much the sequence counts in enrichment tests (background GC matching); default 1. */
  weight?: number;
}

const CODE = new Uint8Array(256).fill(MASKED);
for (const [i, b] of ['A', 'C', 'G', 'T'].entries()) {
  CODE[b.charCodeAt(0)] = i;
  CODE[b.toLowerCase().charCodeAt(0)] = i;
}
CODE['U'.charCodeAt(0)] = 3;
CODE['u'.charCodeAt(0)] = 3;

/** Letters of DNA with IUPAC ambiguity codes; anything else means the file is not DNA. */
const DNA_LETTERS = /^[ACGTUNRYSWKMBDHVacgtunryswkmbdhv.-]*$/;

export function encodeSequence(text: string): Uint8Array {
  const codes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) codes[i] = CODE[text.charCodeAt(i)]!;
  return codes;
}

export function decodeSequence(codes: Uint8Array, start = 0, end = codes.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += 'ACGTN'[codes[i]!];
  return text;
}

export interface ReadSequencesOptions {
  /** The narrowest motif width: every sequence must be at least this long. */
  minLength: number;
  /** What the file is, for messages ("targets", "background"). */
  role: string;
  signal?: AbortSignal;
}

/** Read and check every record of a FASTA file. */
export async function readMotifSequences(
  path: string,
  options: ReadSequencesOptions,
): Promise<CodedSequence[]> {
  const sequences: CodedSequence[] = [];
  const seen = new Set<string>();
  for await (const record of readFastaRecords(path, options.signal)) {
    const where = `${options.role} "${path}" record "${record.name}"`;
    if (seen.has(record.name)) {
      throw new LocusInputError(
        path,
        `${options.role} "${path}" has two records named "${record.name}"`,
        'give every sequence a unique name (sites are reported by name)',
      );
    }
    seen.add(record.name);
    if (!DNA_LETTERS.test(record.sequence)) {
      const bad = /[^ACGTUNRYSWKMBDHVacgtunryswkmbdhv.-]/.exec(record.sequence)![0];
      throw new LocusInputError(
        path,
        `${where} holds "${bad}", which is not a DNA letter (protein or text?)`,
        'give DNA sequences (A, C, G, T and IUPAC codes)',
      );
    }
    const codes = encodeSequence(record.sequence);
    if (record.sequence.length < options.minLength) {
      throw new LocusInputError(
        path,
        `${where} is ${record.sequence.length} bp, shorter than the narrowest motif width ${options.minLength}`,
        'remove it, or lower the widths with --widths',
      );
    }
    if (!codes.some((c) => c !== MASKED)) {
      throw new LocusInputError(path, `${where} is all N`, 'remove sequences that hold no bases');
    }
    sequences.push({ name: record.name, codes });
  }
  return sequences;
}

/** Base composition A C G T of the sequences (pseudocount 1 each), for log-odds and MEME headers. */
export function baseFrequencies(sequences: readonly CodedSequence[]): [number, number, number, number] {
  const n = [1, 1, 1, 1];
  for (const s of sequences) for (const c of s.codes) if (c < 4) n[c]!++;
  const total = n[0]! + n[1]! + n[2]! + n[3]!;
  // Both strands are searched, so the background is strand-symmetric (A = T, C = G).
  const at = (n[0]! + n[3]!) / (2 * total);
  const cg = (n[1]! + n[2]!) / (2 * total);
  return [at, cg, cg, at];
}

/** Share of G and C among a sequence's ACGT bases (0.5 when it has none). */
export function gcShare(codes: Uint8Array): number {
  let gc = 0;
  let acgt = 0;
  for (const c of codes) {
    if (c > 3) continue;
    acgt++;
    if (c === 1 || c === 2) gc++;
  }
  return acgt === 0 ? 0.5 : gc / acgt;
}

/** GC bins of this width match a background to the targets. */
export const GC_BIN = 0.05;

/**
 * Weights that give the background the targets' GC distribution, as HOMER normalises its background:
 * each background sequence counts as (share of targets in its GC bin) / (share of background in it),
 * scaled so the weights sum to the number of background sequences. Without this, a target set richer
 * in A+T than its background (promoters against far-upstream DNA) reports A/T words as motifs.
 * Background sequences in bins without targets get weight 0; targets in bins without background are
 * matched by nothing (their share is reported).
 */
export function gcMatchingWeights(
  targets: readonly CodedSequence[],
  background: readonly CodedSequence[],
): { weights: number[]; unmatchedTargets: number } {
  const bin = (s: CodedSequence) =>
    Math.min(Math.floor(gcShare(s.codes) / GC_BIN), Math.round(1 / GC_BIN) - 1);
  const targetBins = new Map<number, number>();
  const backgroundBins = new Map<number, number>();
  for (const s of targets) targetBins.set(bin(s), (targetBins.get(bin(s)) ?? 0) + 1);
  for (const s of background) backgroundBins.set(bin(s), (backgroundBins.get(bin(s)) ?? 0) + 1);
  const raw = background.map((s) => {
    const b = bin(s);
    return (targetBins.get(b) ?? 0) / targets.length / ((backgroundBins.get(b) ?? 1) / background.length);
  });
  const total = raw.reduce((a, w) => a + w, 0);
  const weights = raw.map((w) => (total > 0 ? (w * background.length) / total : 1));
  let unmatchedTargets = 0;
  for (const [b, n] of targetBins) if (!backgroundBins.has(b)) unmatchedTargets += n;
  return { weights, unmatchedTargets };
}

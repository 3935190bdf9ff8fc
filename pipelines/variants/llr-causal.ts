/**
 * INFO/LLR from a causal (next-base) language model such as the shipped `ecoli-causal`: the model
 * reads the reference up to the allele, from the left on the forward strand and from the right on
 * the reverse strand, and LLR is the mean of the two ln P(alt base) - ln P(ref base).
 *
 * Nothing is masked: a causal model's prediction for a base never sees that base, so one forward pass
 * over a window scores every allele in it, and an allele's LLR depends on the reference alone, not on
 * which other alleles were called (sharded and whole runs agree).
 *
 * Windows sit on a fixed grid of half-windows: window g covers [g*H, g*H + W), W the model's context,
 * H = W/2. The forward strand scores a base in the window where it lies in the second half (at least
 * H bases of left context); the reverse strand in the window where it lies in the first half (at
 * least H bases of right context). So each window needs at most one pass per strand.
 *
 * Indels: a causal model compares one base at a time, so an indel is scored at the first base where
 * the two haplotypes differ, read from each side. From the left that is where the repeat the indel
 * sits in ends (the right-shifted position, see targetPosition in llr.ts); from the right it is the
 * left-aligned edge: for a deletion of ref[a+1..a+L] after anchor a, position a+L, where the
 * reference has ref[a+L] and the alt haplotype ref[a]; for an insertion of S after a, position a,
 * where the reference has ref[a] and the alt S's last base. Left alignment guarantees they differ.
 */
import type { FastaFile } from '../../src/io/fasta.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import { CLS_ID } from '../../src/tokenize/vocab.js';
import {
  altKmer,
  readWindows,
  targetPosition,
  type LlrModel,
  type LlrOptions,
  type LlrScoring,
} from './llr.js';
import type { VariantCall } from './types.js';

type Strand = 'forward' | 'reverse';

/**
 * One base compared on one strand: which call, and where. The reverse strand's alt base is known from
 * the alleles alone; the forward strand's is read off the alt haplotype once the bases are fetched.
 */
interface BaseComparison {
  call: number;
  strand: Strand;
  pos: number;
  alt?: string;
}

const isAcgt = (base: string) => /^[ACGT]$/.test(base);

/** The window (grid index) that scores `pos` on `strand`, H = half a window. */
export function causalWindow(pos: number, strand: Strand, half: number): number {
  const g = Math.floor(pos / half);
  return strand === 'forward' ? Math.max(0, g - 1) : g;
}

/** The reverse strand's comparison of an allele: the left-aligned edge (see the top of this file). */
function reverseComparison(call: VariantCall): { pos: number; alt: string } {
  const c = call.candidate;
  if (c.kind === 'del') return { pos: c.pos + c.ref.length - 1, alt: c.alt[0]! };
  if (c.kind === 'ins') return { pos: c.pos, alt: c.alt[c.alt.length - 1]! };
  return { pos: c.pos, alt: c.alt };
}

/** Score every call with a causal model (see the top of this file). */
export async function scoreCausal(
  calls: readonly VariantCall[],
  reference: FastaFile,
  scorer: LlrModel,
  options: LlrOptions = {},
): Promise<LlrScoring> {
  const W = scorer.windowBases;
  const H = Math.max(1, Math.floor(W / 2));
  const lengths = reference.lengths();
  const { vocab } = scorer.tokenizer;

  // Group the comparisons by (contig, window, strand): one pass each.
  const groups = new Map<string, { contig: string; g: number; strand: Strand; items: BaseComparison[] }>();
  const add = (contig: string, item: BaseComparison) => {
    if (item.pos < 0 || item.pos >= lengths.get(contig)!) return; // an insertion after the contig's last base
    const g = causalWindow(item.pos, item.strand, H);
    const key = `${contig}\t${g}\t${item.strand}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { contig, g, strand: item.strand, items: [] }));
    group.items.push(item);
  };
  calls.forEach((call, i) => {
    add(call.contig, { call: i, strand: 'forward', pos: targetPosition(call) });
    add(call.contig, { call: i, strand: 'reverse', ...reverseComparison(call) });
  });

  const sums = calls.map(() => ({ total: 0, n: 0 }));
  const V = scorer.model.config.vocabSize;
  const { passes, basesRead } = await readWindows(
    scorer,
    [...groups.values()],
    async (group) => {
      const length = lengths.get(group.contig)!;
      const start = group.g * H;
      const end = Math.min(start + W, length);
      const forward = group.strand === 'forward';
      // Past the window for a forward deletion's alt base (ref[pos + L]); before it for an anchor.
      const members = group.items.map((item) => calls[item.call]!.candidate);
      const fetchStart = Math.min(start, ...members.map((c) => c.pos));
      const fetchEnd = Math.min(length, Math.max(end, ...members.map((c) => c.span + c.ref.length + 1)));
      const bases = await reference.fetch(
        { contig: group.contig, start: fetchStart, end: fetchEnd },
        { uppercase: true, signal: options.signal },
      );
      const window = bases.slice(start - fetchStart, end - fetchStart);
      const { ids } = scorer.tokenizer.tokenize(forward ? window : reverseComplement(window)); // ids[i]: base i
      // The output row that predicts a compared base: row t predicts input t + 1.
      const rowOf = (pos: number) => (forward ? pos - start : end - 1 - pos) + scorer.special - 1;
      const scored = group.items.filter((item) => rowOf(item.pos) >= 0);
      const input = new Int32Array(ids.length + scorer.special);
      input.set(ids, scorer.special);
      if (scorer.special) input[0] = CLS_ID;
      const rows = Int32Array.from(new Set(scored.map((item) => rowOf(item.pos)))).sort();
      return { forward, bases, fetchStart, rowOf, scored, input, rows, span: end - start };
    },
    ({ forward, bases, fetchStart, rowOf, scored, rows }, logp) => {
      // logp: (rows, V)
      const rowIndex = new Map(Array.from(rows, (row, i) => [row, i]));
      const onStrand = (base: string) => (forward ? base : reverseComplement(base));
      for (const item of scored) {
        const refBase = bases[item.pos - fetchStart]!;
        const altBase = item.alt ?? altKmer(calls[item.call]!, item.pos, bases, fetchStart, 1);
        if (!isAcgt(refBase) || !isAcgt(altBase) || refBase === altBase) continue;
        const row = rowIndex.get(rowOf(item.pos))! * V;
        const refId = vocab.tokenToId(onStrand(refBase));
        const altId = vocab.tokenToId(onStrand(altBase));
        sums[item.call]!.total += logp[row + altId]! - logp[row + refId]!;
        sums[item.call]!.n++;
      }
    },
    options,
  );
  return {
    llr: sums.map((s) => (s.n === 0 ? undefined : s.total / s.n)),
    windows: new Set([...groups.values()].map((g) => `${g.contig}\t${g.g}`)).size,
    passes,
    basesRead,
  };
}

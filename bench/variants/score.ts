/**
 * Scoring of the `locus variants` benchmark: every caller's VCF is brought to one representation and
 * compared with the truth allele by allele, for SNVs and indels apart, with bootstrap intervals.
 *
 * Representation: `bcftools norm -a` (atomize: freebayes writes MNPs and complex alleles), then
 * `bcftools norm -f REF -m -any` (split, left-align, trim), PASS (or unfiltered '.') records whose
 * sample genotype carries the allele (for freebayes --pooled-continuous, every record: in that mode it
 * reports an allele by writing it, with genotype 0/0 and QUAL near 0 when the allele is rare). A call matches the truth when CHROM, POS, REF and ALT are equal
 * after that: the exact-match comparison of hap.py's "vcfeval off" mode, which is strict for indels in
 * repeats, and equally strict for every caller.
 *
 * Intervals: the genome is cut into 100 kb blocks; blocks are drawn with replacement (1000 draws,
 * seeded) and F1 recomputed, giving a percentile 95% interval per caller and, paired on the same draws,
 * for the difference between two callers.
 */
import { Random } from '../../src/tokenize/random.js';
import { sh, shellQuote } from './shell.js';

export type VariantClass = 'snv' | 'indel';

export interface Allele {
  contig: string;
  pos: number;
  ref: string;
  alt: string;
  qual: number;
}

export const alleleKey = (a: Pick<Allele, 'contig' | 'pos' | 'ref' | 'alt'>): string =>
  `${a.contig}:${a.pos}:${a.ref}:${a.alt}`;

export const classOf = (a: Pick<Allele, 'ref' | 'alt'>): VariantClass =>
  a.ref.length === 1 && a.alt.length === 1 ? 'snv' : 'indel';

/** The normalised, passing, carried alleles of a VCF (bcftools does the normalising). */
export function readCalls(
  vcf: string,
  reference: string,
  options: { minQual?: number; anyGenotype?: boolean } = {},
): Allele[] {
  const [v, ref] = [shellQuote(vcf), shellQuote(reference)];
  const qual = options.minQual === undefined ? '' : ` && QUAL>=${options.minQual}`;
  // A pooled caller reports an allele by writing its record; its genotype then means nothing.
  const genotype = options.anyGenotype ? '' : 'GT="alt" && ';
  const text = sh(
    `bcftools norm -a -Ou ${v} 2>/dev/null | bcftools norm -f ${ref} -m -any -Ou 2>/dev/null | ` +
      `bcftools view -i '${genotype}(FILTER="PASS" || FILTER=".")${qual}' -Ou | ` +
      `bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%QUAL\\n'`,
  );
  const seen = new Set<string>();
  const alleles: Allele[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [contig, pos, refAllele, alt, q] = line.split('\t') as [string, string, string, string, string];
    if (alt === '*' || alt === '<*>' || alt === '.') continue;
    const allele = {
      contig,
      pos: Number(pos),
      ref: refAllele,
      alt,
      qual: q === '.' ? Number.NaN : Number(q),
    };
    // Atomizing can leave two records of one allele (an MNP and an SNV at the same base): count once.
    const key = alleleKey(allele);
    if (seen.has(key)) continue;
    seen.add(key);
    alleles.push(allele);
  }
  return alleles;
}

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface ClassScore extends Counts {
  precision: number;
  recall: number;
  f1: number;
  /** Percentile 95% bootstrap interval of F1 over 100 kb blocks. */
  f1Interval: [number, number];
}

export const f1Of = (c: Counts): number => (c.tp === 0 ? 0 : (2 * c.tp) / (2 * c.tp + c.fp + c.fn));

export const BLOCK_BASES = 100_000;
export const BOOTSTRAP_DRAWS = 1000;

/** Per-block counts of one caller for one class: the unit that the bootstrap resamples. */
export interface BlockedCounts {
  /** Blocks in a fixed order (contig, start), shared by every caller scored against the same truth. */
  blocks: Counts[];
}

/** The genome's blocks as `contig:index` keys, in order. */
export function blockKeys(contigs: readonly { name: string; length: number }[]): string[] {
  const keys: string[] = [];
  for (const c of contigs) {
    for (let i = 0; i * BLOCK_BASES < c.length; i++) keys.push(`${c.name}:${i}`);
  }
  return keys;
}

const blockOf = (a: Allele): string => `${a.contig}:${Math.floor((a.pos - 1) / BLOCK_BASES)}`;

/** Truth against calls, for one class, counted per block. */
export function countByBlock(
  truth: readonly Allele[],
  calls: readonly Allele[],
  kind: VariantClass,
  keys: readonly string[],
): BlockedCounts {
  const index = new Map(keys.map((k, i) => [k, i]));
  const blocks: Counts[] = keys.map(() => ({ tp: 0, fp: 0, fn: 0 }));
  const at = (a: Allele) => {
    const i = index.get(blockOf(a));
    if (i === undefined) throw new Error(`${a.contig}:${a.pos} is outside the reference's contigs`);
    return blocks[i]!;
  };
  const truthKeys = new Set(truth.filter((a) => classOf(a) === kind).map(alleleKey));
  const callKeys = new Set<string>();
  for (const c of calls) {
    if (classOf(c) !== kind) continue;
    callKeys.add(alleleKey(c));
    if (truthKeys.has(alleleKey(c))) at(c).tp++;
    else at(c).fp++;
  }
  for (const t of truth) {
    if (classOf(t) === kind && !callKeys.has(alleleKey(t))) at(t).fn++;
  }
  return { blocks };
}

const sum = (blocks: readonly Counts[], weights?: readonly number[]): Counts => {
  const total = { tp: 0, fp: 0, fn: 0 };
  blocks.forEach((b, i) => {
    const w = weights ? weights[i]! : 1;
    total.tp += w * b.tp;
    total.fp += w * b.fp;
    total.fn += w * b.fn;
  });
  return total;
};

/** How many times each block is drawn, per bootstrap draw (the same draws for every caller). */
export function bootstrapWeights(blockCount: number, seed: number, draws = BOOTSTRAP_DRAWS): Uint16Array[] {
  const random = new Random(seed);
  return Array.from({ length: draws }, () => {
    const w = new Uint16Array(blockCount);
    for (let i = 0; i < blockCount; i++) w[random.nextInt(blockCount)]!++;
    return w;
  });
}

const percentile = (sorted: readonly number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;

const interval = (values: number[]): [number, number] => {
  values.sort((a, b) => a - b);
  return [percentile(values, 0.025), percentile(values, 0.975)];
};

export function scoreClass(counts: BlockedCounts, weights: readonly Uint16Array[]): ClassScore {
  const total = sum(counts.blocks);
  const precision = total.tp + total.fp === 0 ? 0 : total.tp / (total.tp + total.fp);
  const recall = total.tp + total.fn === 0 ? 0 : total.tp / (total.tp + total.fn);
  const f1s = weights.map((w) => f1Of(sum(counts.blocks, Array.from(w))));
  return { ...total, precision, recall, f1: f1Of(total), f1Interval: interval(f1s) };
}

/** F1(a) - F1(b) with its paired bootstrap interval (same blocks drawn for both). */
export function f1Difference(
  a: BlockedCounts,
  b: BlockedCounts,
  weights: readonly Uint16Array[],
): { difference: number; interval: [number, number] } {
  const difference = f1Of(sum(a.blocks)) - f1Of(sum(b.blocks));
  const draws = weights.map((w) => {
    const ws = Array.from(w);
    return f1Of(sum(a.blocks, ws)) - f1Of(sum(b.blocks, ws));
  });
  return { difference, interval: interval(draws) };
}

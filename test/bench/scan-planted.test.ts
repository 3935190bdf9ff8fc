/**
 * The planted-island genome builder (bench/scan/planted.ts): the dinucleotide shuffle keeps every
 * pair count and is uniform over the sequences that share them; pieces, gaps and insertions land
 * where the truth says.
 */
import { describe, expect, it } from 'vitest';
import {
  dinucleotideCounts,
  dinucleotideShuffle,
  gcFraction,
  insertSegments,
  partitionLengths,
  placePieces,
  plantGenome,
  reverseComplement,
  spacedPositions,
  stratifiedLengths,
  type ClassSpec,
} from '../../bench/scan/planted.js';
import { concatenateDm3 } from '../../bench/scan/donors.js';
import { Random } from '../../src/tokenize/random.js';

function randomDna(n: number, rng: Random, alphabet = 'ACGT'): string {
  return Array.from({ length: n }, () => alphabet[rng.nextInt(alphabet.length)]).join('');
}

describe('dinucleotideShuffle', () => {
  it('keeps every dinucleotide count and the first and last base', () => {
    const rng = new Random(1);
    for (const n of [3, 10, 101, 5000]) {
      const seq = randomDna(n, rng);
      const shuffled = dinucleotideShuffle(seq, rng);
      expect(shuffled).toHaveLength(n);
      expect(shuffled[0]).toBe(seq[0]);
      expect(shuffled[n - 1]).toBe(seq[n - 1]);
      expect(dinucleotideCounts(shuffled)).toEqual(dinucleotideCounts(seq));
    }
  });

  it('changes a long sequence, the same way for the same seed', () => {
    const seq = randomDna(2000, new Random(2));
    const a = dinucleotideShuffle(seq, new Random(3));
    expect(a).not.toBe(seq);
    expect(dinucleotideShuffle(seq, new Random(3))).toBe(a);
    expect(dinucleotideShuffle(seq, new Random(4))).not.toBe(a);
  });

  it('handles short and one-letter sequences, and skewed compositions', () => {
    const rng = new Random(5);
    expect(dinucleotideShuffle('', rng)).toBe('');
    expect(dinucleotideShuffle('AC', rng)).toBe('AC');
    expect(dinucleotideShuffle('AAAAAA', rng)).toBe('AAAAAA');
    const skewed = 'AAAAAAAAAAAAAAAACAAAAAAAAAAAAAGAAAAAAAAT';
    expect(dinucleotideCounts(dinucleotideShuffle(skewed, rng))).toEqual(dinucleotideCounts(skewed));
  });

  it('draws every sequence with the same pair counts equally often', () => {
    // All 4^8 sequences with the same first letter and pair counts as the input (the last letter follows).
    const seq = 'ACAGTACG';
    const target = JSON.stringify([...dinucleotideCounts(seq)].sort());
    const valid = new Set<string>();
    for (let code = 0; code < 4 ** seq.length; code++) {
      let s = '';
      for (let i = 0, c = code; i < seq.length; i++, c = Math.floor(c / 4)) s += 'ACGT'[c % 4];
      if (s[0] === seq[0] && JSON.stringify([...dinucleotideCounts(s)].sort()) === target) valid.add(s);
    }
    expect(valid.size).toBeGreaterThan(3);
    const draws = 20_000;
    const counts = new Map<string, number>();
    const rng = new Random(6);
    for (let i = 0; i < draws; i++) {
      const s = dinucleotideShuffle(seq, rng);
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(new Set(counts.keys())).toEqual(valid);
    // Chi-square against uniform; the 0.999 quantile for <= 20 degrees of freedom is below 46.
    const expected = draws / valid.size;
    const chi2 = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(valid.size - 1).toBeLessThanOrEqual(20);
    expect(chi2).toBeLessThan(46);
  });
});

describe('sequence helpers', () => {
  it('reverse-complements and measures GC', () => {
    expect(reverseComplement('AACGTN')).toBe('NACGTT');
    expect(() => reverseComplement('ACu')).toThrow(TypeError);
    expect(gcFraction('GGCA')).toBe(0.75);
    expect(gcFraction('ggNNat')).toBe(0.5);
    expect(gcFraction('NNN')).toBeNaN();
  });
});

describe('placement', () => {
  it('spaces positions at least minGap apart inside [low, high]', () => {
    const rng = new Random(8);
    for (let trial = 0; trial < 50; trial++) {
      const p = spacedPositions(10, 100, 2000, 150, rng);
      expect(p[0]).toBeGreaterThanOrEqual(100);
      expect(p[9]).toBeLessThanOrEqual(2000);
      for (let i = 1; i < p.length; i++) expect(p[i]! - p[i - 1]!).toBeGreaterThanOrEqual(150);
    }
    expect(() => spacedPositions(10, 0, 100, 50, rng)).toThrow(/no room/);
  });

  it('lays pieces without overlap inside the sequence', () => {
    const rng = new Random(9);
    const lengths = [30, 5, 12, 40];
    for (let trial = 0; trial < 50; trial++) {
      const starts = placePieces(100, lengths, rng);
      const spans = starts.map((s, i) => [s, s + lengths[i]!] as const).sort((a, b) => a[0] - b[0]);
      expect(spans[0]![0]).toBeGreaterThanOrEqual(0);
      expect(spans[spans.length - 1]![1]).toBeLessThanOrEqual(100);
      for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThanOrEqual(spans[i - 1]![1]);
    }
  });

  it('spreads lengths over the range and tiles a donor with partitions', () => {
    const rng = new Random(10);
    const lengths = stratifiedLengths(6, 5000, 30000, rng);
    expect([...lengths].sort((a, b) => a - b).map((l) => Math.floor((l - 5000) / (25000 / 6)))).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
    const parts = partitionLengths(48502, 6, 5000, rng);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(48502);
    for (const p of parts) expect(p).toBeGreaterThanOrEqual(5000);
  });

  it('inserts segments and reports their coordinates in the new genome', () => {
    const { genome, placed } = insertSegments('0123456789', [
      { position: 7, sequence: 'bb' },
      { position: 2, sequence: 'aaa' },
      { position: 10, sequence: 'c' },
    ]);
    expect(genome).toBe('01aaa23456bb789c');
    expect(placed).toEqual([
      { start: 10, end: 12 },
      { start: 2, end: 5 },
      { start: 15, end: 16 },
    ]);
  });
});

describe('plantGenome', () => {
  const rng = new Random(11);
  const host = randomDna(200_000, rng);
  const donorSeq = randomDna(50_000, rng, 'GGCCAT');
  const specs: ClassSpec[] = [
    {
      class: 'high_gc',
      donor: { id: 'd', records: [{ name: 'r', sequence: donorSeq.slice(1000), offset: 1000 }] },
      count: 3,
      cut: 'spread',
    },
    {
      class: 'shuffled_host',
      donor: { id: 'h', records: [{ name: 'host', sequence: host, offset: 0 }] },
      count: 2,
      cut: 'spread',
      shuffle: true,
    },
  ];
  const options = { seed: 12, minLength: 1000, maxLength: 5000, minGap: 20_000, margin: 5000 };
  const { genome, segments } = plantGenome(host, specs, options);

  it('puts each donor piece, or its reverse complement, at its truth coordinates', () => {
    expect(segments).toHaveLength(5);
    for (const s of segments.filter((x) => !x.shuffled)) {
      const piece = donorSeq.slice(s.donorStart, s.donorEnd);
      const inGenome = genome.slice(s.start, s.end);
      expect(s.orientation === '+' ? inGenome : reverseComplement(inGenome)).toBe(piece);
      expect(s.donorStart).toBeGreaterThanOrEqual(1000);
    }
    for (const s of segments.filter((x) => x.shuffled)) {
      const piece = host.slice(s.donorStart, s.donorEnd);
      const inGenome = genome.slice(s.start, s.end);
      const forward = s.orientation === '+' ? inGenome : reverseComplement(inGenome);
      expect(dinucleotideCounts(forward)).toEqual(dinucleotideCounts(piece));
    }
  });

  it('leaves the host intact between segments, spaced and sorted', () => {
    let rest = '';
    let at = 0;
    for (const s of segments) {
      rest += genome.slice(at, s.start);
      at = s.end;
    }
    expect(rest + genome.slice(at)).toBe(host);
    for (let i = 1; i < segments.length; i++) {
      expect(segments[i]!.hostPosition - segments[i - 1]!.hostPosition).toBeGreaterThanOrEqual(20_000);
    }
  });

  it('is the same genome for the same seed and another for another seed', () => {
    expect(plantGenome(host, specs, options).genome).toBe(genome);
    expect(plantGenome(host, specs, { ...options, seed: 13 }).genome).not.toBe(genome);
  });
});

describe('concatenateDm3', () => {
  const record = (name: string, where: string, sequence: string) => ({ name, description: where, sequence });
  it('joins records of one arm in file order, skipping overlaps, N and other arms', () => {
    const records = [
      record('T1_up_4_chr2L_11_f', 'chr2L:11-14', 'AAAA'),
      record('T2_up_4_chr2L_11_f', 'chr2L:11-14', 'AAAA'), // same region as T1
      record('T3_up_4_chr2R_1_f', 'chr2R:1-4', 'CCCC'), // other arm
      record('T4_up_4_chr2L_13_r', 'chr2L:13-16', 'GGGG'), // overlaps T1 by two bases
      record('T5_up_4_chr2L_31_f', 'chr2L:31-34', 'ACNT'), // has N
      record('T6_up_4_chr2L_41_r', 'chr2L:41-44', 'TTTT'),
      record('T7_up_4_chr2L_51_f', 'chr2L:51-54', 'GGCC'), // not needed: 8 bases reached
    ];
    const { sequence, parts } = concatenateDm3(records, 'chr2L', 8);
    expect(sequence).toBe('AAAATTTT');
    expect(parts).toEqual([
      { transcript: 'T1', chrom: 'chr2L', start: 10, end: 14, strand: '+', offset: 0 },
      { transcript: 'T6', chrom: 'chr2L', start: 40, end: 44, strand: '-', offset: 4 },
    ]);
    expect(() => concatenateDm3(records, 'chr2L', 100)).toThrow(/only 12 bases/);
  });
});

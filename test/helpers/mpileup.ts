/** Turn `samtools mpileup` text into the same counts `locus pileup` reports, for differential tests. */
export interface PositionCounts {
  depth: number;
  A: number;
  C: number;
  G: number;
  T: number;
  N: number;
  del: number;
  ins: number;
}

/** Counts from one mpileup bases column. `.`/`,` are the reference base; `*`/`#` deletions. */
export function countBases(bases: string, ref: string): Omit<PositionCounts, 'depth'> {
  const c = { A: 0, C: 0, G: 0, T: 0, N: 0, del: 0, ins: 0 };
  const refBase = ref.toUpperCase();
  for (let i = 0; i < bases.length;) {
    const ch = bases[i]!;
    if (ch === '^') {
      i += 2;
      continue;
    }
    if (ch === '$') {
      i++;
      continue;
    }
    if (ch === '+' || ch === '-') {
      let j = i + 1;
      let digits = '';
      while (/[0-9]/.test(bases[j] ?? '')) digits += bases[j++];
      if (ch === '+') c.ins++;
      i = j + Number(digits);
      continue;
    }
    if (ch === '.' || ch === ',') {
      if (refBase === 'A' || refBase === 'C' || refBase === 'G' || refBase === 'T') c[refBase]++;
      else c.N++;
    } else if (ch === '*' || ch === '#') c.del++;
    else if (ch !== '<' && ch !== '>') {
      const u = ch.toUpperCase();
      if (u === 'A' || u === 'C' || u === 'G' || u === 'T') c[u]++;
      else c.N++;
    }
    i++;
  }
  return c;
}

/** Parse `samtools mpileup` output (one BAM) into counts keyed by `chrom:pos`. */
export function parseMpileup(text: string): Map<string, PositionCounts> {
  const out = new Map<string, PositionCounts>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [chrom, pos, ref, depth, bases] = line.split('\t') as [string, string, string, string, string];
    const d = Number(depth);
    out.set(`${chrom}:${pos}`, { depth: d, ...countBases(d > 0 ? bases : '', ref) });
  }
  return out;
}

/** Parse `locus pileup` TSV into the same shape. */
export function parseLocusPileup(text: string): Map<string, PositionCounts> {
  const out = new Map<string, PositionCounts>();
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const f = line.split('\t');
    const n = (i: number) => Number(f[i]);
    out.set(`${f[0]}:${f[1]}`, {
      depth: n(3),
      A: n(4),
      C: n(5),
      G: n(6),
      T: n(7),
      N: n(8),
      del: n(9),
      ins: n(10),
    });
  }
  return out;
}

/**
 * Running and reading the peers of `locus motifs` (bench/motifs/peers.ts): ELPH and GLAM2 outputs,
 * captured from the real tools on TINY below, and the tools themselves when installed (skipped
 * otherwise; every live run here takes well under a second).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { reverseComplement } from '../../src/tokenize/reverse-complement.js';
import {
  glam2AlignmentCounts,
  glam2Args,
  glam2Motif,
  mapDoubledSite,
  parseElphOutput,
  parseGlam2Output,
  runElph,
  runGlam2,
  runMeasured,
  type PeerSite,
} from '../../bench/motifs/peers.js';
import { hasTool } from '../helpers/tools.js';

// Five sequences, each with an AP-1 site (TGASTCA), some written on the reverse strand.
const TINY = `>s1
ACGTTAGCATGACTCATTAGCCGATTAGC
>s2
TTAGGCATCGATGAGTCATCCAGTTACGA
>s3
GCTAGCTTGACTCATGCAAGGTTCAGCTA
>s4
CAGGTACCTAGTCATAGCTGACTCACGAT
>s5
ATGAGTCATGCTAGCCTAGGATCCAGTGA
`;

const RECORDS = new Map(
  TINY.trim()
    .split('>')
    .filter(Boolean)
    .map((block) => {
      const [name, ...lines] = block.trim().split('\n');
      return [name!, lines.join('')] as const;
    }),
);

/** Each site's text is the record's bases at its coordinates, read on its strand. */
function expectSitesMatchRecords(sites: readonly PeerSite[]): void {
  expect(sites.length).toBeGreaterThan(0);
  for (const site of sites) {
    const forward = RECORDS.get(site.sequence)!.slice(site.start, site.end);
    expect(site.strand === '+' ? forward : reverseComplement(forward)).toBe(site.text);
  }
}

// `elph tiny.fa LEN=7 -s 1` (ELPH 1.0.1, Debian), stdout.
const ELPH_OUTPUT = `

**********************

Motif after optimizing
MAP for motif: 45.021 InfoPar=0.403

Motif found:

Background probability model:
   a      c      g      t   
   0.27   0.23   0.23   0.26

Background counts:
a: 39
c: 34
g: 34
t: 38


Motif probability model:
Pos:     1     2     3     4     5     6     7 
a     0.00  0.00  1.00  0.00  0.00  0.00  1.00 
c     0.00  0.00  0.00  0.60  0.00  1.00  0.00 
g     0.00  1.00  0.00  0.40  0.00  0.00  0.00 
t     1.00  0.00  0.00  0.00  1.00  0.00  0.00 
------------------------------------------------
Info  1.97  2.03  1.92  1.09  1.97  2.08  1.92 

Motif counts:
a:               0               0               5               0               0               0               5 
c:               0               0               0               3               0               5               0 
g:               0               5               0               2               0               0               0 
t:               5               0               0               0               5               0               0 


    Seq.no  Pos ***** Motif   ***** Prob    D Seq.Id
         1   10 tagca TGACTCA ttagc 0.6000 -1 s1
         2   12 atcga TGAGTCA tccag 0.4000 -1 s2
         3    8 tagct TGACTCA tgcaa 0.6000 -1 s3
         4   19 atagc TGACTCA cgat  0.6000 -1 s4
         5    2     a TGAGTCA tgcta 0.4000 -1 s5
`;

// `glam2 -2 -q 1 -s 1 -r 2 -n 200 n tiny.fa` (GLAM2 1064, Debian), stdout. The second alignment has a
// key column that is all deletions (column 5) and the first an insertion (row "1 -8.30").
const GLAM2_OUTPUT = `GLAM2: Gapped Local Alignment of Motifs
Version 1064

glam2 -2 -q 1 -s 1 -r 2 -n 200 n tiny.fa
Sequences: 5
Greatest sequence length: 29
Residue counts: a=77 c=68 g=68 t=77 N=0

Score: 31.4550  Columns: 19  Sequences: 5

                **********.*********
s1            9 atgactcattagccgattag 28 + 3.68
s2           19 atgactcatc.gatgcctaa  1 - 17.9
s3            7 ttgactcatg.caaggttca 25 + 9.60
s4           26 gtgagtcagc.tatgactag  8 - 10.6
s5            1 atgagtcatg.ctagcctag 19 + 15.4

                atgactcatc caagactag
                g   g   gg gct ct ca
                t        t ttc g    

 a  c  g  t Del Ins Score
 3  0  1  1   0     -1.27
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 0  0  5  0   0      5.99
                  0 -0.0655
 5  0  0  0   0      5.10
                  0 -0.0655
 0  3  2  0   0      1.25
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 0  5  0  0   0      5.99
                  0 -0.0655
 5  0  0  0   0      5.10
                  0 -0.0655
 0  0  1  4   0      1.82
                  0 -0.0655
 0  2  2  1   0     -1.51
                  1 -8.30
 0  2  2  1   0     -1.51
                  0 -0.0655
 3  1  0  1   0     -1.27
                  0 -0.0655
 2  1  0  2   0     -2.04
                  0 -0.0655
 0  0  5  0   0      5.99
                  0 -0.0655
 2  2  1  0   0     -1.69
                  0 -0.0655
 0  3  0  2   0      0.895
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 4  1  0  0   0      1.82
                  0 -0.0655
 2  0  3  0   0      0.895

Score: 28.0218  Columns: 20  Sequences: 5

                ********************
s1           28 ctaa.tcggctaatgagtca 10 - 10.6
s2            1 ttag.gcatcga.tgagtca 18 + 13.1
s3           26 ctga.accttgcatgagtca  8 - 11.1
s4            8 ctag.tcatagc.tgactca 25 + 16.2
s5           19 ctag.gc.tagcatgactca  2 - 13.7

                ctag gcatagcatgagtca
                t ga t cgcta    c   
                     a g t          

 a  c  g  t Del Ins Score
 0  4  0  1   0      2.35
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 4  0  1  0   0      1.82
                  0 -0.0655
 2  0  3  0   0      0.895
                  0 -0.0655
 0  0  0  0   5     -8.14
                  0 -0.0655
 1  0  2  2   0     -1.87
                  0 -0.0655
 0  5  0  0   0      5.99
                  0 -0.0655
 2  1  1  0   1     -7.69
                  0 -0.0655
 0  0  1  4   0      1.82
                  0 -0.0655
 2  2  0  1   0     -1.87
                  0 -0.0655
 0  0  4  1   0      2.35
                  0 -0.0655
 2  3  0  0   0      0.895
                  0 -0.0655
 3  0  0  0   2     -6.03
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 0  0  5  0   0      5.99
                  0 -0.0655
 5  0  0  0   0      5.10
                  0 -0.0655
 0  2  3  0   0      1.25
                  0 -0.0655
 0  0  0  5   0      5.10
                  0 -0.0655
 0  5  0  0   0      5.99
                  0 -0.0655
 5  0  0  0   0      5.10

`;

describe('parseElphOutput', () => {
  it('reads the motif counts (columns A C G T), the MAP and the sites (1-based Pos -> 0-based)', () => {
    const out = parseElphOutput(ELPH_OUTPUT, 'elph.txt');
    expect(out.counts).toEqual([
      [0, 0, 0, 5],
      [0, 0, 5, 0],
      [5, 0, 0, 0],
      [0, 3, 2, 0],
      [0, 0, 0, 5],
      [0, 5, 0, 0],
      [5, 0, 0, 0],
    ]);
    expect(out.map).toBe(45.021);
    expect(out.sites).toHaveLength(5);
    expect(out.sites[0]).toEqual({ index: 1, sequence: 's1', start: 9, text: 'TGACTCA', probability: 0.6 });
    // A site one base from the start (left flank "a") and one with a short right flank ("cgat").
    expect(out.sites[4]).toMatchObject({ sequence: 's5', start: 1, text: 'TGAGTCA' });
    expect(out.sites[3]).toMatchObject({ sequence: 's4', start: 18, text: 'TGACTCA' });
    for (const s of out.sites) expect(RECORDS.get(s.sequence)!.slice(s.start, s.start + 7)).toBe(s.text);
  });

  it('rejects text that is not ELPH output', () => {
    expect(() => parseElphOutput('hello\n', 'x.txt')).toThrow(LocusInputError);
    expect(() => parseElphOutput('Motif counts:\na: 1 2\nc: 1\ng: 1 2\nt: 1 2\n', 'x.txt')).toThrow(
      /one width/,
    );
  });
});

describe('mapDoubledSite (ELPH given sequence + N spacer + reverse complement)', () => {
  // length 20, gap 10, width 5: forward part [0, 20), spacer [20, 30), reverse part [30, 50).
  it('maps both halves to forward-strand coordinates and drops sites on the spacer', () => {
    expect(mapDoubledSite(0, 5, 20, 10)).toEqual({ start: 0, strand: '+' });
    expect(mapDoubledSite(15, 5, 20, 10)).toEqual({ start: 15, strand: '+' });
    expect(mapDoubledSite(16, 5, 20, 10)).toBeUndefined();
    expect(mapDoubledSite(29, 5, 20, 10)).toBeUndefined();
    // Reverse part offset 0 = the reverse complement of the record's last 5 bases.
    expect(mapDoubledSite(30, 5, 20, 10)).toEqual({ start: 15, strand: '-' });
    expect(mapDoubledSite(45, 5, 20, 10)).toEqual({ start: 0, strand: '-' });
    expect(mapDoubledSite(46, 5, 20, 10)).toBeUndefined();
  });
});

describe('parseGlam2Output', () => {
  const alignments = parseGlam2Output(GLAM2_OUTPUT, 'glam2.txt');

  it('reads every alignment, best first, with its sites on the forward strand', () => {
    expect(alignments.map((a) => [a.score, a.columns, a.sequences])).toEqual([
      [31.455, 19, 5],
      [28.0218, 20, 5],
    ]);
    const best = alignments[0]!;
    expect(best.keys).toBe('**********.*********');
    expect(best.sites[0]).toEqual({
      sequence: 's1',
      aligned: 'atgactcattagccgattag',
      start: 8,
      end: 28,
      strand: '+',
      marginalScore: 3.68,
    });
    // '-' sites: glam2 prints them from their 5' end down ("19 ... 1").
    expect(best.sites[1]).toMatchObject({ sequence: 's2', start: 0, end: 19, strand: '-' });
    for (const a of alignments) {
      for (const s of a.sites) {
        const forward = RECORDS.get(s.sequence)!.slice(s.start, s.end);
        const residues = s.aligned.replace(/\./g, '').toUpperCase();
        expect(s.strand === '+' ? forward : reverseComplement(forward)).toBe(residues);
      }
    }
  });

  it("rebuilds glam2's count table from the aligned key columns (gaps and insertions left out)", () => {
    for (const a of alignments) {
      expect(a.counts).toHaveLength(a.columns);
      expect(glam2AlignmentCounts(a)).toEqual(a.counts);
    }
    expect(alignments[1]!.counts[4]).toEqual([0, 0, 0, 0]);
    expect(alignments[1]!.deletions[4]).toBe(5);
  });

  it('turns an alignment into a Motif; an all-deletion column becomes uniform', () => {
    const best = glam2Motif(alignments[0]!, 1);
    expect(best.name).toBe('glam2-1');
    expect(best.id).toBe('1-ATGACTCATCCAAGACTAG');
    expect(best.sites).toBe(5);
    expect(best.matrix[1]).toEqual([0, 0, 0, 1]);
    expect(glam2Motif(alignments[1]!, 2).matrix[4]).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('rejects text that is not glam2 output', () => {
    expect(() => parseGlam2Output('Score: 1 Columns: 2 Sequences: 3\n', 'x.txt')).toThrow(/not glam2 output/);
    const cut = GLAM2_OUTPUT.split('\n').slice(0, 20).join('\n');
    expect(() => parseGlam2Output(cut, 'x.txt')).toThrow(/count table|count rows/);
  });

  it('builds the documented command line', () => {
    expect(glam2Args('in.fa')).toEqual(['glam2', '-2', '-q', '1', '-s', '1', 'n', 'in.fa']);
    expect(
      glam2Args('in.fa', { seed: 7, runs: 2, iterations: 200, initialWidth: 12, bothStrands: false }),
    ).toEqual(['glam2', '-q', '1', '-r', '2', '-n', '200', '-w', '12', '-s', '7', 'n', 'in.fa']);
  });
});

const hasTime = hasTool('/usr/bin/time') && hasTool('timeout');
const dir = mkdtempSync(join(tmpdir(), 'locus-peers-'));
const tinyPath = join(dir, 'tiny.fa');
writeFileSync(tinyPath, TINY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTime)('runMeasured (GNU time + timeout)', () => {
  it('records CPU time and peak RSS, and ends a command that runs too long', () => {
    const ok = runMeasured(['true'], { timeoutSeconds: 10 });
    expect(ok).toMatchObject({ exitCode: 0, timedOut: false });
    expect(ok.peakRssBytes).toBeGreaterThan(0);
    expect(Number.isFinite(ok.cpuSeconds)).toBe(true);
    const slow = runMeasured(['sleep', '30'], { timeoutSeconds: 1 });
    expect(slow.timedOut).toBe(true);
    expect(slow.seconds).toBeLessThan(10);
    expect(() => runMeasured(['no-such-tool-locus'], { timeoutSeconds: 5 })).toThrow(
      /cannot run no-such-tool-locus/,
    );
  });
});

describe.skipIf(!hasTime || !hasTool('elph'))('runElph on the tiny input (skipped without elph)', () => {
  it('finds the AP-1 site on both strands, reproducibly from its seed', () => {
    const a = runElph(tinyPath, { width: 7, seed: 1, timeoutSeconds: 30 });
    const b = runElph(tinyPath, { width: 7, seed: 1, timeoutSeconds: 30 });
    expect(a.output).toBe(b.output);
    expect(a.stats.timedOut).toBe(false);
    expect(a.stats.peakRssBytes).toBeGreaterThan(0);
    expect(a.motifs).toHaveLength(1);
    expect(a.motifs[0]!.name).toBe('elph-1');
    expect(a.motifs[0]!.matrix).toHaveLength(7);
    expect(a.motifs[0]!.sites).toBe(5);
    expectSitesMatchRecords(a.sites);
    expect(a.sites.map((s) => s.text)).toContain('TGACTCA');
  });

  it('runs forward only when asked', () => {
    const fwd = runElph(tinyPath, { width: 7, seed: 1, bothStrands: false, timeoutSeconds: 30 });
    expect(fwd.sites.every((s) => s.strand === '+')).toBe(true);
    expectSitesMatchRecords(fwd.sites);
  });
});

describe.skipIf(!hasTime || !hasTool('glam2'))('runGlam2 on the tiny input (skipped without glam2)', () => {
  it('parses its alignments into motifs and sites on both strands', () => {
    const r = runGlam2(tinyPath, { seed: 1, runs: 2, iterations: 200, timeoutSeconds: 30 });
    expect(r.stats.timedOut).toBe(false);
    expect(r.motifs).toHaveLength(2);
    expect(r.motifs[0]!.name).toBe('glam2-1');
    expectSitesMatchRecords(r.sites);
    // Every alignment's sites come back, each under its motif's id.
    const alignments = parseGlam2Output(r.output, 'live');
    alignments.forEach((alignment, i) => {
      expect(r.sites.filter((s) => s.motifId === r.motifs[i]!.id)).toHaveLength(alignment.sites.length);
    });
  });
});

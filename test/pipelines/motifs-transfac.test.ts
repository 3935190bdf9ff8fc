/**
 * JASPAR TRANSFAC matrices (pipelines/motifs/transfac.ts) and the MEME database built from them
 * (reference/motifs/, bench/motifs/make-jaspar-reference.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { parseMeme } from '../../pipelines/motifs/meme-format.js';
import { parseTransfac, parseTransfacEntries } from '../../pipelines/motifs/transfac.js';
import { ROOT, SHARED_DATA } from '../helpers/paths.js';
import { pythonWith } from '../helpers/tools.js';

// Two records as JASPAR writes them (tabs, XX separators, CC comments); the second has fractional
// counts whose rows do not sum to the same total, as ChIP-seq-derived JASPAR matrices do.
const TWO = `AC MA0013.1
XX
ID br
XX
DE MA0013.1 br ; From JASPAR
PO\tA\tC\tG\tT
01\t1.0\t1.0\t0.0\t4.0
02\t4.0\t0.0\t0.0\t2.0
03\t2.0\t0.0\t4.0\t0.0
XX
CC tax_group:insects
CC tf_family:Other factors with up to three adjacent zinc fingers
CC data_type:COMPILED
XX
//
AC MA9999.1
XX
ID FOS::JUN
XX
PO\tA\tC\tG\tT
01\t2.5\t2.5\t0.0\t5.0
02\t0.0\t9.6\t0.0\t0.0
XX
//
`;

function expectInputError(text: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    parseTransfac(text, 'bad.transfac');
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(LocusInputError);
  expect((caught as LocusInputError).input).toBe('bad.transfac');
  expect((caught as Error).message).toMatch(/"bad.transfac"/);
  expect((caught as Error).message).toMatch(pattern);
}

describe('parseTransfac', () => {
  it('reads accession, name, counts normalised per row, sites and the JASPAR URL', () => {
    const motifs = parseTransfac(TWO, 'two.transfac');
    expect(motifs).toHaveLength(2);
    expect(motifs[0]).toEqual({
      id: 'MA0013.1',
      name: 'br',
      matrix: [
        [1 / 6, 1 / 6, 0, 4 / 6],
        [4 / 6, 0, 0, 2 / 6],
        [2 / 6, 0, 4 / 6, 0],
      ],
      sites: 6,
      url: 'https://jaspar.elixir.no/matrix/MA0013.1/',
    });
    expect(motifs[1]!.name).toBe('FOS::JUN');
    expect(motifs[1]!.matrix).toEqual([
      [0.25, 0.25, 0, 0.5],
      [0, 1, 0, 0],
    ]);
    expect(motifs[1]!.sites).toBe(10);
  });

  it('keeps CC key:value comments', () => {
    const [first, second] = parseTransfacEntries(TWO, 'two.transfac');
    expect(first!.comments).toMatchObject({ tax_group: 'insects', data_type: 'COMPILED' });
    expect(second!.comments).toEqual({});
  });

  it('accepts TRANSFAC proper: P0 header, letters in another order, a consensus column, CRLF', () => {
    const text =
      'AC M00001\r\nNA MyoD\r\nP0      T     G     C     A\r\n01      1     2     3     4      A\r\n//\r\n';
    const [m] = parseTransfac(text, 'x.dat');
    expect(m!.name).toBe('MyoD');
    expect(m!.url).toBeUndefined(); // not a JASPAR matrix ID
    expect(m!.matrix).toEqual([[0.4, 0.3, 0.2, 0.1]]);
  });

  it('rejects malformed input with the file and line', () => {
    expectInputError('', /no TRANSFAC matrix records/);
    expectInputError('AC X\nPO A C G T\n01 1 1 1 1\n', /X is not closed by "\/\/".*truncated/);
    expectInputError('ID x\nPO A C G T\n01 1 1 1 1\n//\n', /line 1: record x has no "AC"/);
    expectInputError('AC X\nID x\n//\n', /line 1: record X has no count matrix/);
    expectInputError('AC X\nPO A C G T\nXX\n//\n', /line 2: record X has a matrix header but no count rows/);
    expectInputError('AC X\nPO A C G U\n01 1 1 1 1\n//\n', /line 2: .*not the four DNA letters/);
    expectInputError('AC X\nPO A C G T\n01 1 1 1\n//\n', /line 3: .*position and four counts/);
    expectInputError(
      'AC X\nPO A C G T\n01 1 1 1 1\n03 1 1 1 1\n//\n',
      /line 4: .*expected matrix position 2/,
    );
    expectInputError('AC X\nPO A C G T\n01 1 -1 1 1\n//\n', /line 3: .*non-negative/);
    expectInputError('AC X\nPO A C G T\n01 1 x 1 1\n//\n', /line 3: .*non-negative/);
    expectInputError('AC X\nPO A C G T\n01 0 0 0 0\n//\n', /line 3: .*all four counts are zero/);
    expectInputError('AC X\nAC Y\n//\n', /line 2: .*second AC line/);
    expectInputError('01 1 1 1 1\n//\n', /line 1: count row before the "PO A C G T" header/);
    expectInputError(TWO + TWO, /MA0013.1 appears twice/);
  });
});

const MOTIFS = join(SHARED_DATA, 'motifs');
const VERTEBRATES = join(MOTIFS, 'JASPAR2024_CORE_vertebrates_non-redundant.transfac');
const INSECTS = join(MOTIFS, 'JASPAR2024_CORE_insects_non-redundant.transfac');
const hasJaspar = existsSync(VERTEBRATES) && existsSync(INSECTS);
if (!hasJaspar) console.warn(`skipping JASPAR tests: ${MOTIFS} is absent`);

describe.skipIf(!hasJaspar)('the JASPAR 2024 files in ../shared/data/motifs (skipped when absent)', () => {
  it('parses 879 vertebrate and 286 insect matrices whose rows sum to 1', () => {
    const vertebrates = parseTransfacEntries(readFileSync(VERTEBRATES, 'utf8'), VERTEBRATES);
    const insects = parseTransfacEntries(readFileSync(INSECTS, 'utf8'), INSECTS);
    expect(vertebrates).toHaveLength(879);
    expect(insects).toHaveLength(286);
    expect(vertebrates.every((e) => e.comments.tax_group === 'vertebrates')).toBe(true);
    expect(insects.every((e) => e.comments.tax_group === 'insects')).toBe(true);
    for (const { motif } of [...vertebrates, ...insects]) {
      expect(motif.id).toMatch(/^MA\d{4}\.\d+$/);
      expect(motif.sites).toBeGreaterThan(0);
      for (const row of motif.matrix) expect(Math.abs(row.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-9);
    }
    const tbp = vertebrates.find((e) => e.motif.name === 'TBP')!.motif;
    expect(tbp.id).toBe('MA0108.3');
    expect(tbp.url).toBe('https://jaspar.elixir.no/matrix/MA0108.3/');
  });
});

const REFERENCE = join(ROOT, 'reference/motifs/JASPAR2024_CORE_non-redundant.meme');

describe('reference/motifs/JASPAR2024_CORE_non-redundant.meme', () => {
  const text = readFileSync(REFERENCE, 'utf8');

  it('holds 1,165 JASPAR motifs (879 vertebrate + 286 insect) with a uniform background', () => {
    const meme = parseMeme(text, REFERENCE);
    expect(meme.background).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(meme.motifs).toHaveLength(1165);
    expect(meme.motifs.every((m) => m.evalue === 0 && m.url?.startsWith('https://jaspar.elixir.no/'))).toBe(
      true,
    );
    expect(meme.motifs.find((m) => m.id === 'MA0108.3')?.name).toBe('TBP');
  });

  it.skipIf(!hasJaspar)('matches the TRANSFAC files it was made from (to the 6 decimals it keeps)', () => {
    const meme = parseMeme(text, REFERENCE);
    const source = [
      ...parseTransfac(readFileSync(VERTEBRATES, 'utf8'), VERTEBRATES),
      ...parseTransfac(readFileSync(INSECTS, 'utf8'), INSECTS),
    ];
    expect(meme.motifs.map((m) => [m.id, m.name, m.sites])).toEqual(
      source.map((m) => [m.id, m.name, m.sites]),
    );
    for (let k = 0; k < source.length; k++) {
      const a = source[k]!.matrix.flat();
      const b = meme.motifs[k]!.matrix.flat();
      expect(b).toHaveLength(a.length);
      expect(Math.max(...a.map((x, i) => Math.abs(x - b[i]!)))).toBeLessThan(1e-5);
    }
  });

  const python = pythonWith('Bio.motifs');
  if (!python)
    console.warn('skipping the Biopython check: no python3 with Bio (apt-get install python3-biopython)');

  it.skipIf(!python)('parses with Biopython: Bio.motifs.parse(fh, "minimal")', () => {
    const script = [
      'import sys',
      'from Bio import motifs',
      'ms = motifs.parse(open(sys.argv[1]), "minimal")',
      'print(len(ms), ms[0].name, ms[0].length, min(m.length for m in ms))',
    ].join('\n');
    const run = spawnSync(python!, ['-c', script, REFERENCE], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('1165 MA0004.1 6 5');
  });
});

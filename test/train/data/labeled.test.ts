import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../../src/errors.js';
import { reverseComplement } from '../../../src/tokenize/reverse-complement.js';
import {
  readLabeled,
  readLabeledBed,
  readLabeledFasta,
  readLabeledTable,
} from '../../../src/train/data/labeled.js';

const DATA = join(import.meta.dirname, '..', '..', 'data', 'train');
const REF = join(DATA, 'ref.fa');
const CHR_A = 'GCTAAAGACAATTACATAACatacacgtcaGCACGAAACTTGTTGGCCCAGTGTGAATCG';
const CHR_B = 'CTTAAGGGTTAAGTAAGTGTGATGCATACGCCTTTACTTG';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-labeled-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** Expect a LocusInputError that names the file and the line. */
async function expectBadRow(promise: Promise<unknown>, path: string, line: number, pattern: RegExp) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LocusInputError);
  const message = (err as LocusInputError).message;
  expect(message).toContain(`"${path}" line ${line}:`);
  expect(message).toMatch(pattern);
  expect((err as LocusInputError).input).toBe(path);
  expect((err as LocusInputError).hint).toBeTruthy();
}

describe('labeled tables', () => {
  it('reads a TSV with integer labels, extra columns ignored, soft-masking kept', async () => {
    const path = join(DATA, 'labeled.tsv');
    const set = await readLabeledTable(path);
    expect(set.items.map((i) => [i.sequence, i.label, i.line])).toEqual([
      ['ACGTACGTAC', 1, 2],
      ['acgtNNNNgg', 0, 3],
      ['GGGGCCCCAAAATTTT', 1, 4],
      ['RYKMacgt', 0, 5],
    ]);
    expect(set.classes).toEqual(['0', '1']);
    expect(set.classCounts).toEqual([2, 2]);
    expect(set.items[0]!.file).toBe(path);
  });

  it('reads a CSV with name labels in order of first appearance, quoted fields and blank lines', async () => {
    const set = await readLabeledTable(join(DATA, 'labeled.csv'));
    expect(set.classes).toEqual(['promoter', 'enhancer']);
    expect(set.classCounts).toEqual([2, 1]);
    expect(set.items.map((i) => [i.sequence, i.label, i.line])).toEqual([
      ['ACGTAC', 0, 2],
      ['ttttGGGG', 1, 3],
      ['CCCCAAAA', 0, 5],
    ]);
  });

  it("maps labels with a given class list (e.g. the training set's)", async () => {
    const set = await readLabeledTable(join(DATA, 'labeled.csv'), {
      classes: ['enhancer', 'promoter', 'other'],
    });
    expect(set.items.map((i) => i.label)).toEqual([1, 0, 1]);
    expect(set.classCounts).toEqual([1, 2, 0]);
    await expectBadRow(
      readLabeledTable(join(DATA, 'labeled.csv'), { classes: ['promoter'] }),
      join(DATA, 'labeled.csv'),
      3,
      /"enhancer" is not one of the classes/,
    );
  });

  it('rejects bad rows with the file and line', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['missing-column.tsv', 'sequence\tlabel\nACGT\t1\nACGT\n', 3, /1 column.*label/],
      ['empty-sequence.csv', 'sequence,label\nACGT,1\n,0\n', 3, /empty sequence/],
      ['non-iupac.csv', 'sequence,label\nACGT,1\nAC-GT,0\n', 3, /"-" at base 3 is not a DNA base/],
      ['rna.csv', 'sequence,label\nACGU,1\n', 2, /"U" at base 4/],
      ['float-label.csv', 'sequence,label\nACGT,1\nACGT,1.5\n', 3, /"1.5" is not an integer or a name/],
      ['negative-label.csv', 'sequence,label\nACGT,-1\n', 2, /"-1" is not an integer or a name/],
      ['empty-label.tsv', 'sequence\tlabel\nACGT\t\n', 2, /empty label/],
      ['mixed-labels.csv', 'sequence,label\nACGT,1\nACGT,0\nACGT,enhancer\n', 4, /is a name, but line 2/],
      ['no-label-column.csv', 'seq,class\nACGT,1\n', 1, /no "sequence" and "label" column/],
      ['one-column.csv', 'sequence\nACGT\n', 1, /one column/],
      ['open-quote.csv', 'sequence,label\n"ACGT,1\n', 2, /quoted field/],
      ['huge-label.csv', 'sequence,label\nACGT,1000000\n', 2, /larger than/],
    ];
    for (const [name, text, line, pattern] of cases) {
      const path = await file(name, text);
      await expectBadRow(readLabeledTable(path), path, line, pattern);
    }
    const empty = await file('empty.csv', '');
    await expect(readLabeledTable(empty)).rejects.toThrow(/empty/);
  });
});

describe('labeled FASTA', () => {
  it('reads label= from the header description', async () => {
    const set = await readLabeledFasta(join(DATA, 'labeled.fa'));
    expect(set.items.map((i) => [i.id, i.sequence, i.label, i.line])).toEqual([
      ['s1', 'ACGTACGTAC', 1, 1],
      ['s2', 'ggggcccc', 0, 4],
      ['s3', 'NNNNACGT', 1, 6],
    ]);
    expect(set.classes).toEqual(['0', '1']);
    expect(set.classCounts).toEqual([1, 2]);
  });

  it('rejects a missing label=, an empty sequence and bad bases, naming the line', async () => {
    const noLabel = await file('no-label.fa', '>a label=1\nACGT\n>b other=2\nACGT\n');
    await expectBadRow(readLabeledFasta(noLabel), noLabel, 3, /no label=/);
    const empty = await file('empty-seq.fa', '>a label=1\nACGT\n>b label=0\n>c label=1\nAC\n');
    await expectBadRow(readLabeledFasta(empty), empty, 3, /empty sequence/);
    const bad = await file('bad-base.fa', '>a label=1\nACGT\n>b label=0\nACGTAC\nACXT\n');
    await expectBadRow(readLabeledFasta(bad), bad, 5, /"X" at base 9/);
    const badLabel = await file('bad-label.fa', '>a label=\nACGT\n');
    await expectBadRow(readLabeledFasta(badLabel), badLabel, 1, /empty label/);
  });
});

describe('labeled BED intervals', () => {
  it('cuts intervals from the reference, reverse-complementing the minus strand', async () => {
    const path = join(DATA, 'intervals.bed');
    const set = await readLabeledBed(path, REF);
    expect(set.classes).toEqual(['promoter', 'enhancer']);
    expect(set.classCounts).toEqual([2, 2]);
    expect(set.items.map((i) => [i.id, i.sequence, i.label, i.line])).toEqual([
      ['chrA:1-10(+)', CHR_A.slice(0, 10), 0, 3],
      ['chrA:21-30(-)', reverseComplement(CHR_A.slice(20, 30)), 1, 4],
      ['chrB:6-17(-)', reverseComplement(CHR_B.slice(5, 17)), 0, 5],
      ['chrB:31-40', CHR_B.slice(30, 40), 1, 6],
    ]);
    expect(set.items[1]!.sequence).toBe('tgacgtgtat'); // soft-masked bases stay lowercase
    expect(set.items[2]!.region).toEqual({ contig: 'chrB', start: 5, end: 17, strand: '-' });
  });

  it('takes the class from another column when asked', async () => {
    const path = await file('label7.bed', 'chrA\t0\t10\tx1\t0\t+\tyes\nchrB\t0\t5\tx2\t0\t-\tno\n');
    const set = await readLabeledBed(path, REF, { labelColumn: 7 });
    expect(set.items.map((i) => [i.id, i.label])).toEqual([
      ['x1', 0],
      ['x2', 1],
    ]);
    expect(set.classes).toEqual(['yes', 'no']);
  });

  it('rejects intervals outside the contig, unknown contigs, missing labels and bad strands by line', async () => {
    const outside = await file('outside.bed', 'chrA\t0\t10\tp\nchrB\t30\t41\tp\n');
    await expectBadRow(readLabeledBed(outside, REF), outside, 2, /ends past the end of chrB \(length 40\)/);
    const unknown = await file('unknown.bed', '# header\nchr1\t0\t10\tp\n');
    await expectBadRow(readLabeledBed(unknown, REF), unknown, 2, /contig "chr1" is not in the reference/);
    const bed3 = await file('bed3.bed', 'chrA\t0\t10\n');
    await expectBadRow(readLabeledBed(bed3, REF), bed3, 1, /no label column 4/);
    const strand = await file('strand.bed', 'chrA\t0\t10\tp\t0\tx\n');
    await expectBadRow(readLabeledBed(strand, REF), strand, 1, /strand "x"/);
    const empty = await file('empty-interval.bed', 'chrA\t5\t5\tp\n');
    await expectBadRow(readLabeledBed(empty, REF), empty, 1, /empty interval/);
    // Malformed coordinates are caught by the BED reader itself, with the line.
    const reversed = await file('reversed.bed', 'chrA\t0\t10\tp\nchrA\t9\t3\tp\n');
    await expectBadRow(readLabeledBed(reversed, REF), reversed, 2, /start 9 is after end 3/);
  });
});

describe('readLabeled', () => {
  it('chooses the reader from the file name', async () => {
    expect((await readLabeled(join(DATA, 'labeled.tsv'))).items).toHaveLength(4);
    expect((await readLabeled(join(DATA, 'labeled.fa'))).items).toHaveLength(3);
    expect((await readLabeled(join(DATA, 'intervals.bed'), { reference: REF })).items).toHaveLength(4);
    await expect(readLabeled(join(DATA, 'intervals.bed'))).rejects.toThrow(/reference FASTA/);
    await expect(readLabeled(join(DATA, 'ref.fa.fai'))).rejects.toThrow(LocusInputError);
  });
});

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../../src/errors.js';
import { dm3PromoterTask, parseDm3Header } from '../../../src/train/data/dm3.js';

const MINI = join(import.meta.dirname, '..', '..', 'data', 'train', 'dm3-mini.fa');
const DM3 = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'shared',
  'data',
  'labeled',
  'dm3_upstream2000.fa.gz',
);
const hasDm3 = existsSync(DM3);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-dm3-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dm3 promoter task on a tiny file of the same form', () => {
  it('parses headers, including records clipped at the contig start', () => {
    expect(parseDm3Header('NM_078863_up_2000_chr2L_16764737_f', 'chr2L:16764737-16766736')).toEqual({
      transcript: 'NM_078863',
      chrom: 'chr2L',
      start: 16764736,
      end: 16766736,
      strand: '+',
    });
    expect(parseDm3Header('NM_164313_up_2000_chr3R_-1646_f', 'chr3R:-1646-353')).toMatchObject({
      chrom: 'chr3R',
      start: -1647,
      end: 353,
    });
    expect(parseDm3Header('X_up_20_chrX_5_r', '')).toMatchObject({
      chrom: 'chrX',
      start: 4,
      end: 24,
      strand: '-',
    });
    expect(parseDm3Header('seq1', 'chr2L:1-10')).toBeUndefined();
  });

  it('labels the last bases 1 and the first bases 0, splits by arm and drops cross-split duplicates', async () => {
    const task = await dm3PromoterTask(MINI, { segmentLength: 5 });
    const t1 = 'tgCTcaTAttTTGgtgGacg';
    const t3 = 'aAaATGGGTgCcagTtAGAG';
    expect(task.validation.items.map((i) => [i.id, i.sequence, i.label])).toEqual([
      ['T1_up_20_chr2L_101_f:far-upstream', t1.slice(0, 5), 0],
      ['T1_up_20_chr2L_101_f:tss-proximal', t1.slice(15), 1],
      ['T2_up_20_chr2L_101_f:far-upstream', t1.slice(0, 5), 0],
      ['T2_up_20_chr2L_101_f:tss-proximal', t1.slice(15), 1],
    ]);
    expect(task.validation.items[1]!.region).toEqual({ contig: 'chr2L', start: 115, end: 120, strand: '+' });
    expect(task.validation.items[0]!.line).toBe(1);
    const train = task.train.items;
    expect(train.map((i) => i.id.split('_')[0])).toEqual(['T3', 'T3', 'T6', 'T6']);
    expect(train[0]!.sequence).toBe(t3.slice(0, 5));
    // Minus strand: record base i is forward position end - 1 - i.
    expect(train[0]!.region).toEqual({ contig: 'chr3R', start: 515, end: 520, strand: '-' });
    expect(train[1]!.region).toEqual({ contig: 'chr3R', start: 500, end: 505, strand: '-' });
    // T4 (test arm chr2R) is T3 in upper case: dropped from test.
    expect(task.test.items).toEqual([]);
    expect(task.report).toMatchObject({
      records: 6,
      skippedShort: 1,
      unassigned: 0,
      droppedAcross: { validation: 0, test: 2 },
      duplicatesWithin: { train: 0, validation: 2, test: 0 },
    });
    expect(task.train.classes).toEqual(['far-upstream', 'tss-proximal']);
    expect(task.train.classCounts).toEqual([2, 2]);
    expect(task.split).toEqual({ train: ['chr3R', 'chrX'], validation: ['chr2L'], test: ['chr2R'] });

    const deduped = await dm3PromoterTask(MINI, { segmentLength: 5, dedupeWithin: true });
    expect(deduped.validation.items).toHaveLength(2);
    const kept = await dm3PromoterTask(MINI, { segmentLength: 5, dedupeAcross: false });
    expect(kept.test.items).toHaveLength(2);
  });

  it('takes an explicit split, and refuses arms that are unknown or listed twice', async () => {
    const task = await dm3PromoterTask(MINI, {
      segmentLength: 5,
      split: { train: ['chr2L'], validation: ['chrX'], test: ['chr3R'] },
    });
    expect(task.report.unassigned).toBe(1); // chr2R is in no list
    expect(task.train.items).toHaveLength(4);
    expect(task.test.items).toHaveLength(2); // T3; T5 is too short
    await expect(
      dm3PromoterTask(MINI, { split: { validation: ['2L'], test: ['chr2R'] }, segmentLength: 5 }),
    ).rejects.toThrow(LocusInputError);
    await expect(
      dm3PromoterTask(MINI, { split: { validation: ['chr2L'], test: ['chr2L'] } }),
    ).rejects.toThrow(TypeError);
  });

  it('names the line of a header that is not the dm3 form', async () => {
    const path = join(dir, 'bad.fa');
    await writeFile(path, '>T1_up_20_chr2L_101_f chr2L:101-120\nACGTACGTACGTACGTACGT\n>oops\nACGT\n');
    await expect(dm3PromoterTask(path, { segmentLength: 5 })).rejects.toThrow(/line 3: header ">oops/);
  });
});

describe.skipIf(!hasDm3)('dm3 promoter task on ../shared/data (skipped when absent)', () => {
  it('builds the default split by arm with balanced classes and no sequence in two splits', async () => {
    const task = await dm3PromoterTask(DM3);
    const { report } = task;
    expect(report.records).toBe(26_454);
    expect(report.skippedShort).toBe(2);
    expect(task.split.validation).toEqual(['chr2L', 'chr2LHet']);
    expect(task.split.test).toEqual(['chr2R', 'chr2RHet']);
    const records = (arms: string[]) =>
      report.arms.filter((a) => arms.includes(a.arm)).reduce((sum, a) => sum + a.records, 0);
    expect(records(task.split.validation)).toBe(4_855);
    expect(records(task.split.test)).toBe(4_998);
    expect(records(task.split.train)).toBe(16_601);
    // Each kept record gives one sequence of each class; the 2 short records were on a train arm.
    expect(task.train.classCounts).toEqual([16_599, 16_599]);
    expect(task.validation.items.length).toBe(2 * 4_855 - report.droppedAcross.validation);
    expect(task.test.items.length).toBe(2 * 4_998 - report.droppedAcross.test);
    expect(report.droppedAcross.validation).toBeGreaterThan(0);
    for (const set of [task.train, task.validation, task.test]) {
      for (const item of set.items.slice(0, 200)) expect(item.sequence).toHaveLength(500);
    }
    const keys = (items: { sequence: string }[]) => new Set(items.map((i) => i.sequence.toUpperCase()));
    const train = keys(task.train.items);
    const validation = keys(task.validation.items);
    expect(task.validation.items.some((i) => train.has(i.sequence.toUpperCase()))).toBe(false);
    expect(
      task.test.items.some(
        (i) => train.has(i.sequence.toUpperCase()) || validation.has(i.sequence.toUpperCase()),
      ),
    ).toBe(false);
  });
});

describe('dm3 arms as genome sequence, for pretraining on the training arms only', () => {
  it('puts records back on the forward strand and merges overlaps, reading only the asked side', async () => {
    const { dm3ArmSequence } = await import('../../../src/train/data/dm3.js');
    const { reverseComplement } = await import('../../../src/tokenize/reverse-complement.js');
    const train = await dm3ArmSequence(MINI, 'train');
    expect(train.map((p) => p.name)).toEqual(['chr3R_0_8', 'chr3R_500_520', 'chrX_300_320']);
    expect(train[0]!.sequence).toBe('GgaAGGca');
    expect(train[1]!.sequence).toBe(reverseComplement('aAaATGGGTgCcagTtAGAG'));
    // T1 and T2 cover the same bases of chr2L: one piece.
    const validation = await dm3ArmSequence(MINI, 'validation');
    expect(validation).toEqual([
      { name: 'chr2L_100_120', chrom: 'chr2L', start: 100, end: 120, sequence: 'tgCTcaTAttTTGgtgGacg' },
    ]);
    // Overlapping records that disagree are a corrupt file, named.
    const bad = join(dir, 'disagree.fa');
    await writeFile(
      bad,
      '>A_up_8_chr3L_101_f chr3L:101-108\nACGTACGT\n>B_up_8_chr3L_105_f chr3L:105-112\nTTTTCCCC\n',
    );
    await expect(dm3ArmSequence(bad, 'train')).rejects.toThrow(
      /records A_up_8_chr3L_101_f and B_up_8_chr3L_105_f overlap on chr3L but disagree/,
    );
    const touching = join(dir, 'touching.fa');
    await writeFile(
      touching,
      '>A_up_4_chr3L_101_f chr3L:101-104\nACGT\n>B_up_6_chr3L_103_f chr3L:103-108\nGTCCAA\n',
    );
    expect((await dm3ArmSequence(touching, 'train')).map((p) => [p.name, p.sequence])).toEqual([
      ['chr3L_100_108', 'ACGTCCAA'],
    ]);
  });
});

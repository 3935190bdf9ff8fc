import { execSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { buildFai, formatFai, FaiBuilder } from '../../src/io/fasta-index.js';
import { fastaComposition, readFastaRecords } from '../../src/io/fasta-stream.js';
import { openFasta } from '../../src/io/fasta.js';
import { fixture, SAMPLES, scratch } from '../helpers/paths.js';

/** Fixtures whose .fai was written by `samtools faidx` (golden outputs). */
const INDEXED = [
  'no-trailing-newline',
  'crlf',
  'lowercase',
  'n-runs',
  'empty-contig',
  'colon-names',
  'iupac',
];

describe('FASTA index builder', () => {
  it.each(INDEXED)('%s.fa: builds a .fai byte-identical to samtools faidx', async (name) => {
    const built = formatFai(await buildFai(fixture(`${name}.fa`)));
    expect(built).toBe(readFileSync(fixture(`${name}.fa.fai`), 'latin1'));
  });

  it('gives the same index whatever the chunk boundaries', () => {
    const bytes = readFileSync(fixture('crlf.fa'));
    const whole = new FaiBuilder('crlf.fa');
    whole.feed(bytes);
    const expected = whole.finish();
    for (let size = 1; size <= 7; size++) {
      const builder = new FaiBuilder('crlf.fa');
      for (let i = 0; i < bytes.length; i += size) builder.feed(bytes.subarray(i, i + size));
      expect(builder.finish()).toEqual(expected);
    }
  });

  it('refuses ragged lines as samtools does, naming the contig and line', async () => {
    await expect(buildFai(fixture('ragged-lines.fa'))).rejects.toThrow(/line 3 of contig "ragged" is longer/);
  });

  it('refuses text before the first header and an empty file', async () => {
    await expect(buildFai(fixture('not-fasta.fa'))).rejects.toThrow(/starts with ">"/);
    await expect(buildFai(fixture('empty.fa'))).rejects.toThrow(/empty/);
  });
});

describe('openFasta', () => {
  it('fetches regions from plain and bgzip files, keeping or upper-casing soft-masked bases', async () => {
    const plain = await openFasta(fixture('lowercase.fa'));
    expect(await plain.fetch({ contig: 'masked', start: 2, end: 8 })).toBe('GTacgt');
    expect(await plain.fetch({ contig: 'masked', start: 2, end: 8 }, { uppercase: true })).toBe('GTACGT');
    await plain.close();

    const bgzip = await openFasta(fixture('bgzip.fa.gz'));
    const reference = await openFasta(fixture('n-runs.fa'));
    const length = reference.lengths().get('nrun')!;
    expect(bgzip.lengths().get('nrun')).toBe(length);
    for (const [start, end] of [
      [0, 10],
      [95, 5105],
      [length - 7, length],
    ] as const) {
      expect(await bgzip.fetch({ contig: 'nrun', start, end })).toBe(
        await reference.fetch({ contig: 'nrun', start, end }),
      );
    }
    await Promise.all([bgzip.close(), reference.close()]);
  });

  it('keeps IUPAC codes, N runs, CRLF and a missing final newline out of the way', async () => {
    const iupac = await openFasta(fixture('iupac.fa'));
    expect(await iupac.fetch({ contig: 'iupac', start: 0, end: 30 })).toBe('ACGTRYKMSWBDHVNacgtrykmswbdhvn');
    const crlf = await openFasta(fixture('crlf.fa'));
    expect(await crlf.fetch({ contig: 'crlf1', start: 8, end: 22 })).toBe('ACGTACGTACGTAC');
    const noNewline = await openFasta(fixture('no-trailing-newline.fa'));
    expect(await noNewline.fetch({ contig: 'seq1', start: 18, end: 23 })).toBe('GTACG');
    await Promise.all([iupac.close(), crlf.close(), noNewline.close()]);
  });

  it('builds a missing .fai next to the file, or in memory when the folder is read-only', async () => {
    const dir = scratch('crlf.fa');
    const fasta = await openFasta(join(dir, 'crlf.fa'));
    expect(fasta.indexOrigin).toBe('built-on-disk');
    expect(readFileSync(join(dir, 'crlf.fa.fai'), 'latin1')).toBe(
      readFileSync(fixture('crlf.fa.fai'), 'latin1'),
    );
    await fasta.close();

    const readOnly = scratch('lowercase.fa');
    chmodSync(readOnly, 0o555);
    try {
      const memory = await openFasta(join(readOnly, 'lowercase.fa'));
      // root can write anywhere; only check the in-memory path where permissions hold.
      if (process.getuid?.() !== 0) expect(memory.indexOrigin).toBe('built-in-memory');
      expect(await memory.fetch({ contig: 'masked', start: 0, end: 4 })).toBe('ACGT');
      await memory.close();
      const forced = await openFasta(join(readOnly, 'lowercase.fa'), { writeIndex: 'memory' });
      expect(forced.records.length).toBe(1);
      await forced.close();
    } finally {
      chmodSync(readOnly, 0o755);
    }
  });

  it('rejects a stale .fai that does not match its FASTA', async () => {
    await expect(openFasta(fixture('stale.fa'))).rejects.toThrow(/does not match.*samtools faidx/);
  });

  it('rejects a .fai left from a FASTA that has since grown a contig', async () => {
    const dir = scratch('crlf.fa', 'crlf.fa.fai');
    writeFileSync(
      join(dir, 'crlf.fa'),
      readFileSync(fixture('crlf.fa'), 'latin1') + '>extra\r\nACGT\r\n',
      'latin1',
    );
    await expect(openFasta(join(dir, 'crlf.fa'))).rejects.toThrow(/does not match/);
  });

  it('says a BAM or FASTQ given as a FASTA is reads, rather than asking for its index', async () => {
    const dir = scratch();
    // A BAM is BGZF, as a bgzip FASTA is; without the check it was asked for `samtools faidx x.bam`.
    const bam = join(dir, 'reads.bam');
    writeFileSync(bam, readFileSync(join(SAMPLES, 'lambda.bam')));
    await expect(openFasta(bam)).rejects.toThrow(/"[^"]*reads\.bam" is a BAM file, not a FASTA/);
    const fastq = join(dir, 'reads.fq');
    writeFileSync(fastq, '@read1\nACGT\n+\nIIII\n');
    await expect(openFasta(fastq)).rejects.toThrow(/is a FASTQ file, not a FASTA/);
    expect(existsSync(`${fastq}.fai`)).toBe(false);
  });

  it('tells how to recompress a gzip (not bgzip) FASTA, with a command that works', async () => {
    await expect(openFasta(fixture('gzip-not-bgzip.fa.gz'))).rejects.toThrow(
      /gzip-compressed, not bgzip.*bgzip/,
    );
    const dir = scratch('gzip-not-bgzip.fa.gz');
    const error = await openFasta(join(dir, 'gzip-not-bgzip.fa.gz')).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocusInputError);
    const command = /`(.+)`/.exec((error as LocusInputError).hint ?? '')![1]!;
    expect(command).toContain(`> ${join(dir, 'gzip-not-bgzip.bgz.fa.gz')} &&`);
    execSync(command, { shell: '/bin/bash' });
    const fasta = await openFasta(join(dir, 'gzip-not-bgzip.bgz.fa.gz'));
    expect(fasta.lengths().size).toBeGreaterThan(0);
    await fasta.close();
  });

  it('requires the .fai and .gzi of a bgzip FASTA', async () => {
    const dir = scratch('bgzip.fa.gz');
    await expect(openFasta(join(dir, 'bgzip.fa.gz'))).rejects.toThrow(/samtools faidx/);
  });

  it('names a missing file, a directory and an empty file', async () => {
    await expect(openFasta(fixture('nope.fa'))).rejects.toThrow(/does not exist/);
    await expect(openFasta(fixture(''))).rejects.toThrow(/is a directory/);
    await expect(openFasta(fixture('empty.fa'))).rejects.toThrow(LocusInputError);
  });

  it('indexes only contigs with sequence, as samtools does', async () => {
    const fasta = await openFasta(fixture('empty-contig.fa'));
    expect(fasta.contigs()).toEqual([
      { name: 'first', length: 8 },
      { name: 'third', length: 10 },
    ]);
    await fasta.close();
  });
});

describe('streaming reader', () => {
  it('reads plain and gzip files record by record', async () => {
    const records = [];
    for await (const r of readFastaRecords(fixture('gzip-not-bgzip.fa.gz'))) records.push(r);
    expect(records).toEqual([
      { name: 'seq1', description: 'no newline at end', sequence: 'ACGTACGTACGTACGTACGTACG' },
    ]);
    const crlf = [];
    for await (const r of readFastaRecords(fixture('crlf.fa'))) crlf.push(r.sequence);
    expect(crlf).toEqual(['ACGTACGTACGTACGTACGTAC', 'TTTTGGGGCCAA']);
  });

  it('counts composition without building strings', async () => {
    const [masked] = await fastaComposition(fixture('lowercase.fa'));
    expect(masked).toMatchObject({ name: 'masked', length: 44, n: 4, softMasked: 18 });
    const [iupac] = await fastaComposition(fixture('iupac.fa'));
    expect(iupac).toMatchObject({ a: 2, c: 2, g: 2, t: 2, n: 2, other: 20 });
  });

  it('rejects a truncated gzip file', async () => {
    const dir = scratch();
    const bytes = readFileSync(fixture('bgzip.fa.gz'));
    writeFileSync(join(dir, 'cut.fa.gz'), bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(fastaComposition(join(dir, 'cut.fa.gz'))).rejects.toThrow(/truncated or corrupt/);
    expect(existsSync(join(dir, 'cut.fa.gz.fai'))).toBe(false);
  });
});

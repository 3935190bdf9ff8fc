import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import {
  formatBed,
  formatBedRecord,
  iterateBed,
  parseBed,
  readBed,
  writeBed,
  type BedRecord,
} from '../../src/io/bed.js';
import { hasTool, run } from '../helpers/tools.js';

const DATA = join(import.meta.dirname, '..', 'data', 'formats');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-bed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A small deterministic generator, so differential tests cover many rows the same way every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomRecords(count: number, seed: number): BedRecord[] {
  const random = lcg(seed);
  const chroms = ['chr1', 'chr2', 'chrX'];
  return Array.from({ length: count }, (_, i) => {
    const start = Math.floor(random() * 10_000);
    const end = start + 1 + Math.floor(random() * 300);
    return {
      chrom: chroms[Math.floor(random() * chroms.length)]!,
      start,
      end,
      name: `item${i}`,
      score: Math.floor(random() * 1000),
      strand: random() < 0.5 ? '+' : '-',
    };
  });
}

describe('BED reader', () => {
  it('reads the UCSC example: skips browser, track, comment and blank lines; parses all 12 columns', async () => {
    const records = await readBed(join(DATA, 'ucsc-bed12-track-browser-comments.bed'));
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({
      chrom: 'chr7',
      start: 127471196,
      end: 127472363,
      name: 'Pos1',
      score: 0,
      strand: '+',
      thickStart: 127471196,
      thickEnd: 127472363,
      itemRgb: '255,0,0',
      blockSizes: [1167],
      blockStarts: [0],
    });
    expect(records[2]).toMatchObject({
      name: 'TwoExons',
      score: 960,
      blockSizes: [500, 1000],
      blockStarts: [0, 5470],
    });
  });

  it('accepts CRLF line endings and a missing final newline', async () => {
    const records = await readBed(join(DATA, 'crlf-no-trailing-newline.bed'));
    expect(records.map((r) => [r.chrom, r.start, r.end, r.name])).toEqual([
      ['chr1', 10, 20, 'r1'],
      ['chr1', 15, 30, 'r2'],
      ['chr2', 0, 5, 'r3'],
    ]);
  });

  it('reads gzip and bgzip input, sniffed from the bytes', async () => {
    const text = await readFile(join(DATA, 'ucsc-bed12-track-browser-comments.bed'));
    const expected = await readBed(join(DATA, 'ucsc-bed12-track-browser-comments.bed'));
    const gzipPath = join(dir, 'plain-gzip.bed.gz');
    await writeFile(gzipPath, gzipSync(text));
    expect(await readBed(gzipPath)).toEqual(expected);
    const bgzfPath = join(dir, 'written.bed.gz');
    await writeBed(bgzfPath, expected);
    expect((await readFile(bgzfPath)).subarray(12, 14).toString('latin1')).toBe('BC'); // BGZF, not plain gzip
    expect(await readBed(bgzfPath)).toEqual(expected);
  });

  it('reads from a stream and iterates lazily', async () => {
    const stream = new PassThrough();
    stream.end('chr1\t0\t10\nchr1\t5\t15\n');
    const seen: BedRecord[] = [];
    for await (const record of iterateBed({ stream, name: 'stdin' })) seen.push(record);
    expect(seen).toEqual([
      { chrom: 'chr1', start: 0, end: 10 },
      { chrom: 'chr1', start: 5, end: 15 },
    ]);
  });

  it('reads multi-block BGZF written by Locus', async () => {
    const records = randomRecords(20_000, 3);
    const path = join(dir, 'many.bed.gz');
    await writeBed(path, records);
    expect(await readBed(path)).toEqual(records);
  });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      readBed(join(DATA, 'crlf-no-trailing-newline.bed'), { signal: controller.signal }),
    ).rejects.toThrow(/abort/i);
  });

  it('keeps columns after the standard ones when asked (narrowPeak is BED6+4)', () => {
    const peak = 'chr1\t100\t200\tpeak1\t500\t.\t12.5\t-1\t3.2\t50\n';
    expect(() => parseBed(peak, { source: 'x.narrowPeak' })).toThrow(/columns: 6/);
    expect(parseBed(peak, { columns: 6 })[0]).toEqual({
      chrom: 'chr1',
      start: 100,
      end: 200,
      name: 'peak1',
      score: 500,
      strand: '.',
      extra: ['12.5', '-1', '3.2', '50'],
    });
  });

  it('accepts a zero-length interval and thickStart = thickEnd = 0 (UCSC: no thick part)', () => {
    expect(parseBed('chr1\t5\t5\n')[0]).toEqual({ chrom: 'chr1', start: 5, end: 5 });
    expect(parseBed('chr1\t5\t9\tn\t0\t+\t0\t0\n')[0]).toMatchObject({ thickStart: 0, thickEnd: 0 });
  });

  const bad: [string, string, RegExp][] = [
    ['start after end', 'chr1\t200\t100\n', /start 200 is after end 100.*0-based half-open/],
    ['negative start', 'chr1\t-5\t100\n', /start "-5" \(column 2\) is not a non-negative integer/],
    ['decimal end', 'chr1\t5\t10.5\n', /end "10.5"/],
    ['spaces for tabs', 'chr1 5 10\n', /1 column.*separate BED columns with tabs/],
    ['bad strand', 'chr1\t5\t10\tn\t0\tx\n', /strand "x".*\+, - or \./],
    ['score not a number', 'chr1\t5\t10\tn\tabc\n', /score "abc"/],
    ['thickStart outside', 'chr1\t5\t10\tn\t0\t+\t3\t10\n', /thickStart 3 \/ thickEnd 10/],
    ['itemRgb', 'chr1\t5\t10\tn\t0\t+\t5\t10\t300,0,0\n', /itemRgb "300,0,0"/],
    [
      'blockCount mismatch',
      'chr1\t0\t10\tn\t0\t+\t0\t10\t0\t2\t10,\t0,\n',
      /blockCount is 2 but there are 1/,
    ],
    [
      'blocks miss the end',
      'chr1\t0\t10\tn\t0\t+\t0\t10\t0\t1\t8\t0\n',
      /last block ends at 8, not at end 10/,
    ],
    ['first block not at 0', 'chr1\t0\t10\tn\t0\t+\t0\t10\t0\t1\t8\t2\n', /first blockStart is 2/],
    [
      'overlapping blocks',
      'chr1\t0\t10\tn\t0\t+\t0\t10\t0\t2\t6,4\t0,5\n',
      /block 2 starts before block 1 ends/,
    ],
    ['block list text', 'chr1\t0\t10\tn\t0\t+\t0\t10\t0\t1\tten\t0\n', /blockSizes "ten"/],
    ['empty column', 'chr1\t\t10\n', /column 2 is empty/],
  ];
  it.each(bad)('rejects %s, naming the file and line', (_, row, message) => {
    // The bad row is line 4, after a track line, a comment and a good row with as many columns.
    const good = row.includes('\t') ? goodRowLike(row) : 'chr1\t0\t1';
    const input = `track name=t\n# comment\n${good}\n${row}`;
    let error: unknown;
    try {
      parseBed(input, { source: 'bad.bed' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LocusInputError);
    const shown = (error as Error).message;
    expect(shown).toMatch(/^BED "bad.bed" line 4: /);
    expect(shown).toMatch(message);
    expect((error as LocusInputError).input).toBe('bad.bed');
  });

  it('rejects 10, 11 or more than 12 columns, pointing to the `columns` option', () => {
    for (const columns of [10, 11, 13]) {
      const row = ['chr1', '5', '10', ...Array(columns - 3).fill('0')].join('\t');
      expect(() => parseBed(`# comment\n${row}\n`, { source: 'wide.bed' })).toThrow(
        new RegExp(`^BED "wide.bed" line 2: ${columns} columns.*columns: 6`),
      );
    }
  });

  it('rejects rows whose column count differs from the first row', () => {
    expect(() => parseBed('chr1\t0\t5\tn\nchr1\t0\t5\n', { source: 'mixed.bed' })).toThrow(
      /"mixed.bed" line 2: 3 columns, but line 1 has 4/,
    );
  });

  it('names a missing file and a truncated gzip file', async () => {
    await expect(readBed(join(dir, 'nope.bed'))).rejects.toThrow(/BED file ".*nope.bed" does not exist/);
    const truncated = join(dir, 'truncated.bed.gz');
    const whole = gzipSync(Buffer.from('chr1\t0\t10\n'.repeat(1000)));
    await writeFile(truncated, whole.subarray(0, whole.length - 20));
    await expect(readBed(truncated)).rejects.toThrow(LocusInputError);
    await expect(readBed(truncated)).rejects.toThrow(/truncated or is not valid gzip/);
  });
});

/** A valid row with as many columns as `row`, so only the bad row's own problem is reported. */
function goodRowLike(row: string): string {
  const columns = row.replace(/\n$/, '').split('\t').length;
  return ['chr1', '0', '10', 'n', '0', '+', '0', '10', '0', '1', '10', '0'].slice(0, columns).join('\t');
}

describe('BED writer', () => {
  it('gives every row the column count of the fullest record, filling missing fields', () => {
    const text = formatBed([
      { chrom: 'chr1', start: 0, end: 10 },
      { chrom: 'chr1', start: 20, end: 30, name: 'b', score: 5, strand: '-' },
    ]);
    expect(text).toBe('chr1\t0\t10\t.\t0\t.\nchr1\t20\t30\tb\t5\t-\n');
    const bed12 = formatBed([{ chrom: 'chr2', start: 5, end: 9 }], { columns: 12 });
    expect(bed12).toBe('chr2\t5\t9\t.\t0\t.\t5\t9\t0\t1\t4\t0\n');
    expect(parseBed(bed12)).toHaveLength(1);
  });

  it('round-trips records through text, a file and a stream', async () => {
    const records = await readBed(join(DATA, 'ucsc-bed12-track-browser-comments.bed'));
    expect(parseBed(formatBed(records))).toEqual(records);

    const path = join(dir, 'round-trip.bed');
    expect(await writeBed(path, records, { track: { name: 'my genes', useScore: 1 } })).toBe(3);
    const written = await readFile(path, 'utf8');
    expect(written.split('\n')[0]).toBe('track name="my genes" useScore=1');
    expect(await readBed(path)).toEqual(records);

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    async function* stream() {
      yield* records;
    }
    expect(await writeBed(sink, stream())).toBe(3);
    expect(Buffer.concat(chunks).toString()).toBe(formatBed(records));
  });

  it('keeps extra columns in place on write', () => {
    const records = parseBed('chr1\t1\t2\tp\t0\t.\t1.5\t-1\t2\t3\n', { columns: 6 });
    expect(formatBed(records)).toBe('chr1\t1\t2\tp\t0\t.\t1.5\t-1\t2\t3\n');
  });

  it('throws TypeError / RangeError for records it cannot write', () => {
    expect(() => formatBed([{ chrom: 'chr1', start: 0, end: 5, strand: '+' }], { columns: 4 })).toThrow(
      TypeError,
    );
    expect(() => formatBed([{ chrom: 'chr1', start: 0, end: 5, strand: '+' }], { columns: 4 })).toThrow(
      /pass columns: 6/,
    );
    expect(() => formatBedRecord({ chrom: 'chr1', start: 9, end: 5 })).toThrow(RangeError);
    expect(() => formatBedRecord({ chrom: 'chr 1', start: 0, end: 5 })).toThrow(TypeError);
    expect(() => formatBedRecord({ chrom: 'chr1', start: 0.5, end: 5 })).toThrow(RangeError);
    expect(() =>
      formatBedRecord({ chrom: 'chr1', start: 0, end: 10, blockSizes: [4], blockStarts: [0] }),
    ).toThrow(/last block ends at 4/);
  });

  it('a stream fixes its column count from the first record', async () => {
    async function* records(): AsyncGenerator<BedRecord> {
      yield { chrom: 'chr1', start: 0, end: 5 };
      yield { chrom: 'chr1', start: 6, end: 9, name: 'late' };
    }
    await expect(writeBed(new PassThrough(), records())).rejects.toThrow(/pass columns: 4/);
  });

  it('writes atomically: a failure leaves the previous file and no temporary file', async () => {
    const path = join(dir, 'atomic.bed');
    await writeFile(path, 'chr1\t0\t1\n');
    const many = Array.from({ length: 50_000 }, (_, i) => ({ chrom: 'chr1', start: i, end: i + 1 }));
    async function* failing(): AsyncGenerator<BedRecord> {
      yield* many;
      yield { chrom: 'chr1', start: 10, end: 5 };
    }
    await expect(writeBed(path, failing())).rejects.toThrow(RangeError);
    expect(await readFile(path, 'utf8')).toBe('chr1\t0\t1\n');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe.skipIf(!hasTool('bedtools'))('BED output against bedtools', () => {
  it('passes `bedtools sort`, which returns the same intervals in sorted order', async () => {
    const records = randomRecords(500, 7);
    const path = join(dir, 'random.bed');
    await writeBed(path, records, { track: { name: 'random' } });
    const sorted = run('bedtools', ['sort', '-i', path]);
    expect(sorted.stderr).toBe('');
    expect(sorted.status).toBe(0);
    const fromBedtools = parseBed(sorted.stdout);
    expect(fromBedtools).toHaveLength(records.length);
    const ours = [...records].sort((a, b) =>
      a.chrom < b.chrom ? -1 : a.chrom > b.chrom ? 1 : a.start - b.start,
    );
    expect(fromBedtools.map((r) => `${r.chrom}:${r.start}`)).toEqual(
      ours.map((r) => `${r.chrom}:${r.start}`),
    );
    expect(new Set(fromBedtools.map((r) => formatBedRecord(r)))).toEqual(
      new Set(records.map((r) => formatBedRecord(r))),
    );
  });

  it('gives the expected intervals from `bedtools merge`', async () => {
    const path = join(dir, 'merge.bed');
    await writeBed(path, [
      { chrom: 'chr1', start: 100, end: 200, name: 'a' },
      { chrom: 'chr1', start: 150, end: 300, name: 'b' },
      { chrom: 'chr1', start: 300, end: 310, name: 'c' }, // book-ended: bedtools merges it
      { chrom: 'chr1', start: 400, end: 450, name: 'd' },
      { chrom: 'chr2', start: 0, end: 10, name: 'e' },
    ]);
    const merged = run('bedtools', ['merge', '-i', path, '-c', '4', '-o', 'collapse']);
    expect(merged.status).toBe(0);
    expect(merged.stdout).toBe('chr1\t100\t310\ta,b,c\nchr1\t400\t450\td\nchr2\t0\t10\te\n');
  });

  it('bedtools reads BED12 and BGZF output written by Locus', async () => {
    const records = await readBed(join(DATA, 'ucsc-bed12-track-browser-comments.bed'));
    const path = join(dir, 'bed12.bed.gz');
    await writeBed(path, records);
    const result = run('bedtools', ['bed12tobed6', '-i', path]);
    expect(result.status).toBe(0);
    // One BED6 row per block: 1 + 1 + 2.
    expect(parseBed(result.stdout).map((r) => [r.start, r.end])).toEqual([
      [127471196, 127472363],
      [127472363, 127473530],
      [127473530, 127474030],
      [127479000, 127480000],
    ]);
  });
});

describe.skipIf(!hasTool('tabix') || !hasTool('bgzip'))('BGZF BED output against htslib', () => {
  it('passes `bgzip -t` and `tabix -p bed`, and region queries return the written rows', async () => {
    const records = randomRecords(2_000, 11).sort((a, b) =>
      a.chrom < b.chrom ? -1 : a.chrom > b.chrom ? 1 : a.start - b.start,
    );
    const path = join(dir, 'indexed.bed.gz');
    await writeBed(path, records);
    expect(run('bgzip', ['-t', path]).status).toBe(0);
    const indexed = run('tabix', ['-f', '-p', 'bed', path]);
    expect(indexed.stderr).toBe('');
    expect(indexed.status).toBe(0);
    const query = run('tabix', [path, 'chr2:1001-2000']);
    const expected = records.filter((r) => r.chrom === 'chr2' && r.end > 1000 && r.start < 2000);
    expect(expected.length).toBeGreaterThan(0);
    expect(parseBed(query.stdout)).toEqual(expected);
  });
});

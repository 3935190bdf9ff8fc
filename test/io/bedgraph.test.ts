import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import {
  formatBedGraph,
  formatBedGraphRecord,
  parseBedGraph,
  readBedGraph,
  writeBedGraph,
  type BedGraphRecord,
} from '../../src/io/bedgraph.js';
import { hasTool, run } from '../helpers/tools.js';

const DATA = join(import.meta.dirname, '..', 'data', 'formats');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-bedgraph-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Per-base-like scores: adjacent intervals with awkward decimal values, deterministic. */
function scoreTrack(count: number): BedGraphRecord[] {
  const records: BedGraphRecord[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = start + 1 + ((i * 37) % 50);
    records.push({ chrom: i < count / 2 ? 'chr1' : 'chr2', start, end, value: Math.sin(i) / 3 });
    start = i + 1 === count / 2 ? 0 : end;
  }
  return records;
}

describe('bedGraph reader', () => {
  it('reads the track line fixture', async () => {
    expect(await readBedGraph(join(DATA, 'track-line.bedGraph'))).toEqual([
      { chrom: 'chr1', start: 0, end: 100, value: 1.5 },
      { chrom: 'chr1', start: 100, end: 250, value: 0 },
      { chrom: 'chr1', start: 250, end: 300, value: -0.00225 },
      { chrom: 'chr2', start: 50, end: 60, value: 7 },
    ]);
  });

  it('reads gzip input', async () => {
    const path = join(dir, 'fixture.bedGraph.gz');
    await writeFile(path, gzipSync(await readFile(join(DATA, 'track-line.bedGraph'))));
    expect(await readBedGraph(path)).toHaveLength(4);
  });

  const bad: [string, string, RegExp][] = [
    ['three columns', 'chr1\t0\t10', /3 columns where bedGraph has 4/],
    ['five columns', 'chr1\t0\t10\t1\t2', /5 columns where bedGraph has 4/],
    ['spaces', 'chr1 0 10 1', /separate bedGraph columns with tabs/],
    ['start after end', 'chr1\t10\t5\t1', /start 10 is after end 5/],
    ['non-integer start', 'chr1\t1.5\t5\t1', /start "1.5"/],
    ['value not a number', 'chr1\t0\t5\tNaN', /value "NaN" is not a number/],
    ['empty value', 'chr1\t0\t5\t', /value "" is not a number/],
  ];
  it.each(bad)('rejects %s, naming the file and line', (_, row, message) => {
    let error: unknown;
    try {
      parseBedGraph(`track type=bedGraph\nchr1\t0\t1\t0.5\n${row}\n`, { source: 'bad.bedGraph' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LocusInputError);
    expect((error as Error).message).toMatch(/^bedGraph "bad.bedGraph" line 3: /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a track line of another type', () => {
    expect(() => parseBedGraph('track type=wiggle_0\n', { source: 'x.wig' })).toThrow(
      /"x.wig" line 1: the track line says type=wiggle_0/,
    );
  });
});

describe('bedGraph writer', () => {
  it('writes the track line and rows; values in shortest round-trip form', () => {
    const text = formatBedGraph(
      [
        { chrom: 'chr1', start: 0, end: 10, value: 0.1 },
        { chrom: 'chr1', start: 10, end: 20, value: 1e-7 },
      ],
      { track: { name: 'attention score' } },
    );
    expect(text).toBe('track name="attention score" type=bedGraph\nchr1\t0\t10\t0.1\nchr1\t10\t20\t1e-7\n');
    expect(formatBedGraph([], { track: true })).toBe('track type=bedGraph\n');
  });

  it('round-trips through a file, a BGZF file and a stream', async () => {
    const records = scoreTrack(200);
    const path = join(dir, 'scores.bedGraph');
    expect(await writeBedGraph(path, records, { track: true })).toBe(200);
    expect(await readBedGraph(path)).toEqual(records);
    const gz = join(dir, 'scores.bedGraph.gz');
    await writeBedGraph(gz, records);
    expect(await readBedGraph(gz)).toEqual(records);

    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    await writeBedGraph(sink, records);
    expect(parseBedGraph(Buffer.concat(chunks).toString())).toEqual(records);
  });

  it('rejects values and intervals it cannot write', () => {
    expect(() => formatBedGraphRecord({ chrom: 'chr1', start: 0, end: 1, value: Number.NaN })).toThrow(
      RangeError,
    );
    expect(() => formatBedGraphRecord({ chrom: 'chr1', start: 5, end: 1, value: 1 })).toThrow(RangeError);
    expect(() => formatBedGraphRecord({ chrom: '', start: 0, end: 1, value: 1 })).toThrow(TypeError);
  });
});

describe.skipIf(!hasTool('bedtools'))('bedGraph output against bedtools', () => {
  it('passes `bedtools sort` with every row intact', async () => {
    const records = scoreTrack(300).reverse();
    const path = join(dir, 'reversed.bedGraph');
    await writeBedGraph(path, records, { track: { name: 'reversed' } });
    const sorted = run('bedtools', ['sort', '-i', path]);
    expect(sorted.stderr).toBe('');
    expect(sorted.status).toBe(0);
    const back = parseBedGraph(sorted.stdout);
    expect(back).toHaveLength(300);
    expect(back).toEqual([...records].reverse());
  });

  it('gives the expected sums from `bedtools merge -c 4 -o sum`', async () => {
    const path = join(dir, 'merge.bedGraph');
    await writeBedGraph(path, [
      { chrom: 'chr1', start: 0, end: 10, value: 1.5 },
      { chrom: 'chr1', start: 10, end: 20, value: 2.25 },
      { chrom: 'chr1', start: 30, end: 40, value: -1 },
      { chrom: 'chr2', start: 5, end: 6, value: 4 },
    ]);
    const merged = run('bedtools', ['merge', '-i', path, '-c', '4', '-o', 'sum']);
    expect(merged.status).toBe(0);
    expect(parseBedGraph(merged.stdout)).toEqual([
      { chrom: 'chr1', start: 0, end: 20, value: 3.75 },
      { chrom: 'chr1', start: 30, end: 40, value: -1 },
      { chrom: 'chr2', start: 5, end: 6, value: 4 },
    ]);
  });
});

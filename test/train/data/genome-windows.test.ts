import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../../src/errors.js';
import { reverseComplement } from '../../../src/tokenize/reverse-complement.js';
import { contigSplit } from '../../../src/train/data/split.js';
import {
  GenomeWindowSampler,
  countAmbiguous,
  splitRegions,
  type GenomeWindowOptions,
  type SampledWindow,
} from '../../../src/train/data/genome-windows.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const LAMBDA = join(ROOT, 'samples', 'lambda.fa');
const LAMBDA_BGZIP = join(ROOT, 'samples', 'lambda.fa.gz');
const LAMBDA_LENGTH = 48_502;

let dir: string;
let lambdaGzip: string;
let lambdaSequence: string;
let nGenome: string;

/** Deterministic bases for fixtures. */
function bases(n: number, seed: number): string {
  let s = seed >>> 0;
  let out = '';
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out += 'ACGT'[s >>> 30];
  }
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-windows-'));
  const text = await readFile(LAMBDA, 'latin1');
  lambdaSequence = text.split('\n').slice(1).join('').trim();
  lambdaGzip = join(dir, 'lambda-gzip.fa.gz');
  await writeFile(lambdaGzip, gzipSync(text));
  // 2,000 bases, 1,000 N, 2,000 bases: windows over the N run must be skipped.
  nGenome = join(dir, 'n-run.fa');
  await writeFile(nGenome, `>nrun\n${bases(2000, 1)}${'N'.repeat(1000)}${bases(2000, 2)}\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(options: Partial<GenomeWindowOptions> = {}): Promise<GenomeWindowSampler> {
  return GenomeWindowSampler.open({
    genomes: [LAMBDA],
    windowSize: 1000,
    seed: 1,
    load: 'memory',
    ...options,
  });
}

const coords = (w: SampledWindow) => `${w.contig}:${w.start}-${w.end}${w.strand}`;

describe('GenomeWindowSampler: determinism and resume', () => {
  it('gives the same windows for the same seed and different ones for another seed', async () => {
    const a = await open({ reverseComplement: true });
    const b = await open({ reverseComplement: true });
    const c = await open({ reverseComplement: true, seed: 2 });
    const wa = a.takeSync(50);
    expect(b.takeSync(50)).toEqual(wa);
    expect(c.takeSync(50).map(coords)).not.toEqual(wa.map(coords));
    for (const w of wa) {
      expect(w.end - w.start).toBe(1000);
      expect(w.sequence).toHaveLength(1000);
    }
    expect(wa.map((w) => w.index)).toEqual([...Array(50).keys()]);
  });

  it('restore after N draws continues exactly as an uninterrupted sampler (memory, sync)', async () => {
    const options = { genomes: [nGenome], windowSize: 200, reverseComplement: true, heldOutFraction: 0.1 };
    const uninterrupted = await open(options);
    const all = uninterrupted.takeSync(80);
    const first = await open(options);
    first.takeSync(30);
    const saved = JSON.parse(JSON.stringify(first.state())) as unknown;
    expect(first.stats().skipped).toBeGreaterThan(0); // the N run forces skips, which the state must carry
    const resumed = await open(options);
    resumed.restore(saved);
    expect(resumed.takeSync(50)).toEqual(all.slice(30));
    expect(resumed.stats().drawn).toBe(80);
    expect(resumed.stats().skipped).toBe(uninterrupted.stats().skipped);
  });

  it('restore works the same through the index (async) and matches the in-memory draws', async () => {
    const memory = await open({ reverseComplement: true });
    const expected = memory.takeSync(40);
    const indexed = await open({ reverseComplement: true, load: 'index' });
    expect(indexed.inMemory).toBe(false);
    await indexed.take(25);
    const state = indexed.state();
    await indexed.close();
    const resumed = await open({ reverseComplement: true, load: 'index' });
    resumed.restore(state);
    expect(await resumed.take(15)).toEqual(expected.slice(25));
    expect(() => resumed.nextSync()).toThrow(TypeError);
    await resumed.close();
  });

  it('serializes concurrent async draws', async () => {
    const a = await open({ load: 'index' });
    const b = await open({ load: 'index' });
    const together = await Promise.all([a.next(), a.next(), a.next(), a.next()]);
    const inTurn = [await b.next(), await b.next(), await b.next(), await b.next()];
    expect(together).toEqual(inTurn);
    await a.close();
    await b.close();
  });

  it('refuses a state saved with other options or another seed', async () => {
    const a = await open();
    a.takeSync(3);
    const state = a.state();
    const otherSize = await open({ windowSize: 500 });
    expect(() => otherSize.restore(state)).toThrow(LocusInputError);
    const otherSeed = await open({ seed: 9 });
    expect(() => otherSeed.restore(state)).toThrow(/seed/);
    expect(() => otherSeed.restore({ kind: 'something else' })).toThrow(LocusInputError);
  });
});

describe('GenomeWindowSampler: filters and augmentation', () => {
  it('skips windows with more than maxAmbiguousFraction non-ACGT bases and counts them', async () => {
    const sampler = await open({ genomes: [nGenome], windowSize: 200, maxAmbiguousFraction: 0.1 });
    const windows = sampler.takeSync(300);
    for (const w of windows) {
      expect(w.ambiguous).toBe(countAmbiguous(w.sequence));
      expect(w.ambiguous).toBeLessThanOrEqual(20);
    }
    // About a quarter of starts meet the N run, so skips happen and are counted.
    const { skipped, drawn } = sampler.stats();
    expect(drawn).toBe(300);
    expect(skipped).toBeGreaterThan(30);

    const loose = await open({ genomes: [nGenome], windowSize: 200, maxAmbiguousFraction: 1 });
    const all = loose.takeSync(300);
    expect(all.some((w) => w.ambiguous > 20)).toBe(true);
    expect(loose.stats().skipped).toBe(0);
  });

  it('counts every non-ACGT character, in either case', () => {
    expect(countAmbiguous('ACGTacgtNnRyK-')).toBe(6);
  });

  it('gives up with a clear error on a genome that is all N', async () => {
    const allN = join(dir, 'all-n.fa');
    await writeFile(allN, `>n\n${'N'.repeat(3000)}\n`);
    const sampler = await open({ genomes: [allN], windowSize: 100, maxConsecutiveSkips: 50 });
    expect(() => sampler.nextSync()).toThrow(/maxAmbiguousFraction/);
  });

  it('reverse-complements about half the windows, seeded, and only when asked', async () => {
    const sampler = await open({ reverseComplement: true, windowSize: 300 });
    const windows = sampler.takeSync(400);
    const minus = windows.filter((w) => w.strand === '-');
    expect(minus.length).toBeGreaterThan(150);
    expect(minus.length).toBeLessThan(250);
    for (const w of windows.slice(0, 60)) {
      const forward = lambdaSequence.slice(w.start, w.end);
      expect(w.sequence).toBe(w.strand === '-' ? reverseComplement(forward) : forward);
    }
    const plain = await open({ windowSize: 300 });
    expect(plain.takeSync(100).every((w) => w.strand === '+')).toBe(true);
  });
});

describe('GenomeWindowSampler: train / validation / test split by region', () => {
  it('cuts each contig as src/train/data/split.ts says, and draws no window across a cut (tail)', async () => {
    const sampler = await open({ splitFraction: 0.1, windowSize: 1000 });
    const h = Math.floor(0.1 * LAMBDA_LENGTH);
    const cut = LAMBDA_LENGTH - 2 * h;
    expect(contigSplit(LAMBDA_LENGTH, 0.1)).toEqual({
      train: [0, cut],
      validation: [cut, LAMBDA_LENGTH - h],
      test: [LAMBDA_LENGTH - h, LAMBDA_LENGTH],
    });
    expect(sampler.side('validation')).toEqual([
      { genome: 0, contig: 'lambda', start: cut, end: LAMBDA_LENGTH - h, side: 'validation' },
    ]);
    expect(sampler.side('test')).toEqual([
      { genome: 0, contig: 'lambda', start: LAMBDA_LENGTH - h, end: LAMBDA_LENGTH, side: 'test' },
    ]);
    const windows = sampler.takeSync(3000);
    expect(windows.every((w) => w.start >= 0 && w.end <= cut)).toBe(true);
    // Starts near the cut are drawn too (the last possible start is cut - 1000).
    expect(Math.max(...windows.map((w) => w.end))).toBeGreaterThan(cut - 200);
    expect(sampler.stats()).toMatchObject({ trainBases: cut, validationBases: h, testBases: h });
  });

  it('blocks mode: a seeded choice of blocks, independent of the sampling seed; windows stay inside one side', async () => {
    const options = {
      splitFraction: 0.2,
      heldOutMode: 'blocks' as const,
      heldOutBlockSize: 5000,
      windowSize: 700,
    };
    const a = await open({ ...options, seed: 1 });
    const b = await open({ ...options, seed: 2 });
    const c = await open({ ...options, seed: 1, splitSeed: 5 });
    expect(b.regions).toEqual(a.regions);
    expect(c.regions).not.toEqual(a.regions);
    const held = [...a.side('validation'), ...a.side('test')];
    const heldBases = held.reduce((sum, r) => sum + r.end - r.start, 0);
    expect(a.side('validation').length).toBeGreaterThan(0);
    expect(a.side('test').length).toBeGreaterThan(0);
    expect(heldBases).toBeGreaterThanOrEqual(3 * 5000); // 2 + 2 of 10 blocks (one may be the short last one)
    for (const w of a.takeSync(2000)) {
      expect(held.some((r) => w.start < r.end && r.start < w.end)).toBe(false);
      expect(a.side('train').some((r) => r.start <= w.start && w.end <= r.end)).toBe(true);
    }
  });

  it('tiles validation and test so every base of a side is scored exactly once', async () => {
    for (const options of [
      { splitFraction: 0.1 },
      { splitFraction: 0.15, heldOutMode: 'blocks' as const, heldOutBlockSize: 3000 },
    ]) {
      const sampler = await open({ ...options, windowSize: 1000 });
      for (const side of ['validation', 'test'] as const) {
        const cover = new Uint8Array(LAMBDA_LENGTH);
        const tiles = [];
        for await (const tile of sampler.tileWindows(side)) tiles.push(tile);
        for (const tile of tiles) {
          expect(tile.end - tile.start).toBeLessThanOrEqual(1000);
          expect(tile.sequence).toBe(lambdaSequence.slice(tile.start, tile.end));
          for (let i = tile.start; i < tile.end; i++) cover[i]!++;
        }
        let wrong = 0;
        let covered = 0;
        for (const r of sampler.regions) {
          for (let i = r.start; i < r.end; i++) if (cover[i] !== (r.side === side ? 1 : 0)) wrong++;
          if (r.side === side) covered += r.end - r.start;
        }
        expect(wrong).toBe(0);
        expect(covered).toBeGreaterThan(4000);
        expect(tiles.map((t) => t.index)).toEqual([...tiles.keys()]);
        expect(sampler.tiles(side)).toHaveLength(tiles.length);
      }
    }
  });

  it('rejects splits that cannot be made', () => {
    const lambda = [[{ name: 'lambda', length: LAMBDA_LENGTH }]];
    expect(() => splitRegions(lambda, { splitFraction: 0.1, heldOutMode: 'blocks' })).toThrow(/smaller/);
    expect(() => splitRegions(lambda, { splitFraction: 0.5 })).toThrow(RangeError);
    expect(() => contigSplit(100, 0)).toThrow(RangeError);
    expect(splitRegions(lambda)).toEqual([
      { genome: 0, contig: 'lambda', start: 0, end: LAMBDA_LENGTH, side: 'train' },
    ]);
  });
});

describe('GenomeWindowSampler: inputs', () => {
  it('reads plain gzip into memory and bgzip through its index, with the same windows as plain FASTA', async () => {
    const plain = (await open({ reverseComplement: true })).takeSync(20);
    const gzip = await open({ genomes: [lambdaGzip], reverseComplement: true, load: 'auto' });
    expect(gzip.inMemory).toBe(true);
    const strip = (ws: SampledWindow[]) => ws.map(({ genome: _genome, ...rest }) => rest);
    expect(strip(gzip.takeSync(20))).toEqual(strip(plain));
    const bgzip = await open({ genomes: [LAMBDA_BGZIP], reverseComplement: true, load: 'auto' });
    expect(bgzip.inMemory).toBe(false);
    expect(strip(await bgzip.take(20))).toEqual(strip(plain));
    await bgzip.close();
    await expect(open({ genomes: [lambdaGzip], load: 'index' })).rejects.toThrow(/bgzip/);
  });

  it('draws from several genomes, by weight when given', async () => {
    const both = await open({ genomes: [LAMBDA, nGenome], windowSize: 200, genomeWeights: [0, 1] });
    expect(both.takeSync(50).every((w) => w.genomeIndex === 1 && w.contig === 'nrun')).toBe(true);
    const uniform = await open({ genomes: [LAMBDA, nGenome], windowSize: 200 });
    const counts = [0, 0];
    for (const w of uniform.takeSync(500)) counts[w.genomeIndex]!++;
    expect(counts[0]).toBeGreaterThan(counts[1]!); // lambda has ~10x the starts
    expect(counts[1]).toBeGreaterThan(0);
  });

  it('says when no window fits', async () => {
    await expect(open({ windowSize: 60_000 })).rejects.toThrow(LocusInputError);
    await expect(open({ genomes: [join(dir, 'missing.fa')] })).rejects.toThrow(/does not exist/);
    await expect(open({ windowSize: 0 })).rejects.toThrow(RangeError);
  });
});

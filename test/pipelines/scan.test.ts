/**
 * `locus scan` at tiny sizes: the pieces (local-model counts, HMM, leave-region-out Markov loss), the
 * whole pipeline on a synthetic genome with one planted foreign segment, determinism under --seed,
 * outputs other tools accept, and the bad inputs people give it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binComposition, localNats, WindowCounts } from '../../pipelines/scan/composition.js';
import { markovBinLoss } from '../../pipelines/scan/markov-loss.js';
import { anomalyBed, scoreBedGraph } from '../../pipelines/scan/outputs.js';
import { SCAN_DEFAULTS, scanGenome, type ScanOptions } from '../../pipelines/scan/scan.js';
import { fitHmm, viterbiRuns } from '../../pipelines/scan/segment.js';
import { fitMarkov, markovScore } from '../../src/train/baselines/markov.js';
import { Random } from '../../src/tokenize/random.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const hasBuild = existsSync(BIN);

/** Bases from an order-1 chain: `rows[previous]` holds the A/C/G/T weights of the next base. */
function chain(random: Random, length: number, rows: number[][]): string {
  const letters = 'ACGT';
  let previous = 0;
  let out = '';
  for (let i = 0; i < length; i++) {
    const row = rows[previous]!;
    let u = random.nextFloat() * row.reduce((a, b) => a + b, 0);
    let b = 0;
    while (u >= row[b]! && b < 3) u -= row[b++]!;
    out += letters[b];
    previous = b;
  }
  return out;
}

const HOST_ROWS = [
  [4, 2, 2, 3],
  [3, 2, 1, 3],
  [3, 3, 2, 2],
  [2, 2, 3, 4],
];
const FOREIGN_ROWS = [
  [1, 4, 4, 1],
  [2, 1, 6, 1],
  [1, 6, 1, 2],
  [1, 3, 4, 1],
];

/** 60 kb of host with 8 kb of foreign DNA at [30,000, 38,000), some lowercase and an N run. */
function plantedGenome(seed = 5): { sequence: string; island: [number, number] } {
  const random = new Random(seed);
  const host = chain(random, 60_000, HOST_ROWS);
  const foreign = chain(random, 8_000, FOREIGN_ROWS);
  let sequence = host.slice(0, 30_000) + foreign + host.slice(30_000, 52_000);
  sequence = sequence.slice(0, 10_000) + 'N'.repeat(700) + sequence.slice(10_700);
  sequence =
    sequence.slice(0, 50_000) + sequence.slice(50_000, 53_000).toLowerCase() + sequence.slice(53_000);
  return { sequence, island: [30_000, 38_000] };
}

function writeFasta(dir: string, name: string, records: [string, string][]): string {
  const path = join(dir, name);
  writeFileSync(path, records.map(([id, s]) => `>${id}\n${s.replace(/(.{60})/g, '$1\n')}\n`).join(''));
  return path;
}

const scratchDir = () => mkdtempSync(join(tmpdir(), 'locus-scan-'));

function options(genome: string, changes: Partial<ScanOptions> = {}): ScanOptions {
  return {
    ...SCAN_DEFAULTS,
    genome,
    windowSize: 2000,
    binSize: 250,
    markovOrder: 3,
    ...changes,
    reformer: {
      ...SCAN_DEFAULTS.reformer,
      steps: 2,
      context: 512,
      batchSize: 2,
      backend: 'wasm',
      ...changes.reformer,
    },
  };
}

const overlap = (a: [number, number], b: [number, number]) =>
  Math.max(0, Math.min(a[1], b[1]) - Math.max(a[0], b[0]));

describe('local model counts', () => {
  it('counts each word on the forward strand and its reverse complement on the reverse strand', () => {
    const c = binComposition('x', 'ACGTTNAC', 4, 1);
    // bin 0 = ACGT: words AC, CG, GT; bin 1 = TNAC: words TT (ends in bin 1), AC
    const code = (w: string) => [...w].reduce((v, ch) => v * 4 + 'ACGT'.indexOf(ch), 0);
    const words = (counts: Uint32Array, bin: number) =>
      [...counts.subarray(bin * 16, bin * 16 + 16)].flatMap((n, w) => (n > 0 ? [[w, n]] : []));
    expect(words(c.forward, 0)).toEqual([
      [code('AC'), 1],
      [code('CG'), 1],
      [code('GT'), 1],
    ]);
    expect(words(c.reverse, 0)).toEqual([
      [code('AC'), 1], // rc(GT)
      [code('CG'), 1], // rc(CG)
      [code('GT'), 1], // rc(AC)
    ]);
    expect(words(c.forward, 1)).toEqual([
      [code('AC'), 1],
      [code('TT'), 1],
    ]);
    expect([...c.acgt]).toEqual([4, 3]);
    expect([...c.gc]).toEqual([2, 1]);
  });

  it('leave-one-out nats match a direct computation', () => {
    const sequence = chain(new Random(2), 3000, HOST_ROWS);
    const c = binComposition('x', sequence, 1000, 2);
    const window = new WindowCounts(2);
    for (let b = 0; b < 3; b++) window.add(c, b, 1);
    // Direct: count words of both strands, then score each forward word without itself.
    const rc = [...sequence]
      .reverse()
      .map((ch) => 'TGCA'['ACGT'.indexOf(ch)])
      .join('');
    const counts = new Map<string, number>();
    for (const s of [sequence, rc])
      for (let i = 2; i < s.length; i++) {
        const w = s.slice(i - 2, i + 1);
        counts.set(w, (counts.get(w) ?? 0) + 1);
      }
    let nats = 0;
    for (let i = 2; i < sequence.length; i++) {
      const w = sequence.slice(i - 2, i + 1);
      const context = w.slice(0, 2);
      const total = [...'ACGT'].reduce((n, b) => n + (counts.get(context + b) ?? 0), 0);
      nats -= Math.log((counts.get(w)! - 1 + 1) / (total - 1 + 4));
    }
    expect(localNats(window, 1)).toBeCloseTo(nats, 6);
  });
});

describe('two-state HMM', () => {
  const noise = (n: number, seed: number) => {
    const random = new Random(seed);
    return Float64Array.from({ length: n }, () => {
      const u = Math.max(random.nextFloat(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextFloat());
    });
  };

  it('finds a raised block and nothing else', () => {
    const track = noise(2000, 1);
    for (let i = 700; i < 740; i++) track[i]! += 8;
    const fit = fitHmm([track], { mean: 6, sd: 2, enter: 1e-3, leave: 0.05 });
    const runs = viterbiRuns(track, fit);
    expect(runs).toHaveLength(1);
    expect(Math.abs(runs[0]![0] - 700)).toBeLessThanOrEqual(2);
    expect(Math.abs(runs[0]![1] - 740)).toBeLessThanOrEqual(2);
    expect(fit.mean).toBeGreaterThan(6);
  });

  it('calls nothing on pure noise, and never starts a segment in an unscored gap', () => {
    const track = noise(5000, 2);
    expect(viterbiRuns(track, fitHmm([track], { mean: 6, sd: 2, enter: 1e-3, leave: 0.05 }))).toEqual([]);
    const gapped = noise(500, 3);
    for (let i = 200; i < 260; i++) gapped[i] = i < 210 ? NaN : 9;
    const runs = viterbiRuns(gapped, fitHmm([gapped], { mean: 6, sd: 2, enter: 1e-3, leave: 0.05 }));
    expect(runs.length).toBeGreaterThan(0);
    for (const [a, b] of runs) {
      expect(Number.isFinite(gapped[a]!)).toBe(true);
      expect(Number.isFinite(gapped[b - 1]!)).toBe(true);
    }
  });
});

describe('leave-region-out Markov loss', () => {
  it('scores every base once, and the tables are unchanged afterwards', () => {
    const { sequence } = plantedGenome();
    const losses = markovBinLoss([sequence], { order: 4, alpha: 1, binSize: 250, windowSize: 2000 });
    const scored = losses[0]!.bases.reduce((a, b) => a + b, 0);
    expect(scored).toBe(sequence.replace(/[^ACGTacgt]/g, '').length);
    // Without leave-out the chain fitted on the genome gives a lower (in-sample) loss.
    const fitted = fitMarkov([sequence], 4, 1, 'interpolated', { reverseComplement: true });
    const inSample = markovScore(fitted, [sequence]).totalNats;
    expect(losses[0]!.nats.reduce((a, b) => a + b, 0)).toBeGreaterThan(inSample);
  });
});

describe('scanGenome on a planted genome', () => {
  const dir = scratchDir();
  const { sequence, island } = plantedGenome();
  const genome = writeFasta(dir, 'planted.fa', [['chrP', sequence]]);

  it.each(['markov', 'gc'] as const)(
    '--method %s finds the planted segment and little else',
    async (method) => {
      const result = await scanGenome(options(genome, { method }));
      const found = result.segments.reduce((n, s) => n + overlap([s.start, s.end], island), 0);
      const called = result.segments.reduce((n, s) => n + s.end - s.start, 0);
      expect(found / (island[1] - island[0])).toBeGreaterThan(0.7);
      expect(found / called).toBeGreaterThan(0.7);
      // Bins inside the N run are unscored and absent from the bedGraph.
      const bedGraph = scoreBedGraph(result);
      expect(bedGraph).not.toMatch(/\tchrP\t10250\t10500\t/);
      expect(result.tracks[0]!.scores.length).toBe(Math.ceil(sequence.length / 250));
    },
  );

  it('--method reformer trains and scores (tiny), and the same seed gives the same outputs', async () => {
    const a = await scanGenome(options(genome, { method: 'reformer', workers: 1 }));
    const b = await scanGenome(options(genome, { method: 'reformer', workers: 1 }));
    expect(a.model?.trainedSteps).toBe(2);
    expect(a.model?.bitsPerBase).toBeGreaterThan(1);
    expect(anomalyBed(a)).toBe(anomalyBed(b));
    expect(scoreBedGraph(a)).toBe(scoreBedGraph(b));
    const c = await scanGenome(options(genome, { method: 'reformer', workers: 1, seed: 9 }));
    expect(scoreBedGraph(c)).not.toBe(scoreBedGraph(a));
  }, 120_000);

  it('scans a draft assembly of 150 short contigs, each track on its own contig', async () => {
    const random = new Random(11);
    const contigs: [string, string][] = [];
    for (let i = 0, at = 0; i < 150; i++) {
      const length = 300 + random.nextInt(1500);
      contigs.push([`ctg${i}`, sequence.slice(at % 60_000, (at % 60_000) + length)]);
      at += length;
    }
    const draft = writeFasta(dir, 'draft.fa', contigs);
    const result = await scanGenome(options(draft, { method: 'markov' }));
    expect(result.tracks.map((t) => t.contig)).toEqual(contigs.map(([name]) => name));
    for (const s of result.segments) {
      const track = result.tracks.find((t) => t.contig === s.contig)!;
      expect(s.end).toBeLessThanOrEqual(track.length);
    }
    const bedGraph = scoreBedGraph(result);
    expect(bedGraph.split('\n').filter(Boolean).length).toBeGreaterThan(100);
  });

  it('--region scans one stretch in contig coordinates', async () => {
    const result = await scanGenome(options(genome, { method: 'gc', region: 'chrP:20,001-60,000' }));
    expect(result.tracks[0]!.start).toBe(20_000);
    expect(result.tracks[0]!.length).toBe(40_000);
    for (const s of result.segments) expect(s.start).toBeGreaterThanOrEqual(20_000);
    expect(result.segments.some((s) => overlap([s.start, s.end], island) > 0)).toBe(true);
  });
});

describe.skipIf(!hasBuild)('locus scan (CLI)', () => {
  const dir = scratchDir();
  const { sequence } = plantedGenome();
  const genome = writeFasta(dir, 'planted.fa', [
    ['chrP', sequence],
    ['plasmid', chain(new Random(8), 6000, HOST_ROWS)],
  ]);
  const locus = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });

  it('writes the four outputs; BED and bedGraph are sorted as bedtools sorts them', () => {
    const out = join(dir, 'out');
    const r = locus(
      'scan',
      genome,
      '-o',
      out,
      '--method',
      'markov',
      '--window',
      '2000',
      '--bin',
      '250',
      '--quiet',
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/anomalous segment/);
    expect(r.stdout).toMatch(/chrP:3\d,\d{3}-3\d,\d{3}/);
    expect(readdirSync(out).sort()).toEqual([
      'anomalies.bed',
      'report.html',
      'scores.bedgraph',
      'summary.json',
    ]);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.settings.method).toBe('markov');
    expect(summary.peakRssMb).toBeGreaterThan(0);
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    if (hasTool('bedtools')) {
      for (const file of ['anomalies.bed', 'scores.bedgraph']) {
        const text = readFileSync(join(out, file), 'utf8');
        expect(text.length).toBeGreaterThan(0);
        expect(run('bedtools', ['sort', '-i', join(out, file)]).stdout).toBe(text);
      }
    }
  });

  it('Ctrl-C stops the scan with exit 130 and leaves no folder behind', async () => {
    const out = join(dir, 'interrupted');
    const child = spawn(
      process.execPath,
      [
        BIN,
        'scan',
        genome,
        '-o',
        out,
        '--window',
        '2000',
        '--bin',
        '250',
        '--steps',
        '500',
        '--context',
        '512',
        '--workers',
        '1',
        '--backend',
        'wasm',
        '--quiet',
      ],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await new Promise((resolve) => setTimeout(resolve, 4000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted; no output written/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('interrupted'))).toEqual([]);
  }, 60_000);

  it('rejects a checkpoint that is not a causal single-base model', () => {
    const r = locus(
      'scan',
      genome,
      '-o',
      join(dir, 'bad-model'),
      '--model',
      join(SAMPLES, 'model'),
      '--quiet',
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not a causal single-base language model.*--objective causal -k 1/);
    expect(existsSync(join(dir, 'bad-model'))).toBe(false);
  }, 60_000);

  it.each([
    [
      'an output folder that is not empty',
      ['--method', 'gc'],
      'out-full',
      /exists and is not empty.*--force/,
    ],
    ['a BAM', ['--method', 'gc'], 'bam', /BAM alignment file, not a genome FASTA/],
    ['a protein FASTA', ['--method', 'gc'], 'protein', /does not look like DNA/],
    ['an empty file', ['--method', 'gc'], 'empty', /is empty/],
    ['a genome too short', ['--method', 'gc'], 'short', /needs at least 40,000/],
    ['an unknown region', ['--method', 'gc', '--region', 'chrZ'], 'region', /Unknown contig "chrZ"/],
  ])('rejects %s with one clear line and no output', (_what, extra, kind, message) => {
    const inputs: Record<string, string> = {
      bam: join(SAMPLES, 'lambda.bam'),
      protein: writeFasta(dir, 'protein.fa', [['p1', 'MKVLAAGIVGLLLAQWERTYPSDFGHKLCVNM'.repeat(100)]]),
      empty: writeFasta(dir, 'empty.fa', []),
      short: writeFasta(dir, 'short.fa', [['s', chain(new Random(3), 10_000, HOST_ROWS)]]),
    };
    const out = join(dir, `bad-${kind}`);
    if (kind === 'out-full') {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'keep.txt'), 'mine');
    }
    const r = locus('scan', inputs[kind] ?? genome, '-o', out, ...extra);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    if (kind === 'out-full') expect(readdirSync(out)).toEqual(['keep.txt']);
    else expect(existsSync(out)).toBe(false);
  });
});

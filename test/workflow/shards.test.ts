/**
 * `locus shards` and its plan: every base in exactly one shard, in reference order, edges on the
 * chunk grid, the largest shard as small as the grid allows; the CLI's BED, --shard and --json.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findShard, planShards, shardsBed, type Shard } from '../../pipelines/variants/shards.js';
import { wholeContigs } from '../../src/io/region-options.js';
import { ROOT, SAMPLES, scratch, seededRandom } from '../helpers/paths.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');

function locus(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every base of every contig, as "contig:position", in the order the shards list them. */
function basesInOrder(shards: readonly Shard[]): string[] {
  return shards.flatMap((s) =>
    s.intervals.flatMap((r) =>
      Array.from({ length: r.end - r.start }, (_, i) => `${r.contig}:${r.start + i}`),
    ),
  );
}

/** The least possible largest shard when the grid pieces are cut, in order, into `count` runs (brute force). */
function optimalLargest(pieces: number[], count: number): number {
  const memo = new Map<string, number>();
  const best = (from: number, left: number): number => {
    if (from === pieces.length) return 0;
    if (left === 0) return Infinity;
    const key = `${from},${left}`;
    if (memo.has(key)) return memo.get(key)!;
    let sum = 0;
    let result = Infinity;
    for (let end = from; end < pieces.length; end++) {
      sum += pieces[end]!;
      result = Math.min(result, Math.max(sum, best(end + 1, left - 1)));
    }
    memo.set(key, result);
    return result;
  };
  return best(0, count);
}

describe('planShards', () => {
  const random = seededRandom(7);
  const genomes = Array.from({ length: 25 }, (_, g) =>
    Array.from({ length: 1 + Math.floor(random() * 5) }, (_, c) => ({
      name: `g${g}c${c}`,
      length: 1 + Math.floor(random() * 900),
    })),
  );

  it('covers every base exactly once, in reference order, with edges on the grid', () => {
    for (const contigs of genomes) {
      for (const count of [1, 2, 3, 7]) {
        const grid = 50 + Math.floor(random() * 200);
        const shards = planShards(wholeContigs(contigs), { count, grid });
        const expected = contigs.flatMap((c) => Array.from({ length: c.length }, (_, i) => `${c.name}:${i}`));
        expect(basesInOrder(shards)).toEqual(expected);
        expect(shards.length).toBeLessThanOrEqual(count);
        for (const s of shards) {
          expect(s.bases).toBe(s.intervals.reduce((n, r) => n + r.end - r.start, 0));
          for (const r of s.intervals) {
            const length = contigs.find((c) => c.name === r.contig)!.length;
            expect(r.start % grid).toBe(0);
            expect(r.end % grid === 0 || r.end === length).toBe(true);
          }
        }
      }
    }
  });

  it('makes the largest shard as small as any cut of the grid into that many shards', () => {
    for (const contigs of genomes.slice(0, 12)) {
      const grid = 100;
      const pieces = contigs.flatMap((c) =>
        Array.from({ length: Math.ceil(c.length / grid) }, (_, i) => Math.min(grid, c.length - i * grid)),
      );
      for (const count of [1, 2, 3, 5]) {
        const shards = planShards(wholeContigs(contigs), { count, grid });
        expect(Math.max(...shards.map((s) => s.bases))).toBe(optimalLargest(pieces, count));
      }
    }
  });

  it('packs small contigs together and cuts large ones; --size sets the count', () => {
    const contigs = [
      { name: 'chr1', length: 1_000_000 },
      { name: 'plasmid1', length: 3_000 },
      { name: 'plasmid2', length: 2_000 },
    ];
    const shards = planShards(wholeContigs(contigs), { size: 250_000, grid: 50_000 });
    expect(shards.map((s) => s.name)).toEqual(['shard-1', 'shard-2', 'shard-3', 'shard-4', 'shard-5']);
    expect(shards[0]!.intervals[0]).toMatchObject({ contig: 'chr1', start: 0 });
    expect(shards.at(-1)!.intervals.map((r) => r.contig)).toContain('plasmid2');
    expect(Math.max(...shards.map((s) => s.bases))).toBeLessThanOrEqual(250_000);
  });

  it('names sort in order, and never more shards than grid pieces', () => {
    const many = planShards(wholeContigs([{ name: 'c', length: 12_000 }]), { count: 12, grid: 1_000 });
    expect(many.map((s) => s.name).slice(0, 3)).toEqual(['shard-01', 'shard-02', 'shard-03']);
    expect(planShards(wholeContigs([{ name: 'c', length: 1_500 }]), { count: 10, grid: 1_000 })).toHaveLength(
      2,
    );
    expect(planShards([], { count: 3, grid: 10 })).toEqual([]);
    expect(() => planShards(wholeContigs([{ name: 'c', length: 10 }]), { grid: 10 })).toThrow(TypeError);
  });

  it('writes BED lines named by shard, and finds a shard by name with the fix when it is not there', () => {
    const shards = planShards(wholeContigs([{ name: 'c', length: 350 }]), { count: 2, grid: 100 });
    expect(shardsBed(shards)).toBe('c\t0\t200\tshard-1\nc\t200\t350\tshard-2\n');
    expect(findShard(shards, 'shard-2', 'ref.fa').intervals).toEqual([{ contig: 'c', start: 200, end: 350 }]);
    expect(() => findShard(shards, 'shard-9', 'ref.fa')).toThrow(/2 shards: shard-1 to shard-2/);
  });
});

describe('locus shards', () => {
  const dir = scratch();
  const reference = join(dir, 'lambda.fa');
  spawnSync('cp', [join(SAMPLES, 'lambda.fa'), join(SAMPLES, 'lambda.fa.fai'), dir]);

  it('prints the shard BED, one shard with --shard, and the plan as JSON', () => {
    const all = locus('shards', reference, '--count', '3', '--grid', '10000');
    expect(all.status).toBe(0);
    expect(all.stdout).toBe(
      'lambda\t0\t20000\tshard-1\nlambda\t20000\t40000\tshard-2\nlambda\t40000\t48502\tshard-3\n',
    );
    const one = locus(
      'shards',
      reference,
      '--count',
      '3',
      '--grid',
      '10000',
      '--shard',
      'shard-2',
      '-o',
      join(dir, 's2.bed'),
    );
    expect(one.status).toBe(0);
    expect(readFileSync(join(dir, 's2.bed'), 'utf8')).toBe('lambda\t20000\t40000\tshard-2\n');
    const json = JSON.parse(
      locus('shards', reference, '--size', '25,000', '--grid', '10000', '--json').stdout,
    );
    // 48,502 bases at about 25,000 a shard: 2 shards, the larger as small as the 10 kb grid allows.
    expect(json.shards).toEqual([
      { name: 'shard-1', bases: 20000, regions: ['lambda:1-20000'] },
      { name: 'shard-2', bases: 28502, regions: ['lambda:20001-48502'] },
    ]);
  });

  it('writes one BED per shard with --split-dir', () => {
    const split = join(dir, 'split');
    expect(
      locus(
        'shards',
        reference,
        '--count',
        '2',
        '--grid',
        '10000',
        '--split-dir',
        split,
        '-o',
        join(dir, 'all.bed'),
      ).status,
    ).toBe(0);
    const joined = ['shard-1', 'shard-2'].map((s) => readFileSync(join(split, `${s}.bed`), 'utf8')).join('');
    expect(joined).toBe(readFileSync(join(dir, 'all.bed'), 'utf8'));
  });

  it('says what to give when the options are wrong', () => {
    const neither = locus('shards', reference);
    expect(neither.status).toBe(2);
    expect(neither.stderr).toContain('give exactly one of --count and --size');
    const unknown = locus('shards', reference, '--count', '3', '--shard', 'shard-7');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('No shard "shard-7"');
    const missing = locus('shards', join(dir, 'missing.fa'), '--count', '3');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('missing.fa');
  });
});

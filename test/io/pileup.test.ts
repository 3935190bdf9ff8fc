import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBam } from '../../src/io/bam.js';
import { pileup, STRIDE, type PileupOptions } from '../../src/io/pileup.js';
import { parseRegion, resolveRegion } from '../../src/io/region.js';
import { SAMPLES } from '../helpers/paths.js';
import { parseMpileup, type PositionCounts } from '../helpers/mpileup.js';
import { hasTool, run } from '../helpers/tools.js';

const BAM = join(SAMPLES, 'lambda.bam');
const REF = join(SAMPLES, 'lambda.fa');

async function locusCounts(
  options: PileupOptions & { region?: string },
): Promise<Map<string, PositionCounts>> {
  const bam = await openBam(BAM);
  const region = options.region ? resolveRegion(parseRegion(options.region), bam.lengths(), BAM) : undefined;
  const out = new Map<string, PositionCounts>();
  await pileup(
    bam,
    (chunk) => {
      for (let i = 0; i < chunk.length; i++) {
        if (chunk.reads[i] === 0) continue;
        const o = i * STRIDE;
        const both = (k: number) => chunk.counts[o + k]! + chunk.counts[o + 7 + k]!;
        out.set(`${chunk.contig}:${chunk.start + i + 1}`, {
          depth: chunk.depth[i]!,
          A: both(0),
          C: both(1),
          G: both(2),
          T: both(3),
          N: both(4),
          del: both(5),
          ins: both(6),
        });
      }
    },
    { ...options, region },
  );
  await bam.close();
  return out;
}

describe.skipIf(!hasTool('samtools'))('pileup against samtools mpileup -B -d 0', () => {
  const cases: { name: string; args: string[]; options: PileupOptions & { region?: string } }[] = [
    { name: '-q 0 -Q 0', args: ['-q', '0', '-Q', '0'], options: { minMapQ: 0, minBaseQ: 0 } },
    { name: 'defaults (-Q 13, overlap correction)', args: [], options: {} },
    { name: '-q 20 -Q 25', args: ['-q', '20', '-Q', '25'], options: { minMapQ: 20, minBaseQ: 25 } },
    { name: '-x (no overlap correction)', args: ['-x'], options: { overlapCorrection: false } },
    { name: '-A (orphans)', args: ['-A', '-Q', '20'], options: { countOrphans: true, minBaseQ: 20 } },
    {
      name: 'region',
      args: ['-r', 'lambda:10,000-12,500'],
      options: { region: 'lambda:10,000-12,500' },
    },
  ];
  it.each(cases)('equal counts at every covered position: $name', async ({ args, options }) => {
    const samtools = run('samtools', ['mpileup', '-B', '-d', '0', ...args, '-f', REF, BAM]);
    expect(samtools.status).toBe(0);
    const expected = parseMpileup(samtools.stdout);
    const got = await locusCounts(options);
    expect(expected.size).toBeGreaterThan(options.region ? 2_000 : 40_000);
    expect([...got.keys()]).toEqual([...expected.keys()]);
    const mismatches = [...expected].filter(
      ([key, counts]) => JSON.stringify(got.get(key)) !== JSON.stringify(counts),
    );
    expect(mismatches.slice(0, 3)).toEqual([]);
    if (options.region) return;
    // Indels must actually have been exercised.
    expect([...got.values()].some((c) => c.del > 0)).toBe(true);
    expect([...got.values()].some((c) => c.ins > 0)).toBe(true);
  });
});

describe('pileup', () => {
  it('emits positions in order with depth equal to the counted bases and deletions', async () => {
    const counts = await locusCounts({ region: 'lambda:1-5,000' });
    let previous = 0;
    for (const [key, c] of counts) {
      const pos = Number(key.split(':')[1]);
      expect(pos).toBeGreaterThan(previous);
      expect(pos).toBeLessThanOrEqual(5_000);
      previous = pos;
      expect(c.A + c.C + c.G + c.T + c.N + c.del).toBe(c.depth);
    }
    expect(counts.size).toBeGreaterThan(4_000);
  });
});

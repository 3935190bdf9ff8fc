import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBam, passesFilter } from '../../src/io/bam.js';
import { parseRegion, resolveRegion } from '../../src/io/region.js';
import { fixture, SAMPLES, scratch, seededRandom } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

const SAMPLE_BAM = join(SAMPLES, 'lambda.bam');

describe('openBam', () => {
  it('reads the header, contigs and read groups', async () => {
    const bam = await openBam(SAMPLE_BAM);
    expect(bam.contigs()).toEqual([{ name: 'lambda', length: 48502 }]);
    expect(bam.readGroups()).toEqual([{ id: 'sample1', fields: { SM: 'sample1' } }]);
    expect(bam.index?.kind).toBe('bai');
    await bam.close();
  });

  it('finds a CSI index', async () => {
    const bam = await openBam(fixture('small-csi.bam'));
    expect(bam.index?.kind).toBe('csi');
    const region = resolveRegion(parseRegion('lambda:20,500-20,600'), bam.lengths(), 'small-csi.bam');
    const small = await openBam(fixture('small.bam'));
    expect((await bam.queryReads(region)).map((r) => r.name)).toEqual(
      (await small.queryReads(region)).map((r) => r.name),
    );
    await Promise.all([bam.close(), small.close()]);
  });

  it('says how to index a BAM without one, only when an index is needed', async () => {
    const bam = await openBam(fixture('no-index.bam'));
    let reads = 0;
    await bam.visit(() => {
      reads++;
    });
    expect(reads).toBe(280);
    const region = resolveRegion(parseRegion('lambda:1-100'), bam.lengths(), 'no-index.bam');
    await expect(bam.queryReads(region)).rejects.toThrow(
      /Cannot read BAM index for ".*no-index.bam".*samtools index/,
    );
    await bam.close();
  });

  it('rejects a truncated BAM, a missing file, a directory and a FASTA given as BAM', async () => {
    await expect(openBam(fixture('truncated.bam'))).rejects.toThrow(/truncated/);
    await expect(openBam(fixture('missing.bam'))).rejects.toThrow(/does not exist/);
    await expect(openBam(fixture(''))).rejects.toThrow(/is a directory/);
    await expect(openBam(fixture('lambda.fa'))).rejects.toThrow(/not a BAM file/);
  });

  it('rejects a BAM cut inside a block even when the end-of-file marker is put back', async () => {
    const dir = scratch('small.bam');
    const bytes = readFileSync(join(dir, 'small.bam'));
    const eof = bytes.subarray(bytes.length - 28);
    writeFileSync(join(dir, 'cut.bam'), Buffer.concat([bytes.subarray(0, 20_000), eof]));
    const readAll = async () => {
      const bam = await openBam(join(dir, 'cut.bam'));
      await bam.visit(() => {});
    };
    await expect(readAll()).rejects.toThrow(/truncated or corrupt: the BGZF block at byte \d+/);
  });
});

describe('filters', () => {
  it('applies -f, -F and -q as samtools view does', () => {
    expect(passesFilter(0x3, 60, { flagRequire: 0x2 })).toBe(true);
    expect(passesFilter(0x1, 60, { flagRequire: 0x2 })).toBe(false);
    expect(passesFilter(0x400, 60, { flagExclude: 0x704 })).toBe(false);
    expect(passesFilter(0x0, 9, { minMapQ: 10 })).toBe(false);
  });
});

describe.skipIf(!hasTool('samtools'))('region queries against samtools view', () => {
  it('returns exactly the reads samtools view returns on 200 random regions', async () => {
    const bam = await openBam(SAMPLE_BAM);
    const random = seededRandom(42);
    let compared = 0;
    for (let i = 0; i < 200; i++) {
      const start = 1 + Math.floor(random() * 48_000);
      const end = start + Math.floor(random() * (i % 4 === 0 ? 3 : 2_000));
      const text = `lambda:${start}-${end}`;
      const filter =
        i % 3 === 0 ? { minMapQ: 30, flagExclude: 0x10 } : i % 3 === 1 ? { flagRequire: 0x40 } : {};
      const args = ['view', SAMPLE_BAM, text];
      if (filter.minMapQ) args.splice(1, 0, '-q', String(filter.minMapQ), '-F', String(filter.flagExclude));
      if (filter.flagRequire) args.splice(1, 0, '-f', String(filter.flagRequire));
      const expected = run('samtools', args)
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t')[0]);
      const region = resolveRegion(parseRegion(text), bam.lengths(), SAMPLE_BAM);
      const got = (await bam.queryReads(region, filter)).map((r) => r.name);
      expect(got, text).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(1_000);
    await bam.close();
  });

  it('visits every record of the file once, as samtools view -c counts them', async () => {
    const bam = await openBam(SAMPLE_BAM);
    let count = 0;
    await bam.visit(() => {
      count++;
    });
    expect(count).toBe(Number(run('samtools', ['view', '-c', SAMPLE_BAM]).stdout.trim()));
    await bam.close();
  });

  it('visits exactly the index chunks of a region, with no read twice', async () => {
    const dir = scratch();
    copyFileSync(SAMPLE_BAM, join(dir, 's.bam'));
    run('samtools', ['index', '-c', join(dir, 's.bam')]);
    for (const path of [SAMPLE_BAM, join(dir, 's.bam')]) {
      const bam = await openBam(path);
      const region = resolveRegion(parseRegion('lambda:30,000-31,000'), bam.lengths(), path);
      const names: string[] = [];
      await bam.visit(
        (r) => {
          if (r.pos < region.end && r.end() > region.start) names.push(`${r.name}/${r.flag}`);
        },
        { region },
      );
      const expected = run('samtools', ['view', path, 'lambda:30,000-31,000'])
        .stdout.split('\n')
        .filter(Boolean)
        .map((l) => `${l.split('\t')[0]}/${l.split('\t')[1]}`);
      expect(names).toEqual(expected);
      await bam.close();
    }
  });
});

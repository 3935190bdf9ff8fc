/**
 * Differential test: `locus faidx` output against `samtools faidx` on 200 random regions of real
 * genomes (E. coli 536 from ../shared/data, the lambda sample), plain and bgzip. Skipped, not failed,
 * without samtools/bgzip or the shared data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatFai, buildFai } from '../../src/io/fasta-index.js';
import { main } from '../../src/cli/main.js';
import { hasSharedData, SAMPLES, SHARED_DATA, scratch, seededRandom } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';
import { captureStdout } from '../helpers/capture.js';

const tools = hasTool('samtools') && hasTool('bgzip');

function randomRegions(name: string, length: number, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const regions: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = 1 + Math.floor(random() * length);
    const end = Math.min(length, start + Math.floor(random() * 10_000));
    // Mix the syntaxes users type: plain, with commas, open-ended.
    regions.push(
      i % 5 === 0
        ? `${name}:${start.toLocaleString('en-US')}-${end.toLocaleString('en-US')}`
        : `${name}:${start}-${end}`,
    );
  }
  regions.push(name, `${name}:${length}`, `${name}:1-1`);
  return regions;
}

async function compareWithSamtools(fasta: string, regions: string[]): Promise<number> {
  const regionFile = `${fasta}.regions.txt`;
  writeFileSync(regionFile, regions.join('\n') + '\n');
  const expected = run('samtools', ['faidx', fasta, '-r', regionFile]);
  expect(expected.status).toBe(0);
  const { code, stdout } = await captureStdout(() =>
    main(['node', 'locus', 'faidx', fasta, '-r', regionFile]),
  );
  expect(code).toBe(0);
  expect(stdout).toBe(expected.stdout);
  return expected.stdout.length;
}

describe.skipIf(!tools || !hasSharedData)('locus faidx = samtools faidx on E. coli 536', () => {
  let dir: string;
  beforeAll(() => {
    dir = scratch();
    const text = gunzipSync(readFileSync(join(SHARED_DATA, 'genomes/ecoli_536.fa.gz')));
    writeFileSync(join(dir, 'ecoli.fa'), text);
    writeFileSync(
      join(dir, 'ecoli.fa.gz'),
      execFileSync('bgzip', ['-c', join(dir, 'ecoli.fa')], { maxBuffer: 1 << 30 }),
    );
    run('samtools', ['faidx', join(dir, 'ecoli.fa.gz')]);
  });

  it('builds a .fai byte-identical to samtools', async () => {
    const ours = formatFai(await buildFai(join(dir, 'ecoli.fa')));
    run('samtools', ['faidx', join(dir, 'ecoli.fa')]);
    expect(ours).toBe(readFileSync(join(dir, 'ecoli.fa.fai'), 'latin1'));
  });

  it('prints 200 random regions byte-identically, plain', async () => {
    const name = readFileSync(join(dir, 'ecoli.fa.fai'), 'latin1').split('\t')[0]!;
    expect(
      await compareWithSamtools(join(dir, 'ecoli.fa'), randomRegions(name, 4_938_920, 200, 7)),
    ).toBeGreaterThan(500_000);
  });

  it('prints 200 random regions byte-identically, bgzip', async () => {
    const name = readFileSync(join(dir, 'ecoli.fa.gz.fai'), 'latin1').split('\t')[0]!;
    expect(existsSync(join(dir, 'ecoli.fa.gz.gzi'))).toBe(true);
    expect(
      await compareWithSamtools(join(dir, 'ecoli.fa.gz'), randomRegions(name, 4_938_920, 200, 8)),
    ).toBeGreaterThan(500_000);
  });
});

describe.skipIf(!tools)('locus faidx = samtools faidx on the lambda sample', () => {
  it('prints 200 random regions byte-identically, plain and bgzip', async () => {
    const dir = scratch();
    for (const file of [
      'lambda.fa',
      'lambda.fa.fai',
      'lambda.fa.gz',
      'lambda.fa.gz.fai',
      'lambda.fa.gz.gzi',
    ]) {
      writeFileSync(join(dir, file), readFileSync(join(SAMPLES, file)));
    }
    const regions = randomRegions('lambda', 48_502, 200, 9);
    expect(await compareWithSamtools(join(dir, 'lambda.fa'), regions)).toBeGreaterThan(100_000);
    expect(await compareWithSamtools(join(dir, 'lambda.fa.gz'), regions)).toBeGreaterThan(100_000);
  });
});

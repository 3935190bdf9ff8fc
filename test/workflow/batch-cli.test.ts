/**
 * What a workflow manager relies on from the CLI: `locus variants --shard K/N` (the shards' records,
 * in order, are the unsharded run's), `locus scan --regions-file`, SIGTERM stopping a run with exit
 * 143 and nothing written, and `locus cohort` summarizing real outputs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ROOT, SAMPLES, scratch } from '../helpers/paths.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const BAM = join(SAMPLES, 'lambda.bam');
const REF = join(SAMPLES, 'lambda.fa');

function locus(cwd: string, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 300_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const records = (path: string) =>
  gunzipSync(readFileSync(path))
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('locus variants --shard', () => {
  /** locus variants on lambda.bam on the 10 kb chunk grid, writing `output` in `dir`. */
  const call = (dir: string, output: string, ...options: string[]) =>
    locus(dir, 'variants', BAM, '--ref', REF, '-o', output, '--chunk-size', '10000', '--quiet', ...options);

  it("writes, shard after shard, exactly the unsharded run's records", () => {
    const dir = scratch();
    expect(call(dir, 'all.vcf.gz').status).toBe(0);
    const parts: string[] = [];
    for (let k = 1; k <= 4; k++) {
      const run = call(dir, `s${k}.vcf.gz`, '--shard', `${k}/4`, '--json');
      expect(run.status, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout) as { regions: { start: number; end: number }[]; calls: number };
      // Edges on the 10 kb grid.
      for (const r of summary.regions) expect(r.start % 10_000).toBe(0);
      expect(summary.calls).toBeGreaterThan(0);
      parts.push(...records(join(dir, `s${k}.vcf.gz`)));
    }
    expect(parts).toEqual(records(join(dir, 'all.vcf.gz')));
  });

  it('shards the regions given, and says when there is no such shard', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'targets.bed'), 'lambda\t1000\t21000\nlambda\t30000\t40000\n');
    expect(call(dir, 'all.vcf.gz', '--regions-file', 'targets.bed').status).toBe(0);
    const parts: string[] = [];
    for (let k = 1; k <= 3; k++) {
      const run = call(dir, `s${k}.vcf.gz`, '--regions-file', 'targets.bed', '--shard', `${k}/3`);
      expect(run.status, run.stderr).toBe(0);
      parts.push(...records(join(dir, `s${k}.vcf.gz`)));
    }
    expect(parts).toEqual(records(join(dir, 'all.vcf.gz')));
    const tooMany = locus(dir, 'variants', BAM, '--ref', REF, '--shard', '3/3', '-o', 'x.vcf.gz');
    expect(tooMany.status).toBe(1);
    expect(tooMany.stderr).toContain('the regions make only 1 shard of whole 50,000-base chunks');
    expect(existsSync(join(dir, 'x.vcf.gz'))).toBe(false);
    const bad = locus(dir, 'variants', BAM, '--ref', REF, '--shard', '0/3', '-o', 'x.vcf.gz');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('expected K/N with 1 <= K <= N');
  });
});

describe('locus scan --regions-file', () => {
  /** locus scan of the E. coli island sample by the Markov method, in `dir`. */
  const scan = (dir: string, ...options: string[]) =>
    locus(dir, 'scan', join(SAMPLES, 'ecoli-island.fa'), '--method', 'markov', ...options);

  it('scans only the regions, learning from them together, with tracks that bedtools and the report read', () => {
    const dir = scratch();
    writeFileSync(
      join(dir, 'parts.bed'),
      'ecoli536_island_sample\t140000\t250000\necoli536_island_sample\t0\t100000\n',
    );
    const run = scan(dir, '--regions-file', 'parts.bed', '-o', 'out', '--json');
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      settings: { region: string };
      segments: { start: number; end: number }[];
      contigs: unknown[];
    };
    expect(summary.settings.region).toBe('2 regions of parts.bed');
    expect(summary.contigs).toHaveLength(1);
    // The planted island (150,000-171,400) lies in the second region.
    expect(summary.segments.some((s) => s.start < 171_400 && s.end > 150_000)).toBe(true);
    const bins = readFileSync(join(dir, 'out/scores.bedgraph'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(
      bins.every(
        ([, start, end]) =>
          (Number(start) >= 0 && Number(end) <= 100_000) ||
          (Number(start) >= 140_000 && Number(end) <= 250_000),
      ),
    ).toBe(true);
    expect(bins).toHaveLength((100_000 + 110_000) / 500);
    const report = readFileSync(join(dir, 'out/report.html'), 'utf8');
    expect(report).toContain('2 regions of parts.bed');
    // One plot per region, each titled with its own stretch of the contig.
    expect(report).toContain('ecoli536_island_sample:1-100,000');
    expect(report).toContain('ecoli536_island_sample:140,001-250,000');
  });

  it('refuses --region with --regions-file, and a regions file with no regions', () => {
    const dir = scratch();
    writeFileSync(join(dir, 'empty.bed'), '');
    const both = scan(dir, '--region', 'ecoli536_island_sample', '--regions-file', 'empty.bed', '-o', 'out');
    expect(both.status).toBe(1);
    expect(both.stderr).toContain('Give --region or --regions-file, not both');
    const empty = scan(dir, '--regions-file', 'empty.bed', '-o', 'out');
    expect(empty.status).toBe(1);
    expect(empty.stderr).toContain('has no regions');
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});

describe('SIGTERM, as Snakemake and SLURM stop a job', () => {
  it('stops a scan with exit 143, one line, and no output folder', async () => {
    const dir = scratch();
    const child = spawn(
      process.execPath,
      [BIN, 'scan', join(SAMPLES, 'ecoli-island.fa'), '-o', 'out', '--steps', '400', '--workers', '1'],
      { cwd: dir },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stderr.trim()).toBe('locus: terminated; no output written');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('locus cohort', () => {
  it('summarizes real outputs into a sample JSON, a TSV and a page that links them', () => {
    const dir = scratch();
    expect(locus(dir, 'variants', BAM, '--ref', REF, '-o', 'lambda.vcf.gz', '--quiet').status).toBe(0);
    expect(
      locus(dir, 'motifs', join(SAMPLES, 'motifs/rest-planted.fa'), '-o', 'motifs', '--quiet').status,
    ).toBe(0);
    expect(
      locus(dir, 'cohort', 'sample', 'lambda', '--variants', 'lambda.vcf.gz', '-o', 'lambda.json').status,
    ).toBe(0);
    expect(locus(dir, 'cohort', 'sample', 'rest', '--motifs', 'motifs', '-o', 'rest.json').status).toBe(0);
    const lambda = JSON.parse(readFileSync(join(dir, 'lambda.json'), 'utf8'));
    // samples/lambda.truth.vcf: 44 SNPs and 13 indels, all found (docs/variants.md).
    expect(lambda.variants).toMatchObject({ records: 57, snvs: 44, indels: 13, samples: ['sample1'] });
    const table = locus(
      dir,
      'cohort',
      'table',
      'lambda.json',
      'rest.json',
      '--tsv',
      'cohort.tsv',
      '--html',
      'cohort.html',
    );
    expect(table.status, table.stderr).toBe(0);
    const rows = readFileSync(join(dir, 'cohort.tsv'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.every((r) => r.length === rows[0]!.length)).toBe(true);
    expect(rows[1]!.slice(0, 3)).toEqual(['lambda', 'variants', 'NA']);
    expect(rows[2]![rows[0]!.indexOf('top_motif_match')]).toBe('MA0138.3 REST');
    const html = readFileSync(join(dir, 'cohort.html'), 'utf8');
    expect(html).toContain('href="motifs/report.html"');
    expect(html).toContain('<h2>Variants</h2>');
    const twice = locus(dir, 'cohort', 'table', 'lambda.json', 'lambda.json');
    expect(twice.status).toBe(1);
    expect(twice.stderr).toContain('Sample "lambda" is summarized twice');
    const nothing = locus(dir, 'cohort', 'sample', 'x');
    expect(nothing.status).toBe(2);
  });
});

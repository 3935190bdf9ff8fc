/**
 * The `locus` command end to end: in process through `main()`, and through the built bin for exit
 * codes and stderr exactly as a shell sees them. Bad input must give one line naming the input and
 * the fix, a non-zero exit, no stack trace and no partial output file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { captureStdout } from '../helpers/capture.js';
import { fixture, ROOT, SAMPLES, scratch } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

const BIN = join(ROOT, 'dist/src/cli/main.js');
const hasBuild = existsSync(BIN);
const BAM = join(SAMPLES, 'lambda.bam');
const REF = join(SAMPLES, 'lambda.fa');

function locus(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const inProcess = (...args: string[]) => captureStdout(() => main(['node', 'locus', ...args]));

describe('locus (in process)', () => {
  it('faidx prints 60-column FASTA with the region as typed', async () => {
    const { code, stdout } = await inProcess('faidx', REF, 'lambda:1,001-1,130');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('>lambda:1,001-1,130');
    expect(lines[1]).toHaveLength(60);
    expect(lines.slice(1).join('')).toHaveLength(130);
  });

  it('tokenize maps every token back to the genome', async () => {
    const { code, stdout } = await inProcess('tokenize', REF, '--region', 'lambda:101-160', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { tokens: { start: number; end: number; token: string }[] };
    const sequence = (await inProcess('faidx', REF, 'lambda:101-160')).stdout.split('\n').slice(1).join('');
    expect(report.tokens).toHaveLength(10);
    for (const t of report.tokens) expect(t.token).toBe(sequence.slice(t.start - 100, t.end - 100));
  });

  it('info reports FASTA contigs with GC and BAM read counts', async () => {
    const fasta = JSON.parse((await inProcess('info', REF, '--json')).stdout);
    expect(fasta.sequences[0]).toMatchObject({ name: 'lambda', length: 48502 });
    expect(fasta.sequences[0].gc).toBeCloseTo(0.4986, 3);
    const bam = JSON.parse((await inProcess('info', BAM, '--json')).stdout);
    expect(bam).toMatchObject({ type: 'bam', reads: 8000, readGroups: [{ id: 'sample1' }] });
    expect(bam.mapped + bam.unmapped).toBe(8000);
  });
});

describe.skipIf(!hasTool('samtools'))('locus info against samtools', () => {
  it('counts mapped and unmapped reads as samtools idxstats does', async () => {
    const bam = JSON.parse((await inProcess('info', BAM, '--json')).stdout);
    const [lambda, star] = run('samtools', ['idxstats', BAM])
      .stdout.trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(bam.contigs[0].mapped).toBe(Number(lambda![2]));
    expect(bam.contigs[0].unmapped).toBe(Number(lambda![3]));
    expect(bam.unplacedUnmapped).toBe(Number(star![3]));
  });
});

describe.skipIf(!hasBuild)('locus (built bin)', () => {
  it('prints help for every command', () => {
    const help = locus('--help');
    expect(help.status).toBe(0);
    for (const command of ['faidx', 'info', 'pileup', 'tokenize', 'backends', 'attention']) {
      expect(help.stdout).toContain(command);
      expect(locus(command, '--help').stdout).toContain('Usage: locus ' + command);
    }
  });

  it('pileup writes a TSV with the documented header, per-strand columns on request', () => {
    const out = locus('pileup', BAM, '--ref', REF, '--region', 'lambda:5,000-5,009', '--strand');
    expect(out.status).toBe(0);
    const lines = out.stdout.trim().split('\n');
    expect(lines[0]!.split('\t').slice(0, 11)).toEqual([
      'chrom',
      'pos',
      'ref',
      'depth',
      'A',
      'C',
      'G',
      'T',
      'N',
      'del',
      'ins',
    ]);
    expect(lines[0]!.split('\t')).toHaveLength(25);
    expect(lines).toHaveLength(11);
    expect(lines[1]!.split('\t').slice(0, 2)).toEqual(['lambda', '5000']);
  });

  const badInputs: { name: string; args: () => string[]; message: RegExp }[] = [
    {
      name: 'missing file',
      args: () => ['faidx', fixture('nope.fa'), 'x'],
      message: /FASTA file ".*nope\.fa" does not exist/,
    },
    { name: 'directory as file', args: () => ['info', fixture('')], message: /is a directory/ },
    { name: 'empty FASTA', args: () => ['faidx', fixture('empty.fa'), 'x'], message: /empty/ },
    { name: 'not a FASTA', args: () => ['faidx', fixture('not-fasta.fa'), 'x'], message: /starts with ">"/ },
    {
      name: 'stale .fai',
      args: () => ['faidx', fixture('stale.fa'), 'a'],
      message: /does not match.*samtools faidx/,
    },
    {
      name: 'gzip, not bgzip',
      args: () => ['faidx', fixture('gzip-not-bgzip.fa.gz'), 'seq1'],
      message: /bgzip/,
    },
    {
      name: 'unknown contig',
      args: () => ['faidx', REF, 'chrZ:1-10'],
      message: /Unknown contig "chrZ".*lambda/,
    },
    {
      name: 'region out of bounds',
      args: () => ['faidx', REF, 'lambda:60,000-60,100'],
      message: /starts past the end of lambda/,
    },
    { name: 'malformed region', args: () => ['faidx', REF, 'lambda:ten-20'], message: /Malformed region/ },
    {
      name: 'truncated BAM',
      args: () => ['pileup', fixture('truncated.bam'), '--ref', REF],
      message: /truncated/,
    },
    {
      name: 'BAM without index',
      args: () => ['pileup', fixture('no-index.bam'), '--ref', REF, '--region', 'lambda:1-100'],
      message: /no .*no-index\.bam\.bai.*run `samtools index/,
    },
    {
      name: 'reference that does not match',
      args: () => ['pileup', BAM, '--ref', fixture('crlf.fa'), '--region', 'lambda'],
      message: /not in reference/,
    },
    {
      name: 'bad option value',
      args: () => ['pileup', BAM, '--ref', REF, '-q', 'lots'],
      message: /expected an integer/,
    },
    // A write stream whose file cannot be opened errs once and never drains: these once exited 0
    // with nothing written and nothing said.
    {
      name: 'output folder that does not exist (streamed output)',
      args: () => ['variants', BAM, '--ref', REF, '-o', join(scratch(), 'no-such-folder', 'calls.vcf.gz')],
      message: /Cannot write ".*calls\.vcf\.gz": the folder ".*no-such-folder" does not exist; create it/,
    },
    {
      name: 'output folder that does not exist (buffered output)',
      args: () => ['faidx', REF, 'lambda:1-10', '-o', join(scratch(), 'no-such-folder', 'out.fa')],
      message: /Cannot write ".*out\.fa": the folder ".*no-such-folder" does not exist/,
    },
    {
      name: 'output path that is a folder',
      args: () => ['faidx', REF, 'lambda:1-10', '-o', scratch()],
      message: /Cannot write ".*": it is a folder; give a file path/,
    },
    {
      name: 'BAM given as the reference',
      args: () => ['variants', BAM, '--ref', BAM, '-o', join(scratch(), 'calls.vcf.gz')],
      message: /lambda\.bam" is a BAM file, not a FASTA/,
    },
  ];

  it.each(badInputs)('$name: one clear line, non-zero exit, no stack trace', ({ args, message }) => {
    const result = locus(...args());
    expect(result.status).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('leaves no partial output file when a region fails after others succeeded', () => {
    const dir = scratch();
    const out = join(dir, 'out.fa');
    const result = locus('faidx', REF, 'lambda:1-100', 'lambda:99,999-100,000', '-o', out);
    expect(result.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves no partial pileup output when the BAM is cut inside a block', () => {
    const dir = scratch('small.bam');
    const bytes = readFileSync(join(dir, 'small.bam'));
    writeFileSync(
      join(dir, 'cut.bam'),
      Buffer.concat([bytes.subarray(0, 25_000), bytes.subarray(bytes.length - 28)]),
    );
    const result = locus('pileup', join(dir, 'cut.bam'), '--ref', REF, '-o', join(dir, 'out.tsv'));
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/truncated or corrupt/);
    expect(readdirSync(dir).sort()).toEqual(['cut.bam', 'small.bam']);
  });

  it('shows the stack only with --verbose', () => {
    const result = locus('--verbose', 'faidx', REF, 'chrZ');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

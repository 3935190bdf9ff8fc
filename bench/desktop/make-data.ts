/**
 * Data for the desktop benchmark: a 5 Mb bacterial genome with 60x paired-end reads.
 *
 *   node dist/bench/desktop/make-data.js [--out .bench-data/desktop] [--seed 1]
 *
 * Writes OUT/genome.fa (+ .fai): E. coli 536 (RefSeq NC_008253.1, 4.94 Mb, named by that accession)
 * from ../shared/data/genomes/ecoli_536.fa.gz; OUT/reads.bam (+ .bai): 60x of 2 x 150 bp pairs simulated
 * with dwgsim (seeded; 0.1% substitution errors), aligned with minimap2 -ax sr, sorted and indexed
 * with samtools; OUT/data.json: the commands, tool versions and counts. Takes about 5 minutes on 2 cores.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';

const COVERAGE = 60;
const READ_LENGTH = 150;

function sh(command: string): string {
  log(`$ ${command}`);
  return execFileSync('bash', ['-o', 'pipefail', '-c', command], { encoding: 'utf8', maxBuffer: 1 << 26 });
}

function version(tool: string, args: string): string {
  try {
    return (
      sh(`${tool} ${args} 2>&1 | head -3`)
        .trim()
        .split('\n')
        .find((l) => /\d/.test(l)) ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '.bench-data/desktop' },
      seed: { type: 'string', default: '1' },
    },
  });
  const out = resolve(root, values.out!);
  const source = resolve(root, '../shared/data/genomes/ecoli_536.fa.gz');
  if (!existsSync(source)) throw new Error(`${source} is missing: the benchmark needs ../shared/data`);
  mkdirSync(out, { recursive: true });
  const genome = join(out, 'genome.fa');
  const commands: string[] = [];
  const run = (command: string) => {
    commands.push(command);
    return sh(command);
  };
  // The record's NCBI name (gi|110640213|ref|NC_008253.1|) becomes its accession, as most users'
  // FASTA have it: stock igv.js (the baseline) cannot load gi| names (electron/build-ui.mjs).
  run(`gzip -dc '${source}' | sed '1s/^>.*/>NC_008253.1/' > '${genome}' && samtools faidx '${genome}'`);
  const length = Number(sh(`cut -f2 '${genome}.fai' | paste -sd+ | bc`).trim());
  const pairs = Math.round((length * COVERAGE) / (2 * READ_LENGTH));
  const prefix = join(out, 'sim');
  run(
    `dwgsim -z ${values.seed} -N ${pairs} -1 ${READ_LENGTH} -2 ${READ_LENGTH} -e 0.001 -E 0.001 -r 0.001 -R 0.1 -y 0 '${genome}' '${prefix}' > /dev/null`,
  );
  run(
    `minimap2 -ax sr -t 2 '${genome}' '${prefix}.bwa.read1.fastq.gz' '${prefix}.bwa.read2.fastq.gz' 2> '${prefix}.minimap2.log' | ` +
      `samtools sort -@ 2 -m 1G -o '${join(out, 'reads.bam')}' - && samtools index '${join(out, 'reads.bam')}'`,
  );
  run(`rm -f '${prefix}'.bwa.read*.fastq.gz '${prefix}'.bfast.fastq.gz`);
  const mapped = Number(sh(`samtools view -c -F 0x904 '${join(out, 'reads.bam')}'`).trim());
  await writeResult(join(out, 'data.json'), {
    what: 'desktop benchmark data: E. coli 536 with simulated 60x 2x150 bp reads',
    command: `node dist/bench/desktop/make-data.js --out ${values.out} --seed ${values.seed}`,
    date: new Date().toISOString(),
    seed: Number(values.seed),
    ...provenance(root),
    genomeBases: length,
    pairs,
    mappedReads: mapped,
    coverage: (mapped * READ_LENGTH) / length,
    bamBytes: statSync(join(out, 'reads.bam')).size,
    tools: {
      dwgsim: version('dwgsim', '-h'),
      minimap2: version('minimap2', '--version'),
      samtools: version('samtools', '--version'),
    },
    commands,
  });
}

await main();

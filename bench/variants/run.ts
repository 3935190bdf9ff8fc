/**
 * The `locus variants` benchmark (issue 11): Locus, bcftools and freebayes on the same simulated BAMs
 * (make-data.ts), scored the same way (score.ts), with wall time, CPU time and peak RSS of each run.
 *
 *   npm run build && node dist/bench/variants/make-data.js --seed 1
 *   node dist/bench/variants/run.js [--data-dir .bench-data/variants] [--samples hap30,hap12,mix60]
 *                                   [--output variants.json]
 *
 * Callers, each at its documented settings for the job (nothing here was tuned on the truth):
 *   haploid samples: `locus variants --ploidy 1`, `bcftools mpileup -a AD,DP | bcftools call -mv
 *                    --ploidy 1`, `freebayes --ploidy 1`;
 *   the 10% mixture: `locus variants --min-af 0.05`, `freebayes --pooled-continuous -F 0.05 -C 2`
 *                    (freebayes's low-fraction mode), and bcftools's germline call for reference.
 * Locus is also run with --min-qual 0 and scored at QUAL >= 0, 3, 10, 20, 30, 50 (`qualSweep`): what
 * --min-qual trades between precision and recall, reported apart from the default's row.
 * The peers' calls are scored as written and with the usual QUAL >= 20 hard filter; Locus's PASS calls
 * as written. freebayes --pooled-continuous reports a rare allele by writing its record (with
 * genotype 0/0 and QUAL near 0): all its records count, whatever their genotype. Every run's command and outputs stay under DATA/runs/<sample>/.
 *
 * Writes bench/results/<output> with the command, commit, date, seeds and tool versions inside; the
 * docs tables come from it (bench/docs/tables/variants.ts).
 */
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { findRepoRoot, log, provenance, timedRun } from '../repo.js';
import { SAMPLE_NAMES, dataFiles } from './layout.js';
import {
  blockKeys,
  bootstrapWeights,
  countByBlock,
  f1Difference,
  readCalls,
  scoreClass,
  type Allele,
  type BlockedCounts,
  type ClassScore,
  type VariantClass,
} from './score.js';
import { bashArgv, commandLine, toolVersion } from './shell.js';

const BOOTSTRAP_SEED = 1;
const MIN_AF = 0.05;
const CLASSES: VariantClass[] = ['snv', 'indel'];

interface Caller {
  id: string;
  /** The command line, run under bash -o pipefail from the repository root; writes `out`. */
  command: (paths: { bam: string; ref: string; out: string }) => string;
  /** The hard filter the peers are also scored with (QUAL >= 20); undefined for none. */
  alsoQual?: number;
  /** Score every record whatever its genotype (a pooled caller's genotypes mean nothing). */
  anyGenotype?: boolean;
  /** Only for the QUAL sweep: scored at each of these thresholds, not in the main rows. */
  qualSweep?: readonly number[];
}

/** Thresholds at which Locus's calls with --min-qual 0 are scored: what --min-qual trades. */
const QUAL_SWEEP = [0, 3, 10, 20, 30, 50] as const;

const locusCli = 'node dist/src/cli/main.js';

function callersFor(sample: string): Caller[] {
  const lowFraction = sample.startsWith('mix');
  const locusMode = lowFraction ? ['--min-af', String(MIN_AF)] : ['--ploidy', '1'];
  return [
    {
      id: 'locus',
      command: ({ bam, ref, out }) =>
        `${locusCli} ${commandLine(['variants', bam, '--ref', ref, '-o', out, ...locusMode, '--quiet'])}`,
    },
    {
      id: 'bcftools',
      command: ({ bam, ref, out }) =>
        `${commandLine(['bcftools', 'mpileup', '-f', ref, '-a', 'AD,DP', '-Ou', bam])} | ` +
        commandLine(['bcftools', 'call', '-m', '-v', '--ploidy', '1', '-Oz', '-o', out]),
      alsoQual: 20,
    },
    {
      id: lowFraction ? 'freebayes-pooled' : 'freebayes',
      command: ({ bam, ref, out }) =>
        `${commandLine([
          'freebayes',
          '-f',
          ref,
          ...(lowFraction ? ['--pooled-continuous', '-F', String(MIN_AF), '-C', '2'] : ['--ploidy', '1']),
          bam,
        ])} | ${commandLine(['bgzip', '-c'])} > ${out}`,
      alsoQual: 20,
      anyGenotype: lowFraction,
    },
    {
      id: 'locus-min-qual-0',
      command: ({ bam, ref, out }) =>
        `${locusCli} ${commandLine(['variants', bam, '--ref', ref, '-o', out, ...locusMode, '--min-qual', '0', '--quiet'])}`,
      qualSweep: QUAL_SWEEP,
    },
  ];
}

interface RunCost {
  seconds: number;
  cpuSeconds: number;
  peakRssMb: number;
  loadAverage1m: number;
}

/** A command line (a pipeline) under GNU time, with the machine's load when it started. */
function timedShell(command: string, cwd: string): RunCost {
  const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  const run = timedRun(bashArgv(command), { cwd });
  return {
    seconds: round(run.seconds, 2),
    cpuSeconds: round(run.cpuSeconds, 2),
    peakRssMb: Math.round(run.peakRssBytes / 2 ** 20),
    loadAverage1m: load,
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

interface Row {
  caller: string;
  /** 'as written', or the hard filter applied before scoring. */
  filter: string;
  calls: number;
  snv: ClassScore;
  indel: ClassScore;
  /** F1(locus) - F1(this row), paired bootstrap interval; absent on Locus's own row. */
  locusMinus?: Record<VariantClass, { difference: number; interval: [number, number] }>;
}

interface SampleReport {
  sample: string;
  description: string;
  coverage: number;
  runs: ({ caller: string; command: string; output: string } & RunCost)[];
  rows: Row[];
  /** Locus written with --min-qual 0 and scored at each threshold (QUAL_SWEEP). */
  qualSweep: {
    command: string;
    rows: { minQual: number; calls: number; snv: ClassScore; indel: ClassScore }[];
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.bench-data/variants' },
      samples: { type: 'string', default: SAMPLE_NAMES.join(',') },
      output: { type: 'string', default: 'variants.json' },
    },
  });
  const root = findRepoRoot();
  const files = dataFiles(root, values['data-dir']);
  const shown = (p: string) => (p.startsWith(root + sep) ? relative(root, p) : p);
  const manifest = JSON.parse(readFileSync(files.manifest, 'utf8')) as {
    seed: number;
    reference: { contigs: { name: string; length: number }[] };
    truth: { snvs: number; indels: number };
    samples: { name: string; description: string; coverage: number }[];
  };
  const keys = blockKeys(manifest.reference.contigs);
  const weights = bootstrapWeights(keys.length, BOOTSTRAP_SEED);
  const truth = readCalls(files.truth, files.reference);
  log(`truth: ${truth.length} alleles; ${keys.length} blocks of 100 kb`);

  const reports: SampleReport[] = [];
  for (const sample of values.samples.split(',')) {
    const info = manifest.samples.find((s) => s.name === sample);
    if (!info) throw new Error(`${files.manifest} has no sample ${sample}; run make-data.js first`);
    const outDir = join(files.runsDir, sample);
    await mkdir(outDir, { recursive: true });
    const report: SampleReport = {
      sample,
      description: info.description,
      coverage: info.coverage,
      runs: [],
      rows: [],
      qualSweep: { command: '', rows: [] },
    };
    const blocked: Record<string, Record<VariantClass, BlockedCounts>> = {};
    const score = (label: string, caller: string, filter: string, calls: Allele[]) => {
      const counts = {
        snv: countByBlock(truth, calls, 'snv', keys),
        indel: countByBlock(truth, calls, 'indel', keys),
      };
      blocked[label] = counts;
      report.rows.push({
        caller,
        filter,
        calls: calls.length,
        snv: scoreClass(counts.snv, weights),
        indel: scoreClass(counts.indel, weights),
      });
    };
    for (const caller of callersFor(sample)) {
      const out = join(outDir, `${caller.id}.vcf.gz`);
      const command = caller.command({
        bam: shown(files.bam(sample)),
        ref: shown(files.reference),
        out: shown(out),
      });
      log(`${sample} ${caller.id}: ${command}`);
      if (caller.qualSweep) {
        timedShell(command, root);
        report.qualSweep.command = command;
        for (const minQual of caller.qualSweep) {
          const calls = readCalls(out, files.reference, { minQual });
          report.qualSweep.rows.push({
            minQual,
            calls: calls.length,
            snv: scoreClass(countByBlock(truth, calls, 'snv', keys), weights),
            indel: scoreClass(countByBlock(truth, calls, 'indel', keys), weights),
          });
        }
        continue;
      }
      const cost = timedShell(command, root);
      log(`  ${cost.seconds} s wall, ${cost.cpuSeconds} s CPU, ${cost.peakRssMb} MB`);
      report.runs.push({ caller: caller.id, command, output: shown(out), ...cost });
      const anyGenotype = caller.anyGenotype ?? false;
      score(caller.id, caller.id, 'as written', readCalls(out, files.reference, { anyGenotype }));
      if (caller.alsoQual !== undefined) {
        const calls = readCalls(out, files.reference, { minQual: caller.alsoQual, anyGenotype });
        score(`${caller.id}-q`, caller.id, `QUAL>=${caller.alsoQual}`, calls);
      }
    }
    const labels = Object.keys(blocked);
    report.rows.forEach((row, i) => {
      if (row.caller === 'locus') return;
      row.locusMinus = Object.fromEntries(
        CLASSES.map((k) => [k, f1Difference(blocked['locus']![k], blocked[labels[i]!]![k], weights)]),
      ) as Row['locusMinus'];
    });
    for (const row of report.rows) {
      log(
        `  ${row.caller} (${row.filter}): SNV F1 ${row.snv.f1.toFixed(4)} (P ${row.snv.precision.toFixed(4)} ` +
          `R ${row.snv.recall.toFixed(4)}), indel F1 ${row.indel.f1.toFixed(4)} (P ${row.indel.precision.toFixed(4)} ` +
          `R ${row.indel.recall.toFixed(4)})`,
      );
    }
    reports.push(report);
  }

  const result = {
    benchmark: 'variants-simulated',
    command: `node dist/bench/variants/run.js ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    ...provenance(root),
    seeds: { data: manifest.seed, bootstrap: BOOTSTRAP_SEED },
    data: { manifest: shown(files.manifest), truth: manifest.truth },
    tools: Object.fromEntries(
      (['samtools', 'bcftools', 'freebayes'] as const).map((t) => [t, toolVersion(t)]),
    ),
    scoring:
      'bcftools norm -a | norm -f REF -m -any; PASS calls carrying the allele; exact CHROM/POS/REF/ALT match; ' +
      'F1 intervals: percentile 95% bootstrap over 100 kb blocks, 1000 draws',
    minAf: MIN_AF,
    samples: reports,
  };
  const path = join(root, 'bench', 'results', values.output);
  await writeFile(`${path}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${path}.tmp`, path);
  log(`-> ${shown(path)}`);
}

const isMain = process.argv[1]?.endsWith('bench/variants/run.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

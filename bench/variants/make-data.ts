/**
 * The simulated samples of the `locus variants` benchmark: E. coli 536 + lambda with haploid SNVs and
 * 1-10 bp indels at about 1 per kb (dwgsim), reads renamed so names carry no truth, aligned with
 * minimap2; and the truth VCF.
 *
 *   npm run build && node dist/bench/variants/make-data.js [--seed 1] [--data-dir .bench-data/variants]
 *
 * Writes under the data folder (git-ignored):
 *   ref.fa (+ .fai)         NC_008253.1 (E. coli 536) and NC_001416.1 (lambda), from ../shared/data
 *   truth.vcf.gz (+ .tbi)   the kept mutations, haploid (GT=1), `bcftools norm -f ref.fa -m -any`
 *   <sample>.bam (+ .bai)   hap30, hap12, mix60 (layout.ts): minimap2 -ax sr, sorted
 *   reads/<sample>_{1,2}.fq the renamed, shuffled pairs that were aligned
 *   sim/                    dwgsim's mutation files (its FASTQs are deleted once renamed)
 *   manifest.json           seeds, every command, tool versions, mutation counts, pairs and coverage
 *
 * Steps: `dwgsim -M` draws the mutation set; indels longer than 10 bp are dropped (dwgsim's lengths
 * are geometric and unbounded); every sample's reads are then simulated from the kept set with
 * `dwgsim -m` (see dwgsim.ts for why not -v), and each run's own mutation VCF is checked to equal the
 * kept set, so reads and truth agree. The mixture pools 6x from the mutated genome with 54x from the
 * unmutated reference (`-r 0`): every variant at a 10% allele fraction.
 */
import { readFileSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from '../../src/io/files.js';
import { findRepoRoot, log } from '../repo.js';
import {
  eventCounts,
  formatMutationsTxt,
  haploidVcf,
  keepShortIndels,
  mutationEvents,
  parseMutationsTxt,
  vcfRecords,
} from './dwgsim.js';
import { DWGSIM, SAMPLES, SOURCES, dataFiles, seedFor, type DataFiles, type SampleSpec } from './layout.js';
import { readPairs, writeRenamedPairs } from './reads.js';
import { commandLine, sh, shellQuote, toolVersion } from './shell.js';

/** One FASTA record's sequence, upper case, from a plain or gzipped single-record file. */
function readSingleSequence(path: string): string {
  const raw = readFileSync(path);
  const text = (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('latin1');
  const headers = text.split('\n').filter((l) => l.startsWith('>')).length;
  if (headers !== 1) throw new Error(`${path}: expected one FASTA record, found ${headers}`);
  const sequence = text
    .split('\n')
    .filter((l) => !l.startsWith('>'))
    .join('')
    .replace(/\s/g, '')
    .toUpperCase();
  // dwgsim skips Ns when placing reads and mutations; the sources have none, and stay that way.
  if (/[^ACGT]/.test(sequence)) throw new Error(`${path}: bases other than A/C/G/T`);
  return sequence;
}

const wrap = (sequence: string, width = 60): string => {
  const lines: string[] = [];
  for (let i = 0; i < sequence.length; i += width) lines.push(sequence.slice(i, i + width));
  return lines.join('\n') + '\n';
};

/** A command run from the repository root, logged, timed and kept for the manifest. */
class Steps {
  readonly commands: { step: string; command: string; seconds: number }[] = [];
  constructor(private readonly root: string) {}
  run(step: string, command: string): string {
    log(`${step}: ${command}`);
    const started = performance.now();
    const stdout = sh(command, { cwd: this.root });
    const seconds = (performance.now() - started) / 1000;
    this.commands.push({ step, command, seconds: Math.round(seconds * 10) / 10 });
    return stdout;
  }
}

async function writeReference(root: string, files: DataFiles, steps: Steps) {
  const contigs: { name: string; length: number; source: string; description: string }[] = [];
  let fasta = '';
  for (const s of SOURCES) {
    const sequence = readSingleSequence(resolve(root, s.path));
    contigs.push({ name: s.contig, length: sequence.length, source: s.path, description: s.what });
    fasta += `>${s.contig} ${s.what}\n${wrap(sequence)}`;
  }
  await writeFileAtomic(files.reference, fasta);
  steps.run('faidx', `samtools faidx ${shown(root, files.reference)}`);
  return contigs;
}

/** A path as commands show it: relative to the repository root when inside it. */
function shown(root: string, path: string): string {
  return path.startsWith(root + sep) ? relative(root, path) : path;
}

/** dwgsim's options shared by every run, then the run's own. */
function dwgsimCommand(root: string, files: DataFiles, own: string[], prefix: string): string {
  const common = [
    '-H',
    ...['-1', String(DWGSIM.readLength), '-2', String(DWGSIM.readLength)],
    ...['-d', String(DWGSIM.outerDistance), '-s', String(DWGSIM.distanceSd)],
    ...['-y', '0'],
  ];
  return commandLine(['dwgsim', ...common, ...own, shown(root, files.reference), shown(root, prefix)]);
}

interface SampleResult {
  name: string;
  description: string;
  parts: {
    genome: string;
    coverage: number;
    error1: number;
    error2: number;
    seed: number;
    pairs: number;
  }[];
  shuffleSeed: number;
  pairs: number;
  /** Coverage from the pair count: pairs * 2 * read length / genome length. */
  coverage: number;
  bam: string;
}

async function makeSample(
  root: string,
  files: DataFiles,
  steps: Steps,
  sample: SampleSpec,
  seed: number,
  keptTxt: string,
  keptVcf: string[],
  genomeLength: number,
): Promise<SampleResult> {
  const pairs = [];
  const parts: SampleResult['parts'] = [];
  for (const [i, part] of sample.parts.entries()) {
    const prefix = join(files.simDir, `${sample.name}-${i + 1}-${part.genome}`);
    const partSeed = seedFor(seed, part.seedOffset);
    const source = part.genome === 'mutated' ? ['-m', shown(root, keptTxt)] : ['-r', '0'];
    const own = [
      ...source,
      ...['-C', String(part.coverage), '-e', String(part.error1), '-E', String(part.error2)],
      ...['-o', '1', '-z', String(partSeed)],
    ];
    steps.run(`${sample.name} reads ${i + 1}`, dwgsimCommand(root, files, own, prefix));
    // The run's own record of what it mutated must be the kept set (or nothing, for the reference).
    const made = vcfRecords(readFileSync(`${prefix}.mutations.vcf`, 'utf8'));
    const expected = part.genome === 'mutated' ? keptVcf : [];
    if (made.length !== expected.length || made.some((r, k) => r !== expected[k])) {
      throw new Error(
        `${prefix}.mutations.vcf: ${made.length} mutations, not the ${expected.length} expected: ` +
          'dwgsim did not re-create the kept set',
      );
    }
    const [fq1, fq2] = [`${prefix}.bwa.read1.fastq.gz`, `${prefix}.bwa.read2.fastq.gz`];
    const paired = readPairs(fq1, fq2);
    pairs.push(paired);
    parts.push({ ...part, seed: partSeed, pairs: paired.read1.count });
    log(`${sample.name} part ${i + 1}: ${paired.read1.count.toLocaleString('en-US')} pairs`);
  }
  await mkdir(files.readsDir, { recursive: true });
  const [out1, out2] = [
    join(files.readsDir, `${sample.name}_1.fq`),
    join(files.readsDir, `${sample.name}_2.fq`),
  ];
  const shuffleSeed = seedFor(seed, sample.shuffleSeedOffset);
  const total = writeRenamedPairs(pairs, shuffleSeed, out1, out2);
  log(
    `${sample.name}: ${total.toLocaleString('en-US')} pairs shuffled (seed ${shuffleSeed}) and renamed p0..`,
  );
  // dwgsim's FASTQs name the truth; only the renamed copies stay.
  for (const [i] of sample.parts.entries()) {
    const prefix = join(files.simDir, `${sample.name}-${i + 1}-${sample.parts[i]!.genome}`);
    rmSync(`${prefix}.bwa.read1.fastq.gz`, { force: true });
    rmSync(`${prefix}.bwa.read2.fastq.gz`, { force: true });
  }

  const bam = files.bam(sample.name);
  const group = `@RG\\tID:${sample.name}\\tSM:${sample.name}`;
  const align =
    `${commandLine(['minimap2', '-ax', 'sr', '-t', '2', '-R', group, shown(root, files.reference)])} ` +
    `${shellQuote(shown(root, out1))} ${shellQuote(shown(root, out2))} ` +
    // minimap2's progress goes to a log, so a failure's message stays readable there.
    `2> ${shellQuote(shown(root, join(files.simDir, `${sample.name}.minimap2.log`)))} | ` +
    commandLine(['samtools', 'sort', '-o', shown(root, bam)]);
  steps.run(`${sample.name} align`, align);
  steps.run(`${sample.name} index`, commandLine(['samtools', 'index', shown(root, bam)]));
  const readLength = DWGSIM.readLength;
  return {
    name: sample.name,
    description: sample.description,
    parts,
    shuffleSeed,
    pairs: total,
    coverage: Math.round(((total * 2 * readLength) / genomeLength) * 100) / 100,
    bam: shown(root, bam),
  };
}

/** SNV and indel counts of a normalised VCF (one ALT per record after `-m -any`). */
function countVariants(root: string, vcf: string): { records: number; snvs: number; indels: number } {
  const rows = sh(`bcftools query -f '%REF\\t%ALT\\n' ${shellQuote(shown(root, vcf))}`, { cwd: root })
    .split('\n')
    .filter((l) => l !== '');
  const snvs = rows.filter((r) => /^[ACGT]\t[ACGT]$/.test(r)).length;
  return { records: rows.length, snvs, indels: rows.length - snvs };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string', default: '1' },
      'data-dir': { type: 'string', default: '.bench-data/variants' },
    },
  });
  const seed = Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new Error(`--seed must be a whole number, not ${values.seed}`);
  const root = findRepoRoot();
  const files = dataFiles(root, values['data-dir']);
  await mkdir(files.simDir, { recursive: true });
  const steps = new Steps(root);
  const started = performance.now();

  log('reference: E. coli 536 + lambda');
  const contigs = await writeReference(root, files, steps);
  const genomeLength = contigs.reduce((sum, c) => sum + c.length, 0);

  // The mutation set: dwgsim -M writes the mutation files and no reads.
  const drawn = join(files.simDir, 'drawn');
  const mutationSeed = seedFor(seed, 0);
  const drawOptions = [
    '-M',
    ...['-r', String(DWGSIM.mutationRate), '-R', String(DWGSIM.indelFraction)],
    ...['-X', String(DWGSIM.indelExtension), '-z', String(mutationSeed)],
  ];
  steps.run('mutations', dwgsimCommand(root, files, drawOptions, drawn));
  const events = mutationEvents(parseMutationsTxt(readFileSync(`${drawn}.mutations.txt`, 'utf8')));
  const drawnVcf = vcfRecords(readFileSync(`${drawn}.mutations.vcf`, 'utf8'));
  // dwgsim's VCF joins deleted bases into one record as mutationEvents does: the two must agree.
  if (drawnVcf.length !== events.length) {
    throw new Error(`dwgsim's txt has ${events.length} events but its VCF ${drawnVcf.length} records`);
  }
  const { kept, dropped } = keepShortIndels(events, DWGSIM.maxIndelLength);
  const keptTxt = join(files.simDir, 'kept.mutations.txt');
  await writeFileAtomic(keptTxt, formatMutationsTxt(kept));
  // The same filter on the VCF, record for record (events and records are in the same order).
  const droppedAt = new Set(dropped.map((e) => events.indexOf(e)));
  const keptVcf = drawnVcf.filter((_, i) => !droppedAt.has(i));
  log(`mutations: ${events.length} drawn, ${dropped.length} indels over ${DWGSIM.maxIndelLength} bp dropped`);

  const samples: SampleResult[] = [];
  for (const sample of SAMPLES) {
    samples.push(await makeSample(root, files, steps, sample, seed, keptTxt, keptVcf, genomeLength));
  }

  // Truth: the kept set as dwgsim recorded it while simulating, made haploid and normalised.
  const firstMutated = SAMPLES[0]!;
  const rawTruth = join(files.simDir, 'truth.raw.vcf');
  const dwgsimVcf = readFileSync(join(files.simDir, `${firstMutated.name}-1-mutated.mutations.vcf`), 'utf8');
  await writeFileAtomic(rawTruth, haploidVcf(dwgsimVcf, 'truth', shown(root, files.reference)));
  const [ref, raw, truth] = [files.reference, rawTruth, files.truth].map((p) => shellQuote(shown(root, p)));
  steps.run(
    'truth',
    `bcftools norm -f ${ref} -m -any -Ou ${raw} | bcftools sort -Oz -o ${truth} && bcftools index -t -f ${truth}`,
  );
  const truthCounts = countVariants(root, files.truth);
  if (truthCounts.records !== kept.length) {
    throw new Error(`truth has ${truthCounts.records} records after bcftools norm, not ${kept.length}`);
  }

  const manifest = {
    benchmark: 'variants-simulated',
    date: new Date().toISOString(),
    command: `node dist/bench/variants/make-data.js ${process.argv.slice(2).join(' ')}`.trim(),
    seed,
    seeds: {
      mutations: mutationSeed,
      reads: Object.fromEntries(samples.map((s) => [s.name, s.parts.map((p) => p.seed)])),
      shuffle: Object.fromEntries(samples.map((s) => [s.name, s.shuffleSeed])),
    },
    tools: Object.fromEntries(
      (['dwgsim', 'minimap2', 'samtools', 'bcftools'] as const).map((t) => [t, toolVersion(t)]),
    ),
    reference: { path: shown(root, files.reference), contigs, length: genomeLength },
    simulation: DWGSIM,
    mutations: {
      drawn: eventCounts(events),
      dropped: eventCounts(dropped),
      kept: eventCounts(kept),
    },
    truth: { path: shown(root, files.truth), ...truthCounts },
    samples,
    commands: steps.commands,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  await writeFileAtomic(files.manifest, JSON.stringify(manifest, null, 2) + '\n');
  log(
    `truth: ${truthCounts.snvs} SNVs, ${truthCounts.indels} indels; ` +
      samples.map((s) => `${s.name} ${s.coverage}x`).join(', ') +
      `; ${manifest.seconds} s -> ${shown(root, files.manifest)}`,
  );
}

const isMain = process.argv[1]?.endsWith('bench/variants/make-data.js');
if (isMain) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

/**
 * What INFO/LLR costs in `locus variants` (issue 11: "model scoring adds at most one forward pass over
 * the called regions; its time is reported apart"): the same calls made without a model, with the
 * shipped masked LM (ecoli-mlm) and with the shipped causal LM (ecoli-causal), in one run, on the same
 * BAM, region and machine.
 *
 *   npm run build && node dist/bench/variants/make-data.js --seed 1   # once: .bench-data/variants
 *   node dist/bench/variants/llr-cost.js [--sample hap30] [--repeats 2]
 *
 * The called region is E. coli 536's test part (the last 10% of NC_008253.1, which neither shipped
 * model trained on), so the causal model's four readings stay within minutes; the masked LM is also
 * run on the whole reference (E. coli 536 + lambda), where every window of every contig is read at
 * most once. For each run: wall time, the calling time (the run's seconds minus the scoring's), the
 * scoring's own seconds, forward passes and the reference bases the model read, as a multiple of the
 * called region's length (`locus variants --json`'s llr.basesRead).
 *
 * Writes bench/results/variants-llr-cost.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openFasta } from '../../src/io/fasta.js';
import { median } from '../io/measure.js';
import { findRepoRoot, log, provenance, timedRun, writeResult } from '../repo.js';
import { dataFiles } from './layout.js';

/** E. coli 536's test part in samtools region syntax (1-based, inclusive): [4,445,028, 4,938,920). */
const TEST_REGION = { text: 'NC_008253.1:4,445,029-4,938,920', bases: 4_938_920 - 4_445_028 };

interface Setup {
  name: string;
  model?: string;
  region?: typeof TEST_REGION;
}

const SETUPS: Setup[] = [
  { name: 'no model, test part', region: TEST_REGION },
  { name: 'ecoli-mlm, test part', model: 'ecoli-mlm', region: TEST_REGION },
  { name: 'ecoli-causal, test part', model: 'ecoli-causal', region: TEST_REGION },
  { name: 'no model, whole reference' },
  { name: 'ecoli-mlm, whole reference', model: 'ecoli-mlm' },
];

interface VariantsJson {
  calls: number;
  seconds: number;
  llr?: { scored: number; windows: number; passes: number; basesRead: number; seconds: number };
}

interface RunRecord {
  setup: string;
  repeat: number;
  seconds: number;
  cpuSeconds: number;
  peakRssBytes: number;
  calls: number;
  calledBases: number;
  /** The run's own seconds (locus variants --json) minus the scoring's. */
  callingSeconds: number;
  scoringSeconds?: number;
  scored?: number;
  passes?: number;
  basesRead?: number;
  /** basesRead / calledBases: 1 is one forward pass over the called region. */
  readsOfCalledRegion?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sample: { type: 'string', default: 'hap30' },
      repeats: { type: 'string', default: '2' },
      'data-dir': { type: 'string', default: '.bench-data/variants' },
    },
  });
  const root = findRepoRoot();
  const files = dataFiles(root, values['data-dir']);
  const bam = files.bam(values.sample);
  const locus = join(root, 'dist/src/cli/main.js');
  const work = mkdtempSync(join(tmpdir(), 'locus-llr-cost-'));
  const fasta = await openFasta(files.reference);
  const referenceBases = [...fasta.lengths().values()].reduce((a, b) => a + b, 0);
  await fasta.close();
  const runs: RunRecord[] = [];
  try {
    for (let r = 0; r < Number(values.repeats); r++) {
      for (const setup of SETUPS) {
        const argv = [
          'node',
          locus,
          'variants',
          bam,
          '--ref',
          files.reference,
          '--ploidy',
          '1',
          '-o',
          join(work, 'calls.vcf.gz'),
          '--backend',
          'wasm',
          '--quiet',
          '--json',
          ...(setup.region ? ['--region', setup.region.text] : []),
          ...(setup.model ? ['--model', setup.model] : []),
        ];
        log(`${setup.name} (repeat ${r + 1}): locus ${argv.slice(3).join(' ')}`);
        const run = timedRun(argv, { cwd: root });
        const summary = JSON.parse(run.stdout) as VariantsJson;
        const calledBases = setup.region?.bases ?? referenceBases;
        const scoring = summary.llr;
        runs.push({
          setup: setup.name,
          repeat: r,
          seconds: run.seconds,
          cpuSeconds: run.cpuSeconds,
          peakRssBytes: run.peakRssBytes,
          calls: summary.calls,
          calledBases,
          callingSeconds: summary.seconds - (scoring?.seconds ?? 0),
          ...(scoring && {
            scoringSeconds: scoring.seconds,
            scored: scoring.scored,
            passes: scoring.passes,
            basesRead: scoring.basesRead,
            readsOfCalledRegion: scoring.basesRead / calledBases,
          }),
        });
        const last = runs[runs.length - 1]!;
        log(
          `  ${last.seconds.toFixed(1)} s` +
            (scoring
              ? `; scoring ${scoring.seconds.toFixed(1)} s, ${scoring.passes} passes, ${last.readsOfCalledRegion!.toFixed(3)}x the called region`
              : ''),
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const summary = SETUPS.map((setup) => {
    const mine = runs.filter((r) => r.setup === setup.name);
    const pick = (f: (r: RunRecord) => number | undefined) => {
      const xs = mine.map(f).filter((x): x is number => x !== undefined);
      return xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) } : undefined;
    };
    return {
      setup: setup.name,
      model: setup.model ?? null,
      region: setup.region?.text ?? 'whole reference',
      calledBases: mine[0]!.calledBases,
      calls: mine[0]!.calls,
      seconds: pick((r) => r.seconds),
      callingSeconds: pick((r) => r.callingSeconds),
      scoringSeconds: pick((r) => r.scoringSeconds),
      passes: mine[0]!.passes ?? null,
      basesRead: mine[0]!.basesRead ?? null,
      readsOfCalledRegion: mine[0]!.readsOfCalledRegion ?? null,
      peakRssMb: pick((r) => r.peakRssBytes / 1e6),
    };
  });
  await writeResult(join(root, 'bench/results/variants-llr-cost.json'), {
    benchmark: 'variants-llr-cost',
    command: `node dist/bench/variants/llr-cost.js ${process.argv.slice(2).join(' ')}`.trim(),
    date: new Date().toISOString(),
    ...provenance(root),
    seed: 'data: bench/variants/make-data.ts --seed 1; nothing else is random (LSH rotations are the evaluation set)',
    sample: values.sample,
    bam: `DATA/${values.sample}.bam`,
    backend: 'wasm',
    repeats: Number(values.repeats),
    runs,
    summary,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

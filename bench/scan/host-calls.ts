/**
 * What every tool calls in the unplanted host: `locus scan` (each method) and alien_hunter on E. coli
 * 536 itself, before anything is inserted. E. coli 536 carries pathogenicity islands, prophages and
 * rRNA operons of its own, and every tool rightly calls them; in the planted genomes they count as
 * false positives, and their bases sit among the negatives of the per-base AUROC. The host DNA that
 * alien_hunter and a Locus method both call here (host-native.ts; every tool at its defaults, the same
 * mask for each) is what run.ts leaves out for its second set of figures, so a reader can tell a
 * native island from a miss.
 *
 *   npm run build && node dist/bench/scan/host-calls.js      # ~20 min: alien_hunter is most of it
 *
 * Writes .bench-data/scan/host/{genome.fa,runs/<tool>/} and bench/results/scan-host.json (each tool's
 * calls in host coordinates, their union, command, commit, date, seed).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SCAN_METHODS } from '../../pipelines/scan/types.js';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';
import { runAlienHunter } from './alien-hunter.js';
import { readFasta, sourceFile } from './donors.js';
import {
  basesOf,
  HOST_CONTIG,
  hostNativeMask,
  unionOf,
  type HostCalls,
  type HostToolCalls,
} from './host-native.js';
import { readPredictions } from './inputs.js';
import { FILES } from './make-genomes.js';
import { formatFasta } from './planted.js';
import { alienHunterCommand, SCAN_SEED, scanArgv, timedLocus } from './run.js';

async function main(): Promise<void> {
  const root = findRepoRoot();
  const hostPath = resolve(root, FILES.host.path);
  const records = readFasta(hostPath);
  if (records.length !== 1) throw new Error(`${hostPath}: expected one record, found ${records.length}`);
  const sequence = records[0]!.sequence;
  const dir = join(root, '.bench-data/scan/host');
  const genome = join(dir, 'genome.fa');
  await mkdir(join(dir, 'runs'), { recursive: true });
  await writeFile(genome, formatFasta(HOST_CONTIG, sequence));
  const contig = { name: HOST_CONTIG, length: sequence.length };

  const tools: HostToolCalls[] = [];
  for (const method of SCAN_METHODS) {
    const outDir = join(dir, 'runs', method);
    const argv = scanArgv(root, genome, outDir, method);
    const command = `locus ${argv.join(' ')}`;
    log(command);
    const run = timedLocus(root, argv);
    const intervals = unionOf([
      (await readPredictions(join(outDir, 'anomalies.bed'))).map((iv) => [iv.start, iv.end]),
    ]);
    tools.push({
      tool: `locus scan --method ${method}`,
      command,
      seconds: run.seconds,
      peakRssMb: run.peakRssBytes / 2 ** 20,
      intervals,
      bases: basesOf(intervals),
    });
    log(`  ${intervals.length} segments, ${basesOf(intervals)} bases, ${run.seconds.toFixed(1)} s`);
  }
  log(`alien_hunter ${genome} (Perl; about 15 min for 5 Mb)`);
  const alienDir = join(dir, 'runs', 'alien_hunter');
  const alien = await runAlienHunter(genome, contig, alienDir);
  const alienIntervals = unionOf([alien.predictions.map((iv) => [iv.start, iv.end])]);
  tools.push({
    tool: 'alien_hunter',
    command: alienHunterCommand(root, genome, alienDir),
    seconds: alien.seconds,
    peakRssMb: alien.peakRssMb,
    intervals: alienIntervals,
    bases: basesOf(alienIntervals),
  });

  const union = unionOf(tools.map((t) => t.intervals));
  const result: HostCalls & Record<string, unknown> = {
    benchmark: 'scan-host',
    date: new Date().toISOString(),
    command: 'node dist/bench/scan/host-calls.js',
    ...provenance(root),
    seed: { scan: SCAN_SEED },
    host: { path: FILES.host.path, sha256: sourceFile(hostPath).sha256, length: sequence.length },
    tools,
    union: { intervals: union, bases: basesOf(union), fraction: basesOf(union) / sequence.length },
  };
  await writeResult(join(root, 'bench/results/scan-host.json'), result, root);
  const mask = hostNativeMask(result);
  log(
    `host-native mask: ${mask.length} intervals, ${basesOf(mask)} bases ` +
      `(${((100 * basesOf(mask)) / sequence.length).toFixed(1)}% of the host; the union of all calls: ` +
      `${result.union.bases} bases)`,
  );
}

if (process.argv[1]?.endsWith('host-calls.js')) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}

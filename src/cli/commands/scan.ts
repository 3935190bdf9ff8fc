/**
 * `locus scan`: genome anomaly scanning (pipelines/scan). Parses options, shows progress, prints where
 * the anomalies are; the pipeline computes and writes the folder.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SCAN_DEFAULTS } from '../../../pipelines/scan/scan.js';
import type { ScanProgress, ScanResult } from '../../../pipelines/scan/types.js';
import { integer } from '../options.js';
import { interruptible } from '../interrupt.js';
import { withOutput } from '../output.js';
import { formatDuration, progressLine } from '../progress.js';

interface ScanCliOptions {
  output: string;
  method: 'reformer' | 'markov' | 'gc';
  model?: string;
  region?: string;
  regionsFile?: string;
  seed: number;
  workers: number;
  window: number;
  bin: number;
  steps: number;
  context: number;
  markovOrder: number;
  localOrder: number;
  backend: string;
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description(
      'find foreign and anomalous segments (islands, prophages, contamination) in a genome, learning only from the genome itself',
    )
    .argument('<genome>', 'genome FASTA (plain, gzip or bgzip; one or many contigs)')
    .requiredOption(
      '-o, --output <dir>',
      'output folder: anomalies.bed, scores.bedgraph, report.html, summary.json',
    )
    .addOption(
      new Option(
        '--method <name>',
        "the genome's own model: a Reformer trained on it, an order-k Markov chain, or GC alone",
      )
        .choices(['reformer', 'markov', 'gc'])
        .default('reformer'),
    )
    .option(
      '--model <dir>',
      'start the Reformer from this checkpoint or shipped model (causal, -k 1) instead of from scratch',
    )
    .option(
      '--region <region>',
      'scan only this region (samtools syntax); the model and the bulk are learnt from it alone',
    )
    .option(
      '--regions-file <bed>',
      'scan only the regions of this BED file; the model and the bulk are learnt from them together',
    )
    .option('--seed <n>', 'seed for the Reformer and its training windows', integer(0), 1)
    .option('--workers <n>', 'worker threads for the Reformer (one per core)', integer(1), 2)
    .option('--window <bases>', 'bases per scoring window', integer(1000), SCAN_DEFAULTS.windowSize)
    .option(
      '--bin <bases>',
      'bases per track bin (the window must be a multiple)',
      integer(50),
      SCAN_DEFAULTS.binSize,
    )
    .option(
      '--steps <n>',
      'Reformer training steps on the genome (0 with --model: score only)',
      integer(0),
      SCAN_DEFAULTS.reformer.steps,
    )
    .option(
      '--context <bases>',
      'Reformer training window and scoring tile, in bases',
      integer(512),
      SCAN_DEFAULTS.reformer.context,
    )
    .option(
      '--markov-order <k>',
      'order of the genome-wide Markov chain (markov and reformer methods)',
      integer(0, 16),
      SCAN_DEFAULTS.markovOrder,
    )
    .option(
      '--local-order <m>',
      "order of each window's own chain (--method markov)",
      integer(0, 5),
      SCAN_DEFAULTS.localOrder,
    )
    .option('--backend <name>', 'auto, tensorflow-gpu, tensorflow, webgpu, wasm or cpu', 'auto')
    .option('--force', 'replace the output folder if it exists and is not empty')
    .option('--quiet', 'no progress line')
    .option('--json', 'print summary.json instead of the text summary')
    .addHelpText(
      'after',
      `
How it works: every bin of the genome is scored by a genome-wide order-k Markov chain counted without
the region around it. --method reformer also trains a causal Reformer on the genome (both strands)
and scores every base from the kilobases before it: where reading a region's own context saves many
bits over the genome-wide expectation, the region is unlike the rest of the genome. --method markov
contrasts the chain with a chain fitted to each window itself; --method gc uses GC alone. The track
is z-scored against the genome's bulk and segmented by a two-state HMM fitted to this genome (no
truth, no other genome). Outputs are 0-based half-open (BED); printed regions are 1-based, as
samtools and IGV show them.

Examples:
  locus scan samples/ecoli-island.fa -o scan-out
  locus scan assembly.fa.gz -o out --method markov --workers 1
  locus scan genome.fa -o out --model ecoli-causal --steps 50`,
    )
    .action(async (genome: string, options: ScanCliOptions, command: Command) => {
      const [{ scanGenome }, { scanSummary, writeScanOutputs }, { checkOutputFolder }] = await Promise.all([
        import('../../../pipelines/scan/scan.js'),
        import('../../../pipelines/scan/outputs.js'),
        import('../../replace-folder.js'),
      ]);
      if (options.window % options.bin !== 0) {
        throw new InvalidArgumentError(
          `--window ${options.window} must be a multiple of --bin ${options.bin}`,
        );
      }
      await checkOutputFolder(options.output, options.force ?? false);
      const version = command.parent?.version() ?? '0.0.0';
      const line = progressLine({ quiet: options.quiet || options.json });
      let result: ScanResult;
      try {
        result = await interruptible().run(async (signal) => {
          const scanned = await scanGenome({
            ...SCAN_DEFAULTS,
            genome,
            method: options.method,
            region: options.region,
            regionsFile: options.regionsFile,
            windowSize: options.window,
            binSize: options.bin,
            seed: options.seed,
            workers: options.workers,
            markovOrder: options.markovOrder,
            localOrder: options.localOrder,
            reformer: {
              ...SCAN_DEFAULTS.reformer,
              model: options.model,
              steps: options.steps,
              context: options.context,
              backend: options.backend,
            },
            signal,
            onProgress: progressReporter(line),
          });
          signal.throwIfAborted();
          await writeScanOutputs(scanned, options.output, version);
          return scanned;
        });
      } finally {
        line.done();
      }
      await withOutput(undefined, async (out) => {
        if (options.json) await out.write(JSON.stringify(scanSummary(result, version), null, 2) + '\n');
        else await out.write(textSummary(result, options.output));
      });
    });
}

/** "fit 120/200 steps, 3.1 steps/s, ETA 25s" on the progress line. */
function progressReporter(line: ReturnType<typeof progressLine>) {
  let phase = '';
  let phaseStart = 0;
  return (p: ScanProgress) => {
    const now = performance.now();
    if (p.phase !== phase) {
      phase = p.phase;
      phaseStart = now;
    }
    const seconds = (now - phaseStart) / 1000;
    const rate = seconds > 0 ? p.done / seconds : 0;
    const eta = rate > 0 ? (p.total - p.done) / rate : NaN;
    const count = `${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}`;
    line.update(
      `scan: ${p.phase} ${count}, ${Math.round(rate).toLocaleString('en-US')} ${p.unit}/s, ETA ${formatDuration(eta)}`,
    );
  };
}

function textSummary(result: ScanResult, folder: string): string {
  const bases = result.tracks.reduce((n, t) => n + t.length, 0);
  const lines = [
    `${result.segments.length} anomalous segment${result.segments.length === 1 ? '' : 's'} in ${result.genome} (${bases.toLocaleString('en-US')} bases, ${result.contigs.length} contig${result.contigs.length === 1 ? '' : 's'}; method ${result.settings.method}; ${formatDuration(result.seconds)}, peak ${Math.round(result.peakRssMb)} MB)`,
  ];
  const shown = [...result.segments].sort((a, b) => b.meanScore - a.meanScore).slice(0, 20);
  for (const s of shown) {
    const region = `${s.contig}:${(s.start + 1).toLocaleString('en-US')}-${s.end.toLocaleString('en-US')}`;
    lines.push(
      `  ${region}  ${((s.end - s.start) / 1000).toFixed(1)} kb  GC ${(100 * s.gc).toFixed(1)}%  z ${s.meanScore.toFixed(1)}  ${s.reason}`,
    );
  }
  if (result.segments.length > shown.length)
    lines.push(`  ... ${result.segments.length - shown.length} more in ${folder}/anomalies.bed`);
  lines.push(`outputs in ${folder}/: anomalies.bed, scores.bedgraph, report.html, summary.json`);
  return lines.join('\n') + '\n';
}

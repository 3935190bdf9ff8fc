#!/usr/bin/env node
/**
 * The `locus` command. Each command lives in its own file under commands/ and computes its data
 * through the library layers; this file wires them up and owns the one top-level error handler.
 */
import { Command } from 'commander';
import { createRequire } from 'node:module';
import { registerAttention } from './commands/attention.js';
import { registerBackends } from './commands/backends.js';
import { registerBaseline } from './commands/baseline.js';
import { registerBenchModel } from './commands/bench-model.js';
import { registerCohort } from './commands/cohort.js';
import { registerFaidx } from './commands/faidx.js';
import { registerFinetune } from './commands/finetune.js';
import { registerInfo } from './commands/info.js';
import { registerModels } from './commands/models.js';
import { registerMotifs } from './commands/motifs.js';
import { registerPileup } from './commands/pileup.js';
import { registerPretrain } from './commands/pretrain.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerShards } from './commands/shards.js';
import { registerTokenize } from './commands/tokenize.js';
import { registerUseModel } from './commands/use-model.js';
import { registerVariants } from './commands/variants.js';
import { reportError } from './errors.js';

const require = createRequire(import.meta.url);

function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      return (require(candidate) as { version: string }).version;
    } catch {
      // compiled (dist/src/cli) and source (src/cli) layouts differ by one folder
    }
  }
  return '0.0.0';
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('locus')
    .description(
      'Genomics sequence-analysis workbench: samtools-exact FASTA/BAM reading, k-mer tokens, Reformer models.\n' +
        'Regions use samtools syntax: CHROM, CHROM:START-END, CHROM:START (1-based, inclusive; commas allowed).',
    )
    .version(packageVersion())
    .option('--verbose', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerAttention(program);
  registerBackends(program);
  registerBaseline(program);
  registerBenchModel(program);
  registerCohort(program);
  registerFaidx(program);
  registerFinetune(program);
  registerInfo(program);
  registerModels(program);
  registerMotifs(program);
  registerPileup(program);
  registerPretrain(program);
  registerScan(program);
  registerServe(program);
  registerShards(program);
  registerTokenize(program);
  registerUseModel(program);
  registerVariants(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    return reportError(err, argv.includes('--verbose'));
  }
}

// Run when executed as a script (not when imported by tests).
const invoked = process.argv[1] ? new URL(`file://${process.argv[1]}`).pathname : '';
if (invoked.endsWith('/cli/main.js') || invoked.endsWith('/cli/main.ts')) {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });
  main(process.argv).then((code) => {
    process.exitCode = code;
  });
}

/**
 * `locus cohort`: the summaries of a batch run. `cohort sample` gathers one sample's results into a
 * small JSON; `cohort table` turns the samples' JSONs into the cohort TSV and HTML overview.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { cohortHtml, cohortTsv } from '../../../pipelines/workflow/cohort.js';
import { summarizeSample, type SampleSummary } from '../../../pipelines/workflow/summary.js';
import { LocusInputError } from '../../errors.js';
import { writeFileAtomic } from '../../io/files.js';
import { withOutput } from '../output.js';

interface SampleCliOptions {
  scan?: string;
  variants?: string;
  motifs?: string;
  output?: string;
}

interface TableCliOptions {
  tsv?: string;
  html?: string;
}

export function registerCohort(program: Command): void {
  const cohort = program
    .command('cohort')
    .description("summaries of a batch run: each sample's results, and the cohort table (TSV and HTML)");
  cohort
    .command('sample')
    .description("gather one sample's results into a summary JSON")
    .argument('<name>', 'sample name')
    .option('--scan <dir>', 'output folder of locus scan')
    .option('--variants <vcf>', 'VCF of locus variants (merged shards)')
    .option('--motifs <dir>', 'output folder of locus motifs')
    .option('-o, --output <json>', 'write here instead of stdout')
    .addHelpText(
      'after',
      `
Example:
  locus cohort sample lambda --variants out/lambda/variants.vcf.gz -o out/lambda/summary.json`,
    )
    .action(async (name: string, options: SampleCliOptions) => {
      if (options.scan === undefined && options.variants === undefined && options.motifs === undefined)
        throw new InvalidArgumentError('give at least one of --scan, --variants and --motifs');
      const summary = await summarizeSample({ sample: name, ...options });
      await withOutput(options.output, (out) => out.write(JSON.stringify(summary, null, 2) + '\n'));
    });
  cohort
    .command('table')
    .description("one row per sample from the samples' summary JSONs: a TSV and an HTML overview")
    .argument('<summaries...>', 'summary JSONs written by locus cohort sample')
    .option('--tsv <file>', 'write the TSV here (default: stdout, when no --html)')
    .option('--html <file>', 'write the HTML overview here (links are relative to it)')
    .addHelpText(
      'after',
      `
Example:
  locus cohort table out/*/summary.json --tsv out/cohort.tsv --html out/cohort.html`,
    )
    .action(async (paths: string[], options: TableCliOptions) => {
      const samples = await Promise.all(paths.map(readSampleSummary));
      const seen = new Set<string>();
      for (const s of samples) {
        if (seen.has(s.sample))
          throw new LocusInputError(
            s.sample,
            `Sample "${s.sample}" is summarized twice`,
            'give each summary once',
          );
        seen.add(s.sample);
      }
      if (options.html !== undefined) {
        const command = ['locus', ...process.argv.slice(2)].join(' ');
        await writeFileAtomic(options.html, cohortHtml(samples, { htmlPath: options.html, command }));
      }
      if (options.tsv !== undefined || options.html === undefined)
        await withOutput(options.tsv, (out) => out.write(cohortTsv(samples)));
    });
}

async function readSampleSummary(path: string): Promise<SampleSummary> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    throw new LocusInputError(
      path,
      `Cannot read sample summary "${path}"`,
      'give JSONs written by `locus cohort sample`',
    );
  }
  const summary = parsed as Partial<SampleSummary>;
  if (typeof summary.sample !== 'string' || !Array.isArray(summary.pipelines))
    throw new LocusInputError(
      path,
      `"${path}" is not a sample summary`,
      'give JSONs written by `locus cohort sample`',
    );
  return summary as SampleSummary;
}

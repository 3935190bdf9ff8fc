/** `locus models`: the models that ship with Locus, usable by name wherever a checkpoint is taken. */
import type { Command } from 'commander';
import { withOutput } from '../output.js';

interface ModelsOptions {
  json?: boolean;
}

export function registerModels(program: Command): void {
  program
    .command('models')
    .description('list the shipped models (reference/models); pass a name where a checkpoint folder is taken')
    .option('--json', 'machine-readable output (an array)')
    .addHelpText(
      'after',
      `
Example:
  locus eval ecoli-causal genome.fa --split test     # a shipped model by name
Each model's README.md (its card) says what it was trained on, how well it does and where it fails.`,
    )
    .action(async (options: ModelsOptions) => {
      const { listShippedModels } = await import('../../model/shipped.js');
      const models = listShippedModels();
      await withOutput(undefined, async (out) => {
        if (options.json) {
          await out.write(JSON.stringify(models, null, 2) + '\n');
          return;
        }
        if (models.length === 0) {
          await out.write('# no shipped models in this installation\n');
          return;
        }
        const width = Math.max(...models.map((m) => m.name.length));
        for (const m of models) await out.write(`${m.name.padEnd(width)}  ${m.description}\n`);
      });
    });
}

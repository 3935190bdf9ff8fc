/** `locus backends`: which TensorFlow.js backends load on this machine, and why the others do not. */
import type { Command } from 'commander';
import { withOutput } from '../output.js';

interface BackendsOptions {
  json?: boolean;
}

export function registerBackends(program: Command): void {
  program
    .command('backends')
    .description(
      'list the TensorFlow.js backends (--backend auto tries them in this order), whether each loads here and, for webgpu, the adapter',
    )
    .option('--json', 'machine-readable output (an array)')
    .action(async (options: BackendsOptions) => {
      // Loaded on demand: TensorFlow.js takes ~0.6 s to import, which other commands should not pay.
      const { probeBackends, WEBGPU_COMMANDS } = await import('../../model/backend.js');
      const { describeAdapter } = await import('../../model/webgpu-device.js');
      const probes = await probeBackends();
      await withOutput(undefined, async (out) => {
        if (options.json) {
          await out.write(JSON.stringify(probes, null, 2) + '\n');
          return;
        }
        const auto = probes.find((p) => p.auto && p.name !== 'webgpu')?.name ?? 'none';
        const autoAsync = probes.find((p) => p.auto)?.name ?? 'none';
        const rows = [
          ['backend', 'tfjs', 'loaded', 'notes'],
          ...probes.map((p) => [
            p.name,
            p.tfjsName,
            p.loaded ? 'yes' : 'no',
            p.reason ?? (p.adapter ? describeAdapter(p.adapter) : ''),
          ]),
        ];
        const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
        await out.write(
          autoAsync === auto
            ? `# --backend auto selects: ${auto}\n`
            : `# --backend auto selects: ${autoAsync} for ${WEBGPU_COMMANDS.join(', ')}; ${auto} for the others\n`,
        );
        for (const row of rows) {
          const cells = row.slice(0, 3).map((cell, i) => cell.padEnd(widths[i]!));
          await out.write(`${[...cells, row[3]].join('  ').trimEnd()}\n`);
        }
      });
    });
}

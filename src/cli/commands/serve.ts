/**
 * `locus serve`: the desktop UI in any browser. Starts the local server (src/server) on 127.0.0.1,
 * prints the URL with its per-launch token, and runs until interrupted.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { integer } from '../options.js';

interface ServeOptions {
  port?: number;
  open?: boolean;
}

/** The platform's "open this URL" command. */
function openInBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () =>
    process.stderr.write(`could not start a browser (${command}); open the URL yourself\n`),
  );
  child.unref();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('open the desktop UI in a browser: genome browser, attention view and pipeline runs')
    .argument('[files...]', 'files to open at start: FASTA (the genome), BAM, CRAM, VCF, BED, bedGraph')
    .option('--port <n>', 'port on 127.0.0.1 (default: a random free port)', integer(0))
    .option('--open', 'open the URL in the default browser')
    .addHelpText(
      'after',
      `
The server listens on 127.0.0.1 only. Every request needs the token in the printed URL; keep the
URL to yourself. It reads only the files you open (here, in the path box or from a saved session),
and jobs write their outputs under the current folder unless you give another.

Examples:
  locus serve samples/lambda.fa samples/lambda.bam --open
  locus serve --port 8765`,
    )
    .action(async (files: string[], options: ServeOptions, command: Command) => {
      const { startServer } = await import('../../server/serve.js');
      const server = await startServer({
        port: options.port,
        files,
        version: command.parent?.version() ?? '0.0.0',
      });
      process.stdout.write(`Locus is serving on ${server.url}\n(Ctrl-C to stop)\n`);
      if (options.open) openInBrowser(server.url);
      await new Promise<void>((resolve) => {
        const stop = () => void server.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}

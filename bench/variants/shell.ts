/**
 * Shell commands for the variants benchmark: pipelines run under `bash -o pipefail` (so a failure
 * anywhere in `a | b` fails the whole), quoting, and the versions of the external tools.
 */
import { spawnSync } from 'node:child_process';

/** A word as bash reads it: bare when it has no special characters, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w./,:=@+%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** argv as one command line. */
export const commandLine = (argv: readonly string[]): string => argv.map(shellQuote).join(' ');

/** The argv that runs a command line (a pipeline, redirections) under bash with pipefail. */
export const bashArgv = (command: string): string[] => ['bash', '-o', 'pipefail', '-c', command];

/** Run a command line under bash with pipefail; its stdout. Throws with the end of stderr on failure. */
export function sh(command: string, options: { cwd?: string } = {}): string {
  const result = spawnSync('bash', ['-o', 'pipefail', '-c', command], {
    cwd: options.cwd,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${command} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  }
  return result.stdout;
}

/** A tool's version line, or 'unknown': what `--version` (or, for dwgsim, its usage) prints. */
export function toolVersion(tool: 'dwgsim' | 'minimap2' | 'samtools' | 'bcftools' | 'freebayes'): string {
  const result = spawnSync(tool, tool === 'dwgsim' ? ['-h'] : ['--version'], { encoding: 'utf8' });
  const text = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  const line =
    tool === 'dwgsim'
      ? /Version: (\S+)/.exec(text)?.[1]
      : text
          .split('\n')
          .map((l) => l.trim())
          .find((l) => l !== '');
  if (line === undefined) return 'unknown';
  // freebayes prints "version:  v1.3.6": name the tool, as the others do.
  return line.includes(tool) ? line : `${tool} ${line.replace(/^version:\s*/, '')}`;
}

/**
 * The single place that turns an error into what the user sees: one line on stderr naming the input
 * and the fix, and an exit code. Stack traces only with --verbose.
 */
import { CommanderError, InvalidArgumentError } from 'commander';
import { LocusInputError } from '../errors.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
/** Bad command-line usage (unknown option, missing argument), as commander reports it. */
export const EXIT_USAGE = 2;

export function reportError(err: unknown, verbose: boolean): number {
  // Commander prints the errors of its own parsing; an InvalidArgumentError that reaches here was thrown
  // by a command's action (options that conflict), and nobody has printed it yet.
  if (err instanceof InvalidArgumentError) {
    process.stderr.write(`locus: ${err.message} (run with --help for usage)\n`);
    return EXIT_USAGE;
  }
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE; // commander printed it
  if (err instanceof LocusInputError) {
    process.stderr.write(`locus: ${err.message}\n`);
    if (verbose && err.stack) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EPIPE') return EXIT_OK; // `locus ... | head` closed the pipe: not an error
  if (err instanceof Error && err.name === 'AbortError') {
    process.stderr.write('locus: interrupted\n');
    return 130;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`locus: ${message}${verbose ? '' : ' (run with --verbose for details)'}\n`);
  if (verbose && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT_FAILURE;
}

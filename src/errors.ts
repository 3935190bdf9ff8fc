/**
 * Errors that reach users.
 *
 * Caller misuse (a bug in code that calls Locus) throws the built-in `TypeError` / `RangeError`.
 * Bad *data* or a bad *input path* throws `LocusInputError`: it names the input and says how to fix it,
 * so the CLI can print one clear line instead of a stack trace.
 */
export class LocusInputError extends Error {
  /** The file, region or argument at fault, as the user wrote it. */
  readonly input: string;
  /** What the user can do about it ("run `samtools index x.bam`"). */
  readonly hint: string | undefined;

  constructor(input: string, problem: string, hint?: string, options?: { cause?: unknown }) {
    super(`${problem}${hint ? `; ${hint}` : ''}`, options);
    this.name = 'LocusInputError';
    this.input = input;
    this.hint = hint;
  }
}

/** True when `err` is a Node system error with the given code (ENOENT, EISDIR, ...). */
export function isErrnoCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

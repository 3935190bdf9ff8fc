/**
 * External tools (samtools, bcftools, bedtools, tabix, ...) for differential tests.
 *
 * A test that needs a tool is skipped, never failed, when the tool is absent:
 * `describe.skipIf(!hasTool('bcftools'))(...)`. Set `LOCUS_HIDE_TOOLS=bcftools,bedtools` to check
 * that the skip path works on a machine that has them.
 */
import { spawnSync } from 'node:child_process';

const found = new Map<string, boolean>();

/** True when `name` can be started (looked up on PATH once per process). */
export function hasTool(name: string): boolean {
  const hidden = (process.env.LOCUS_HIDE_TOOLS ?? '').split(',').map((t) => t.trim());
  if (hidden.includes(name)) return false;
  let ok = found.get(name);
  if (ok === undefined) {
    // Only whether it starts matters: some tools exit non-zero for --version or print usage.
    const result = spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    ok = result.error === undefined;
    found.set(name, ok);
  }
  return ok;
}

export interface RunResult {
  /** Exit status; null when killed by a signal. */
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run a tool to completion with optional stdin; output is decoded as UTF-8. Never throws for a non-zero exit. */
export function run(cmd: string, args: readonly string[], input?: string | Uint8Array): RunResult {
  const result = spawnSync(cmd, args, {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A python3 that can import `module` (e.g. 'Bio'), or undefined. A pyenv python3 first on PATH often
 * lacks Debian's python3-* packages, which /usr/bin/python3 has.
 */
export function pythonWith(module: string): string | undefined {
  if (!hasTool('python3')) return undefined;
  return ['python3', '/usr/bin/python3'].find(
    (python) =>
      spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 30_000 }).status === 0,
  );
}

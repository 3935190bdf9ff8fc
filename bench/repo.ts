/** What the benchmark scripts share: finding the repository, and progress lines on stderr. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root: the nearest folder above this file with Locus's package.json. */
export function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'locus')
      return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the Locus repository root (package.json "name": "locus")');
    dir = parent;
  }
}

/** A progress line on stderr (stdout carries the results). */
export function log(message: string): void {
  process.stderr.write(message + '\n');
}

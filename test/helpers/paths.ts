/** Paths to fixtures, the shipped samples and the shared data folder (absent on some machines). */
import { existsSync, mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA = join(ROOT, 'test/data');
export const SAMPLES = join(ROOT, 'samples');
export const SHARED_DATA = resolve(ROOT, '../shared/data');
export const hasSharedData = existsSync(join(SHARED_DATA, 'genomes'));

export function fixture(name: string): string {
  return join(DATA, name);
}

/** A fresh temporary folder holding copies of the named fixtures. */
export function scratch(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'locus-test-'));
  for (const name of names) cpSync(fixture(name), join(dir, name));
  return dir;
}

/** Small deterministic PRNG for choosing random regions in tests (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

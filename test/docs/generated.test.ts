/**
 * The docs' figures agree with the JSON under bench/results: every generated block of README.md,
 * docs/*.md and the model cards renders to exactly what is committed (`npm run docs` rewrites them).
 */
import { describe, expect, it } from 'vitest';
import { generateDocs, render } from '../../bench/docs/generate.js';

describe('generated doc tables', () => {
  it('match their JSON in every document', () => {
    const results = generateDocs(undefined, false);
    expect(results.some((r) => r.blocks.length > 0)).toBe(true);
    expect(results.filter((r) => r.stale).map((r) => r.file)).toEqual([]);
  });

  it('fail on a block without a table, and replace a stale body', () => {
    expect(() => render('<!-- generated: no-such-table -->\nx\n<!-- end generated -->')).toThrow(/no table/);
  });
});

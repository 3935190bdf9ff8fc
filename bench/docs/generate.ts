/**
 * Figures in the docs come from JSON under bench/results, never from typing: each table lives in a
 * marked block that this script fills from its JSON.
 *
 *   <!-- generated: NAME -->
 *   ...replaced by TABLES[NAME]() ...
 *   <!-- end generated -->
 *
 *   npm run docs            # rewrite the blocks of README.md and docs/*.md
 *   npm run docs -- --check # exit 1, naming each block that differs (the test suite runs this check)
 *
 * A block whose name has no table, or a table whose JSON is missing, is an error: a doc never keeps a
 * figure that its JSON does not back.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { findRepoRoot } from '../repo.js';
import { TABLES } from './tables.js';

const BLOCK = /(<!-- generated: ([\w.-]+) -->\n)([\s\S]*?)(<!-- end generated -->)/g;

/** The documents that hold generated blocks. */
export function documents(root = findRepoRoot()): string[] {
  const docs = join(root, 'docs');
  const inDocs = existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f))
    : [];
  const models = join(root, 'reference', 'models');
  const cards = existsSync(models)
    ? readdirSync(models)
        .map((m) => join(models, m, 'README.md'))
        .filter(existsSync)
    : [];
  return [join(root, 'README.md'), ...inDocs, ...cards];
}

/** A document with every generated block filled from its JSON; `names` lists the blocks. */
export function render(text: string, root = findRepoRoot()): { text: string; names: string[] } {
  const names: string[] = [];
  const out = text.replace(BLOCK, (_whole, open: string, name: string, _old: string, close: string) => {
    const table = TABLES[name];
    if (!table) throw new Error(`generated block "${name}" has no table in bench/docs/tables.ts`);
    names.push(name);
    const body = table(root).trimEnd();
    return `${open}${body}\n${close}`;
  });
  return { text: out, names };
}

export interface DocCheck {
  file: string;
  blocks: string[];
  stale: boolean;
}

/** Render every document; with `write`, save the ones that changed. */
export function generateDocs(root = findRepoRoot(), write = false): DocCheck[] {
  return documents(root).map((file) => {
    const before = readFileSync(file, 'utf8');
    const { text, names } = render(before, root);
    const stale = text !== before;
    if (stale && write) writeFileSync(file, text);
    return { file: relative(root, file), blocks: names, stale };
  });
}

const isMain = process.argv[1]?.endsWith('bench/docs/generate.js');
if (isMain) {
  const check = process.argv.includes('--check');
  const results = generateDocs(findRepoRoot(), !check);
  for (const r of results) {
    if (r.blocks.length === 0) continue;
    const state = r.stale ? (check ? 'STALE' : 'rewritten') : 'up to date';
    process.stdout.write(`${r.file}: ${r.blocks.length} generated block(s), ${state}\n`);
  }
  if (check && results.some((r) => r.stale)) {
    process.stderr.write('docs differ from bench/results: run `npm run docs` and commit\n');
    process.exitCode = 1;
  }
}

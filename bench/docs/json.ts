/** Reading result JSON and formatting numbers for the generated doc tables. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A result file under bench/results, parsed; a missing file is an error naming the script to run. */
export function result<T = Record<string, unknown>>(root: string, name: string): T {
  const path = join(root, 'bench', 'results', name);
  if (!existsSync(path)) throw new Error(`bench/results/${name} is missing: run the script that writes it`);
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** A markdown table from a header and rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Fixed decimals. */
export const fixed = (value: number, digits: number): string =>
  Number.isFinite(value) ? value.toFixed(digits) : '-';

/** Thousands separators. */
export const count = (value: number): string => Math.round(value).toLocaleString('en-US');

/** Seconds, with sensible precision. */
export const seconds = (s: number): string =>
  s >= 100 ? s.toFixed(0) : s >= 10 ? s.toFixed(1) : s.toFixed(2);

/** Median and range of a benchmark's repeated runs, as its JSON records them. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** A spread as "median (min-max)", each number written by `format`. */
export const withRange = (s: Spread, format: (value: number) => string): string =>
  `${format(s.median)} (${format(s.min)}-${format(s.max)})`;

/** A 95% interval as "estimate (low to high)". */
export const withInterval = (i: { estimate: number; low: number; high: number }, digits: number): string =>
  `${fixed(i.estimate, digits)} (${fixed(i.low, digits)} to ${fixed(i.high, digits)})`;

/** What every generated table says about where its numbers come from. */
export function provenance(file: string, json: { command?: string; date?: string; git?: unknown }): string {
  const commit =
    typeof json.git === 'object' && json.git ? (json.git as { commit?: string }).commit : json.git;
  return `<sub>From \`bench/results/${file}\`${json.date ? `, ${json.date}` : ''}${
    commit ? `, commit ${String(commit).slice(0, 10)}` : ''
  }${json.command ? `; \`${json.command}\`` : ''}.</sub>`;
}

/**
 * report.html of `locus variants --report`: one self-contained page (no script, no network) that
 * ranks the alleles a person should look at first: the ones the model finds most surprising in their
 * context (with `--model`), the low-fraction ones (with `--min-af`), and the filtered ones, each with
 * its reference context, fraction and reads, as 1-based positions to paste into IGV.
 */
import { basename } from 'node:path';
import { FILTERS, type FilterName } from './filters.js';
import type { VariantCall } from './types.js';
import { count, duration, escapeXml, fixed, kvTable, memory, pageHead } from '../report/page.js';

/** Reference bases on each side of a call, for the context column. */
export const CONTEXT_BASES = 20;

/** Rows per ranked table: the VCF holds them all. */
export const MAX_ROWS = 200;

export interface CallContext {
  /** Up to CONTEXT_BASES reference bases before the allele's REF. */
  before: string;
  /** Up to CONTEXT_BASES reference bases after it. */
  after: string;
}

export interface VariantsReportInput {
  bams: readonly string[];
  reference: string;
  samples: readonly string[];
  calls: readonly VariantCall[];
  /** The reference around each call the report shows (see reportedCalls). */
  contexts: ReadonlyMap<VariantCall, CallContext>;
  ploidy: 1 | 2;
  minAf?: number;
  model?: string;
  /** What was called: "all contigs", a region, or a regions file. */
  regions: string;
  settings: readonly [string, string][];
  command: string;
  seconds: number;
  peakRssMb: number;
}

const REPORT_STYLE = `
td.context { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; white-space: nowrap; }
td.context .flank { color: #8c8c8c; }
td.context mark { background: #fde2b8; padding: 0 1px; border-radius: 2px; }
td.context .alt { color: #b3261e; font-weight: 600; }
.filter { display: inline-block; background: #fdecea; color: #8a1c12; border-radius: 3px; padding: 0 5px; margin: 0 3px 2px 0; font-size: 12px; }
.pass { color: #1e6b34; font-size: 12px; }
`;

/** The ranked lists the report shows, each cut to MAX_ROWS (`total` keeps the full length). */
export interface Rankings {
  /** With a model: the scored calls, lowest LLR (most surprising) first. */
  model?: Ranked;
  /** In the low-fraction mode: every call, lowest fraction first. */
  lowFraction?: Ranked;
  /** Filtered calls, highest QUAL first. */
  filtered: Ranked;
}

interface Ranked {
  rows: VariantCall[];
  total: number;
}

const cut = (list: VariantCall[]): Ranked => ({ rows: list.slice(0, MAX_ROWS), total: list.length });

export function rankCalls(calls: readonly VariantCall[], withModel: boolean, lowFraction: boolean): Rankings {
  return {
    model: withModel
      ? cut(calls.filter((c) => c.llr !== undefined).sort((a, b) => a.llr! - b.llr!))
      : undefined,
    lowFraction: lowFraction ? cut([...calls].sort((a, b) => maxAf(a) - maxAf(b))) : undefined,
    filtered: cut(calls.filter((c) => c.filters.length > 0).sort((a, b) => b.qual - a.qual)),
  };
}

/** Every call some table of the report shows: the ones whose reference context must be fetched. */
export function reportedCalls(rankings: Rankings): Set<VariantCall> {
  return new Set([
    ...(rankings.model?.rows ?? []),
    ...(rankings.lowFraction?.rows ?? []),
    ...rankings.filtered.rows,
  ]);
}

/** The report page as one HTML string. */
export function variantsReportHtml(input: VariantsReportInput): string {
  const title = `Locus variants: ${input.bams.map((b) => basename(b)).join(', ')}`;
  const rankings = rankCalls(input.calls, input.model !== undefined, input.minAf !== undefined);
  const passing = input.calls.filter((c) => c.filters.length === 0).length;
  const snvs = input.calls.filter((c) => c.candidate.kind === 'snv').length;
  const html: string[] = [...pageHead(title)];
  html.push(`<style>${REPORT_STYLE}</style>`);

  html.push(
    '<header>',
    `<h1>${escapeXml(title)}</h1>`,
    `<div class="path">${escapeXml(input.command)}</div>`,
  );
  html.push('<dl class="summary">');
  const tiles: [string, string][] = [
    [
      'Mode',
      input.minAf === undefined ? (input.ploidy === 1 ? 'haploid' : 'diploid') : `AF ≥ ${input.minAf}`,
    ],
    ['Samples', count(input.samples.length)],
    ['Alleles', count(input.calls.length)],
    ['SNVs', count(snvs)],
    ['Indels', count(input.calls.length - snvs)],
    ['PASS', count(passing)],
    ['Filtered', count(input.calls.length - passing)],
    ['Total time', duration(input.seconds)],
    ['Peak memory', memory(input.peakRssMb)],
  ];
  for (const [k, v] of tiles) html.push(`<div><dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd></div>`);
  html.push('</dl>');
  html.push(
    `<p class="muted">Samples: ${input.samples.map(escapeXml).join(', ')}. Reference: ${escapeXml(input.reference)}; ` +
      `called: ${escapeXml(input.regions)}. Positions are 1-based, as IGV and samtools show them.</p>`,
    '</header>',
  );

  if (input.model !== undefined && rankings.model) {
    html.push(
      '<section id="model">',
      '<h2>Most surprising to the model</h2>',
      `<p>LLR is ln P(ALT) − ln P(REF) under the model <span class="path">${escapeXml(input.model)}</span>, ` +
        'reading the reference on both sides of the allele. The most negative come first: alleles the model, ' +
        'having read the context, least expects. An LLR says as much as the model knows: the shipped models judge ' +
        'mostly the sequence near the allele, not a repeated copy further away (docs/variants.md). ' +
        `${count(rankings.model.total)} of ${count(input.calls.length)} alleles have an LLR.</p>`,
      callTable(rankings.model, input),
      '</section>',
    );
  }

  if (input.minAf !== undefined && rankings.lowFraction) {
    html.push(
      '<section id="low-fraction">',
      '<h2>Alleles by fraction</h2>',
      `<p>Every allele present at an estimated fraction of at least ${input.minAf}, the lowest first; AF with its 95% ` +
        'profile-likelihood interval. A cluster of fractions (here and in the histogram) is a subpopulation.</p>',
      fractionHistogram(input.calls),
      callTable(rankings.lowFraction, input),
      '</section>',
    );
  }

  html.push('<section id="filtered">', '<h2>Filtered alleles</h2>');
  html.push(filterSummary(input.calls));
  if (rankings.filtered.total > 0) {
    html.push(
      '<p>Alleles with strong support that look like artifacts, the best supported first: check them in IGV before trusting or discarding them.</p>',
      callTable(rankings.filtered, input),
    );
  } else {
    html.push('<p class="muted">No allele failed a filter.</p>');
  }
  html.push('</section>');

  html.push('<section id="settings">', '<h2>Settings</h2>', kvTable(input.settings), '</section>');
  html.push(
    `<footer>Written by Locus. Inputs: ${input.bams.map(escapeXml).join(', ')}.</footer>`,
    '</main>',
    '</body>',
    '</html>',
  );
  return html.join('\n') + '\n';
}

const maxAf = (call: VariantCall): number => Math.max(...call.samples.map((s) => s.af));

/** Counts per filter, with what each means. */
function filterSummary(calls: readonly VariantCall[]): string {
  const rows = (Object.keys(FILTERS) as FilterName[]).map((name) => {
    const n = calls.filter((c) => c.filters.includes(name)).length;
    return `<tr><td><span class="filter">${name}</span></td><td class="num">${count(n)}</td><td>${escapeXml(FILTERS[name])}</td></tr>`;
  });
  return `<table><thead><tr><th>filter</th><th class="num">alleles</th><th>fails when</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** One ranked table: position, change, context, QUAL, FILTER, LLR and per-sample genotype, AF and reads. */
function callTable(ranked: Ranked, input: VariantsReportInput): string {
  const head = [
    '<th>#</th>',
    '<th>position</th>',
    '<th>change</th>',
    '<th>context</th>',
    '<th class="num">QUAL</th>',
    '<th>FILTER</th>',
    ...(input.model !== undefined ? ['<th class="num">LLR</th>'] : []),
    ...input.samples.map((s) => `<th>${escapeXml(s)}: GT, AF (95% CI), ref/alt reads</th>`),
  ];
  const body = ranked.rows.map((call, i) => {
    const c = call.candidate;
    const context = input.contexts.get(call) ?? { before: '', after: '' };
    const cells = [
      `<td class="num">${i + 1}</td>`,
      `<td class="region">${escapeXml(`${call.contig}:${count(c.pos + 1)}`)}</td>`,
      `<td class="region">${escapeXml(`${c.ref}>${c.alt}`)}</td>`,
      `<td class="context"><span class="flank">${escapeXml(context.before.toLowerCase())}</span><mark>${escapeXml(c.ref)}</mark>` +
        `<span class="flank">${escapeXml(context.after.toLowerCase())}</span> <span class="alt">→ ${escapeXml(c.alt)}</span></td>`,
      `<td class="num">${fixed(call.qual, 1)}</td>`,
      `<td>${call.filters.length === 0 ? '<span class="pass">PASS</span>' : call.filters.map((f) => `<span class="filter">${escapeXml(f)}</span>`).join('')}</td>`,
      ...(input.model !== undefined
        ? [`<td class="num">${call.llr === undefined ? '–' : fixed(call.llr, 3)}</td>`]
        : []),
      ...call.samples.map(
        (s) =>
          `<td>${escapeXml(s.gt)}, ${fixed(s.af, 3)} (${fixed(s.afInterval[0], 3)}–${fixed(s.afInterval[1], 3)}), ${s.ad[0]}/${s.ad[1]}</td>`,
      ),
    ];
    return `<tr>${cells.join('')}</tr>`;
  });
  const more =
    ranked.total > ranked.rows.length
      ? `<p class="muted">The first ${count(ranked.rows.length)} of ${count(ranked.total)}; the VCF holds them all.</p>`
      : '';
  return `<div class="scroll"><table><thead><tr>${head.join('')}</tr></thead><tbody>${body.join('')}</tbody></table></div>${more}`;
}

/** Histogram of the carriers' allele fractions, 20 bins over [0, 1], as inline SVG. */
function fractionHistogram(calls: readonly VariantCall[]): string {
  const bins = new Array<number>(20).fill(0);
  for (const call of calls) {
    for (const s of call.samples) {
      if (s.gt.includes('1')) bins[Math.min(19, Math.floor(s.af * 20))]!++;
    }
  }
  const top = Math.max(1, ...bins);
  const [width, height, left, bottom] = [640, 180, 44, 28];
  const barWidth = (width - left - 8) / bins.length;
  const plotHeight = height - bottom - 10;
  const bars = bins.map((n, i) => {
    const h = (n / top) * plotHeight;
    const x = left + i * barWidth;
    return `<rect x="${x + 1}" y="${height - bottom - h}" width="${barWidth - 2}" height="${h}" fill="#0b5394"><title>AF ${i / 20}–${(i + 1) / 20}: ${n}</title></rect>`;
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const x = left + f * (width - left - 8);
    return `<text x="${x}" y="${height - 10}" text-anchor="middle">${f}</text>`;
  });
  return (
    `<figure><svg viewBox="0 0 ${width} ${height}" role="img" aria-label="Allele fractions" font-size="11" fill="#333">` +
    `<text x="${left - 6}" y="16" text-anchor="end">${top}</text><text x="${left - 6}" y="${height - bottom}" text-anchor="end">0</text>` +
    `<line x1="${left}" y1="${height - bottom}" x2="${width - 8}" y2="${height - bottom}" stroke="#767676"/>` +
    bars.join('') +
    ticks.join('') +
    `</svg><figcaption>Allele fraction (AF) of each sample that carries an allele; bins of 0.05.</figcaption></figure>`
  );
}

/**
 * What the self-contained HTML reports of the pipelines share (scan, variants): the page head with a
 * Content-Security-Policy that forbids any fetch, the stylesheet, and number and table formatting.
 * Every string from the data goes through escapeXml.
 */

/** Text for HTML or SVG: & < > " ' escaped. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );
}

/** The pages' stylesheet, inlined (the Content-Security-Policy allows inline styles only). */
export const PAGE_STYLE = `
:root { color-scheme: light; --text: #1d1d1f; --muted: #5a5a5f; --line: #dcdce0; --soft: #f5f5f7; --accent: #0b5394; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--text);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1060px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 18px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
p { margin: 6px 0; }
.muted { color: var(--muted); }
.path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; color: var(--muted); word-break: break-all; }
.summary { display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 8px; margin: 18px 0 6px; }
.summary div { background: var(--soft); border-radius: 6px; padding: 8px 10px; min-width: 0; }
.summary dt { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.summary dd { margin: 0; font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 12px 0 20px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 13px; color: var(--muted); }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; text-align: left; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.num, th.num { text-align: right; }
.scroll { max-height: 560px; overflow: auto; border: 1px solid var(--line); border-radius: 6px; }
.scroll table { width: 100%; }
.scroll th { position: sticky; top: 0; z-index: 1; }
.scroll tr:last-child td { border-bottom: 0; }
tbody tr:target { background: #fff4d6; }
td.region { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; user-select: all; white-space: nowrap; }
.kv th { width: 220px; background: none; font-weight: 500; color: var(--muted); }
.kv td { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.reasons { margin: 6px 0; padding-left: 0; list-style: none; }
.reasons li { margin: 6px 0; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 8px 32px; align-items: start; }
details summary { cursor: pointer; color: var(--accent); margin: 8px 0; }
footer { margin-top: 40px; font-size: 12.5px; color: var(--muted); }
`;

/** "4,641,652". */
export function count(v: number): string {
  return v.toLocaleString('en-US');
}

/** "4.64 Mb", "51.2 kb", "830 bp". */
export function shortLength(bases: number): string {
  if (bases >= 1e6) return `${(bases / 1e6).toFixed(2)} Mb`;
  if (bases >= 1e3) return `${(bases / 1e3).toFixed(1)} kb`;
  return `${bases} bp`;
}

/** "0.8 s", "42 s", "3 min 05 s", "1 h 02 min". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'n/a';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** "512 MB", "1.4 GB". */
export function memory(mb: number): string {
  if (!Number.isFinite(mb)) return 'n/a';
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${Math.round(mb)} MB`;
}

/** A number from the data: integers as they are, others to 4 significant digits. */
export function value(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return count(v);
  return Math.abs(v) >= 1e-6 && Math.abs(v) < 1e6 ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

export function fixed(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** A two-column table of settings; values are escaped here. */
export function kvTable(rows: readonly [string, string][]): string {
  const body = rows.map(([k, v]) => `<tr><th scope="row">${escapeXml(k)}</th><td>${escapeXml(v)}</td></tr>`);
  return `<table class="kv"><tbody>${body.join('')}</tbody></table>`;
}

/** The opening lines of a report page, up to and including `<main>`. */
export function pageHead(title: string): string[] {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(title)}</title>`,
    `<style>${PAGE_STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
  ];
}

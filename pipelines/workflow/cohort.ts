/**
 * The cohort overview of a batch run: one row per sample, as a TSV for R or pandas (missing values
 * NA) and as a self-contained HTML page that links each sample's reports and files.
 */
import { dirname, relative, sep } from 'node:path';
import { count, escapeXml, pageHead, shortLength } from '../report/page.js';
import type { SampleSummary } from './summary.js';

const COLUMNS = [
  'sample',
  'pipelines',
  'scan_segments',
  'scan_anomalous_bp',
  'scan_top_segment',
  'scan_top_reason',
  'variants_records',
  'variants_pass',
  'variants_snvs',
  'variants_indels',
  'motifs_found',
  'top_motif',
  'top_motif_evalue',
  'top_motif_match',
] as const;

type Row = Record<(typeof COLUMNS)[number], string>;

const NA = 'NA';

function rowOf(s: SampleSummary): Row {
  const segment = s.scan?.top[0];
  const motif = s.motifs?.top[0];
  const text = (v: number | string | undefined) => (v === undefined ? NA : String(v));
  return {
    sample: s.sample,
    pipelines: s.pipelines.join(','),
    scan_segments: text(s.scan?.segments),
    scan_anomalous_bp: text(s.scan?.anomalousBases),
    scan_top_segment: text(segment?.region),
    scan_top_reason: text(segment?.reason),
    variants_records: text(s.variants?.records),
    variants_pass: text(s.variants?.passing),
    variants_snvs: text(s.variants?.snvs),
    variants_indels: text(s.variants?.indels),
    motifs_found: text(s.motifs?.motifs),
    top_motif: text(motif?.consensus),
    top_motif_evalue: text(motif === undefined ? undefined : motif.evalue.toPrecision(3)),
    top_motif_match: text(motif?.match ? `${motif.match.id} ${motif.match.name}` : motif ? '' : undefined),
  };
}

/** Samples in the order given; tabs and newlines in values become spaces. */
export function cohortTsv(samples: readonly SampleSummary[]): string {
  const clean = (v: string) => v.replace(/[\t\r\n]/g, ' ');
  const lines = [COLUMNS.join('\t')];
  for (const s of samples) {
    const row = rowOf(s);
    lines.push(COLUMNS.map((c) => clean(row[c])).join('\t'));
  }
  return lines.join('\n') + '\n';
}

/** A path as a link from the page at `htmlPath` (relative, with forward slashes). */
function linkFrom(htmlPath: string, target: string): string {
  return relative(dirname(htmlPath), target).split(sep).join('/');
}

export function cohortHtml(
  samples: readonly SampleSummary[],
  options: { htmlPath: string; command: string },
): string {
  const link = (target: string, label: string) =>
    `<a href="${escapeXml(encodeURI(linkFrom(options.htmlPath, target)))}">${escapeXml(label)}</a>`;
  const variantsSamples = samples.filter((s) => s.variants);
  const scanned = samples.filter((s) => s.scan);
  const motifs = samples.filter((s) => s.motifs);
  const html = pageHead(`Locus batch run: ${samples.length} samples`);
  html.push(
    `<h1>Batch run: ${count(samples.length)} sample${samples.length === 1 ? '' : 's'}</h1>`,
    `<p class="muted">${count(scanned.length)} scanned for anomalous segments, ${count(variantsSamples.length)} called for variants, ${count(motifs.length)} searched for motifs. Each sample's own reports hold the detail; regions are 1-based, as samtools and IGV show them.</p>`,
  );
  if (scanned.length > 0) {
    html.push(
      '<h2>Genome anomaly scan</h2>',
      '<table><thead><tr><th>Sample</th><th>Method</th><th class="num">Genome</th><th class="num">Segments</th>' +
        '<th class="num">Anomalous</th><th>Strongest segment</th><th>Why</th><th class="num">Mean z</th><th>Report</th></tr></thead><tbody>',
    );
    for (const s of scanned) {
      const scan = s.scan!;
      const top = scan.top[0];
      html.push(
        `<tr><td>${escapeXml(s.sample)}</td><td>${escapeXml(scan.method)}</td>` +
          `<td class="num">${shortLength(scan.genomeBases)}</td><td class="num">${count(scan.segments)}</td>` +
          `<td class="num">${shortLength(scan.anomalousBases)}</td>` +
          `<td class="region">${top ? escapeXml(top.region) : ''}</td><td>${top ? escapeXml(top.reason) : ''}</td>` +
          `<td class="num">${top ? top.meanZ.toFixed(1) : ''}</td>` +
          `<td>${link(`${scan.folder}/report.html`, 'report')} · ${link(`${scan.folder}/anomalies.bed`, 'BED')} · ${link(`${scan.folder}/scores.bedgraph`, 'bedGraph')}</td></tr>`,
      );
    }
    html.push('</tbody></table>');
  }
  if (variantsSamples.length > 0) {
    html.push(
      '<h2>Variants</h2>',
      '<table><thead><tr><th>Sample</th><th class="num">Records</th><th class="num">PASS</th>' +
        '<th class="num">SNVs</th><th class="num">Indels</th><th>Filtered</th><th>VCF</th></tr></thead><tbody>',
    );
    for (const s of variantsSamples) {
      const v = s.variants!;
      const filtered = Object.entries(v.filtered)
        .sort((a, b) => b[1] - a[1])
        .map(([name, n]) => `${name} ${count(n)}`)
        .join(', ');
      html.push(
        `<tr><td>${escapeXml(s.sample)}</td><td class="num">${count(v.records)}</td><td class="num">${count(v.passing)}</td>` +
          `<td class="num">${count(v.snvs)}</td><td class="num">${count(v.indels)}</td><td>${escapeXml(filtered || 'none')}</td>` +
          `<td>${link(v.vcf, 'VCF')}</td></tr>`,
      );
    }
    html.push('</tbody></table>');
  }
  if (motifs.length > 0) {
    html.push(
      '<h2>Motifs</h2>',
      '<table><thead><tr><th>Sample</th><th class="num">Motifs</th><th>Top motif</th><th class="num">E-value</th>' +
        '<th>Best JASPAR match</th><th class="num">Similarity</th><th>Report</th></tr></thead><tbody>',
    );
    for (const s of motifs) {
      const m = s.motifs!;
      const top = m.top[0];
      html.push(
        `<tr><td>${escapeXml(s.sample)}</td><td class="num">${count(m.motifs)}</td>` +
          `<td class="region">${top ? escapeXml(top.consensus) : ''}</td><td class="num">${top ? top.evalue.toPrecision(3) : ''}</td>` +
          `<td>${top?.match ? escapeXml(`${top.match.id} ${top.match.name}`) : ''}</td>` +
          `<td class="num">${top?.match ? top.match.similarity.toFixed(2) : ''}</td>` +
          `<td>${link(`${m.folder}/report.html`, 'report')} · ${link(`${m.folder}/motifs.meme`, 'MEME')}</td></tr>`,
      );
    }
    html.push('</tbody></table>');
  }
  html.push(
    `<footer>Written by <code>${escapeXml(options.command)}</code>; the same rows are in the TSV beside this page.</footer>`,
    '</main>',
    '</body>',
    '</html>',
  );
  return html.join('\n') + '\n';
}

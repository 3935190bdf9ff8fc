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

/** A column title, and the cell class: right-aligned numbers, or monospace regions and sequences. */
type Column = [title: string, kind?: 'num' | 'region'];

/** One pipeline's table: `rows` hold cell HTML, already escaped. */
function section(title: string, columns: readonly Column[], rows: readonly string[][]): string[] {
  const head = columns.map(
    ([name, kind]) => `<th${kind === 'num' ? ' class="num"' : ''}>${escapeXml(name)}</th>`,
  );
  const body = rows.map(
    (cells) =>
      `<tr>${cells.map((cell, i) => `<td${columns[i]![1] ? ` class="${columns[i]![1]}"` : ''}>${cell}</td>`).join('')}</tr>`,
  );
  return [
    `<h2>${escapeXml(title)}</h2>`,
    `<table><thead><tr>${head.join('')}</tr></thead><tbody>`,
    ...body,
    '</tbody></table>',
  ];
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
      ...section(
        'Genome anomaly scan',
        [
          ['Sample'],
          ['Method'],
          ['Genome', 'num'],
          ['Segments', 'num'],
          ['Anomalous', 'num'],
          ['Strongest segment', 'region'],
          ['Why'],
          ['Mean z', 'num'],
          ['Report'],
        ],
        scanned.map(({ sample, scan }) => {
          const top = scan!.top[0];
          return [
            escapeXml(sample),
            escapeXml(scan!.method),
            shortLength(scan!.genomeBases),
            count(scan!.segments),
            shortLength(scan!.anomalousBases),
            top ? escapeXml(top.region) : '',
            top ? escapeXml(top.reason) : '',
            top ? top.meanZ.toFixed(1) : '',
            [
              link(`${scan!.folder}/report.html`, 'report'),
              link(`${scan!.folder}/anomalies.bed`, 'BED'),
              link(`${scan!.folder}/scores.bedgraph`, 'bedGraph'),
            ].join(' · '),
          ];
        }),
      ),
    );
  }
  if (variantsSamples.length > 0) {
    html.push(
      ...section(
        'Variants',
        [
          ['Sample'],
          ['Records', 'num'],
          ['PASS', 'num'],
          ['SNVs', 'num'],
          ['Indels', 'num'],
          ['Filtered'],
          ['VCF'],
        ],
        variantsSamples.map(({ sample, variants: v }) => {
          const filtered = Object.entries(v!.filtered)
            .sort((a, b) => b[1] - a[1])
            .map(([name, n]) => `${name} ${count(n)}`)
            .join(', ');
          return [
            escapeXml(sample),
            count(v!.records),
            count(v!.passing),
            count(v!.snvs),
            count(v!.indels),
            escapeXml(filtered || 'none'),
            link(v!.vcf, 'VCF'),
          ];
        }),
      ),
    );
  }
  if (motifs.length > 0) {
    html.push(
      ...section(
        'Motifs',
        [
          ['Sample'],
          ['Motifs', 'num'],
          ['Top motif', 'region'],
          ['E-value', 'num'],
          ['Best JASPAR match'],
          ['Similarity', 'num'],
          ['Report'],
        ],
        motifs.map(({ sample, motifs: m }) => {
          const top = m!.top[0];
          return [
            escapeXml(sample),
            count(m!.motifs),
            top ? escapeXml(top.consensus) : '',
            top ? top.evalue.toPrecision(3) : '',
            top?.match ? escapeXml(`${top.match.id} ${top.match.name}`) : '',
            top?.match ? top.match.similarity.toFixed(2) : '',
            [link(`${m!.folder}/report.html`, 'report'), link(`${m!.folder}/motifs.meme`, 'MEME')].join(
              ' · ',
            ),
          ];
        }),
      ),
    );
  }
  html.push(
    `<footer>Written by <code>${escapeXml(options.command)}</code>; the same rows are in the TSV beside this page.</footer>`,
    '</main>',
    '</body>',
    '</html>',
  );
  return html.join('\n') + '\n';
}

/**
 * report.html of a scan: one self-contained page (inline CSS and SVG, no script, no network; a
 * Content-Security-Policy forbids any fetch) that a user opens from the output folder. It shows the
 * run at a glance, the score plot(s) from plot.ts, the segments as 1-based region strings to paste
 * into IGV or `samtools faidx`, how to read the score and the reasons, and every setting and timing
 * needed to judge or redo the run. Every string from the data is HTML-escaped.
 */
import { basename } from 'node:path';
import { formatRegion } from '../../src/io/region.js';
import { count, duration, fixed, kvTable, memory, pageHead, shortLength, value } from '../report/page.js';
import {
  REASON_COLOURS,
  REASON_LABELS,
  escapeXml,
  genomeMeanGc,
  planScanPlots,
  scanPlotSvg,
  segmentAnchor,
  sortSegments,
} from './plot.js';
import type { AnomalyReason, ScanMethod, ScanResult } from './types.js';

export interface ScanReportOptions {
  /** Page title (default "Locus scan: <genome file name>"). */
  title?: string;
}

/** What each reason means, for the legend (mirrors the doc comment of AnomalyReason). */
const REASON_TEXT: Readonly<Record<AnomalyReason, string>> = {
  foreign_composition:
    "the genome's own model explains the region worse than a model of the region itself does, while " +
    "its GC is within the genome's usual range: a composition unlike the rest of the genome, as in " +
    'horizontally transferred islands, prophages and plasmid-borne genes.',
  gc:
    "as above, and its GC content alone is far from the genome's (|GC z| ≥ 3): the classic signature " +
    'of recently acquired DNA (often AT-rich in GC-rich genomes, or the reverse).',
  surprisal:
    "surprising under the genome's model and under a model of the region itself alike, e.g. low " +
    'complexity broken by mutation, or repeats; rare.',
};

/** Where the raw per-window score comes from, per method. */
const METHOD_TEXT: Readonly<Record<ScanMethod, string>> = {
  reformer:
    "the bits per base a Reformer trained on this genome saves by reading the region's own kilobases of context, over a genome-wide Markov chain that has not seen the region",
  markov:
    'the bits per base a genome-wide Markov chain (counted without the region) loses against a chain fitted to the region itself',
  gc: "each window's GC content, against the genome's",
};

function swatch(reason: AnomalyReason): string {
  const colour = REASON_COLOURS[reason] ?? '#999';
  return `<span class="swatch" style="background:${colour}"></span>`;
}

/** The report page as one HTML string. */
export function scanReportHtml(result: ScanResult, options: ScanReportOptions = {}): string {
  const genomeName = basename(result.genome);
  const title = options.title ?? `Locus scan: ${genomeName}`;
  const totalLength = result.contigs.reduce((s, c) => s + c.length, 0);
  // Bases the tracks cover: the whole genome, or the region given with --region.
  const scannedLength = result.tracks.reduce((s, t) => s + t.length, 0) || totalLength;
  const segments = sortSegments(result.segments, result.contigs);
  const anomalousBases = segments.reduce((s, g) => s + (g.end - g.start), 0);
  const meanGc = genomeMeanGc(result.tracks);
  const { settings, threshold } = result;
  const html: string[] = [];

  html.push(...pageHead(title));

  // Header and the run at a glance.
  html.push(
    '<header>',
    `<h1>${escapeXml(title)}</h1>`,
    `<div class="path">${escapeXml(result.genome)}</div>`,
    '<dl class="summary">',
  );
  const tiles: [string, string][] = [
    ['Method', settings.method],
    ['Total length', shortLength(totalLength)],
    ['Contigs', count(result.contigs.length)],
    ['Segments', count(segments.length)],
    ['In segments', `${scannedLength > 0 ? ((100 * anomalousBases) / scannedLength).toFixed(1) : '0.0'}%`],
    ['Mean GC', Number.isFinite(meanGc) ? `${(meanGc * 100).toFixed(1)}%` : 'n/a'],
    ['Total time', duration(result.seconds)],
    ['Peak memory', memory(result.peakRssMb)],
  ];
  for (const [k, v] of tiles) html.push(`<div><dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd></div>`);
  html.push('</dl>');
  html.push(
    `<p class="muted">${count(totalLength)} bp in ${count(result.contigs.length)} contig${result.contigs.length === 1 ? '' : 's'}` +
      `${settings.region ? `, of which ${count(scannedLength)} bp were scanned (${escapeXml(settings.region)})` : ''}; ` +
      `${count(anomalousBases)} bp in ${count(segments.length)} anomalous segment${segments.length === 1 ? '' : 's'}.</p>`,
  );
  html.push('</header>');

  // Plots.
  html.push('<section id="plot">', '<h2>Anomaly score along the genome</h2>');
  if (result.tracks.length === 0) {
    html.push('<p class="muted">No contig was scored, so there is nothing to plot.</p>');
  } else {
    const groups = planScanPlots(result);
    groups.forEach((tracks, i) => {
      html.push(
        '<figure>',
        scanPlotSvg(result, { tracks, legend: i === 0, linkSegments: true }),
        '</figure>',
      );
    });
    html.push(
      '<p class="muted" style="font-size:13px">Top: the anomaly z-score of the bins, drawn as the mean of each ' +
        'pixel column with a shaded band from its lowest to its highest bin, so a one-bin peak stays visible; ' +
        'the dashed line is the threshold. Shaded bands are the ' +
        'called segments, coloured by reason (hover for details, click to jump to the table row). Bottom: GC of ' +
        "each bin's window against the genome's mean GC. Gaps are bins with too few A/C/G/T bases to score (N runs)." +
        (groups.length === 1 && groups[0]!.length > 1
          ? ' Contigs are drawn end to end in FASTA order, with thin lines between them; only the longest are named.'
          : '') +
        '</p>',
    );
  }
  html.push('</section>');

  // Segments.
  html.push(
    '<section id="segments">',
    `<h2>Segments (${count(segments.length)})</h2>`,
    '<p class="muted">Sorted by position. Regions are 1-based and inclusive, as samtools and IGV write them: ' +
      `paste one into IGV's locus box or run <code>samtools faidx ${escapeXml(genomeName)} REGION</code>. ` +
      '(The BED files beside this report are 0-based, half-open, as BED always is.)</p>',
  );
  if (segments.length === 0) {
    html.push(
      "<p><strong>No segment was called.</strong> No stretch of the track stood out from the genome's bulk by the " +
        'threshold below.</p>',
    );
  } else {
    html.push(
      '<div class="scroll"><table><thead><tr>',
      '<th class="num">#</th><th>Region</th><th class="num">Length (bp)</th><th class="num">GC %</th>' +
        '<th class="num">Mean z</th><th class="num">Max z</th><th class="num">BED score</th><th>Reason</th>',
      '</tr></thead><tbody>',
    );
    segments.forEach((s, i) => {
      html.push(
        `<tr id="${segmentAnchor(i + 1)}"><td class="num">${i + 1}</td>` +
          `<td class="region">${escapeXml(formatRegion(s))}</td>` +
          `<td class="num">${count(s.end - s.start)}</td>` +
          `<td class="num">${fixed(s.gc * 100, 1)}</td>` +
          `<td class="num">${fixed(s.meanScore, 2)}</td>` +
          `<td class="num">${fixed(s.maxScore, 2)}</td>` +
          `<td class="num">${escapeXml(String(s.bedScore))}</td>` +
          `<td>${swatch(s.reason)}${escapeXml(REASON_LABELS[s.reason] ?? s.reason)}</td></tr>`,
      );
    });
    html.push('</tbody></table></div>');
  }
  html.push('</section>');

  // How to read it.
  html.push(
    '<section id="legend">',
    '<h2>How to read the score and the reasons</h2>',
    `<p>Each bin's score is a <strong>z-score against this genome's bulk</strong>: the raw score comes from ` +
      `${escapeXml(METHOD_TEXT[settings.method] ?? settings.method)}, computed on the ` +
      `${count(settings.windowSize)}-base window centred on the bin, then centred on the median bin and scaled ` +
      'by a robust standard deviation. So 0 is a typical stretch of this genome, positive is more anomalous, and ' +
      '3 means about three standard deviations out. Scores compare regions of one genome with each other, not ' +
      'across genomes.</p>',
    `<p>Bins above the threshold (z = ${escapeXml(fixed(threshold.value, 2))}) can start a segment; how the ` +
      'segments were cut is given under Settings. Each segment carries one reason:</p>',
    '<ul class="reasons">',
  );
  for (const reason of Object.keys(REASON_TEXT) as AnomalyReason[]) {
    html.push(
      `<li>${swatch(reason)}<strong>${escapeXml(REASON_LABELS[reason])}</strong> ` +
        `(<code>${reason}</code> in the BED name column): ${escapeXml(REASON_TEXT[reason])}</li>`,
    );
  }
  html.push('</ul>', '</section>');

  // Settings, threshold, model, timings.
  html.push('<section id="settings">', '<h2>Settings and threshold</h2>', '<div class="cols">', '<div>');
  const settingRows: [string, string][] = [
    ['method', settings.method],
    ['window', `${count(settings.windowSize)} bp`],
    ['bin', `${count(settings.binSize)} bp`],
    ['seed', String(settings.seed)],
    ['workers', String(settings.workers)],
  ];
  if (settings.region) settingRows.push(['region', settings.region]);
  for (const [k, v] of Object.entries(settings.details)) {
    settingRows.push([k, typeof v === 'number' ? value(v) : String(v)]);
  }
  html.push('<h3>Run</h3>', kvTable(settingRows));
  html.push('<h3>Model</h3>');
  if (result.model) {
    const rows: [string, string][] = [
      ['source', result.model.source ?? 'trained from scratch on this genome'],
      ['trained steps', count(result.model.trainedSteps)],
    ];
    if (result.model.bitsPerBase !== undefined)
      rows.push(['bits per base', fixed(result.model.bitsPerBase, 3)]);
    html.push(kvTable(rows));
  } else {
    html.push(`<p class="muted">No neural model: the ${escapeXml(settings.method)} method needs none.</p>`);
  }
  html.push('</div>', '<div>');
  html.push(
    '<h3>Threshold</h3>',
    kvTable([['threshold (z)', fixed(threshold.value, 3)]]),
    `<p>${escapeXml(threshold.method)}</p>`,
  );
  const parameters = Object.entries(threshold.parameters);
  if (parameters.length > 0) html.push(kvTable(parameters.map(([k, v]) => [k, value(v)])));
  const phaseTotal = result.phases.reduce((s, p) => s + p.seconds, 0);
  html.push(
    '<h3>Timings</h3>',
    '<table><thead><tr><th>Phase</th><th class="num">Time</th><th class="num">Share</th></tr></thead><tbody>',
  );
  for (const p of result.phases) {
    const share = phaseTotal > 0 ? `${((100 * p.seconds) / phaseTotal).toFixed(0)}%` : '';
    html.push(
      `<tr><td>${escapeXml(p.name)}</td><td class="num">${duration(p.seconds)}</td><td class="num">${share}</td></tr>`,
    );
  }
  html.push(
    `<tr><th>total</th><th class="num">${duration(result.seconds)}</th><th class="num"></th></tr>`,
    '</tbody></table>',
    `<p class="muted">Peak memory (RSS): ${escapeXml(memory(result.peakRssMb))}.</p>`,
  );
  html.push('</div>', '</div>', '</section>');

  // Contigs, folded: a draft assembly has hundreds.
  if (result.contigs.length > 1) {
    const perContig = new Map<string, number>();
    for (const s of segments) perContig.set(s.contig, (perContig.get(s.contig) ?? 0) + 1);
    // Bins scored per contig, over all its tracks (a regions file may scan several stretches of one).
    const bins = new Map<string, { ok: number; all: number }>();
    for (const t of result.tracks) {
      const tally = bins.get(t.contig) ?? { ok: 0, all: 0 };
      for (let i = 0; i < t.scores.length; i++) if (Number.isFinite(t.scores[i]!)) tally.ok++;
      tally.all += t.scores.length;
      bins.set(t.contig, tally);
    }
    const scored = new Map([...bins].map(([contig, b]) => [contig, b.all > 0 ? b.ok / b.all : 0]));
    html.push(
      '<section id="contigs">',
      `<details><summary>Contigs (${count(result.contigs.length)})</summary>`,
      '<div class="scroll"><table><thead><tr><th>Contig</th><th class="num">Length (bp)</th>' +
        '<th class="num">Bins scored</th><th class="num">Segments</th></tr></thead><tbody>',
    );
    for (const c of result.contigs) {
      const fraction = scored.get(c.name);
      html.push(
        `<tr><td class="region">${escapeXml(c.name)}</td><td class="num">${count(c.length)}</td>` +
          `<td class="num">${fraction === undefined ? 'not scanned' : `${(fraction * 100).toFixed(0)}%`}</td>` +
          `<td class="num">${count(perContig.get(c.name) ?? 0)}</td></tr>`,
      );
    }
    html.push('</tbody></table></div></details>', '</section>');
  }

  html.push(
    '<footer>Written by <code>locus scan</code>. This file is self-contained: it loads nothing from the network.</footer>',
    '</main>',
    '</body>',
    '</html>',
    '',
  );
  return html.join('\n');
}

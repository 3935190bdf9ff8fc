/**
 * The genome-wide picture of a scan as one SVG string: the anomaly z-score track with the threshold
 * and the called segments above, the GC fraction with the genome's mean GC beneath, on one shared
 * position axis. report.html draws it and the desktop UI reuses it, so both show the same picture.
 *
 * Long tracks are decimated to one point per pixel column before drawing: the score is drawn as the
 * mean of each column's bins with a shaded band from its lowest to its highest bin (so a one-bin peak
 * survives at full height); the GC as the mean. NaN bins (too few
 * A/C/G/T bases to score) are gaps in both lines. Many contigs are drawn end to end on one axis with
 * thin separators; only the longest few that have room are labelled.
 *
 * The SVG has a viewBox and no fixed size, so it scales to its container; text is in SVG units.
 */
import { escapeXml } from '../report/page.js';
import { formatRegion } from '../../src/io/region.js';
import type { AnomalyReason, AnomalySegment, ContigTrack, ScanResult } from './types.js';

/** What a plot needs from a scan; a whole ScanResult fits. */
export type ScanPlotData = Pick<ScanResult, 'contigs' | 'tracks' | 'segments' | 'threshold'>;

export interface ScanPlotOptions {
  /**
   * Tracks to draw (indexes into `data.tracks`), end to end in this order (default: all). Indexes, not
   * contig names: a scan of a regions file may hold several stretches of one contig.
   */
  tracks?: readonly number[];
  /** Width of the viewBox in SVG units (default 1000). */
  width?: number;
  /** Draw the legend row at the top (default true). */
  legend?: boolean;
  /** Most contig names written above a multi-contig axis (default 8, longest first). */
  maxLabels?: number;
  /**
   * Link each segment band to `#${segmentAnchor(i)}`, where i is its 1-based index in
   * `sortSegments` order (report.html's table rows carry those ids).
   */
  linkSegments?: boolean;
}

/** Colours of the segment bands, one per reason (Okabe-Ito palette, safe for colour-blind readers). */
export const REASON_COLOURS: Readonly<Record<AnomalyReason, string>> = {
  foreign_composition: '#e69f00',
  gc: '#cc79a7',
  surprisal: '#009e73',
};

/** Short labels of the reasons, as the legend shows them. */
export const REASON_LABELS: Readonly<Record<AnomalyReason, string>> = {
  foreign_composition: 'foreign composition',
  gc: 'GC outlier',
  surprisal: 'surprisal',
};

const SCORE_COLOUR = '#0b5394';
const THRESHOLD_COLOUR = '#d55e00';
const GC_COLOUR = '#3d3d3d';
const MEAN_GC_COLOUR = '#8c8c8c';
const AXIS_COLOUR = '#767676';
const GRID_COLOUR = '#e6e6e6';
const TEXT_COLOUR = '#333333';

/** Re-exported: the scan's modules and tests take it from here. */
export { escapeXml };

/** Segments in genome order: contigs as listed in `contigs`, then start, then end. */
export function sortSegments(
  segments: readonly AnomalySegment[],
  contigs: readonly { name: string }[],
): AnomalySegment[] {
  const order = new Map(contigs.map((c, i) => [c.name, i]));
  const rank = (name: string) => order.get(name) ?? contigs.length;
  return [...segments].sort(
    (a, b) =>
      rank(a.contig) - rank(b.contig) ||
      (a.contig < b.contig ? -1 : a.contig > b.contig ? 1 : 0) ||
      a.start - b.start ||
      a.end - b.end,
  );
}

/** The id of the n-th segment's (1-based) table row in report.html. */
export function segmentAnchor(n: number): string {
  return `segment-${n}`;
}

/**
 * How to split a scan into plots, as lists of track indexes: one plot per track when there are at
 * most `maxSeparate` (a finished genome and its plasmids, or a few regions), else one plot with all
 * of them end to end (a draft assembly).
 */
export function planScanPlots(data: ScanPlotData, maxSeparate = 8): number[][] {
  const indexes = data.tracks.map((_, i) => i);
  if (indexes.length <= maxSeparate) return indexes.map((i) => [i]);
  return [indexes];
}

/**
 * Mean GC over every scored bin of every track, weighted by bin length: the reference line of the
 * GC panel. NaN when nothing was scored.
 */
export function genomeMeanGc(tracks: readonly ContigTrack[]): number {
  let sum = 0;
  let weight = 0;
  for (const t of tracks) {
    for (let i = 0; i < t.gc.length; i++) {
      const g = t.gc[i]!;
      if (!Number.isFinite(g)) continue;
      const w = Math.min(t.binSize, t.length - i * t.binSize);
      if (w <= 0) continue;
      sum += g * w;
      weight += w;
    }
  }
  return weight > 0 ? sum / weight : NaN;
}

/** Ticks at 1, 2 or 5 times a power of ten covering [min, max], about `count` of them. */
export function niceTicks(min: number, max: number, count: number): { ticks: number[]; step: number } {
  if (!(max > min)) return { ticks: [min], step: 1 };
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step - 1e-9) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return { ticks, step };
}

/** The unit of a position axis spanning `span` bases: bp, kb or Mb. */
export function positionUnit(span: number): { name: string; bases: number } {
  if (span >= 2e6) return { name: 'Mb', bases: 1e6 };
  if (span >= 2e3) return { name: 'kb', bases: 1e3 };
  return { name: 'bp', bases: 1 };
}

/** A tick value in `unit`, with as many decimals as the step needs ("0", "0.5", "1.25"). */
function tickLabel(value: number, step: number, unit: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / unit) + 1e-9)));
  return (value / unit).toFixed(decimals);
}

/** SVG number: at most one decimal, no trailing ".0". */
function n(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

interface Column {
  /** Centre and edges of the column in SVG x. */
  x: number;
  left: number;
  right: number;
  /** Mean, lowest and highest of the finite bins in the column; NaN when none. */
  mean: number;
  min: number;
  max: number;
}

/**
 * One column per pixel of a contig drawn from `x0` with `scale` px per base, over the bins whose
 * centre falls in it, or one per bin when bins are wider than a pixel.
 */
function decimate(values: Float64Array, track: ContigTrack, x0: number, scale: number): Column[] {
  const { binSize, length } = track;
  const bins = Math.min(values.length, Math.ceil(length / binSize));
  const widthPx = length * scale;
  const centre = (i: number) => (i * binSize + Math.min((i + 1) * binSize, length)) / 2;
  const columns: Column[] = [];
  if (bins <= widthPx) {
    for (let i = 0; i < bins; i++) {
      const v = values[i]!;
      columns.push({
        x: x0 + centre(i) * scale,
        left: x0 + i * binSize * scale,
        right: x0 + Math.min((i + 1) * binSize, length) * scale,
        mean: v,
        min: v,
        max: v,
      });
    }
    return columns;
  }
  const count = Math.max(1, Math.ceil(widthPx));
  const sum = new Float64Array(count);
  const lo = new Float64Array(count).fill(Infinity);
  const hi = new Float64Array(count).fill(-Infinity);
  const seen = new Uint32Array(count);
  for (let i = 0; i < bins; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    const c = Math.min(count - 1, Math.floor(centre(i) * scale));
    sum[c]! += v;
    if (v < lo[c]!) lo[c] = v;
    if (v > hi[c]!) hi[c] = v;
    seen[c]!++;
  }
  for (let c = 0; c < count; c++) {
    const empty = seen[c] === 0;
    columns.push({
      x: x0 + Math.min(c + 0.5, widthPx),
      left: x0 + c,
      right: x0 + Math.min(c + 1, widthPx),
      mean: empty ? NaN : sum[c]! / seen[c]!,
      min: empty ? NaN : lo[c]!,
      max: empty ? NaN : hi[c]!,
    });
  }
  return columns;
}

/** Runs of consecutive scored columns: each becomes one sub-path, so NaN bins are gaps. */
function runs(columns: readonly Column[]): Column[][] {
  const out: Column[][] = [];
  let run: Column[] = [];
  for (const c of columns) {
    if (Number.isFinite(c.mean)) run.push(c);
    else if (run.length > 0) {
      out.push(run);
      run = [];
    }
  }
  if (run.length > 0) out.push(run);
  return out;
}

/** A polyline through the runs' means; a lone point becomes a short tick so it stays visible. */
function linePath(parts: readonly Column[][], y: (v: number) => number): string {
  let d = '';
  for (const part of parts) {
    const first = part[0]!;
    if (part.length === 1) {
      d += `M${n(first.left)} ${n(y(first.mean))}H${n(Math.max(first.right, first.left + 1))}`;
      continue;
    }
    d += `M${n(first.x)} ${n(y(first.mean))}`;
    for (let i = 1; i < part.length; i++) d += `L${n(part[i]!.x)} ${n(y(part[i]!.mean))}`;
  }
  return d;
}

/** The band between each run's lowest and highest values, out to the run's outer column edges. */
function envelopePath(parts: readonly Column[][], y: (v: number) => number): string {
  let d = '';
  for (const part of parts) {
    const first = part[0]!;
    const last = part[part.length - 1]!;
    const right = Math.max(last.right, first.left + 1);
    d += `M${n(first.left)} ${n(y(first.max))}`;
    for (const c of part) d += `L${n(c.x)} ${n(y(c.max))}`;
    d += `L${n(right)} ${n(y(last.max))}L${n(right)} ${n(y(last.min))}`;
    for (let i = part.length - 1; i >= 0; i--) d += `L${n(part[i]!.x)} ${n(y(part[i]!.min))}`;
    d += `L${n(first.left)} ${n(y(first.min))}Z`;
  }
  return d;
}

/** Finite min and max over the tracks' arrays; undefined when nothing is finite. */
function extent(arrays: readonly Float64Array[]): [number, number] | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** z-score axis range shared by every plot of a scan: from about -4 to above the highest peak. */
function scoreDomain(data: ScanPlotData): [number, number] {
  const range = extent(data.tracks.map((t) => t.scores)) ?? [-1, 1];
  const threshold = Number.isFinite(data.threshold.value) ? data.threshold.value : 0;
  // Scores far below the bulk say nothing about anomalies: clip them at -4 instead of spending height.
  const lo = Math.max(-4, Math.min(-1, Math.floor(range[0])));
  const hi = Math.max(range[1], threshold + 1, 2);
  const { step } = niceTicks(lo, hi, 4);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** GC axis range shared by every plot of a scan, in fractions, padded to whole percent steps. */
function gcDomain(data: ScanPlotData): [number, number] {
  const range = extent(data.tracks.map((t) => t.gc)) ?? [0.3, 0.7];
  const { step } = niceTicks(range[0], Math.max(range[1], range[0] + 0.02), 3);
  const lo = Math.max(0, Math.floor(range[0] / step) * step);
  const hi = Math.min(1, Math.ceil(range[1] / step) * step);
  return hi > lo ? [lo, hi] : [Math.max(0, lo - 0.05), Math.min(1, hi + 0.05)];
}

function fmt(v: number, digits = 2): string {
  return Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
}

/** A name cut to at most `max` characters with an ellipsis. */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/** Approximate width of sans-serif text at `size` units, for fitting labels. */
function textWidth(text: string, size: number): number {
  return text.length * size * 0.56;
}

/**
 * The scan plot of `options.contigs` (default all tracks) as a standalone SVG string: legend,
 * z-score panel (threshold, segments, contig separators), GC panel (genome mean), position axis.
 * Scales are shared across every contig of `data`, so separate plots of one scan compare directly.
 */
export function scanPlotSvg(data: ScanPlotData, options: ScanPlotOptions = {}): string {
  const width = options.width ?? 1000;
  const legend = options.legend ?? true;
  const maxLabels = options.maxLabels ?? 8;
  const tracks = (options.tracks ?? data.tracks.map((_, i) => i))
    .map((i) => data.tracks[i])
    .filter((t): t is ContigTrack => t !== undefined);
  const single = tracks.length === 1;

  // Layout, top to bottom: legend, contig labels, score panel, gap, GC panel, axis.
  const left = 58;
  const right = 14;
  const plotWidth = width - left - right;
  const legendTop = 4;
  const labelsTop = legend ? 30 : 4;
  const scoreTop = labelsTop + 18;
  const scoreHeight = 170;
  const gcTop = scoreTop + scoreHeight + 12;
  const gcHeight = 72;
  const axisTop = gcTop + gcHeight;
  const height = axisTop + 40;

  const total = tracks.reduce((s, t) => s + t.length, 0);
  const scale = total > 0 ? plotWidth / total : 0;
  const offsets: number[] = [];
  let acc = 0;
  for (const t of tracks) {
    offsets.push(acc);
    acc += t.length;
  }
  const px = (base: number) => left + base * scale;

  const [zLo, zHi] = scoreDomain(data);
  const yScore = (v: number) =>
    scoreTop + scoreHeight - ((Math.max(zLo, v) - zLo) / (zHi - zLo)) * scoreHeight;
  const [gLo, gHi] = gcDomain(data);
  const yGc = (v: number) =>
    gcTop + gcHeight - ((Math.min(gHi, Math.max(gLo, v)) - gLo) / (gHi - gLo)) * gcHeight;

  const out: string[] = [];
  const title = single
    ? `Anomaly score and GC along ${tracks[0]!.contig}`
    : `Anomaly score and GC along ${tracks.length} contigs, end to end`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="scan-plot" viewBox="0 0 ${width} ${height}" ` +
      `role="img" aria-label="${escapeXml(title)}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" font-size="11" fill="${TEXT_COLOUR}">`,
  );
  out.push(`<title>${escapeXml(title)}</title>`);

  // Legend.
  if (legend) {
    const items: string[] = [];
    let x = left;
    const y = legendTop + 12;
    const add = (swatch: string, label: string) => {
      items.push(
        `<g transform="translate(${n(x)} 0)">${swatch}<text x="22" y="${y + 4}">${escapeXml(label)}</text></g>`,
      );
      x += 22 + textWidth(label, 11) + 16;
    };
    add(
      `<rect x="0" y="${y - 5}" width="16" height="10" fill="${SCORE_COLOUR}" fill-opacity="0.3"/>` +
        `<path d="M0 ${y}h16" stroke="${SCORE_COLOUR}" stroke-width="1.5"/>`,
      'z-score: mean and range per pixel',
    );
    if (Number.isFinite(data.threshold.value)) {
      add(
        `<path d="M0 ${y}h16" stroke="${THRESHOLD_COLOUR}" stroke-width="1.5" stroke-dasharray="4 3"/>`,
        `threshold z = ${fmt(data.threshold.value)}`,
      );
    }
    for (const reason of Object.keys(REASON_COLOURS) as AnomalyReason[]) {
      add(
        `<rect x="0" y="${y - 6}" width="16" height="12" fill="${REASON_COLOURS[reason]}" fill-opacity="0.45"/>`,
        REASON_LABELS[reason],
      );
    }
    add(`<path d="M0 ${y}h16" stroke="${GC_COLOUR}" stroke-width="1.2"/>`, 'GC');
    add(
      `<path d="M0 ${y}h16" stroke="${MEAN_GC_COLOUR}" stroke-width="1.2" stroke-dasharray="2 2"/>`,
      'genome mean GC',
    );
    out.push(`<g class="legend">${items.join('')}</g>`);
  }

  // Every other contig shaded, so contigs too narrow for a separator still read as separate.
  if (!single) {
    let shade = '';
    tracks.forEach((t, i) => {
      if (i % 2 === 1)
        shade += `M${n(px(offsets[i]!))} ${scoreTop}h${n(Math.max(0.5, t.length * scale))}V${axisTop}H${n(px(offsets[i]!))}Z`;
    });
    if (shade) out.push(`<path class="contig-shading" d="${shade}" fill="#000" fill-opacity="0.045"/>`);
  }

  // Grid and y axes.
  out.push(`<g class="grid" stroke="${GRID_COLOUR}" stroke-width="1">`);
  const zTicks = niceTicks(zLo, zHi, 4).ticks;
  for (const t of zTicks)
    out.push(`<path d="M${left} ${n(yScore(t))}h${plotWidth}"${t === 0 ? ` stroke="#c8c8c8"` : ''}/>`);
  const gTicks = niceTicks(gLo, gHi, 2).ticks;
  for (const t of gTicks) out.push(`<path d="M${left} ${n(yGc(t))}h${plotWidth}"/>`);
  out.push('</g>');
  out.push(`<g class="y-axis" font-size="10" text-anchor="end" fill="#555">`);
  for (const t of zTicks) out.push(`<text x="${left - 6}" y="${n(yScore(t) + 3.5)}">${n(t)}</text>`);
  for (const t of gTicks) out.push(`<text x="${left - 6}" y="${n(yGc(t) + 3.5)}">${n(t * 100)}%</text>`);
  out.push('</g>');
  const zMid = scoreTop + scoreHeight / 2;
  const gMid = gcTop + gcHeight / 2;
  out.push(
    `<text transform="translate(14 ${n(zMid)}) rotate(-90)" text-anchor="middle" font-size="11">z-score</text>` +
      `<text transform="translate(14 ${n(gMid)}) rotate(-90)" text-anchor="middle" font-size="11">GC</text>`,
  );

  // Segment bands across both panels, under the lines.
  const segments = sortSegments(data.segments, data.contigs);
  // The track holding a segment: its contig's, or with a regions file the stretch of it that holds it.
  const placeOf = (s: AnomalySegment) => {
    const i = tracks.findIndex(
      (t) => t.contig === s.contig && s.start < t.start + t.length && s.end > t.start,
    );
    return i < 0 ? undefined : { track: tracks[i]!, offset: offsets[i]! };
  };
  out.push(`<g class="segments" fill-opacity="0.38">`);
  segments.forEach((s, i) => {
    const place = placeOf(s);
    if (place === undefined) return;
    // Segments are in contig coordinates; a track may cover only a region of its contig.
    const from = Math.max(0, s.start - place.track.start);
    const to = Math.min(place.track.length, s.end - place.track.start);
    if (to <= from) return;
    const x0 = px(place.offset + from);
    const w = Math.max(1.5, (to - from) * scale);
    const x = Math.min(x0, left + plotWidth - w);
    const tip =
      `${formatRegion(s)} (${(s.end - s.start).toLocaleString('en-US')} bp)\n` +
      `${REASON_LABELS[s.reason] ?? s.reason}; mean z ${fmt(s.meanScore)}, max z ${fmt(s.maxScore)}; GC ${fmt(s.gc * 100, 1)}%`;
    const band =
      `<rect class="segment" x="${n(x)}" y="${scoreTop}" width="${n(w)}" height="${axisTop - scoreTop}" fill="${REASON_COLOURS[s.reason] ?? '#999'}">` +
      `<title>${escapeXml(tip)}</title></rect>`;
    out.push(options.linkSegments ? `<a href="#${segmentAnchor(i + 1)}">${band}</a>` : band);
  });
  out.push('</g>');

  // Score and GC lines, contig by contig, so a line never joins two contigs.
  let scoreLine = '';
  let scoreRange = '';
  let gcLine = '';
  tracks.forEach((t, i) => {
    const x0 = px(offsets[i]!);
    const score = runs(decimate(t.scores, t, x0, scale));
    scoreLine += linePath(score, yScore);
    scoreRange += envelopePath(score, yScore);
    gcLine += linePath(runs(decimate(t.gc, t, x0, scale)), yGc);
  });
  if (scoreRange) {
    out.push(`<path class="score-range" d="${scoreRange}" fill="${SCORE_COLOUR}" fill-opacity="0.3"/>`);
  }
  if (scoreLine) {
    out.push(
      `<path class="score" d="${scoreLine}" fill="none" stroke="${SCORE_COLOUR}" stroke-width="1.1" stroke-linejoin="round"/>`,
    );
  }
  if (gcLine) {
    out.push(
      `<path class="gc" d="${gcLine}" fill="none" stroke="${GC_COLOUR}" stroke-width="0.9" stroke-linejoin="round"/>`,
    );
  }
  const meanGc = genomeMeanGc(data.tracks);
  if (Number.isFinite(meanGc)) {
    out.push(
      `<path class="mean-gc" d="M${left} ${n(yGc(meanGc))}h${plotWidth}" stroke="${MEAN_GC_COLOUR}" stroke-width="1" stroke-dasharray="2 2">` +
        `<title>genome mean GC ${fmt(meanGc * 100, 1)}%</title></path>`,
    );
  }
  if (Number.isFinite(data.threshold.value) && data.threshold.value <= zHi) {
    out.push(
      `<path class="threshold" d="M${left} ${n(yScore(data.threshold.value))}h${plotWidth}" stroke="${THRESHOLD_COLOUR}" stroke-width="1.2" stroke-dasharray="5 4">` +
        `<title>threshold z = ${fmt(data.threshold.value)}</title></path>`,
    );
  }

  // Contig separators (where both neighbours are wide enough for a line to help) and labels.
  if (!single) {
    const wide = (i: number) => tracks[i]!.length * scale >= 12;
    const lines: string[] = [];
    for (let i = 1; i < tracks.length; i++) {
      if (wide(i - 1) && wide(i)) lines.push(`<path d="M${n(px(offsets[i]!))} ${scoreTop}V${axisTop}"/>`);
    }
    if (lines.length > 0) {
      out.push(`<g class="contig-separators" stroke="#a6a6a6" stroke-width="0.6">${lines.join('')}</g>`);
    }
  }
  out.push(`<g class="contig-labels" font-size="11" text-anchor="middle">`);
  if (single) {
    const t = tracks[0]!;
    const whole = t.start === 0 && t.length === data.contigs.find((c) => c.name === t.contig)?.length;
    const span = whole
      ? clip(t.contig, 80)
      : `${clip(t.contig, 60)}:${(t.start + 1).toLocaleString('en-US')}-${(t.start + t.length).toLocaleString('en-US')}`;
    const label = `${span} (${t.length.toLocaleString('en-US')} bp)`;
    out.push(
      `<text x="${left}" y="${scoreTop - 5}" text-anchor="start" font-weight="600">${escapeXml(label)}<title>${escapeXml(t.contig)}</title></text>`,
    );
  } else {
    // The longest contigs first, each centred on its contig with a tick down to it, skipping any
    // label that would overlap one already placed.
    const placed: [number, number][] = [];
    const longest = tracks
      .map((t, i) => ({ t, i }))
      .sort((a, b) => b.t.length - a.t.length)
      .slice(0, maxLabels);
    for (const { t, i } of longest) {
      const w = t.length * scale;
      const centre = px(offsets[i]!) + w / 2;
      const label = clip(t.contig, Math.max(24, Math.floor((w - 6) / (11 * 0.56))));
      const half = textWidth(label, 11) / 2 + 4;
      const x = Math.min(left + plotWidth - half, Math.max(left + half, centre));
      if (placed.some(([a, b]) => x - half < b && x + half > a)) continue;
      placed.push([x - half, x + half]);
      const tick =
        w < textWidth(label, 11) ? `<path d="M${n(centre)} ${scoreTop - 3}v3" stroke="#555"/>` : '';
      out.push(
        `${tick}<text x="${n(x)}" y="${scoreTop - 5}">${escapeXml(label)}<title>${escapeXml(`${t.contig} (${t.length.toLocaleString('en-US')} bp)`)}</title></text>`,
      );
    }
  }
  out.push('</g>');

  // Panel frames and the position axis.
  out.push(
    `<g fill="none" stroke="${AXIS_COLOUR}" stroke-width="1">` +
      `<rect x="${left}" y="${scoreTop}" width="${plotWidth}" height="${scoreHeight}"/>` +
      `<rect x="${left}" y="${gcTop}" width="${plotWidth}" height="${gcHeight}"/></g>`,
  );
  // One contig is labelled in its own coordinates (from the region's start with --region); contigs
  // end to end along their summed length.
  const origin = single ? tracks[0]!.start : 0;
  const unit = positionUnit(total);
  const xTicks = niceTicks(origin, origin + total, Math.max(2, Math.floor(plotWidth / 90)));
  out.push(`<g class="x-axis" font-size="10" text-anchor="middle" fill="#555">`);
  let ticks = '';
  for (const t of xTicks.ticks) {
    const x = n(px(t - origin));
    ticks += `M${x} ${axisTop}v4`;
    out.push(`<text x="${x}" y="${axisTop + 15}">${tickLabel(t, xTicks.step, unit.bases)}</text>`);
  }
  out.push(`<path d="${ticks}" stroke="${AXIS_COLOUR}"/>`);
  out.push('</g>');
  const axisTitle = single
    ? `Position on ${clip(tracks[0]!.contig, 60)} (${unit.name})`
    : `Position along the ${tracks.length} contigs laid end to end (${unit.name})`;
  out.push(
    `<text x="${n(left + plotWidth / 2)}" y="${axisTop + 33}" text-anchor="middle" font-size="11">${escapeXml(axisTitle)}</text>`,
  );
  out.push('</svg>');
  return out.join('\n');
}

/**
 * The attention view: under the tracks, arcs from each query position to the positions it attends to
 * (height grows with distance, opacity with weight), lined up with igv.js's data area and redrawn as
 * the view moves. Hovering a position highlights where it attends; clicking an arc end (or a listed
 * link) jumps there; dragging across the arcs picks the window the heatmap shows.
 *
 * Everything is drawn from one AttentionView (contract.ts), computed once per request by the server.
 */
import type { AttentionView } from '../../src/server/contract.js';
import type { ViewLocus } from './genome-browser.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Arcs drawn at most: the strongest ones (a 100 kb view has up to 4,000 queries x 8 keys). */
const MAX_ARCS = 2500;
/** Long-range links listed, and arc ends drawn as clickable dots. */
const MAX_LINKS = 15;
const HEATMAP_BINS = 64;

export interface Arc {
  query: number;
  /** Centres of the query and key intervals (genome coordinates). */
  from: number;
  to: number;
  keyStart: number;
  keyEnd: number;
  weight: number;
}

/** Every (query, key) pair of a view as arcs, strongest first. */
export function arcsOf(view: AttentionView): Arc[] {
  const arcs: Arc[] = [];
  for (let q = 0; q < view.queryStarts.length; q++) {
    const from = (view.queryStarts[q]! + view.queryEnds[q]!) / 2;
    for (let j = q * view.topK; j < (q + 1) * view.topK; j++) {
      const keyStart = view.keyStarts[j]!;
      if (keyStart < 0) continue;
      const keyEnd = view.keyEnds[j]!;
      arcs.push({ query: q, from, to: (keyStart + keyEnd) / 2, keyStart, keyEnd, weight: view.weights[j]! });
    }
  }
  return arcs.sort((a, b) => b.weight - a.weight);
}

/** Links at least `minDistance` long, strongest first. */
export function longRangeLinks(arcs: readonly Arc[], minDistance: number, count: number): Arc[] {
  return arcs.filter((a) => Math.abs(a.to - a.from) >= minDistance).slice(0, count);
}

/** Heatmap of query bins (rows) x key bins (columns) over [start, end): mean weight per query. */
export function heatmapOf(view: AttentionView, start: number, end: number, bins: number): Float32Array {
  const matrix = new Float32Array(bins * bins);
  const queries = new Float32Array(bins);
  const binOf = (x: number) => Math.min(bins - 1, Math.floor(((x - start) / (end - start)) * bins));
  for (let q = 0; q < view.queryStarts.length; q++) {
    const centre = (view.queryStarts[q]! + view.queryEnds[q]!) / 2;
    if (centre < start || centre >= end) continue;
    const row = binOf(centre);
    queries[row]!++;
    for (let j = q * view.topK; j < (q + 1) * view.topK; j++) {
      const key = view.keyStarts[j]!;
      if (key < 0) continue;
      const keyCentre = (key + view.keyEnds[j]!) / 2;
      if (keyCentre < start || keyCentre >= end) continue;
      matrix[row * bins + binOf(keyCentre)]! += view.weights[j]!;
    }
  }
  for (let r = 0; r < bins; r++) {
    if (queries[r]! > 0) for (let c = 0; c < bins; c++) matrix[r * bins + c]! /= queries[r]!;
  }
  return matrix;
}

function formatPosition(contig: string, position: number): string {
  return `${contig}:${Math.round(position + 1).toLocaleString('en-US')}`;
}

function formatLength(bases: number): string {
  return bases >= 1000 ? `${(bases / 1000).toFixed(1)} kb` : `${Math.round(bases)} bp`;
}

export interface AttentionViewHost {
  /** The genome view now and the data area's page position. */
  locus(): ViewLocus | undefined;
  dataArea(): { left: number; width: number } | undefined;
  goTo(locus: ViewLocus): Promise<void>;
}

export class AttentionPanel {
  private view: AttentionView | undefined;
  private arcs: Arc[] = [];
  private window: { start: number; end: number } | undefined;
  private readonly svg: SVGSVGElement;
  private readonly tooltip: HTMLDivElement;

  constructor(
    private readonly host: AttentionViewHost,
    private readonly elements: {
      arcs: HTMLElement;
      heatmap: HTMLCanvasElement;
      heatmapRange: HTMLElement;
      links: HTMLOListElement;
      linksTitle: HTMLElement;
      method: HTMLElement;
    },
  ) {
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('data-testid', 'attention-svg');
    elements.arcs.append(this.svg);
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    this.tooltip.hidden = true;
    elements.arcs.append(this.tooltip);
    this.listen();
  }

  show(view: AttentionView): void {
    this.view = view;
    this.arcs = arcsOf(view);
    this.window = { start: view.start, end: view.end };
    this.elements.method.textContent = `${view.model}: ${view.method} Computed in ${view.seconds.toFixed(1)} s.`;
    this.draw();
  }

  setMessage(text: string): void {
    this.elements.method.textContent = text;
  }

  /** Redraw for the current genome view (call on every igv.js locus change). */
  draw(): void {
    const view = this.view;
    const locus = this.host.locus();
    const area = this.host.dataArea();
    this.svg.replaceChildren();
    if (!view || !locus || !area || locus.contig !== view.contig) return;
    const panel = this.elements.arcs.getBoundingClientRect();
    const height = panel.height;
    this.svg.setAttribute('width', String(area.width));
    this.svg.setAttribute('height', String(height));
    this.svg.style.left = `${area.left - panel.left}px`;
    const scale = area.width / (locus.end - locus.start);
    const x = (position: number) => (position - locus.start) * scale;
    const inView = (a: Arc) =>
      Math.max(a.from, a.to) >= locus.start &&
      Math.min(a.from, a.to) <= locus.end &&
      Math.abs(a.to - a.from) * scale >= 2;
    const shown = this.arcs.filter(inView).slice(0, MAX_ARCS);
    const strongest = shown[0]?.weight ?? 1;
    const group = document.createElementNS(SVG, 'g');
    for (const arc of shown) group.append(this.arcPath(arc, x, height, strongest));
    this.svg.append(group);
    // Clickable ends of the strongest long-range links.
    const minDistance = Math.max(1000, (locus.end - locus.start) * 0.02);
    const links = longRangeLinks(shown, minDistance, MAX_LINKS);
    for (const arc of links) this.svg.append(this.arcEnd(arc, x(arc.to), height));
    // Without any long link in view, say so and list the strongest arcs instead, under their own title.
    this.elements.linksTitle.textContent =
      links.length > 0
        ? `Strongest links of ${formatLength(minDistance)} or more`
        : `No link of ${formatLength(minDistance)} or more in view; the strongest links`;
    this.listLinks(view.contig, links.length > 0 ? links : shown.slice(0, MAX_LINKS));
    this.drawHeatmap();
  }

  private arcPath(arc: Arc, x: (p: number) => number, height: number, strongest: number): SVGPathElement {
    const x1 = x(arc.from);
    const x2 = x(arc.to);
    // Height grows with the arc's span, up to the panel's height.
    const lift = Math.min(height - 8, Math.abs(x2 - x1) / 2 + 6);
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute(
      'd',
      `M${x1.toFixed(1)},${height} Q${((x1 + x2) / 2).toFixed(1)},${(height - 2 * lift).toFixed(1)} ${x2.toFixed(1)},${height}`,
    );
    path.setAttribute('class', 'arc');
    path.setAttribute('stroke-opacity', (0.08 + 0.8 * (arc.weight / strongest)).toFixed(2));
    return path;
  }

  private arcEnd(arc: Arc, cx: number, height: number): SVGCircleElement {
    const dot = document.createElementNS(SVG, 'circle');
    dot.setAttribute('cx', cx.toFixed(1));
    dot.setAttribute('cy', String(height - 4));
    dot.setAttribute('r', '4');
    dot.setAttribute('class', 'arc-end');
    dot.setAttribute('data-testid', 'arc-end');
    dot.setAttribute('data-position', String(Math.round(arc.to)));
    dot.addEventListener('click', (event) => {
      event.stopPropagation();
      this.jumpTo(arc.to);
    });
    return dot;
  }

  /** Centre the view on `position`, keeping its width. */
  private jumpTo(position: number): void {
    const locus = this.host.locus();
    if (!locus) return;
    const half = Math.floor((locus.end - locus.start) / 2);
    const start = Math.max(0, Math.round(position) - half);
    void this.host.goTo({ contig: locus.contig, start, end: start + 2 * half });
  }

  private listLinks(contig: string, links: Arc[]): void {
    this.elements.links.replaceChildren(
      ...links.map((arc) => {
        const item = document.createElement('li');
        item.textContent = `${formatPosition(contig, arc.from)} → ${formatPosition(contig, arc.to)} (${formatLength(Math.abs(arc.to - arc.from))}, weight ${arc.weight.toFixed(3)})`;
        item.title = 'Go to the attended position';
        item.addEventListener('click', () => this.jumpTo(arc.to));
        return item;
      }),
    );
  }

  private drawHeatmap(): void {
    const view = this.view;
    const canvas = this.elements.heatmap;
    const context = canvas.getContext('2d');
    if (!view || !context || !this.window) return;
    const { start, end } = this.window;
    const matrix = heatmapOf(view, start, end, HEATMAP_BINS);
    const max = matrix.reduce((m, v) => Math.max(m, v), 0) || 1;
    const cell = canvas.width / HEATMAP_BINS;
    context.fillStyle = '#fff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (let r = 0; r < HEATMAP_BINS; r++) {
      for (let c = 0; c < HEATMAP_BINS; c++) {
        const v = Math.sqrt(matrix[r * HEATMAP_BINS + c]! / max); // sqrt: weak links stay visible
        if (v === 0) continue;
        context.fillStyle = `rgba(194, 65, 12, ${v.toFixed(3)})`;
        context.fillRect(c * cell, r * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
    this.elements.heatmapRange.textContent = `${formatPosition(view.contig, start)}-${Math.round(end).toLocaleString('en-US')}: queries down, keys across`;
  }

  private positionAt(clientX: number): number | undefined {
    const locus = this.host.locus();
    const area = this.host.dataArea();
    if (!locus || !area) return undefined;
    return locus.start + ((clientX - area.left) / area.width) * (locus.end - locus.start);
  }

  /** The query nearest a genome position. */
  private queryNear(position: number): number | undefined {
    const view = this.view;
    if (!view || view.queryStarts.length === 0) return undefined;
    let best = 0;
    let distance = Infinity;
    for (let q = 0; q < view.queryStarts.length; q++) {
      const d = Math.abs((view.queryStarts[q]! + view.queryEnds[q]!) / 2 - position);
      if (d < distance) [best, distance] = [q, d];
    }
    return best;
  }

  private highlight(query: number | undefined, clientX: number): void {
    this.svg.querySelector('g.hot')?.remove();
    const view = this.view;
    const locus = this.host.locus();
    const area = this.host.dataArea();
    if (query === undefined || !view || !locus || !area) {
      this.tooltip.hidden = true;
      return;
    }
    const height = this.elements.arcs.getBoundingClientRect().height;
    const scale = area.width / (locus.end - locus.start);
    const x = (p: number) => (p - locus.start) * scale;
    const mine = this.arcs.filter((a) => a.query === query);
    const group = document.createElementNS(SVG, 'g');
    group.setAttribute('class', 'hot');
    for (const arc of mine) {
      const path = this.arcPath(arc, x, height, mine[0]?.weight ?? 1);
      path.classList.add('hot');
      group.append(path, this.arcEnd(arc, x(arc.to), height));
    }
    this.svg.append(group);
    const from = mine[0]?.from ?? (view.queryStarts[query]! + view.queryEnds[query]!) / 2;
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${clientX - this.elements.arcs.getBoundingClientRect().left + 12}px`;
    this.tooltip.style.top = '4px';
    this.tooltip.textContent =
      `${formatPosition(view.contig, from)} attends to ` +
      (mine.length === 0
        ? 'nothing shown'
        : mine
            .slice(0, 4)
            .map((a) => `${Math.round(a.to + 1).toLocaleString('en-US')} (${a.weight.toFixed(2)})`)
            .join(', '));
  }

  private listen(): void {
    let dragFrom: number | undefined;
    const brush = document.createElementNS(SVG, 'rect');
    brush.setAttribute('class', 'brush');
    this.svg.addEventListener('mousemove', (event) => {
      if (dragFrom !== undefined && event.buttons === 1) {
        const area = this.host.dataArea();
        if (!area) return;
        const a = dragFrom - area.left;
        const b = event.clientX - area.left;
        brush.setAttribute('x', String(Math.min(a, b)));
        brush.setAttribute('width', String(Math.abs(b - a)));
        brush.setAttribute('y', '0');
        brush.setAttribute('height', '100%');
        if (!brush.isConnected) this.svg.append(brush);
        return;
      }
      const target = event.target as Element;
      if (target.classList.contains('arc-end')) return; // keep the highlight while aiming at a dot
      const position = this.positionAt(event.clientX);
      this.highlight(position === undefined ? undefined : this.queryNear(position), event.clientX);
    });
    this.svg.addEventListener('mouseleave', () => this.highlight(undefined, 0));
    this.svg.addEventListener('mousedown', (event) => {
      if ((event.target as Element).classList.contains('arc-end')) return;
      dragFrom = event.clientX;
    });
    this.svg.addEventListener('mouseup', (event) => {
      const from = dragFrom;
      dragFrom = undefined;
      brush.remove();
      if (from === undefined || Math.abs(event.clientX - from) < 5) return;
      const a = this.positionAt(from);
      const b = this.positionAt(event.clientX);
      if (a === undefined || b === undefined) return;
      this.window = { start: Math.min(a, b), end: Math.max(a, b) };
      this.drawHeatmap();
    });
  }
}

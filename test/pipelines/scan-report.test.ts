import { describe, expect, it } from 'vitest';
import { planScanPlots, scanPlotSvg, sortSegments } from '../../pipelines/scan/plot.js';
import { scanReportHtml } from '../../pipelines/scan/report.js';
import { syntheticScan, twoContigScan } from './scan-fixture.js';

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';

/** Every `d` attribute of the paths with this class, as [x, y] points. */
function pathPoints(svg: string, cls: string): [number, number][] {
  const d = new RegExp(`class="${cls}" d="([^"]*)"`).exec(svg)?.[1] ?? '';
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe('scanReportHtml', () => {
  const result = twoContigScan();
  const html = scanReportHtml(result);

  it('is one self-contained page that references nothing on the network', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html.split(SVG_NS).join('')).not.toMatch(/https?:\/\//i);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    // NaN bins become gaps, never "NaN" in a path or a table.
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('escapes contig names and other strings from the data', () => {
    expect(html).not.toContain('<chr&1>');
    expect(html).toContain('&lt;chr&amp;1&gt;');
    const hostile = syntheticScan({
      contigs: [{ name: 'c"1', length: 10_000 }],
      binSize: 100,
      islands: [],
      genome: '/tmp/<b>genome</b> & co.fa',
    });
    hostile.settings.details = { note: '<script>alert(1)</script>' };
    hostile.threshold.method = 'cut at <z>';
    const page = scanReportHtml(hostile, { title: 'A & B' });
    expect(page).not.toMatch(/<script|<b>|<z>/);
    expect(page).toContain('&lt;b&gt;genome&lt;/b&gt; &amp; co.fa');
    expect(page).toContain('<title>A &amp; B</title>');
    expect(page).toContain('c&quot;1');
  });

  it('lists every segment once, in genome order, as a 1-based inclusive region string', () => {
    const regions = [
      'chr:1200001-1245000',
      'chr:3000001-3012500',
      'chr:4400001-4401000',
      '&lt;chr&amp;1&gt;:20001-31000',
    ];
    const cells = [...html.matchAll(/<td class="region">([^<]*)<\/td>/g)].map((m) => m[1]);
    // The segment table comes first; the folded contig table follows it.
    expect(cells.slice(0, regions.length)).toEqual(regions);
    expect(html).toContain('<h2>Segments (4)</h2>');
    expect(html).toContain('id="segment-4"');
    // Lengths, GC and reasons are shown.
    expect(html).toContain('<td class="num">45,000</td>');
    expect(html).toContain('<td class="num">38.0</td>');
    expect(html).toMatch(/GC outlier<\/td>/);
  });

  it('shows the run summary, settings, threshold and timings', () => {
    for (const text of [
      'synthetic.fa',
      '5.06 Mb',
      '812 MB',
      '1 min 03 s',
      '2.873',
      'Baum-Welch',
      'genomeOrder',
      '0.000412',
      '<td>score</td>',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).not.toMatch(/\b(19|20)\d\d-\d\d-\d\d\b/);
  });

  it('stays small for a 10,000-bin track', () => {
    expect(result.tracks[0]!.scores.length).toBe(10_000);
    // Two plots of ~930 pixel columns each, plus tables; well under the 1 MB budget.
    expect(Buffer.byteLength(html)).toBeLessThan(250_000);
  });

  it('handles a scan with no segments and no tracks', () => {
    const empty = syntheticScan({ contigs: [{ name: 'x', length: 1000 }], binSize: 100, islands: [] });
    expect(scanReportHtml(empty)).toContain('No segment was called');
    // A contig of Ns only: every bin unscored.
    empty.tracks[0]!.scores.fill(NaN);
    empty.tracks[0]!.gc.fill(NaN);
    const unscored = scanReportHtml(empty);
    expect(unscored).not.toMatch(/NaN|undefined|Infinity/);
    empty.tracks = [];
    expect(scanReportHtml(empty)).toContain('nothing to plot');
  });
});

describe('scanPlotSvg', () => {
  it('keeps a one-bin peak through decimation and breaks the line at NaN bins', () => {
    const result = twoContigScan();
    const chr = result.tracks[0]!;
    chr.scores[7_777] = 25;
    const svg = scanPlotSvg(result, { tracks: [0] });
    // About one point per pixel column, not one per bin.
    const points = pathPoints(svg, 'score');
    expect(points.length).toBeGreaterThan(500);
    expect(points.length).toBeLessThan(1_000);
    // The range band reaches the peak (above the z = 20 grid line); the mean line does not.
    const tick20 = Number(/<text x="\d+" y="([\d.]+)">20<\/text>/.exec(svg)?.[1]) - 3.5;
    expect(Number.isFinite(tick20)).toBe(true);
    expect(Math.min(...pathPoints(svg, 'score-range').map((p) => p[1]))).toBeLessThan(tick20);
    expect(Math.min(...points.map((p) => p[1]))).toBeGreaterThan(tick20);
    // The N run splits the score line into two sub-paths.
    const d = /class="score" d="([^"]*)"/.exec(svg)![1]!;
    expect(d.match(/M/g)).toHaveLength(2);
    expect(svg).toContain('threshold z = 2.87');
  });

  it('draws one plot per contig for a finished genome, one end-to-end plot for a draft assembly', () => {
    expect(planScanPlots(twoContigScan())).toEqual([[0], [1]]);
    const contigs = Array.from({ length: 300 }, (_, i) => ({
      name: `NODE_${i + 1}_length_${40_000 - i * 100}`,
      length: 40_000 - i * 100,
    }));
    const draft = syntheticScan({
      contigs,
      binSize: 500,
      islands: [
        { contig: 'NODE_3_length_39800', start: 5_000, end: 15_000, reason: 'gc', level: 7, gc: 0.4 },
        {
          contig: 'NODE_250_length_15100',
          start: 0,
          end: 2_000,
          reason: 'foreign_composition',
          level: 5,
          gc: 0.5,
        },
      ],
    });
    const groups = planScanPlots(draft);
    expect(groups).toHaveLength(1);
    const svg = scanPlotSvg(draft, { tracks: groups[0]! });
    // Every other contig is shaded; none is wide enough here for a separator line.
    const shading = /class="contig-shading" d="([^"]*)"/.exec(svg)![1]!;
    expect(shading.match(/M/g)).toHaveLength(150);
    expect(svg).not.toContain('contig-separators');
    const labels = /<g class="contig-labels"[^>]*>([\s\S]*?)<\/g>/.exec(svg)![1]!;
    expect((labels.match(/<text/g) ?? []).length).toBeLessThanOrEqual(8);
    // Both segments are drawn, even the one on a contig a few pixels wide.
    expect(svg.match(/<rect class="segment"/g)).toHaveLength(2);
    expect(Buffer.byteLength(svg)).toBeLessThan(150_000);
  });

  it('draws a --region track in contig coordinates', () => {
    const result = syntheticScan({
      contigs: [{ name: 'chr', length: 5_000_000 }],
      binSize: 500,
      islands: [{ contig: 'chr', start: 50_000, end: 60_000, reason: 'gc', level: 6, gc: 0.4 }],
    });
    // Shift the track and its segment as a scan of chr:1,000,001-1,100,000 would give them.
    const track = result.tracks[0]!;
    result.tracks[0] = {
      ...track,
      start: 1_000_000,
      length: 100_000,
      scores: track.scores.slice(0, 200),
      gc: track.gc.slice(0, 200),
    };
    result.segments[0] = { ...result.segments[0]!, start: 1_050_000, end: 1_060_000 };
    result.settings.region = 'chr:1,000,001-1,100,000';
    const svg = scanPlotSvg(result);
    expect(svg).toContain('chr:1,000,001-1,100,000 (100,000 bp)');
    const band = /<rect class="segment" x="([\d.]+)" y="\d+" width="([\d.]+)"/.exec(svg)!;
    // Halfway along the plot (x from 58 to 986), a tenth of its width.
    expect(Number(band[1])).toBeCloseTo(58 + 928 * 0.5, 0);
    expect(Number(band[2])).toBeCloseTo(928 * 0.1, 0);
    expect(svg).toMatch(/>1000<\/text>/);
    expect(svg).toMatch(/>1100<\/text>/);
    const html = scanReportHtml(result);
    expect(html).toContain('chr:1050001-1060000');
    expect(html).toContain('of which 100,000 bp were scanned');
  });

  it('sorts segments by contig order, then position', () => {
    const result = twoContigScan();
    expect(sortSegments(result.segments, result.contigs).map((s) => s.start)).toEqual([
      1_200_000, 3_000_000, 4_400_000, 20_000,
    ]);
  });
});

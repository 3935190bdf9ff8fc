/**
 * report.html in a real browser (Debian's chromium through playwright-core): it makes no request
 * beyond its own file, logs no error (a CSP violation would), renders visibly, and its plot has a size.
 * Skipped when chromium is absent (`apt-get install chromium`; LOCUS_HIDE_TOOLS=chromium to try the skip).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanReportHtml } from '../../pipelines/scan/report.js';
import { hasTool } from '../helpers/tools.js';
import { syntheticScan, twoContigScan } from './scan-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
/** Where the screenshot of the two-contig report is left for a person to look at. */
const SCREENSHOT = join(tmpdir(), 'scan-report.png');

/** Width, height and RGBA pixels of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes). */
function decodePng(png: Buffer): { width: number; height: number; rgba: Uint8Array } {
  let offset = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const data: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colour, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || (colour !== 2 && colour !== 6) || interlace !== 0) {
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colour}, interlace ${interlace}`);
      }
      channels = colour === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = pixels.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels]! : 0;
      const b = up[i]!;
      const c = i >= channels ? up[i - channels]! : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[i] = (line[i]! + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let k = 0; k < 3; k++) rgba[p * 4 + k] = pixels[p * channels + k]!;
    rgba[p * 4 + 3] = channels === 4 ? pixels[p * channels + 3]! : 255;
  }
  return { width, height, rgba };
}

describe.skipIf(!existsSync(CHROMIUM) || !hasTool('chromium'))('scan report in chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locus-scan-report-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Open a report; returns the page and every request that was not for a file:// URL (all aborted). */
  async function open(name: string, html: string) {
    const path = join(dir, name);
    writeFileSync(path, html);
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const outside: string[] = [];
    const problems: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file://')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    return { page, outside, problems };
  }

  it('renders the two-contig report with no network request and a visible plot', async () => {
    const { page, outside, problems } = await open('report.html', scanReportHtml(twoContigScan()));
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);

    const plots = page.locator('svg.scan-plot');
    expect(await plots.count()).toBe(2);
    const box = await plots.first().boundingBox();
    expect(box?.width).toBeGreaterThan(800);
    expect(box?.height).toBeGreaterThan(200);
    expect(await page.locator('#segments tbody tr').count()).toBe(4);
    expect(await page.locator('td.region').first().textContent()).toBe('chr:1200001-1245000');

    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const { width, height, rgba } = decodePng(png);
    expect(width).toBe(1100);
    const colours = new Set<number>();
    let inked = 0;
    for (let p = 0; p < width * height; p++) {
      const [r, g, b] = [rgba[p * 4]!, rgba[p * 4 + 1]!, rgba[p * 4 + 2]!];
      colours.add((r << 16) | (g << 8) | b);
      if (r + g + b < 600) inked++;
    }
    // Text, lines and bands in several colours; not a blank or single-colour page.
    expect(colours.size).toBeGreaterThan(50);
    expect(inked / (width * height)).toBeGreaterThan(0.01);
    await page.close();
  });

  it('renders a 300-contig draft assembly as one end-to-end plot', async () => {
    const contigs = Array.from({ length: 300 }, (_, i) => ({
      name: `NODE_${i + 1}_length_${60_000 - i * 150}`,
      length: 60_000 - i * 150,
    }));
    const draft = syntheticScan({
      contigs,
      binSize: 500,
      islands: [
        { contig: 'NODE_2_length_59850', start: 10_000, end: 30_000, reason: 'gc', level: 7, gc: 0.4 },
        {
          contig: 'NODE_120_length_42150',
          start: 0,
          end: 8_000,
          reason: 'foreign_composition',
          level: 5,
          gc: 0.5,
        },
      ],
      genome: 'assembly/contigs.fasta',
    });
    const { page, outside, problems } = await open('draft.html', scanReportHtml(draft));
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    expect(await page.locator('svg.scan-plot').count()).toBe(1);
    const box = await page.locator('svg.scan-plot').boundingBox();
    expect(box?.width).toBeGreaterThan(800);
    await page.screenshot({ path: join(tmpdir(), 'scan-report-draft.png'), fullPage: false });
    await page.close();
  });
});

/// <reference lib="dom" />
/**
 * The desktop UI end to end: Debian's chromium, driven by playwright-core, against `locus serve`'s
 * server on the shipped samples. Every request that leaves 127.0.0.1 is aborted and counted (there
 * must be none). A failed test saves a screenshot (the path is printed). Skipped when chromium or the
 * build is absent.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Session } from '../../src/server/contract.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { inkFraction } from '../../bench/desktop/page-ink.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';
import { hasTool } from '../helpers/tools.js';

declare global {
  /** What electron/renderer/main.ts exposes for tests (the callbacks below run in the page). */
  interface Window {
    locusApp?: {
      ready: Promise<void>;
      attention(): unknown;
      browser: { locus(): { contig: string; start: number; end: number } | undefined };
    };
  }
}

const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && hasTool('chromium') && existsSync(join(ROOT, 'dist/renderer/app.js'));
const SHOTS = process.env.LOCUS_E2E_SCREENSHOTS ?? join(tmpdir(), 'locus-e2e-screenshots');

let server: RunningServer;
let browser: Browser;
let page: Page;
let workDir: string;
const outside: string[] = [];

async function openPage(url: string): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width: 1500, height: 1000 }, acceptDownloads: true });
  await opened.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => {
    outside.push(route.request().url());
    return route.abort();
  });
  await opened.goto(url);
  await opened.waitForFunction(() => window.locusApp !== undefined);
  await opened.evaluate(() => window.locusApp!.ready);
  return opened;
}

function screenshotOnFailure(name: string): void {
  onTestFailed(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    console.error(`screenshot of the failed test: ${path}`);
  });
}

const trackNames = () =>
  page.evaluate(() =>
    Array.from(document.getElementById('igv')!.shadowRoot?.querySelectorAll('.igv-track-label') ?? []).map(
      (e) => e.textContent?.trim(),
    ),
  );

const viewLocus = () => page.evaluate(() => window.locusApp!.browser.locus());

describe.skipIf(!ready)('desktop UI in chromium', () => {
  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'locus-e2e-'));
    server = await startServer({ workDir, files: [join(SAMPLES, 'lambda.fa'), join(SAMPLES, 'lambda.bam')] });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--test-type'] });
    page = await openPage(server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    expect(outside).toEqual([]);
  });

  it('draws the reference and the BAM', async () => {
    screenshotOnFailure('tracks');
    await page.waitForFunction(() =>
      Array.from(document.getElementById('igv')!.shadowRoot?.querySelectorAll('.igv-track-label') ?? []).some(
        (e) => e.textContent?.trim() === 'lambda.bam',
      ),
    );
    await page.waitForTimeout(1500); // reads are fetched by range and drawn
    expect(await trackNames()).toContain('lambda.bam');
    expect(await viewLocus()).toEqual({ contig: 'lambda', start: 0, end: 10_000 });
    expect(await inkFraction(page, page.locator('#igv'))).toBeGreaterThan(0.15);
    await expect(page.locator('[data-testid=file-list]').textContent()).resolves.toMatch(
      /lambda\.fa.*genome.*lambda\.bam/i,
    );
  });

  it('navigates with the locus box in samtools syntax, and says what is wrong with a bad region', async () => {
    screenshotOnFailure('locus-box');
    await page.fill('[data-testid=locus-box]', 'lambda:20,001-22,000');
    await page.click('[data-testid=go]');
    await page.waitForFunction(() => window.locusApp!.browser.locus()?.start === 20_000);
    expect(await viewLocus()).toEqual({ contig: 'lambda', start: 20_000, end: 22_000 });
    await page.fill('[data-testid=locus-box]', 'lambda:60,000-70,000');
    await page.click('[data-testid=go]');
    await expect.poll(() => page.locator('[data-testid=status]').getAttribute('class')).toContain('error');
    expect(await page.textContent('[data-testid=status]')).toMatch(/lambda/);
    expect((await viewLocus())?.start).toBe(20_000);
  });

  it('draws attention arcs for the region, highlights a position on hover, and jumps on a click', async () => {
    screenshotOnFailure('attention');
    // One whole context of ecoli-causal (10 kb on the contig's grid), where it links loci kb apart.
    await page.fill('[data-testid=locus-box]', 'lambda:10,001-20,000');
    await page.click('[data-testid=go]');
    await page.waitForFunction(() => window.locusApp!.browser.locus()?.end === 20_000);
    await page.selectOption('[data-testid=attention-model]', 'ecoli-causal');
    // One query every 3 bases: among the 2,500 strongest arcs there are then links of 1 kb or more,
    // whose ends are drawn as the dots this test clicks (at the default step of 4 there are none).
    await page.fill('#attention-step', '3');
    await page.click('[data-testid=attention-show]');
    await page.waitForFunction(() => window.locusApp!.attention() !== undefined, null, { timeout: 60_000 });
    await expect.poll(() => page.locator('path.arc').count()).toBeGreaterThan(100);
    expect(await page.textContent('[data-testid=attention-method]')).toMatch(/ecoli-causal: Layer 1 \(lsh\)/);
    expect(await inkFraction(page, page.locator('[data-testid=attention-arcs]'))).toBeGreaterThan(0.01);
    expect(await page.locator('[data-testid=attention-links] li').count()).toBeGreaterThan(0);

    const svg = page.locator('[data-testid=attention-svg]');
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height - 10);
    await expect.poll(() => page.locator('g.hot path').count()).toBeGreaterThan(0);
    await expect(page.locator('.tooltip').textContent()).resolves.toMatch(/attends to/);

    // The ends of the strongest long-range links stay put while the pointer travels to them. The last
    // dot is drawn on top, so no neighbouring dot a few pixels away takes its click.
    const end = page.locator('[data-testid=attention-svg] > [data-testid=arc-end]').last();
    const target = Number(await end.getAttribute('data-position'));
    const before = (await viewLocus())!;
    await end.click();
    await page.waitForFunction((start) => window.locusApp!.browser.locus()?.start !== start, before.start);
    const after = (await viewLocus())!;
    expect(Math.abs((after.start + after.end) / 2 - target)).toBeLessThan(
      (before.end - before.start) * 0.05 + 2,
    );

    // One hash round alone, head 2: the view says what it shows.
    await page.selectOption('[data-testid=attention-rounds]', '1');
    await page.selectOption('[data-testid=attention-head]', '2');
    await page.click('[data-testid=attention-show]');
    await expect
      .poll(() => page.textContent('[data-testid=attention-method]'), { timeout: 60_000 })
      .toMatch(/head 2; .*LSH round 1 alone \(the model averages it with 3 others\)/);
  });

  it('runs a scan with visible progress and shows its outputs as tracks', async () => {
    screenshotOnFailure('scan');
    // Count the progress bars that ever appear, however briefly.
    await page.evaluate(() => {
      const seen = ((window as unknown as { progressSeen: number }).progressSeen = 0);
      void seen;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid=job-progress]'))
          (window as unknown as { progressSeen: number }).progressSeen++;
      }).observe(document.getElementById('job-list')!, { subtree: true, childList: true });
    });
    await page.fill('[data-testid=path-box]', join(SAMPLES, 'ecoli-island.fa'));
    await page.click('[data-testid=open-path]');
    await expect.poll(() => page.textContent('[data-testid=file-list]')).toMatch(/ecoli-island\.fa/);
    const form = page.locator('[data-testid=form-scan]');
    await form.locator('select[name=genome]').selectOption({ label: 'ecoli-island.fa' });
    await form.locator('select[name=method]').selectOption('markov');
    await form.locator('input[name=output]').fill('e2e-scan');
    await page.click('[data-testid=run-scan]');
    await page.waitForSelector('li[data-testid=job][data-state=done]', { timeout: 60_000 });
    expect(
      await page.evaluate(() => (window as unknown as { progressSeen: number }).progressSeen),
    ).toBeGreaterThan(0);
    expect(existsSync(join(workDir, 'e2e-scan', 'scores.bedgraph'))).toBe(true);
    // The outputs are tracks of the genome shown (lambda), listed among the files.
    await expect.poll(trackNames).toEqual(expect.arrayContaining(['scores.bedgraph', 'anomalies.bed']));
  });

  it('cancels a running job', async () => {
    screenshotOnFailure('cancel');
    const form = page.locator('[data-testid=form-scan]');
    await form.locator('select[name=genome]').selectOption({ label: 'ecoli-island.fa' });
    await form.locator('select[name=method]').selectOption('reformer');
    await form.locator('input[name=output]').fill('e2e-cancel');
    await page.click('[data-testid=run-scan]');
    const job = page.locator('li[data-testid=job]').first();
    await expect.poll(() => job.getAttribute('data-state')).toBe('running');
    await job.locator('[data-testid=job-progress]').waitFor({ timeout: 60_000 });
    await job.locator('[data-testid=job-cancel]').click();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 15_000 }).toBe('cancelled');
    expect(existsSync(join(workDir, 'e2e-cancel'))).toBe(false);
  });

  it("shows a genome whose contigs have NCBI gi| names (igv.js needs the build's fix for them)", async () => {
    screenshotOnFailure('ncbi-names');
    const fasta = join(workDir, 'ncbi.fa');
    const bases = readFileSync(join(SAMPLES, 'lambda.fa'), 'utf8').split('\n').slice(1, 40).join('\n');
    writeFileSync(fasta, `>gi|9626243|ref|NC_001416.1|\n${bases}\n`);
    const fresh = await startServer({ workDir, files: [fasta] });
    const first = page;
    try {
      page = await openPage(fresh.url);
      await page.waitForFunction(() => window.locusApp!.browser.locus() !== undefined);
      expect((await viewLocus())!.contig).toBe('gi|9626243|ref|NC_001416.1|');
      expect((await page.getAttribute('[data-testid=status]', 'class')) ?? '').not.toContain('error');
    } finally {
      await page.close();
      page = first;
      await fresh.close();
    }
  });

  it('saves a session and restores it in a fresh window on a fresh server', async () => {
    screenshotOnFailure('session');
    await page.fill('[data-testid=locus-box]', 'lambda:30,001-33,000');
    await page.click('[data-testid=go]');
    await page.waitForFunction(() => window.locusApp!.browser.locus()?.start === 30_000);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('[data-testid=save-session]'),
    ]);
    const path = join(workDir, 'session.json');
    await download.saveAs(path);
    const session = JSON.parse(readFileSync(path, 'utf8')) as Session;
    expect(session.version).toBe(1);
    expect(session.locus).toBe('lambda:30001-33000');
    expect(session.files.map((f) => f.path)).toEqual(
      expect.arrayContaining([join(SAMPLES, 'lambda.fa'), join(SAMPLES, 'lambda.bam')]),
    );

    const fresh = await startServer({ workDir, files: [join(SAMPLES, 'lambda.truth.vcf')] });
    const first = page;
    try {
      page = await openPage(fresh.url);
      // A track opened before any genome waits for one.
      expect(await trackNames()).toEqual([]);
      await page.setInputFiles('[data-testid=load-session]', path);
      await page.waitForFunction(() => window.locusApp!.browser.locus()?.start === 30_000, null, {
        timeout: 20_000,
      });
      await expect
        .poll(trackNames)
        .toEqual(expect.arrayContaining(['lambda.bam', 'scores.bedgraph', 'lambda.truth.vcf']));
      expect(await viewLocus()).toEqual({ contig: 'lambda', start: 30_000, end: 33_000 });
    } finally {
      await page.close();
      page = first;
      await fresh.close();
    }
  });
});

/// <reference lib="dom" />
/**
 * Desktop benchmark: how fast the UI shows a 5 Mb genome with a 60x BAM, whether it stays responsive,
 * and what the attention view of 100 kb costs at its default settings.
 *
 *   node dist/bench/desktop/make-data.js      # once: .bench-data/desktop (genome.fa, reads.bam)
 *   node dist/bench/desktop/run.js [--runs 5] [--screenshots docs/img]
 *
 * Side by side in one run, on the same files and locus, alternating, each in a fresh browser context:
 * - Locus: `locus serve`'s server (in this process) and its page, in headless chromium;
 * - igv.js alone: a bare page with only igv.js and a bare range server (igv-alone.ts).
 * First view = from the page's load event to the genome and the BAM drawn at the opening locus
 * (10 kb; igv.js promises resolved, then two animation frames). Responsiveness = the page's long
 * tasks (> 50 ms, PerformanceObserver) from navigation to the end of 5 jumps across the genome, and
 * each jump's time until drawn. Attention = the default settings of the panel (the longest-context
 * model, its first LSH layer, heads averaged, at most 4,000 queries) on a 100 kb view: from the click to
 * the arcs drawn, with the server's peak RSS (this process and its worker threads); cold (a fresh
 * server's first view), warm (another 100 kb, the model already loaded) and with another head (the
 * same contexts, read before).
 * Writes bench/results/desktop.json; docs tables come from it (npm run docs).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { availableParallelism } from 'node:os';
import { attentionOverLocus } from '../../pipelines/attention/locus-attention.js';
import { startServer } from '../../src/server/serve.js';
import { findRepoRoot, log, provenance, writeResult } from '../repo.js';
import { serveIgvAlone } from './igv-alone.js';
import { median } from '../io/measure.js';
import { inkFraction } from './page-ink.js';

const CHROMIUM = '/usr/bin/chromium';
const OPENING = { start: 0, end: 10_000 };
const ATTENTION_SPAN = 100_000;

interface PageRun {
  tool: 'locus' | 'igv.js alone';
  /** ms from the load event to the first view drawn. */
  firstViewMs: number;
  /** ms from navigation start to the load event. */
  loadMs: number;
  jumpsMs: number[];
  longTasks: { count: number; maxMs: number; totalMs: number };
  /** Share of the browser area's pixels with ink after the first view (a drawn BAM is far from blank). */
  ink: number;
  jsHeapMb: number;
}

const spread = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

const LONG_TASKS = `
  window.longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longTasks.push(e.duration); })
    .observe({ type: 'longtask', buffered: true });`;

async function measurePage(
  browser: Browser,
  tool: PageRun['tool'],
  url: string,
  jumps: string[],
): Promise<PageRun> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 1000 } });
  const page = await context.newPage();
  await page.addInitScript(LONG_TASKS);
  await page.goto(url, { waitUntil: 'load' });
  // Both pages expose a promise that resolves when igv.js has loaded the genome and the BAM.
  const drawnAt = await page.evaluate(async (isLocus) => {
    const w = window as unknown as { locusApp?: { ready: Promise<void> }; igvReady?: Promise<void> };
    while (isLocus ? !w.locusApp : !w.igvReady) await new Promise((r) => setTimeout(r, 5));
    await (isLocus ? w.locusApp!.ready : w.igvReady);
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    return performance.now();
  }, tool === 'locus');
  const loadMs = await page.evaluate(
    () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventEnd,
  );
  const ink = await inkFraction(page, page.locator('#igv'));
  const jumpsMs: number[] = [];
  for (const locus of jumps) {
    jumpsMs.push(
      await page.evaluate(async (target) => {
        const w = window as unknown as {
          locusApp?: { browser: { goTo(l: unknown): Promise<void> } };
          igvBrowser?: { search(l: string): Promise<void> };
        };
        const started = performance.now();
        if (w.locusApp) {
          const [contig, range] = target.split(':');
          const [start, end] = range!.split('-').map(Number);
          await w.locusApp.browser.goTo({ contig, start: start! - 1, end });
        } else await w.igvBrowser!.search(target);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return performance.now() - started;
      }, locus),
    );
  }
  const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
  const jsHeapMb = await page.evaluate(
    () =>
      ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) /
      2 ** 20,
  );
  await context.close();
  return {
    tool,
    firstViewMs: drawnAt - loadMs,
    loadMs,
    jumpsMs,
    longTasks: {
      count: longTasks.length,
      maxMs: longTasks.length ? Math.max(...longTasks) : 0,
      totalMs: longTasks.reduce((a, b) => a + b, 0),
    },
    ink,
    jsHeapMb,
  };
}

/**
 * Press Show attention; resolve with the milliseconds until the first arcs of the new view were drawn
 * (a partial view, once the first round of contexts is read) and until the complete view was. The
 * view before the click is kept in the page itself: object identity does not survive a trip through
 * page.evaluate's serialisation.
 */
async function showAttention(page: Page): Promise<{ firstArcsMs: number; completeMs: number }> {
  type View = { contextsRead: number; contexts: unknown[] };
  type App = { locusApp: { attention(): View | undefined }; viewBeforeClick?: unknown };
  await page.evaluate(() => {
    (window as unknown as App).viewBeforeClick = (window as unknown as App).locusApp.attention();
  });
  const started = performance.now();
  await page.click('[data-testid=attention-show]');
  let firstArcsMs: number | undefined;
  for (;;) {
    const state = await page.evaluate(() => {
      const app = window as unknown as App;
      const view = app.locusApp.attention();
      const before = app.viewBeforeClick as View | undefined;
      if (view === undefined || view === before) return { drawn: false, complete: false };
      return {
        drawn: document.querySelectorAll('path.arc').length > 0,
        complete: view.contextsRead === view.contexts.length,
      };
    });
    const now = performance.now() - started;
    if (state.drawn && firstArcsMs === undefined) firstArcsMs = now;
    if (state.drawn && state.complete) return { firstArcsMs: firstArcsMs!, completeMs: now };
    if (now > 600_000) throw new Error('the attention view did not complete in 10 minutes');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Peak RSS of this process (the server and its job workers) while `work` runs, sampled every 50 ms. */
async function withPeakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  try {
    const value = await work();
    return { value, peakRssMb: peak / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  const root = findRepoRoot();
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: '.bench-data/desktop' },
      runs: { type: 'string', default: '5' },
      'attention-runs': { type: 'string', default: '3' },
      screenshots: { type: 'string' },
    },
  });
  // Taken before the run: the screenshots it writes into docs/img are outputs, not code changes.
  const startedAt = provenance(root);
  const dataDir = resolve(root, values.data!);
  const runs = Number(values.runs);
  if (!existsSync(join(dataDir, 'reads.bam.bai'))) {
    throw new Error(`${dataDir}/reads.bam.bai is missing: run node dist/bench/desktop/make-data.js first`);
  }
  const data = JSON.parse(readFileSync(join(dataDir, 'data.json'), 'utf8')) as Record<string, unknown>;
  const contig = readFileSync(join(dataDir, 'genome.fa.fai'), 'utf8').split('\t')[0]!;
  const length = Number(readFileSync(join(dataDir, 'genome.fa.fai'), 'utf8').split('\t')[1]);
  const opening = `${contig}:${OPENING.start + 1}-${OPENING.end}`;
  // Five 10 kb views spread over the genome.
  const jumps = [0.15, 0.35, 0.55, 0.75, 0.95].map((f) => {
    const start = Math.floor((f * length) / 1000) * 1000;
    return `${contig}:${start + 1}-${start + 10_000}`;
  });

  const server = await startServer({
    files: [join(dataDir, 'genome.fa'), join(dataDir, 'reads.bam')],
    workDir: dataDir,
  });
  const igvAlone = await serveIgvAlone(root, dataDir, opening);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--test-type'] });
  const pages: PageRun[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      // Alternate which goes first, so neither always meets a warmer page cache.
      const order = r % 2 === 0 ? (['locus', 'igv.js alone'] as const) : (['igv.js alone', 'locus'] as const);
      for (const tool of order) {
        const run = await measurePage(browser, tool, tool === 'locus' ? server.url : igvAlone.url, jumps);
        log(
          `${tool} run ${r + 1}: first view ${run.firstViewMs.toFixed(0)} ms after load, ink ${run.ink.toFixed(2)}`,
        );
        pages.push(run);
      }
    }

    // ---- Attention of 100 kb at the panel's defaults -------------------------------------------------
    // Each run on a fresh server, so its first click finds no model loaded: cold (the first view of a
    // session), then warm on another 100 kb (the model kept, no context read before), then the same
    // locus with another head (every context already read).
    const attentionStart = Math.floor(length / 5 / 1000) * 1000;
    const attentionLocus = { contig, start: attentionStart, end: attentionStart + ATTENTION_SPAN };
    const otherLocus = {
      contig,
      start: attentionStart + 1_000_000,
      end: attentionStart + 1_000_000 + ATTENTION_SPAN,
    };
    const attention: Record<string, unknown>[] = [];
    type App = { locusApp: { browser: { goTo(x: unknown): Promise<void> }; ready: Promise<void> } };
    const goTo = (page: Page, l: typeof attentionLocus) =>
      page.evaluate((x) => (window as unknown as App).locusApp.browser.goTo(x), l);
    /** Click Show attention and describe the view it drew. */
    const measureClick = async (page: Page, kind: string) => {
      const { value, peakRssMb } = await withPeakRss(async () => {
        const { firstArcsMs, completeMs: clickToArcsMs } = await showAttention(page);
        const view = await page.evaluate(() => {
          const v = (
            window as unknown as {
              locusApp: {
                attention(): {
                  seconds: number;
                  queryStarts: number[];
                  contexts: unknown[];
                  method: string;
                  queryStep: number;
                  timings?: unknown;
                };
              };
            }
          ).locusApp.attention();
          return {
            seconds: v.seconds,
            timings: v.timings,
            queries: v.queryStarts.length,
            contexts: v.contexts.length,
            method: v.method,
            queryStep: v.queryStep,
          };
        });
        const arcs = await page.locator('path.arc').count();
        return {
          kind,
          clickToArcsMs,
          clickToFirstArcsMs: firstArcsMs,
          serverSeconds: view.seconds,
          timings: view.timings,
          queries: view.queries,
          contexts: view.contexts,
          queryStep: view.queryStep,
          method: view.method,
          arcsDrawn: arcs,
        };
      });
      log(
        `attention 100 kb, ${kind}: ${(value.clickToArcsMs / 1000).toFixed(1)} s click to arcs, peak RSS ${peakRssMb.toFixed(0)} MB`,
      );
      attention.push({ ...value, peakRssMb });
    };
    const viewport = { viewport: { width: 1500, height: 1100 } };
    let defaults = { model: '', layer: '', head: '' };
    for (let r = 0; r < Number(values['attention-runs']); r++) {
      const fresh = await startServer({
        files: [join(dataDir, 'genome.fa'), join(dataDir, 'reads.bam')],
        workDir: dataDir,
      });
      const context = await browser.newContext(viewport);
      try {
        const page = await context.newPage();
        await page.goto(fresh.url, { waitUntil: 'load' });
        await page.evaluate(() => (window as unknown as App).locusApp.ready);
        await goTo(page, attentionLocus);
        defaults = await page.evaluate(() => ({
          model: (document.getElementById('attention-model') as HTMLSelectElement).value,
          layer: (document.getElementById('attention-layer') as HTMLSelectElement).value,
          head: (document.getElementById('attention-head') as HTMLSelectElement).value,
        }));
        await measureClick(page, 'cold');
        await goTo(page, otherLocus);
        await measureClick(page, 'warm');
        await page.selectOption('#attention-head', '0');
        await measureClick(page, 'other head');
      } finally {
        await context.close();
        await fresh.close();
      }
    }
    const context = await browser.newContext(viewport);
    const page = await context.newPage();
    await page.goto(server.url, { waitUntil: 'load' });
    await page.evaluate(() => (window as unknown as App).locusApp.ready);
    await goTo(page, attentionLocus);
    // The same view computed by the pipeline alone, on one thread (the first version) and on the
    // workers the server uses: what the worker threads buy.
    const threads: Record<string, unknown>[] = [];
    for (const workers of [1, Math.max(1, Math.min(4, availableParallelism()))]) {
      const view = await attentionOverLocus({
        model: defaults.model,
        fasta: join(dataDir, 'genome.fa'),
        region: `${contig}:${attentionLocus.start + 1}-${attentionLocus.end}`,
        layer: Number(defaults.layer),
        head: 'mean',
        queryStep: 0,
        topK: 8,
        workers,
      });
      log(`attention 100 kb in the pipeline, ${workers} worker(s): ${view.seconds.toFixed(1)} s`);
      threads.push({ workers, seconds: view.seconds, timings: view.timings });
    }

    if (values.screenshots) {
      const folder = resolve(root, values.screenshots);
      mkdirSync(folder, { recursive: true });
      await showAttention(page);
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(folder, 'desktop-attention-100kb.png') });
      // A 25 kb view: the reads are still drawn (igv.js hides alignments beyond 30 kb) under the arcs.
      await goTo(page, { contig, start: attentionStart + 40_000, end: attentionStart + 65_000 });
      await showAttention(page);
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(folder, 'desktop-attention.png') });
      log(`screenshots in ${values.screenshots}`);
    }
    await context.close();

    const summarize = (tool: PageRun['tool']) => {
      const mine = pages.filter((p) => p.tool === tool);
      return {
        firstViewMs: spread(mine.map((p) => p.firstViewMs)),
        loadMs: spread(mine.map((p) => p.loadMs)),
        jumpMs: spread(mine.flatMap((p) => p.jumpsMs)),
        longTaskMaxMs: spread(mine.map((p) => p.longTasks.maxMs)),
        longTaskTotalMs: spread(mine.map((p) => p.longTasks.totalMs)),
        jsHeapMb: spread(mine.map((p) => p.jsHeapMb)),
        ink: spread(mine.map((p) => p.ink)),
      };
    };
    const locus = summarize('locus');
    const alone = summarize('igv.js alone');
    await writeResult(join(root, 'bench', 'results', 'desktop.json'), {
      what: 'desktop UI: first view of a 5 Mb genome with a 60x BAM, responsiveness, attention view of 100 kb',
      command: `node dist/bench/desktop/run.js --runs ${runs}${values.screenshots ? ` --screenshots ${values.screenshots}` : ''}`,
      date: new Date().toISOString(),
      seed: data.seed,
      ...startedAt,
      browser: `chromium ${browser.version()} (headless, playwright-core)`,
      data: {
        genome: `${contig}, ${length.toLocaleString('en-US')} bp`,
        reads: `${Number(data.mappedReads).toLocaleString('en-US')} mapped 2 x 150 bp reads, ${Number(data.coverage).toFixed(1)}x`,
        bamMb: Number(data.bamBytes) / 2 ** 20,
        made: data.command,
      },
      opening,
      jumps,
      target: { firstViewMs: 2000 },
      summary: {
        locus,
        igvAlone: alone,
        firstViewRatio: locus.firstViewMs.median / alone.firstViewMs.median,
      },
      attention: {
        locus: `${contig}:${attentionLocus.start + 1}-${attentionLocus.end}`,
        defaults,
        otherLocus: `${contig}:${otherLocus.start + 1}-${otherLocus.end}`,
        runs: attention,
        byKind: Object.fromEntries(
          ['cold', 'warm', 'other head'].map((kind) => {
            const mine = attention.filter((a) => a.kind === kind);
            return [
              kind,
              {
                clickToArcsSeconds: spread(mine.map((a) => (a.clickToArcsMs as number) / 1000)),
                clickToFirstArcsSeconds: spread(mine.map((a) => (a.clickToFirstArcsMs as number) / 1000)),
              },
            ];
          }),
        ),
        peakRssMb: spread(attention.map((a) => a.peakRssMb as number)),
        threads,
      },
      pages,
    });
  } finally {
    await browser.close();
    igvAlone.server.close();
    await server.close();
  }
}

await main();

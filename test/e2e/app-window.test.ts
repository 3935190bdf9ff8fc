/// <reference lib="dom" />
/**
 * The desktop-window check: `chromium --app=URL` under Xvfb opens Locus as a window of its own, with
 * no tab strip or address bar (the window's outer height equals the page's inner height), and the UI
 * loads in it. A normal browser window on the same display is the control: it has browser chrome, so
 * the measure can tell the two apart. Skipped without Xvfb or chromium.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { ROOT, SAMPLES } from '../helpers/paths.js';
import { hasTool } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const ready = existsSync(CHROMIUM) && hasTool('Xvfb') && existsSync(join(ROOT, 'dist/renderer/app.js'));
const DISPLAY = `:${90 + (process.pid % 9)}`;

let xvfb: ChildProcess;
let server: RunningServer;

async function openWindow(args: string[]): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'locus-window-')), {
    executablePath: CHROMIUM,
    headless: false,
    viewport: null,
    env: { ...process.env, DISPLAY },
    args: ['--no-sandbox', '--test-type', '--window-size=1400,900', ...args],
  });
}

/** [outer height - inner height] of the window showing the Locus page. */
async function chromeHeight(context: BrowserContext): Promise<number> {
  const page =
    context.pages().find((p) => p.url().startsWith(server.origin)) ??
    (await context.waitForEvent('page', { predicate: (p) => p.url().startsWith(server.origin) }));
  await page.waitForFunction(() => (window as unknown as { locusApp?: unknown }).locusApp !== undefined);
  await page.waitForFunction(() => document.getElementById('file-list')!.textContent!.includes('lambda.fa'));
  return page.evaluate(() => window.outerHeight - window.innerHeight);
}

describe.skipIf(!ready)('desktop window', () => {
  beforeAll(async () => {
    xvfb = spawn('Xvfb', [DISPLAY, '-screen', '0', '1600x1000x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1000));
    server = await startServer({ files: [join(SAMPLES, 'lambda.fa')] });
  });

  afterAll(async () => {
    await server?.close();
    xvfb?.kill();
  });

  it('opens the UI as an app window without browser chrome', async () => {
    const app = await openWindow([`--app=${server.url}`]);
    try {
      expect(await chromeHeight(app)).toBeLessThan(10);
    } finally {
      await app.close();
    }
    const normal = await openWindow([]);
    try {
      await (normal.pages()[0] ?? (await normal.newPage())).goto(server.url);
      expect(await chromeHeight(normal)).toBeGreaterThan(40);
    } finally {
      await normal.close();
    }
  });
});

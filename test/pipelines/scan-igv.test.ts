/**
 * The scan's BED and bedGraph load in IGV: igv.js (the genome browser IGV-Web is built on) in Debian's
 * chromium opens the genome FASTA with its index, the anomalies BED and the score bedGraph from a
 * local HTTP server, and reads back the features it parsed. igv.js is told not to fetch its genome
 * list, and every request that leaves 127.0.0.1 is aborted and counted (there must be none).
 * Skipped when chromium is absent.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/paths.js';
import { hasTool } from '../helpers/tools.js';

const CHROMIUM = '/usr/bin/chromium';
const BIN = join(ROOT, 'dist/src/cli/main.js');
const IGV = join(ROOT, 'node_modules/igv/dist/igv.esm.min.js');
const ready = existsSync(CHROMIUM) && hasTool('chromium') && existsSync(BIN) && existsSync(IGV);

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript' };

/** A static file server with HTTP Range support (igv.js reads indexed FASTA by range). */
function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url!, 'http://x').pathname)).replace(
      /^\/+/,
      '',
    );
    const file = path === 'igv.esm.min.js' ? IGV : join(dir, path);
    if (!file.startsWith(dir) && file !== IGV) return void response.writeHead(403).end();
    if (!existsSync(file)) return void response.writeHead(404).end();
    const size = statSync(file).size;
    const range = /bytes=(\d+)-(\d*)/.exec(request.headers.range ?? '');
    const type = TYPES[extname(file)] ?? 'text/plain';
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      response.writeHead(206, {
        'Content-Type': type,
        'Content-Range': `bytes ${start}-${end}/${size}`,
        'Content-Length': end - start + 1,
      });
      createReadStream(file, { start, end }).pipe(response);
    } else {
      response.writeHead(200, { 'Content-Type': type, 'Content-Length': size });
      createReadStream(file).pipe(response);
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${address.port}` });
    }),
  );
}

const PAGE = `<!doctype html><meta charset="utf-8"><div id="igv"></div>
<script type="module">
import igv from '/igv.esm.min.js';
window.result = (async () => {
  const browser = await igv.createBrowser(document.getElementById('igv'), {
    loadDefaultGenomes: false,
    showCytobandWhenAvailable: false,
    reference: { id: 'sample', fastaURL: '/genome.fa', indexURL: '/genome.fa.fai' },
    locus: 'ecoli536_island_sample:140,001-180,000',
    tracks: [
      { name: 'anomalies', type: 'annotation', format: 'bed', url: '/out/anomalies.bed' },
      { name: 'scores', type: 'wig', format: 'bedgraph', url: '/out/scores.bedgraph' },
    ],
  });
  const tracks = {};
  for (const name of ['anomalies', 'scores']) {
    const track = browser.findTracks((t) => t.name === name)[0];
    const features = await track.getFeatures('ecoli536_island_sample', 0, 321400, 1); // 1 bp per pixel: no summarising
    tracks[name] = features.map((f) => ({ start: f.start, end: f.end, name: f.name, value: f.value }));
  }
  const bases = await browser.genome.getSequence('ecoli536_island_sample', 150000, 150010);
  return { tracks, bases };
})();
</script>`;

describe.skipIf(!ready)('scan outputs in igv.js', () => {
  const dir = mkdtempSync(join(tmpdir(), 'locus-igv-'));
  let server: Server;
  let url = '';

  beforeAll(async () => {
    const genome = join(dir, 'genome.fa');
    writeFileSync(genome, readFileSync(join(ROOT, 'samples/ecoli-island.fa')));
    const index = spawnSync(process.execPath, [BIN, 'faidx', genome], { encoding: 'utf8' });
    expect(index.status).toBe(0);
    const scan = spawnSync(
      process.execPath,
      [BIN, 'scan', genome, '-o', join(dir, 'out'), '--method', 'markov', '--quiet'],
      {
        encoding: 'utf8',
      },
    );
    expect(scan.status).toBe(0);
    writeFileSync(join(dir, 'index.html'), PAGE);
    ({ server, url } = await serve(dir));
  });

  afterAll(() => server?.close());

  it('loads the genome, the anomalies BED and the score bedGraph, and reads back what was written', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless'] });
    try {
      const page = await browser.newPage();
      const offline: string[] = [];
      const errors: string[] = [];
      await page.route('**/*', (route) => {
        if (new URL(route.request().url()).hostname === '127.0.0.1') return route.continue();
        offline.push(route.request().url());
        return route.abort();
      });
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(`${url}/index.html`);
      const result = (await page.evaluate('window.result')) as {
        tracks: Record<string, { start: number; end: number; name?: string; value?: number }[]>;
        bases: string;
      };
      expect(errors).toEqual([]);
      expect(offline).toEqual([]);
      const bed = readFileSync(join(dir, 'out/anomalies.bed'), 'utf8').trim().split('\n');
      expect(result.tracks.anomalies!.map((f) => `${f.start}\t${f.end}\t${f.name}`)).toEqual(
        bed.map((line) => line.split('\t').slice(1, 4).join('\t')),
      );
      const bedGraph = readFileSync(join(dir, 'out/scores.bedgraph'), 'utf8').trim().split('\n');
      expect(result.tracks.scores!.length).toBe(bedGraph.length);
      const [, start, end, value] = bedGraph[300]!.split('\t');
      expect(result.tracks.scores![300]).toMatchObject({ start: Number(start), end: Number(end) });
      expect(result.tracks.scores![300]!.value).toBeCloseTo(Number(value), 3);
      expect(result.bases.toUpperCase()).toMatch(/^[ACGT]{10}$/);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

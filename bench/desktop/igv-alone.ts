/**
 * The baseline of the desktop benchmark: igv.js alone (the genome browser IGV-Web is built on), in a
 * bare page served by a bare Node HTTP server with range support, showing the same genome and BAM at
 * the same locus. Locus's page adds its API calls, SSE and panels on top; the ratio is their cost.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { parseRange } from '../../src/server/byte-ranges.js';

export function igvAlonePage(locus: string): string {
  return `<!doctype html><meta charset="utf-8"><div id="igv"></div>
<script type="module">
import igv from '/igv.esm.min.js';
window.igvReady = igv.createBrowser(document.getElementById('igv'), {
  loadDefaultGenomes: false,
  showCytobandWhenAvailable: false,
  reference: { id: 'genome', fastaURL: '/genome.fa', indexURL: '/genome.fa.fai' },
  locus: ${JSON.stringify(locus)},
  tracks: [{ name: 'reads.bam', type: 'alignment', format: 'bam', url: '/reads.bam', indexURL: '/reads.bam.bai' }],
}).then((browser) => { window.igvBrowser = browser; });
</script>`;
}

/** Serve the page, igv.js and the four data files (by fixed name only). */
export function serveIgvAlone(
  root: string,
  dataDir: string,
  locus: string,
): Promise<{ server: Server; url: string }> {
  const files: Record<string, string> = {
    '/igv.esm.min.js': join(root, 'node_modules/igv/dist/igv.esm.min.js'),
    '/genome.fa': join(dataDir, 'genome.fa'),
    '/genome.fa.fai': join(dataDir, 'genome.fa.fai'),
    '/reads.bam': join(dataDir, 'reads.bam'),
    '/reads.bam.bai': join(dataDir, 'reads.bam.bai'),
  };
  const page = igvAlonePage(locus);
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/') return void response.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    const file = files[path];
    if (!file) return void response.writeHead(404).end();
    const size = statSync(file).size;
    const range = parseRange(request.headers.range, size);
    const type = path.endsWith('.js') ? 'text/javascript' : 'application/octet-stream';
    if (range === 'unsatisfiable') return void response.writeHead(416).end();
    const [start, end] = range === 'all' ? [0, size - 1] : range;
    response.writeHead(range === 'all' ? 200 : 206, {
      'Content-Type': type,
      'Content-Length': end - start + 1,
      ...(range === 'all' ? {} : { 'Content-Range': `bytes ${start}-${end}/${size}` }),
    });
    createReadStream(file, { start, end }).pipe(response);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, url: `http://127.0.0.1:${port}/` });
    }),
  );
}

/**
 * The desktop server's security checklist, against a real server on a real socket: the token on
 * every request, a loopback Host only, loopback binding, files served only once opened and only by id
 * (no path from a URL is ever read), and zod-validated requests.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { parseRange } from '../../src/server/byte-ranges.js';
import { SAMPLES } from '../helpers/paths.js';

let server: RunningServer;
let fastaId: string;
let bamId: string;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with full control of the headers (fetch would refuse to set Host). */
function send(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: options.method ?? 'GET',
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const authed = (
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) => send(path, { ...options, headers: { 'x-locus-token': server.token, ...options.headers } });

const json = (reply: Reply) => JSON.parse(reply.body.toString()) as Record<string, unknown>;

beforeAll(async () => {
  server = await startServer({ files: [join(SAMPLES, 'lambda.fa'), join(SAMPLES, 'lambda.bam')] });
  const state = json(await authed('/api/state')) as { files: { id: string; kind: string }[] };
  fastaId = state.files.find((f) => f.kind === 'fasta')!.id;
  bamId = state.files.find((f) => f.kind === 'bam')!.id;
});

afterAll(() => server.close());

describe('the launch token', () => {
  it('refuses requests without it, or with a wrong one, with 401 on every route', async () => {
    for (const path of ['/', '/api/state', '/assets/app.js', `/files/${fastaId}/lambda.fa`, '/api/events']) {
      expect((await send(path)).status, path).toBe(401);
      expect((await send(path, { headers: { 'x-locus-token': 'wrong' } })).status, path).toBe(401);
      expect(
        (await send(`${path}${path.includes('?') ? '&' : '?'}token=${server.token.slice(1)}`)).status,
      ).toBe(401);
      expect((await send(path, { headers: { cookie: 'locus_token=nope' } })).status, path).toBe(401);
    }
    const reply = await send('/api/files/open', { method: 'POST', body: { path: '/etc/hosts' } });
    expect(reply.status).toBe(401);
    expect(json(reply).error).toMatch(/token/);
  });

  it('accepts it as a header, a query parameter or the cookie the page load sets', async () => {
    expect((await authed('/api/state')).status).toBe(200);
    const page = await send(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<title>Locus</title>');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const withCookie = await send('/api/state', { headers: { cookie: cookie.split(';')[0]! } });
    expect(withCookie.status).toBe(200);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
  });

  it('is different on every launch', async () => {
    const other = await startServer();
    try {
      expect(other.token).not.toBe(server.token);
      expect(other.port).not.toBe(server.port);
      expect(other.token.length).toBeGreaterThanOrEqual(32);
    } finally {
      await other.close();
    }
  });

  it('sends the page with a strict Content-Security-Policy', async () => {
    const page = await authed('/');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("'unsafe-eval'");
    expect(csp).toContain("connect-src 'self'");
  });
});

describe('loopback only', () => {
  it('listens on 127.0.0.1 and nowhere else', async () => {
    const outside = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    for (const address of outside) {
      const error = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: address, port: server.port, path: '/', timeout: 3000 }, () =>
          resolve('connected'),
        );
        req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
        req.on('timeout', () => {
          req.destroy();
          resolve('timeout');
        });
        req.end();
      });
      expect(error, address).toBe('ECONNREFUSED');
    }
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
  });

  it('says so when the port asked for is taken', async () => {
    await expect(startServer({ port: server.port })).rejects.toThrow(/in use; choose another --port/);
  });

  it('refuses a Host header that is not its loopback address (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, `127.0.0.1:${server.port + 1}`]) {
      const reply = await authed('/api/state', { headers: { host } });
      expect(reply.status, host).toBe(403);
    }
    expect((await authed('/api/state', { headers: { host: `localhost:${server.port}` } })).status).toBe(200);
  });
});

describe('files', () => {
  it('serves an opened file by id, byte-exact, with range requests as igv.js makes them', async () => {
    const whole = readFileSync(join(SAMPLES, 'lambda.bam'));
    const full = await authed(`/files/${bamId}/lambda.bam`);
    expect(full.status).toBe(200);
    expect(full.body.equals(whole)).toBe(true);
    const slice = await authed(`/files/${bamId}/lambda.bam`, { headers: { range: 'bytes=100-1099' } });
    expect(slice.status).toBe(206);
    expect(slice.headers['content-range']).toBe(`bytes 100-1099/${whole.length}`);
    expect(slice.body.equals(whole.subarray(100, 1100))).toBe(true);
    const tail = await authed(`/files/${bamId}/lambda.bam`, { headers: { range: 'bytes=-28' } });
    expect(tail.body.equals(whole.subarray(whole.length - 28))).toBe(true);
    const beyond = await authed(`/files/${bamId}/lambda.bam`, {
      headers: { range: `bytes=${whole.length}-` },
    });
    expect(beyond.status).toBe(416);
    const index = await authed(`/files/${bamId}/index/lambda.bam.bai`);
    expect(index.body.equals(readFileSync(join(SAMPLES, 'lambda.bam.bai')))).toBe(true);
  });

  it('parses ranges as RFC 9110 says', () => {
    expect(parseRange(undefined, 10)).toBe('all');
    expect(parseRange('bytes=0-4', 10)).toEqual([0, 4]);
    expect(parseRange('bytes=5-', 10)).toEqual([5, 9]);
    expect(parseRange('bytes=5-100', 10)).toEqual([5, 9]);
    expect(parseRange('bytes=-3', 10)).toEqual([7, 9]);
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,4-5', 10)).toBe('unsatisfiable');
    expect(parseRange('items=0-1', 10)).toBe('unsatisfiable');
  });

  it('never reads a path from a URL: traversal and unopened ids get 404', async () => {
    const attempts = [
      '/files/..%2F..%2F..%2Fetc%2Fpasswd/x',
      '/files/../../etc/passwd',
      `/files/${fastaId}/..%2F..%2Fpackage.json`,
      `/files/${fastaId}/..%2Fpackage.json`,
      `/files/${fastaId}/index/..%2F..%2F..%2Fetc%2Fpasswd`,
      '/files/AAAAAAAAAAAA/lambda.fa',
      '/assets/..%2F..%2Fpackage.json',
      '/assets/%2Fetc%2Fpasswd',
      '/etc/passwd',
    ];
    for (const path of attempts) {
      const reply = await authed(path);
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.body.toString(), path).not.toMatch(/root:|"name": "locus"/);
    }
    // Each opened file has one URL: its id and its own name.
    expect((await authed(`/files/${fastaId}/lambda.fa`)).body.toString().startsWith('>lambda')).toBe(true);
    expect((await authed(`/files/${fastaId}/other.fa`)).status).toBe(404);
  });

  it('opens only files it can show, and says what is wrong with the others', async () => {
    const cases: [string, RegExp][] = [
      ['/etc/passwd', /unknown file type/],
      [SAMPLES, /folder/],
      [join(SAMPLES, 'missing.fa'), /no such file/],
    ];
    const dir = mkdtempSync(join(tmpdir(), 'locus-server-'));
    copyFileSync(join(SAMPLES, 'lambda.bam'), join(dir, 'reads.bam'));
    cases.push([join(dir, 'reads.bam'), /samtools index/]);
    writeFileSync(join(dir, 'calls.vcf.gz'), Buffer.from([0x1f, 0x8b]));
    cases.push([join(dir, 'calls.vcf.gz'), /tabix -p vcf/]);
    for (const [path, message] of cases) {
      const reply = await authed('/api/files/open', { method: 'POST', body: { path } });
      expect(reply.status, path).toBe(400);
      expect(String(json(reply).error), path).toMatch(message);
    }
  });
});

describe('requests are validated', () => {
  it('gives 400 with the reason for a malformed body', async () => {
    const bad = [
      [{ kind: 'scan' }, /genome/],
      [{ kind: 'nope' }, /kind/],
      [{ kind: 'attention', genome: fastaId, model: 'ecoli-causal', region: 'lambda', layer: -1 }, /layer/],
      [{ kind: 'variants', genome: fastaId, bams: [bamId], output: 'calls.vcf' }, /vcf\.gz/],
      [{ kind: 'scan', genome: bamId, output: 'x' }, /bam file.*fasta/],
      [{ kind: 'scan', genome: 'not-an-id', output: 'x' }, /No opened file/],
    ] as const;
    for (const [body, message] of bad) {
      const reply = await authed('/api/jobs', { method: 'POST', body });
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(String(json(reply).error)).toMatch(message);
    }
    const notJson = await authed('/api/files/open', { method: 'POST', body: { file: 'x' } });
    expect(notJson.status).toBe(400);
  });

  it('resolves regions in samtools syntax against the genome, with samtools-like errors', async () => {
    const ok = json(
      await authed('/api/locus', { method: 'POST', body: { genome: fastaId, region: 'lambda:1,001-2,000' } }),
    );
    expect(ok).toEqual({ contig: 'lambda', start: 1000, end: 2000, text: 'lambda:1001-2000' });
    const whole = json(
      await authed('/api/locus', { method: 'POST', body: { genome: fastaId, region: 'lambda' } }),
    );
    expect([whole.start, whole.end]).toEqual([0, 48502]);
    for (const region of ['chr9:1-10', 'lambda:60,000-70,000', 'lambda:20-10']) {
      const reply = await authed('/api/locus', { method: 'POST', body: { genome: fastaId, region } });
      expect(reply.status, region).toBe(400);
      expect(String(json(reply).error)).toMatch(/lambda|contig|region|start|end/i);
    }
  });
});

/**
 * The desktop's local HTTP API (fastify): the renderer page, the files the user opened (with range
 * requests, as igv.js reads them), the JSON API of contract.ts, and job events over SSE.
 *
 * Every request needs the launch token and a loopback Host (auth.ts); request bodies are validated
 * with the contract's zod schemas. Errors are JSON `{ "error": "..." }`: 400 for a bad request or a
 * bad input (a LocusInputError names the input and the fix), 401 without the token, 404 for anything
 * not opened.
 */
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { ZodError, type ZodType } from 'zod';
import { LocusInputError } from '../errors.js';
import { formatRegion, parseRegion, resolveRegion } from '../io/region.js';
import { isLoopbackHost, presentedToken, sameToken, tokenCookie } from './auth.js';
import { sendBytes } from './byte-ranges.js';
import { contentSecurityPolicy } from './csp.js';
import {
  JobRequest,
  OpenFileRequest,
  ResolveLocusRequest,
  Session,
  type AppState,
  type JobEvent,
  type Locus,
  type RestoredSession,
} from './contract.js';
import type { JobManager } from './jobs.js';
import type { ModelRegistry } from './models.js';
import type { OpenedFiles } from './opened-files.js';

export interface AppDependencies {
  token: string;
  files: OpenedFiles;
  jobs: JobManager;
  models: ModelRegistry;
  version: string;
  workDir: string;
  /** Folder with the built renderer (index.html, app.js, app.css). */
  rendererDir: string;
  /** The port the server listens on, for the Host check (set once listening). */
  port: () => number;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function parse<T>(schema: ZodType<T>, body: unknown): T {
  return schema.parse(body);
}

function zodMessage(err: ZodError): string {
  return err.issues
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function buildApp(deps: AppDependencies): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 4 * 1024 * 1024 });
  // Only the renderer's own files; a name outside this list is a 404, whatever it contains.
  const rendererFiles = new Set(readdirSync(deps.rendererDir));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('Content-Security-Policy', contentSecurityPolicy());
    reply.header('X-Content-Type-Options', 'nosniff');
    if (!isLoopbackHost(request.headers.host, deps.port())) {
      return reply.code(403).send({
        error: `Host "${request.headers.host ?? ''}" is not this server; open the URL locus serve printed`,
      });
    }
    const token = presentedToken({ headers: request.headers, url: request.url });
    if (!sameToken(deps.token, token)) {
      return reply
        .code(401)
        .send({ error: 'Missing or wrong token; open the URL (with ?token=...) that locus serve printed' });
    }
    // The page load that brought the token in its URL leaves it as a cookie for igv.js and EventSource.
    if (request.headers.cookie?.includes(tokenCookie(deps.token).split(';')[0]!) !== true) {
      reply.header('Set-Cookie', tokenCookie(deps.token));
    }
  });

  app.setErrorHandler((err, _request, reply) => {
    if (err instanceof ZodError) return reply.code(400).send({ error: zodMessage(err) });
    if (err instanceof LocusInputError) return reply.code(400).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send({ error: (err as Error).message });
    }
    return reply.code(500).send({ error: (err as Error).message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `Not found: ${request.url.split('?')[0]}` }),
  );

  // ---- The renderer --------------------------------------------------------------------------------
  const sendAsset = async (reply: FastifyReply, name: string) => {
    if (!rendererFiles.has(name)) return reply.code(404).send({ error: `Not found: ${name}` });
    const body = await readFile(join(deps.rendererDir, name));
    return reply
      .header('Content-Type', CONTENT_TYPES[extname(name)] ?? 'application/octet-stream')
      .header('Cache-Control', 'no-store')
      .send(body);
  };
  app.get('/', (_request, reply) => sendAsset(reply, 'index.html'));
  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) =>
    sendAsset(reply, request.params.name),
  );

  // ---- Opened files, by id only ------------------------------------------------------------------------
  // The URL names the file by id and repeats its name (igv.js guesses formats from names); a name that
  // is not the file's own is a 404, so each opened file has exactly one URL.
  const urlName = (url: string | undefined) =>
    url ? decodeURIComponent(url.slice(url.lastIndexOf('/') + 1)) : '';
  type FileParams = { Params: { id: string; name: string } };
  app.get<FileParams>('/files/:id/:name', (request, reply) => {
    const entry = deps.files.get(request.params.id);
    if (!entry || request.params.name !== entry.file.name)
      return reply.code(404).send({ error: 'No such opened file' });
    return sendBytes(reply, { path: entry.path }, request.headers.range);
  });
  app.get<FileParams>('/files/:id/index/:name', (request, reply) => {
    const entry = deps.files.get(request.params.id);
    if (!entry?.index || request.params.name !== urlName(entry.file.indexUrl)) {
      return reply.code(404).send({ error: 'No such index' });
    }
    return sendBytes(reply, entry.index, request.headers.range);
  });
  app.get<FileParams>('/files/:id/gzi/:name', (request, reply) => {
    const entry = deps.files.get(request.params.id);
    if (!entry?.gzi || request.params.name !== urlName(entry.file.gziUrl)) {
      return reply.code(404).send({ error: 'No such index' });
    }
    return sendBytes(reply, { path: entry.gzi }, request.headers.range);
  });

  // ---- JSON API ----------------------------------------------------------------------------------------
  app.get('/api/state', (): AppState => ({
    version: deps.version,
    files: deps.files.list(),
    jobs: deps.jobs.list(),
    models: deps.models.list(),
    workDir: deps.workDir,
  }));

  app.post('/api/files/open', async (request) => {
    const { path } = parse(OpenFileRequest, request.body);
    return deps.files.open(path, deps.workDir);
  });

  app.post('/api/locus', async (request): Promise<Locus> => {
    const { genome, region } = parse(ResolveLocusRequest, request.body);
    const entry = deps.files.require(genome, ['fasta']);
    const lengths = new Map((entry.file.contigs ?? []).map((c) => [c.name, c.length]));
    const resolved = resolveRegion(
      parseRegion(region.trim(), new Set(lengths.keys())),
      lengths,
      entry.file.name,
    );
    return { ...resolved, text: formatRegion(resolved) };
  });

  app.get('/api/models', () => deps.models.list());

  app.post('/api/jobs', async (request, reply) => {
    const job = parse(JobRequest, request.body);
    return reply.code(201).send(deps.jobs.start(job));
  });
  app.get('/api/jobs', () => deps.jobs.list());
  app.get<{ Params: { id: string } }>('/api/jobs/:id', (request, reply) => {
    const job = deps.jobs.get(request.params.id);
    return job ?? reply.code(404).send({ error: `No job ${request.params.id}` });
  });
  app.post<{ Params: { id: string } }>('/api/jobs/:id/cancel', (request, reply) => {
    const job = deps.jobs.cancel(request.params.id);
    return job ?? reply.code(404).send({ error: `No job ${request.params.id}` });
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id/attention', (request, reply) => {
    const view = deps.jobs.attention(request.params.id);
    return view ?? reply.code(404).send({ error: `Job ${request.params.id} has no attention view (yet)` });
  });

  app.post('/api/session/restore', async (request): Promise<RestoredSession> => {
    const session = parse(Session, request.body);
    const files = [];
    for (const f of session.files) files.push(await deps.files.open(f.path, deps.workDir));
    const genome = session.genome
      ? files.find((f) => f.path === session.genome)?.id
      : files.find((f) => f.kind === 'fasta')?.id;
    return { files, genome, locus: session.locus, attention: session.attention };
  });

  // ---- Job events (SSE) ------------------------------------------------------------------------------
  app.get('/api/events', (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    const send = (event: JobEvent) => raw.write(`data: ${JSON.stringify(event)}\n\n`);
    for (const job of deps.jobs.list()) send({ type: 'job', job });
    const onJob = (job: JobEvent['job']) => send({ type: 'job', job });
    deps.jobs.on('job', onJob);
    // A comment line now and then keeps proxies and the browser from closing an idle stream.
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    request.raw.on('close', () => {
      clearInterval(keepAlive);
      deps.jobs.off('job', onJob);
    });
  });

  return app;
}

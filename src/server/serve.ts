/**
 * Start the desktop server: `locus serve` and the Electron main process both call `startServer`.
 * It binds 127.0.0.1 only (never 0.0.0.0: the API reads files and runs jobs), on a random free port
 * unless one is given, with a fresh token per launch.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isErrnoCode, LocusInputError } from '../errors.js';
import { buildApp } from './app.js';
import { newToken } from './auth.js';
import type { OpenedFile } from './contract.js';
import { JobManager } from './jobs.js';
import { ModelRegistry } from './models.js';
import { OpenedFiles } from './opened-files.js';

export const LOOPBACK = '127.0.0.1';

export interface StartServerOptions {
  /** 0 or undefined = a random free port. */
  port?: number;
  /** Files to open at start (the first FASTA becomes the genome). */
  files?: string[];
  /** Where relative paths and default output folders resolve (default: the current folder). */
  workDir?: string;
  version?: string;
  /** Folder with the built renderer; found next to this installation by default. */
  rendererDir?: string;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  token: string;
  port: number;
  openFile(path: string): Promise<OpenedFile>;
  close(): Promise<void>;
}

/** `dist/renderer` of this installation (source and compiled layouts differ by one folder). */
export function rendererFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'renderer');
    dir = dirname(dir);
  }
  return resolve('dist', 'renderer');
}

export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const rendererDir = options.rendererDir ?? rendererFolder();
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(
      `The desktop page is not built (${rendererDir}/index.html is missing); run \`npm run build\``,
    );
  }
  const workDir = resolve(options.workDir ?? process.cwd());
  const version = options.version ?? '0.0.0';
  const files = new OpenedFiles();
  const models = new ModelRegistry();
  const jobs = new JobManager({ files, version, workDir, onModel: (path) => models.add(path) });
  for (const path of options.files ?? []) await files.open(path, workDir);
  const token = newToken();
  let port = 0;
  const app = buildApp({ token, files, jobs, models, version, workDir, rendererDir, port: () => port });
  try {
    await app.listen({ host: LOOPBACK, port: options.port ?? 0 });
  } catch (err) {
    await jobs.close();
    if (isErrnoCode(err, 'EADDRINUSE') || isErrnoCode(err, 'EACCES')) {
      throw new LocusInputError(
        `--port ${options.port}`,
        `Cannot listen on ${LOOPBACK}:${options.port}: ${isErrnoCode(err, 'EADDRINUSE') ? 'the port is in use' : 'permission denied'}`,
        'choose another --port, or leave it out for a free one',
      );
    }
    throw err;
  }
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  const origin = `http://${LOOPBACK}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    openFile: (path) => files.open(path, workDir),
    close: async () => {
      await jobs.close();
      await app.close();
    },
  };
}

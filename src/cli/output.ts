/**
 * Output for commands: stdout or a file, buffered, with backpressure, written atomically when it is a
 * file (temporary file renamed at the end, removed on error), so a failed run leaves nothing half-written.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { outputError } from '../io/files.js';
import { writeChunk } from '../io/text-lines.js';

const BUFFER_CHARS = 1 << 16;

export class Output {
  private parts: (string | Uint8Array)[] = [];
  private buffered = 0;
  private readonly stream: Writable;
  private readonly temporary: string | undefined;
  private failed: Error | undefined;

  /** `path` undefined or '-' means stdout. */
  constructor(readonly path?: string) {
    if (path === undefined || path === '-') {
      this.stream = process.stdout;
    } else {
      this.temporary = `${path}.tmp-${process.pid}`;
      this.stream = createWriteStream(this.temporary);
    }
    this.stream.on('error', (err: Error) => {
      this.failed = err;
    });
  }

  /** Queue text; resolves once the stream can take more (await it in loops that write a lot). */
  async write(text: string | Uint8Array): Promise<void> {
    this.parts.push(text);
    this.buffered += text.length;
    if (this.buffered >= BUFFER_CHARS) await this.drain();
  }

  private async drain(): Promise<void> {
    if (this.failed) throw this.failed;
    if (this.parts.length === 0) return;
    const chunk =
      this.parts.length === 1
        ? this.parts[0]!
        : Buffer.concat(this.parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
    this.parts = [];
    this.buffered = 0;
    await writeChunk(this.stream, chunk);
  }

  /** Flush and, for a file, move it into place. */
  async close(): Promise<void> {
    await this.drain();
    if (this.temporary === undefined) return;
    const file = this.stream as WriteStream;
    // finished() settles on an error that came before end() too (end's callback then never runs).
    file.end();
    await finished(file);
    if (this.failed) throw this.failed;
    await rename(this.temporary, this.path!);
  }

  /** Drop a half-written file. */
  async abort(): Promise<void> {
    if (this.temporary === undefined) return;
    (this.stream as WriteStream).destroy();
    await rm(this.temporary, { force: true });
  }
}

/** Write with an `Output`, closing it on success and removing a partial file on failure. */
export async function withOutput(
  path: string | undefined,
  body: (out: Output) => Promise<void>,
): Promise<void> {
  const out = new Output(path);
  try {
    await body(out);
    await out.close();
  } catch (err) {
    await out.abort();
    throw path === undefined || path === '-' ? err : outputError(path, err);
  }
}

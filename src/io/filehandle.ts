/**
 * File handles for the @gmod readers (`read(length, position)` interface).
 *
 * generic-filehandle2's LocalFile opens and closes the file on every read; a thousand region
 * queries then cost a thousand open/close pairs. `OpenFile` keeps one descriptor for its lifetime.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { GenericFilehandle, FilehandleOptions, Stats, BufferEncoding } from 'generic-filehandle2';

export class OpenFile implements GenericFilehandle {
  private handle: Promise<FileHandle> | undefined;

  constructor(readonly path: string) {}

  private fd(): Promise<FileHandle> {
    this.handle ??= open(this.path, 'r');
    return this.handle;
  }

  async read(length: number, position: number): Promise<Uint8Array<ArrayBuffer>> {
    if (length <= 0) return new Uint8Array(0);
    const fd = await this.fd();
    const buffer = new Uint8Array(length);
    let filled = 0;
    // A single read may return fewer bytes than asked (large reads, pipes); loop until EOF or full.
    while (filled < length) {
      const { bytesRead } = await fd.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  }

  readFile(options?: Omit<FilehandleOptions, 'encoding'>): Promise<Uint8Array<ArrayBuffer>>;
  readFile(
    options: BufferEncoding | (Omit<FilehandleOptions, 'encoding'> & { encoding: BufferEncoding }),
  ): Promise<string>;
  async readFile(options?: BufferEncoding | FilehandleOptions): Promise<Uint8Array<ArrayBuffer> | string> {
    const fd = await this.fd();
    const { size } = await fd.stat();
    const bytes = await this.read(size, 0);
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString(encoding) : bytes;
  }

  async stat(): Promise<Stats> {
    return (await this.fd()).stat();
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    if (handle) await (await handle).close();
  }
}

/** An in-memory file, used for an index built on the fly when it cannot be written next to its data. */
export class MemoryFile implements GenericFilehandle {
  constructor(private readonly bytes: Uint8Array<ArrayBuffer>) {}

  async read(length: number, position: number): Promise<Uint8Array<ArrayBuffer>> {
    return this.bytes.slice(position, position + Math.max(0, length));
  }

  readFile(options?: Omit<FilehandleOptions, 'encoding'>): Promise<Uint8Array<ArrayBuffer>>;
  readFile(
    options: BufferEncoding | (Omit<FilehandleOptions, 'encoding'> & { encoding: BufferEncoding }),
  ): Promise<string>;
  async readFile(options?: BufferEncoding | FilehandleOptions): Promise<Uint8Array<ArrayBuffer> | string> {
    const encoding = typeof options === 'string' ? options : options?.encoding;
    return encoding ? Buffer.from(this.bytes).toString(encoding) : this.bytes;
  }

  async stat(): Promise<Stats> {
    return { size: this.bytes.length };
  }

  async close(): Promise<void> {}
}

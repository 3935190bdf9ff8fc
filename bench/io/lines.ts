/**
 * A line reader for large text files (millions of lines) that makes no string per line and awaits
 * once per chunk, not once per line. A line is the byte range `[lineStart, lineEnd)` of `buffer`
 * (without its '\n'), valid until the next call:
 *
 *   while (reader.takeLine() || (await reader.readLine())) parse(reader.buffer, reader.lineStart, reader.lineEnd);
 *
 * `takeLine()` is synchronous and returns false when no whole line is buffered; `readLine()` reads on
 * and returns false only at the end of the file. A last line without '\n' is still a line.
 */
import { open, type FileHandle } from 'node:fs/promises';

const CHUNK_BYTES = 1 << 20;

export class LineReader {
  buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  lineStart = 0;
  lineEnd = 0;
  /** Unconsumed bytes are `buffer[start, end)`. */
  private start = 0;
  private end = 0;
  private eof = false;

  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
  ) {}

  static async open(path: string): Promise<LineReader> {
    return new LineReader(await open(path, 'r'), path);
  }

  /** Takes the next buffered line; false when no whole line is buffered (not necessarily the end). */
  takeLine(): boolean {
    if (this.start >= this.end) return false;
    const newline = this.buffer.indexOf(10, this.start);
    if (newline < 0 || newline >= this.end) {
      if (!this.eof) return false;
      // The last line, without a '\n'.
      this.lineStart = this.start;
      this.lineEnd = this.end;
      this.start = this.end;
      return true;
    }
    this.lineStart = this.start;
    this.lineEnd = newline;
    this.start = newline + 1;
    return true;
  }

  /** Reads until a whole line is buffered and takes it; false at the end of the file. */
  async readLine(): Promise<boolean> {
    while (!this.takeLine()) {
      if (this.eof) return false;
      // Keep the partial line, at the front; grow the buffer if it fills it.
      const left = this.end - this.start;
      if (left === this.buffer.length) {
        const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
        this.buffer.copy(bigger, 0, this.start, this.end);
        this.buffer = bigger;
      } else if (this.start > 0) {
        this.buffer.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = left;
      const { bytesRead } = await this.file.read(this.buffer, left, this.buffer.length - left, null);
      if (bytesRead === 0) this.eof = true;
      this.end += bytesRead;
    }
    return true;
  }

  /** The current line as a string (for messages). */
  lineText(max = 200): string {
    return this.buffer.toString('latin1', this.lineStart, Math.min(this.lineEnd, this.lineStart + max));
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

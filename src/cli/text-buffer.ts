/**
 * Builds large tab-separated outputs straight into bytes. A pileup prints millions of rows; making a
 * string per row (and joining them) left V8 spending over half its time collecting garbage.
 */
export class TextBuffer {
  private buffer = Buffer.allocUnsafe(1 << 20);
  private length = 0;

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** Append bytes (e.g. a contig name encoded once per chunk). */
  bytes(data: Uint8Array): this {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
    return this;
  }

  /** Append one ASCII byte. */
  byte(code: number): this {
    this.reserve(1);
    this.buffer[this.length++] = code;
    return this;
  }

  /** Append a non-negative integer in decimal. */
  uint(value: number): this {
    this.reserve(16);
    if (value < 10) {
      this.buffer[this.length++] = 48 + value;
      return this;
    }
    let digits = 0;
    for (let v = value; v > 0; v = Math.floor(v / 10)) digits++;
    let at = this.length + digits;
    for (let v = value; v > 0; v = Math.floor(v / 10)) this.buffer[--at] = 48 + (v % 10);
    this.length += digits;
    return this;
  }

  get size(): number {
    return this.length;
  }

  /** The bytes written so far (a copy), and reset. */
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.length));
    this.length = 0;
    return out;
  }
}

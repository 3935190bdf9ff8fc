/**
 * The FASTA index (`.fai`), built exactly as htslib's `fai_build_core` builds it, so a `.fai` written
 * by Locus is byte-identical to one written by `samtools faidx`, and a FASTA samtools refuses to index
 * is refused here too (with the line that breaks it).
 *
 * Each record: NAME, LENGTH (bases), OFFSET (byte of the first base), LINEBASES, LINEWIDTH (bytes per
 * line including the line ending). Contigs with no sequence are not indexed (htslib skips them).
 */
import { createReadStream } from 'node:fs';
import { LocusInputError } from '../errors.js';

export interface FaiRecord {
  name: string;
  length: number;
  offset: number;
  lineBases: number;
  lineBytes: number;
}

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const GREATER_THAN = 0x3e;

/** C `isgraph`: printable and not a space. Only these count as bases on a sequence line. */
function isGraph(c: number): boolean {
  return c > 0x20 && c < 0x7f;
}

/** C `isspace`: space, \t, \n, \v, \f, \r. */
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

const enum State {
  OutsideRecord,
  AfterCarriageReturn,
  InName,
  RestOfHeader,
  SequenceLineStart,
  InSequenceLine,
}

/**
 * Incremental `.fai` builder: feed it the file's bytes in order, then call `finish()`.
 * A state machine rather than nested loops so that chunk boundaries can fall anywhere.
 */
export class FaiBuilder {
  readonly records: FaiRecord[] = [];
  private readonly seen = new Set<string>();
  private state = State.OutsideRecord;
  private position = 0; // absolute byte offset of the next byte fed
  private lineNumber = 1;
  private nameBytes: number[] = [];
  private name = '';
  private recordHasSequence = false; // htslib's read_done
  private sequenceOffset = 0;
  private sequenceLength = 0;
  private lineBases = 0; // htslib's char_len: bases on the first line
  private lineBytes = 0; // htslib's line_len: bytes on the first line, newline included
  private bytesOnLine = 0;
  private basesOnLine = 0;

  constructor(private readonly source: string) {}

  private fail(problem: string, hint = 'reformat it, e.g. `seqkit seq -w 60 in.fa > out.fa`'): never {
    throw new LocusInputError(this.source, `Cannot index FASTA "${this.source}": ${problem}`, hint);
  }

  private commitRecord(): void {
    if (this.seen.has(this.name)) {
      this.fail(`contig name "${this.name}" appears twice`, 'contig names must be unique; rename one');
    }
    this.seen.add(this.name);
    this.records.push({
      name: this.name,
      length: this.sequenceLength,
      offset: this.sequenceOffset,
      lineBases: this.lineBases,
      lineBytes: this.lineBytes,
    });
    this.recordHasSequence = false;
  }

  private startName(): void {
    if (this.recordHasSequence) this.commitRecord();
    this.nameBytes = [];
    this.state = State.InName;
  }

  private startSequence(headerNewlineAt: number): void {
    this.state = State.SequenceLineStart;
    this.sequenceLength = 0;
    this.lineBases = 0;
    this.lineBytes = 0;
    this.sequenceOffset = headerNewlineAt + 1;
    this.lineNumber++;
  }

  /** A sequence line ended (at a newline or at end of file). */
  private endSequenceLine(): void {
    this.bytesOnLine++; // htslib counts the newline even when the file ends without one
    this.sequenceLength += this.basesOnLine;
    if (this.lineBytes === 0) {
      this.lineBytes = this.bytesOnLine;
      this.lineBases = this.basesOnLine;
      this.state = State.SequenceLineStart;
    } else if (this.lineBytes > this.bytesOnLine) {
      this.state = State.OutsideRecord; // a shorter line ends the record
    } else if (this.lineBytes < this.bytesOnLine) {
      this.fail(
        `line ${this.lineNumber} of contig "${this.name}" is longer than the lines before it (${this.bytesOnLine - 1} vs ${this.lineBytes - 1} characters)`,
      );
    } else {
      this.state = State.SequenceLineStart;
    }
    this.lineNumber++;
  }

  feed(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      const at = this.position + i;
      switch (this.state) {
        case State.OutsideRecord:
          if (c === GREATER_THAN) this.startName();
          else if (c === CARRIAGE_RETURN) this.state = State.AfterCarriageReturn;
          else if (c === NEWLINE) this.lineNumber++;
          else {
            const shown = c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `byte 0x${c.toString(16)}`;
            this.fail(
              `unexpected ${shown} at line ${this.lineNumber}` +
                (this.records.length > 0 || this.recordHasSequence
                  ? ' (a sequence line after a shorter line or a blank line)'
                  : ' (a FASTA file starts with ">")'),
            );
          }
          break;
        case State.AfterCarriageReturn:
          if (c !== NEWLINE)
            this.fail(`carriage return not followed by a newline at line ${this.lineNumber}`);
          this.lineNumber++;
          this.state = State.OutsideRecord;
          break;
        case State.InName:
          if (!isSpace(c)) {
            this.nameBytes.push(c);
          } else if (this.nameBytes.length > 0 || c === NEWLINE) {
            this.name = Buffer.from(this.nameBytes).toString('latin1');
            if (c === NEWLINE) this.startSequence(at);
            else this.state = State.RestOfHeader;
          }
          break;
        case State.RestOfHeader:
          if (c === NEWLINE) this.startSequence(at);
          break;
        case State.SequenceLineStart:
          if (c === NEWLINE) {
            this.state = State.OutsideRecord;
            this.lineNumber++;
            break;
          }
          if (c === GREATER_THAN) {
            this.startName();
            break;
          }
          this.recordHasSequence = true;
          this.bytesOnLine = 1;
          this.basesOnLine = isGraph(c) ? 1 : 0;
          this.state = State.InSequenceLine;
          break;
        case State.InSequenceLine:
          if (c === NEWLINE) this.endSequenceLine();
          else {
            this.bytesOnLine++;
            if (isGraph(c)) this.basesOnLine++;
          }
          break;
      }
    }
    this.position += chunk.length;
  }

  finish(): FaiRecord[] {
    if (this.state === State.InSequenceLine) this.endSequenceLine();
    if (this.state === State.InName || this.state === State.RestOfHeader) {
      const name = this.state === State.InName ? Buffer.from(this.nameBytes).toString('latin1') : this.name;
      this.fail(`the last entry "${name}" has no sequence`, 'remove the empty record or add its sequence');
    }
    if (this.recordHasSequence) this.commitRecord();
    else if (this.position === 0)
      this.fail('the file is empty', 'give a FASTA file with at least one sequence');
    else if (this.records.length === 0)
      this.fail('it holds no sequence', 'give a FASTA file with at least one sequence');
    else
      this.fail(
        `the last entry "${this.name}" has no sequence`,
        'remove the empty record or add its sequence',
      );
    return this.records;
  }
}

/** Build the `.fai` records of a plain (uncompressed) FASTA file by streaming it once. */
export async function buildFai(path: string, signal?: AbortSignal): Promise<FaiRecord[]> {
  const builder = new FaiBuilder(path);
  const stream = createReadStream(path, { highWaterMark: 1 << 20, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) builder.feed(chunk);
  return builder.finish();
}

/** `.fai` text as samtools writes it. */
export function formatFai(records: readonly FaiRecord[]): string {
  return records.map((r) => `${r.name}\t${r.length}\t${r.offset}\t${r.lineBases}\t${r.lineBytes}\n`).join('');
}

/** Parse `.fai` text, rejecting anything that is not five numeric columns. */
export function parseFai(text: string, source: string): FaiRecord[] {
  const records: FaiRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const fields = line.split('\t');
    const numbers = fields.slice(1, 5).map(Number);
    if (
      fields.length < 5 ||
      numbers.some((n) => !Number.isSafeInteger(n) || n < 0) ||
      fields[0]!.startsWith('>')
    ) {
      throw new LocusInputError(
        source,
        `Malformed FASTA index "${source}" at line ${i + 1}`,
        `delete it and run \`samtools faidx\` on the FASTA (or let Locus rebuild it)`,
      );
    }
    const [length, offset, lineBases, lineBytes] = numbers as [number, number, number, number];
    records.push({ name: fields[0]!, length, offset, lineBases, lineBytes });
  }
  return records;
}

/** Byte offset just past the last base of a record. */
export function recordEnd(r: FaiRecord): number {
  if (r.length === 0) return r.offset;
  const fullLines = Math.floor((r.length - 1) / r.lineBases);
  return r.offset + fullLines * r.lineBytes + ((r.length - 1) % r.lineBases) + 1;
}

/**
 * dwgsim's mutation files, for make-data.ts: read the `.mutations.txt` that `dwgsim -M` writes, drop
 * indels longer than the benchmark allows, write the kept set back for `dwgsim -m`, and turn dwgsim's
 * sites-only `.mutations.vcf` into a haploid VCF with a genotype.
 *
 * Why the txt and `-m`, not the VCF and `-v`: dwgsim 0.1.14 re-creates a `-m` txt exactly, while
 * reading a VCF with `-v` it puts every insertion one base to the right of where the VCF says (its own
 * `.mutations.vcf` then shows the moved insertion). Tried on lambda: `-m` gave back the same VCF.
 *
 * The txt has one line per mutated base: `contig pos ref alt phase`, 1-based, tab-separated; an
 * insertion is `pos - SEQ` (SEQ after base pos), a deletion one `pos BASE -` line per deleted base,
 * and phase 3 means both haplotypes (all of them under -H). The VCF joins a run of deleted bases into
 * one record anchored on the base before, so the txt's runs are the events here too.
 */

export interface TxtLine {
  contig: string;
  pos: number;
  ref: string;
  alt: string;
  phase: number;
}

export type EventKind = 'snv' | 'insertion' | 'deletion';

export interface MutationEvent {
  kind: EventKind;
  contig: string;
  /** 1-based position of the first txt line. */
  pos: number;
  /** Bases inserted or deleted; 1 for an SNV. */
  length: number;
  lines: TxtLine[];
}

/** The lines of a dwgsim `.mutations.txt`. Throws on anything but haploid A/C/G/T mutations. */
export function parseMutationsTxt(text: string): TxtLine[] {
  const lines: TxtLine[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw === '') continue;
    const fields = raw.split('\t');
    const [contig, pos, ref, alt, phase] = fields;
    const where = `mutations txt line ${i + 1}`;
    if (fields.length !== 5 || !contig || !pos || !ref || !alt || !phase) {
      throw new Error(`${where}: expected 5 tab-separated fields, got "${raw}"`);
    }
    // -H should give phase 3 (both haplotypes) and plain bases; IUPAC codes mean a heterozygous site.
    if (phase !== '3') throw new Error(`${where}: phase ${phase}, not 3 (was dwgsim run without -H?)`);
    // At most one of ref/alt is '-'; only an insertion's alt has more than one base.
    const bases = /^(-|[ACGT]+)$/;
    if (!bases.test(ref) || !bases.test(alt) || (ref === '-' && alt === '-')) {
      throw new Error(`${where}: unexpected alleles ${ref} -> ${alt}`);
    }
    if (ref.length !== 1 || (ref !== '-' && alt.length !== 1)) {
      throw new Error(`${where}: ${ref} -> ${alt} is neither one base changed, inserted after, nor deleted`);
    }
    lines.push({ contig, pos: Number(pos), ref, alt, phase: Number(phase) });
  }
  return lines;
}

/** Group txt lines into events: an SNV or an insertion is one line, a deletion a run of adjacent lines. */
export function mutationEvents(lines: readonly TxtLine[]): MutationEvent[] {
  const events: MutationEvent[] = [];
  for (const line of lines) {
    if (line.ref === '-') {
      events.push({
        kind: 'insertion',
        contig: line.contig,
        pos: line.pos,
        length: line.alt.length,
        lines: [line],
      });
    } else if (line.alt === '-') {
      const last = events[events.length - 1];
      const previous = last?.lines[last.lines.length - 1];
      if (last?.kind === 'deletion' && previous?.contig === line.contig && previous.pos + 1 === line.pos) {
        last.length++;
        last.lines.push(line);
      } else events.push({ kind: 'deletion', contig: line.contig, pos: line.pos, length: 1, lines: [line] });
    } else events.push({ kind: 'snv', contig: line.contig, pos: line.pos, length: 1, lines: [line] });
  }
  return events;
}

/** Split events into those with indels of at most `maxIndelLength` bases and the rest. */
export function keepShortIndels(
  events: readonly MutationEvent[],
  maxIndelLength: number,
): { kept: MutationEvent[]; dropped: MutationEvent[] } {
  const kept: MutationEvent[] = [];
  const dropped: MutationEvent[] = [];
  for (const e of events) (e.kind !== 'snv' && e.length > maxIndelLength ? dropped : kept).push(e);
  return { kept, dropped };
}

/** The txt of a set of events, for `dwgsim -m`. */
export function formatMutationsTxt(events: readonly MutationEvent[]): string {
  return events
    .flatMap((e) => e.lines)
    .map((l) => `${l.contig}\t${l.pos}\t${l.ref}\t${l.alt}\t${l.phase}\n`)
    .join('');
}

/** Counts of events by kind, and of indels by length (negative: deletions). */
export function eventCounts(events: readonly MutationEvent[]): {
  snv: number;
  insertion: number;
  deletion: number;
  indelLengths: Record<string, number>;
} {
  const counts = { snv: 0, insertion: 0, deletion: 0, indelLengths: {} as Record<string, number> };
  for (const e of events) {
    counts[e.kind]++;
    if (e.kind === 'snv') continue;
    const key = String(e.kind === 'insertion' ? e.length : -e.length);
    counts.indelLengths[key] = (counts.indelLengths[key] ?? 0) + 1;
  }
  return counts;
}

/** The records of a VCF (its non-header lines), to check that two dwgsim runs made the same mutations. */
export const vcfRecords = (text: string): string[] =>
  text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

/**
 * dwgsim's sites-only mutation VCF as a valid haploid VCF: a GT=1 column for `sample`, the reference
 * named, and version 4.2. Records keep dwgsim's INFO (AF, pl, mt).
 */
export function haploidVcf(dwgsimVcf: string, sample: string, reference: string): string {
  const out: string[] = [];
  for (const line of dwgsimVcf.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('##fileformat=')) {
      out.push('##fileformat=VCFv4.2', `##reference=file://${reference}`);
    } else if (line.startsWith('#CHROM')) {
      out.push(
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
        '##source=dwgsim 0.1.14 -H (haploid); GT added by bench/variants/make-data.ts',
        `${line}\tFORMAT\t${sample}`,
      );
    } else if (line.startsWith('#')) out.push(line);
    else out.push(`${line}\tGT\t1`);
  }
  return out.join('\n') + '\n';
}

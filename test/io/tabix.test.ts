import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import { writeBed, type BedRecord } from '../../src/io/bed.js';
import { readBgzfBlocks } from '../../src/io/bgzf.js';
import { writeTabixIndex } from '../../src/io/tabix.js';
import { writeTextTo } from '../../src/io/text-lines.js';
import { writeVcf, type VcfHeaderInput, type VcfRecordInput } from '../../src/io/vcf.js';
import { seededRandom } from '../helpers/paths.js';
import { hasTool, run } from '../helpers/tools.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-tabix-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------
// Test data: sorted files that span many BGZF blocks and 16 kb windows

const HEADER: VcfHeaderInput = {
  fileDate: '20260101',
  contigs: [
    { name: 'chr1', length: 6_000_000 },
    { name: 'chr2', length: 6_000_000 },
    { name: 'chr3', length: 400_000 },
    { name: 'chrM', length: 16_569 },
  ],
  info: [
    { id: 'DP', number: 1, type: 'Integer', description: 'Total depth' },
    { id: 'SVTYPE', number: 1, type: 'String', description: 'Structural variant type' },
    { id: 'END', number: 1, type: 'Integer', description: 'End position of the variant' },
  ],
  formats: [{ id: 'GT', number: 1, type: 'String', description: 'Genotype' }],
  samples: ['s1'],
};

/** Where vcfRecords puts records on each contig, so random regions land on data. */
const VCF_SPANS = [
  { name: 'chr1', max: 400_000 },
  { name: 'chr2', max: 5_000_000 },
  { name: 'chr3', max: 40_000 },
  { name: 'chrM', max: 1000 },
];

function vcfRecords(seed: number): VcfRecordInput[] {
  const random = seededRandom(seed);
  const seq = (n: number) => Array.from({ length: n }, () => 'ACGT'[Math.floor(random() * 4)]).join('');
  const records: VcfRecordInput[] = [];
  const add = (chrom: string, start: number, refLength: number) => {
    const ref = seq(refLength);
    records.push({
      chrom,
      start,
      ref,
      alt: [ref[0] === 'A' ? 'C' : 'A'],
      info: { DP: Math.floor(random() * 300) },
      samples: [{ GT: random() < 0.5 ? '0/1' : '1/1' }],
    });
  };
  // chr1: dense, with indels, long deletions and structural deletions whose END spans many windows.
  for (let start = 0; start < 400_000; start += 1 + Math.floor(random() * 60)) {
    const kind = random();
    if (kind < 0.01) add('chr1', start, 500 + Math.floor(random() * 4500));
    else if (kind < 0.3) add('chr1', start, 2 + Math.floor(random() * 40));
    else if (kind < 0.305) {
      const end = start + 20_000 + Math.floor(random() * 300_000);
      records.push({
        chrom: 'chr1',
        start,
        ref: seq(1),
        alt: ['<DEL>'],
        info: { SVTYPE: 'DEL', END: end },
        samples: [{ GT: '0/1' }],
      });
    } else add('chr1', start, 1);
  }
  // chr2: few records, far apart, up to 5 Mb.
  for (let i = 0; i < 300; i++) add('chr2', Math.floor(random() * 5_000_000), 1 + Math.floor(random() * 3));
  add('chr2', 4_999_990, 5);
  // One deletion past 64 Mb lands in bin 0, the root, which htslib sorts separately.
  records.push({
    chrom: 'chr2',
    start: 4_000_000,
    ref: 'A',
    alt: ['<DEL>'],
    info: { SVTYPE: 'DEL', END: 70_000_000 },
    samples: [{ GT: '0/1' }],
  });
  // chr3: very dense, so many records share bins and blocks.
  for (let start = 0; start < 40_000; start += 1 + Math.floor(random() * 8)) add('chr3', start, 1);
  add('chrM', 99, 1);
  return records;
}

const BED_CHROMS = ['chr1', 'chr2', 'chrX'];

function bedRecords(seed: number): BedRecord[] {
  const random = seededRandom(seed);
  const records: BedRecord[] = [];
  for (let i = 0; i < 12_000; i++) {
    const chrom = BED_CHROMS[Math.floor(random() * BED_CHROMS.length)]!;
    const start = Math.floor(random() * (chrom === 'chr2' ? 5_000_000 : 300_000));
    const kind = random();
    const length =
      kind < 0.02
        ? 0
        : kind < 0.04
          ? 100_000 + Math.floor(random() * 900_000)
          : 1 + Math.floor(random() * 800);
    records.push({ chrom, start, end: start + length, name: `item${i}`, score: i % 1000, strand: '+' });
  }
  const order = (c: string) => BED_CHROMS.indexOf(c);
  return records.sort((a, b) => order(a.chrom) - order(b.chrom) || a.start - b.start);
}

// ---------------------------------------------------------------------------------------------------
// An independent reader of .tbi files and of the text they index

interface TbiReference {
  /** Bin numbers in file order (htslib writes them in hash-table order). */
  order: number[];
  bins: Map<number, [bigint, bigint][]>;
  linear: bigint[];
}

interface Tbi {
  header: number[];
  names: string[];
  references: TbiReference[];
  noCoordinate: bigint;
}

function parseTbi(compressed: Uint8Array): { bytes: Buffer; tbi: Tbi } {
  const bytes = gunzipSync(compressed);
  let at = 0;
  const int32 = () => ((at += 4), bytes.readInt32LE(at - 4));
  const uint32 = () => ((at += 4), bytes.readUInt32LE(at - 4));
  const uint64 = () => ((at += 8), bytes.readBigUInt64LE(at - 8));
  expect(bytes.subarray(0, 4).toString('latin1')).toBe('TBI\x01');
  at = 4;
  const count = int32();
  const header = Array.from({ length: 6 }, int32);
  const namesLength = int32();
  const names = bytes
    .subarray(at, at + namesLength)
    .toString('latin1')
    .split('\0')
    .slice(0, -1);
  at += namesLength;
  const references: TbiReference[] = [];
  for (let r = 0; r < count; r++) {
    const reference: TbiReference = { order: [], bins: new Map(), linear: [] };
    const binCount = int32();
    for (let b = 0; b < binCount; b++) {
      const bin = uint32();
      const chunks = Array.from({ length: int32() }, (): [bigint, bigint] => [uint64(), uint64()]);
      reference.order.push(bin);
      reference.bins.set(bin, chunks);
    }
    reference.linear = Array.from({ length: int32() }, uint64);
    references.push(reference);
  }
  const noCoordinate = uint64();
  expect(at).toBe(bytes.length);
  return { bytes, tbi: { header, names, references, noCoordinate } };
}

/** The decompressed text of a BGZF file, with a map from block offset to where its data starts. */
async function inflateWhole(path: string): Promise<{ text: Buffer; blockStart: Map<number, number> }> {
  const parts: Uint8Array[] = [];
  const blockStart = new Map<number, number>();
  let length = 0;
  for await (const block of readBgzfBlocks(path)) {
    blockStart.set(block.offset, length);
    parts.push(block.data);
    length += block.data.length;
  }
  return { text: Buffer.concat(parts), blockStart };
}

interface Row {
  chrom: string;
  beg: number;
  end: number;
  text: string;
}

/** The data lines of a VCF or BED text with the interval tabix gives each (0-based, end exclusive). */
function rows(text: string, preset: 'vcf' | 'bed'): Row[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('track'))
    .map((line) => {
      const f = line.split('\t');
      if (preset === 'bed') return { chrom: f[0]!, beg: Number(f[1]), end: Number(f[2]), text: line };
      const beg = Number(f[1]) - 1;
      const end = /(^|;)END=(\d+)/.exec(f[7]!)?.[2];
      return { chrom: f[0]!, beg, end: end ? Number(end) : beg + f[3]!.length, text: line };
    });
}

/** What `tabix file chrom:from-to` must print: rows overlapping [from - 1, to), in file order. */
function bruteForce(all: readonly Row[], chrom: string, beg: number, end: number): string[] {
  return all.filter((r) => r.chrom === chrom && r.end > beg && r.beg < end).map((r) => r.text);
}

/** The bins that can hold records overlapping [beg, end) (SAM spec 5.3, reg2bins). */
function reg2bins(beg: number, end: number): number[] {
  const bins = [0];
  const last = end - 1;
  for (const [first, shift] of [
    [1, 26],
    [9, 23],
    [73, 20],
    [585, 17],
    [4681, 14],
  ] as const) {
    for (let k = first + (beg >> shift); k <= first + (last >> shift); k++) bins.push(k);
  }
  return bins;
}

/** A region query through the index alone, as the tabix spec describes it, without htslib. */
function queryIndex(
  tbi: Tbi,
  whole: { text: Buffer; blockStart: Map<number, number> },
  preset: 'vcf' | 'bed',
  chrom: string,
  beg: number,
  end: number,
): string[] {
  const tid = tbi.names.indexOf(chrom);
  if (tid < 0) return [];
  const reference = tbi.references[tid]!;
  const minimum = reference.linear[Math.min(beg >> 14, reference.linear.length - 1)] ?? 0n;
  const absolute = (v: bigint) => whole.blockStart.get(Number(v >> 16n))! + Number(v & 0xffffn);
  const found = new Map<number, Row>();
  for (const bin of reg2bins(beg, end)) {
    for (const [u, v] of reference.bins.get(bin) ?? []) {
      if (v <= minimum) continue;
      const from = absolute(u);
      const text = whole.text.subarray(from, absolute(v)).toString('utf8');
      let offset = from;
      for (const line of text.split('\n').slice(0, -1)) {
        const [row] = rows(line, preset);
        if (row && row.chrom === chrom && row.end > beg && row.beg < end) found.set(offset, row);
        offset += Buffer.byteLength(line) + 1;
      }
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row.text);
}

/** Seeded regions: small, medium and huge windows on every contig, plus a few fixed ones. */
function regions(
  seed: number,
  contigs: readonly { name: string; max: number }[],
): [string, number, number][] {
  const random = seededRandom(seed);
  const out: [string, number, number][] = [['chr1', 999, 2000]];
  for (let i = 0; i < 40; i++) {
    const contig = contigs[Math.floor(random() * contigs.length)]!;
    const width = [100, 2000, 50_000, 1_000_000][i % 4]!;
    const beg = Math.floor(random() * contig.max);
    out.push([contig.name, beg, beg + width]);
  }
  return out;
}

/**
 * BED lines of exactly 40 bytes: Locus's writer cuts BGZF blocks every 0xff00 = 1632 * 40 bytes, so
 * every block ends with a newline, the case where the virtual offset after a line is the next block's.
 * Records 512 bases apart put the first record of each block (1632 = 51 * 32 records) at the start of a
 * 16 kb window, so the linear index holds those offsets.
 */
function blockAlignedBed(count: number, chrom = 'chr1'): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const line = `${chrom}\t${i * 512}\t${i * 512 + 50}\tx`;
    lines.push(`${line}${'.'.repeat(39 - line.length)}\n`);
  }
  return lines.join('');
}

/** Every virtual offset in an index (chunks and linear windows, not the pseudo-bin's counts). */
function offsets(tbi: Tbi): bigint[] {
  return tbi.references.flatMap((r) => [
    ...[...r.bins.entries()].flatMap(([bin, chunks]) => (bin === 37450 ? [chunks[0]!] : chunks).flat()),
    ...r.linear,
  ]);
}

// ---------------------------------------------------------------------------------------------------
// Tests

describe('writeTabixIndex: format', () => {
  it('indexes a one-block VCF as the spec lays out: one bin, its pseudo-bin and one window', async () => {
    const path = join(dir, 'tiny.vcf.gz');
    const records = [10, 20, 30].map((start) => ({ chrom: 'chr1', start, ref: 'A', alt: ['C'] }));
    await writeVcf(path, { fileDate: '20260101', contigs: [{ name: 'chr1', length: 1000 }] }, records);
    expect(await writeTabixIndex(path, 'vcf')).toBe(`${path}.tbi`);

    const { tbi } = parseTbi(await readFile(`${path}.tbi`));
    const data = await readFile(path);
    const text = gunzipSync(data).toString('latin1');
    const headerEnd = BigInt(text.indexOf('\n', text.indexOf('#CHROM')) + 1); // block 0, so no shift
    const final = BigInt(data.length - 28) << 16n; // the EOF block's start, offset 0
    expect(tbi.header).toEqual([2, 1, 2, 0, 35, 0]);
    expect(tbi.names).toEqual(['chr1']);
    expect(tbi.references).toEqual([
      {
        order: [4681, 37450],
        bins: new Map([
          [4681, [[headerEnd, final]]],
          [
            37450,
            [
              [headerEnd, final],
              [3n, 0n],
            ],
          ],
        ]),
        linear: [headerEnd],
      },
    ]);
    expect(tbi.noCoordinate).toBe(0n);
  });

  it('answers region queries through its bins and linear index like a brute-force filter (no htslib)', async () => {
    const path = join(dir, 'self-query.vcf.gz');
    await writeVcf(path, HEADER, vcfRecords(7));
    await writeTabixIndex(path, 'vcf');
    const { tbi } = parseTbi(await readFile(`${path}.tbi`));
    const whole = await inflateWhole(path);
    const all = rows(whole.text.toString('utf8'), 'vcf');
    expect(whole.blockStart.size).toBeGreaterThan(10); // many BGZF blocks, or the test proves little
    let compared = 0;
    const contigs = VCF_SPANS;
    for (const [chrom, beg, end] of regions(11, contigs)) {
      const expected = bruteForce(all, chrom, beg, end);
      expect(queryIndex(tbi, whole, 'vcf', chrom, beg, end), `${chrom}:${beg + 1}-${end}`).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('points a line that ends a block at the start of the next block, never at the block end', async () => {
    const path = join(dir, 'aligned.bed.gz');
    await writeTextTo(path, [blockAlignedBed(6000)]);
    await writeTabixIndex(path, 'bed');
    const { tbi } = parseTbi(await readFile(`${path}.tbi`));
    const all = offsets(tbi);
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((v) => (v & 0xffffn) >= 0xff00n)).toEqual([]);
    expect(all.filter((v) => (v & 0xffffn) === 0n && v > 0n).length).toBeGreaterThan(0);
  });

  it('writes a valid empty index for a header-only VCF', async () => {
    const path = join(dir, 'header-only.vcf.gz');
    await writeVcf(path, HEADER, []);
    await writeTabixIndex(path, 'vcf');
    const { tbi } = parseTbi(await readFile(`${path}.tbi`));
    expect(tbi).toEqual({ header: [2, 1, 2, 0, 35, 0], names: [], references: [], noCoordinate: 0n });
  });
});

describe('writeTabixIndex: errors', () => {
  const vcfHead = '##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n';

  async function bgzipText(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeTextTo(path, [text]);
    return path;
  }

  async function expectInputError(
    path: string,
    preset: 'vcf' | 'bed',
    pattern: RegExp,
  ): Promise<LocusInputError> {
    const error = await writeTabixIndex(path, preset).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LocusInputError);
    expect((error as LocusInputError).message).toMatch(pattern);
    expect((error as LocusInputError).input).toBe(path);
    return error as LocusInputError;
  }

  it('refuses unsorted records, names the line and says how to sort, and keeps any old index', async () => {
    const path = await bgzipText(
      'unsorted.vcf.gz',
      `${vcfHead}chr1\t200\t.\tA\tC\t.\t.\t.\nchr1\t100\t.\tA\tC\t.\t.\t.\n`,
    );
    await writeFile(`${path}.tbi`, 'old index');
    const error = await expectInputError(path, 'vcf', /not sorted: line 4.*chr1:100 comes after chr1:200/);
    expect(error.hint).toMatch(/bcftools sort/);
    expect(error.hint).toMatch(/sort -k1,1 -k2,2n/);
    expect(await readFile(`${path}.tbi`, 'utf8')).toBe('old index');
    expect((await readdir(dir)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses a contig that reappears after another', async () => {
    const body = ['chr1\t1', 'chr2\t1', 'chr1\t5'].map((r) => `${r}\t.\tA\tC\t.\t.\t.\n`).join('');
    const path = await bgzipText('split-contig.vcf.gz', vcfHead + body);
    await expectInputError(path, 'vcf', /contig "chr1" reappears after "chr2"/);
  });

  it('refuses files that are not BGZF: plain text, plain gzip, empty', async () => {
    const text = `${vcfHead}chr1\t1\t.\tA\tC\t.\t.\t.\n`;
    await writeFile(join(dir, 'plain.vcf'), text);
    await writeFile(join(dir, 'plain.vcf.gz'), gzipSync(text));
    await writeFile(join(dir, 'empty.vcf.gz'), '');
    const plain = await expectInputError(join(dir, 'plain.vcf'), 'vcf', /not compressed/);
    expect(plain.hint).toMatch(/bgzip/);
    await expectInputError(join(dir, 'plain.vcf.gz'), 'vcf', /gzip but not BGZF/);
    await expectInputError(join(dir, 'empty.vcf.gz'), 'vcf', /empty/);
    await expectInputError(join(dir, 'missing.vcf.gz'), 'vcf', /does not exist/);
  });

  it('refuses a line that is not a record of the preset, a BED end before its start, and positions past 2^29', async () => {
    const vcf = await bgzipText('bad-pos.vcf.gz', `${vcfHead}chr1\tx\t.\tA\tC\t.\t.\t.\n`);
    await expectInputError(vcf, 'vcf', /line 3 is not a valid record/);
    const bed = await bgzipText('backwards.bed.gz', 'chr1\t100\t50\n');
    await expectInputError(bed, 'bed', /ends \(50\) before it starts \(100, 0-based\)/);
    const far = await bgzipText('far.bed.gz', `chr1\t${2 ** 29}\t${2 ** 29 + 10}\n`);
    await expectInputError(far, 'bed', /2\^29/);
  });

  it('stops when the signal is aborted', async () => {
    const path = await bgzipText('abort.vcf.gz', `${vcfHead}chr1\t1\t.\tA\tC\t.\t.\t.\n`);
    await expect(writeTabixIndex(path, 'vcf', { signal: AbortSignal.abort() })).rejects.toThrow(/abort/i);
  });
});

describe.skipIf(!hasTool('tabix'))('writeTabixIndex: same index as htslib tabix', () => {
  /** Index `path` with Locus, and a copy with `tabix -p`; return both indexes (decompressed bytes). */
  async function both(path: string, preset: 'vcf' | 'bed') {
    const copy = path.replace(/(\.\w+\.gz)$/, '.htslib$1');
    await copyFile(path, copy);
    const result = run('tabix', ['-f', '-p', preset, copy]);
    expect(result.status, result.stderr).toBe(0);
    await writeTabixIndex(path, preset);
    return {
      locus: parseTbi(await readFile(`${path}.tbi`)),
      htslib: parseTbi(await readFile(`${copy}.tbi`)),
    };
  }

  it('VCF: thousands of records over many blocks, long deletions, END, records 5 Mb apart', async () => {
    const path = join(dir, 'diff.vcf.gz');
    const records = vcfRecords(1);
    expect(await writeVcf(path, HEADER, records)).toBe(records.length);
    const { locus, htslib } = await both(path, 'vcf');
    expect(htslib.tbi.names).toEqual(['chr1', 'chr2', 'chr3', 'chrM']); // guard: htslib indexed it all
    expect(htslib.tbi.references[1]!.linear.length).toBeGreaterThan(300); // windows up to 5 Mb
    expect(htslib.tbi.references[1]!.bins.has(0)).toBe(true); // the root bin is exercised
    expect(locus.tbi).toEqual(htslib.tbi); // readable diff first
    expect(locus.bytes.equals(htslib.bytes)).toBe(true);
  });

  it('BED: long, empty and dense intervals on three contigs', async () => {
    const path = join(dir, 'diff.bed.gz');
    const records = bedRecords(2);
    expect(await writeBed(path, records)).toBe(records.length);
    const { locus, htslib } = await both(path, 'bed');
    expect(htslib.tbi.header).toEqual([0x10000, 1, 2, 3, 35, 0]);
    expect(htslib.tbi.names).toEqual(BED_CHROMS);
    expect(locus.tbi).toEqual(htslib.tbi);
    expect(locus.bytes.equals(htslib.bytes)).toBe(true);
  });

  it('BED with a track line: skipped from the index, as tabix 1.16 does', async () => {
    const path = join(dir, 'track.bed.gz');
    await writeBed(path, bedRecords(3).slice(0, 500), { track: { name: 'peaks' } });
    const { locus, htslib } = await both(path, 'bed');
    expect(htslib.tbi.names.length).toBeGreaterThan(0);
    expect(locus.bytes.equals(htslib.bytes)).toBe(true);
  });

  it('block-aligned lines, concatenated BGZF files (an EOF block mid-file), CRLF, blank and # lines', async () => {
    const first = join(dir, 'part1.bed.gz');
    const second = join(dir, 'part2.bed.gz');
    await writeTextTo(first, [blockAlignedBed(4000, 'chr1')]);
    await writeTextTo(second, [
      '#second part\r\n',
      blockAlignedBed(3000, 'chr2').replaceAll('\n', '\r\n'),
      '\n',
    ]);
    const path = join(dir, 'concatenated.bed.gz');
    await writeFile(path, Buffer.concat([await readFile(first), await readFile(second)]));
    const { locus, htslib } = await both(path, 'bed');
    expect(htslib.tbi.names).toEqual(['chr1', 'chr2']);
    expect(locus.tbi).toEqual(htslib.tbi);
    expect(locus.bytes.equals(htslib.bytes)).toBe(true);
  });

  it('header-only VCF: the same empty index', async () => {
    const path = join(dir, 'empty-diff.vcf.gz');
    await writeVcf(path, HEADER, []);
    const { locus, htslib } = await both(path, 'vcf');
    expect(htslib.tbi.references).toEqual([]);
    expect(locus.bytes.equals(htslib.bytes)).toBe(true);
  });

  it('many seeds of small files: the hash-table order of bins matches every time', async () => {
    let bins = 0;
    for (let seed = 100; seed < 112; seed++) {
      const path = join(dir, `seed${seed}.bed.gz`);
      const records = bedRecords(seed).slice(0, Math.round(300 * (seed - 99) ** 1.5));
      await writeBed(path, records);
      const { locus, htslib } = await both(path, 'bed');
      expect(locus.bytes.equals(htslib.bytes), `seed ${seed}`).toBe(true);
      bins += htslib.tbi.references.reduce((n, r) => n + r.order.length, 0);
    }
    expect(bins).toBeGreaterThan(200);
  });
});

describe.skipIf(!hasTool('tabix'))('tabix queries on a Locus-indexed file', () => {
  for (const preset of ['vcf', 'bed'] as const) {
    it(`${preset.toUpperCase()}: \`tabix FILE chr:from-to\` returns the brute-force overlap`, async () => {
      const path = join(dir, `query.${preset}.gz`);
      if (preset === 'vcf') await writeVcf(path, HEADER, vcfRecords(5));
      else await writeBed(path, bedRecords(6));
      await writeTabixIndex(path, preset);
      const all = rows(gunzipSync(await readFile(path)).toString('utf8'), preset);
      const contigs =
        preset === 'vcf'
          ? VCF_SPANS
          : BED_CHROMS.map((name) => ({ name, max: name === 'chr2' ? 5_000_000 : 300_000 }));
      let compared = 0;
      for (const [chrom, beg, end] of regions(preset === 'vcf' ? 21 : 22, contigs)) {
        const region = `${chrom}:${beg + 1}-${end}`;
        const result = run('tabix', [path, region]);
        expect(result.status, result.stderr).toBe(0);
        const got = result.stdout.split('\n').filter((line) => line !== '');
        expect(got, region).toEqual(bruteForce(all, chrom, beg, end));
        compared += got.length;
      }
      const whole = run('tabix', [path, 'chr2'])
        .stdout.split('\n')
        .filter((line) => line !== '');
      expect(whole).toEqual(all.filter((r) => r.chrom === 'chr2').map((r) => r.text));
      expect(compared).toBeGreaterThan(500); // guard: the regions hit records
    });
  }
});

if (!hasTool('tabix')) {
  describe('htslib tabix', () => {
    it.skip('is not on PATH: the differential and query tests were skipped (install htslib to run them)', () => {});
  });
}

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocusInputError } from '../../src/errors.js';
import {
  formatVcf,
  formatVcfHeader,
  formatVcfRecord,
  openVcf,
  parseVcf,
  readVcf,
  writeVcf,
  type VcfHeaderInput,
  type VcfRecord,
  type VcfRecordInput,
} from '../../src/io/vcf.js';
import { hasTool, run } from '../helpers/tools.js';

const DATA = join(import.meta.dirname, '..', 'data', 'formats');
const SPEC = join(DATA, 'spec-example-4.2.vcf');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'locus-vcf-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A header as a variant pipeline would declare it; contigs as `FastaFile.contigs()` returns them. */
const HEADER: VcfHeaderInput = {
  fileDate: '20260101',
  reference: 'ref/genome.fa',
  contigs: [
    { name: 'chr1', length: 50_000 },
    { name: 'chr2', length: 30_000 },
    { name: 'chrM', length: 16_569 },
  ],
  info: [
    { id: 'DP', number: 1, type: 'Integer', description: 'Total depth' },
    { id: 'AF', number: 'A', type: 'Float', description: 'Allele frequency' },
    { id: 'SOMATIC', number: 0, type: 'Flag', description: 'Somatic "candidate"' },
    { id: 'NOTE', number: 1, type: 'String', description: 'Free text' },
  ],
  filters: [{ id: 'LowQual', description: 'QUAL below 20' }],
  formats: [
    { id: 'GT', number: 1, type: 'String', description: 'Genotype' },
    { id: 'DP', number: 1, type: 'Integer', description: 'Read depth' },
    { id: 'AD', number: 'R', type: 'Integer', description: 'Allelic depths' },
  ],
  samples: ['tumour', 'normal'],
  meta: [{ key: 'locusCommand', value: 'locus variants --seed 1' }],
};

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Random but valid records, deliberately out of order, with every kind of value bcftools must see. */
function randomRecords(count: number, seed: number): VcfRecordInput[] {
  const random = lcg(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const bases = 'ACGT';
  const seq = (n: number) => Array.from({ length: n }, () => pick([...bases])).join('');
  return Array.from({ length: count }, (_, i) => {
    const contig = pick(HEADER.contigs);
    const ref = seq(1 + Math.floor(random() * 3));
    const start = Math.floor(random() * (contig.length! - ref.length));
    const alt = random() < 0.2 ? [seq(2), seq(3)] : [ref === 'A' ? 'C' : 'A'];
    const depth = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 40));
    return {
      chrom: contig.name,
      start,
      id: random() < 0.3 ? [`var${i}`] : [],
      ref,
      alt,
      qual: random() < 0.1 ? null : Math.floor(random() * 400) / 4,
      filter: random() < 0.5 ? ['PASS'] : random() < 0.5 ? ['LowQual'] : [],
      info: {
        DP: Math.floor(random() * 500),
        AF: alt.map(() => Math.floor(random() * 8) / 8),
        SOMATIC: random() < 0.3,
        NOTE: random() < 0.3 ? `a;b=c,d e%${i}` : undefined,
      },
      samples: [
        { GT: pick(['0/1', '1|0', '1/1']), DP: Math.floor(random() * 90), AD: depth(alt.length + 1) },
        { GT: pick(['0/0', './.']), DP: random() < 0.2 ? null : Math.floor(random() * 90) },
      ],
    };
  });
}

function sorted(records: VcfRecordInput[]): VcfRecordInput[] {
  const order = new Map(HEADER.contigs.map((c, i) => [c.name, i]));
  return [...records].sort((a, b) => order.get(a.chrom)! - order.get(b.chrom)! || a.start - b.start);
}

/** What `bcftools query` should print for a record, built independently of the writer. */
function expectedQueryLine(r: VcfRecordInput): string {
  const alt = (r.alt as string[]).join(',');
  const info = r.info!;
  const af = (info.AF as number[]).join(',');
  const samples = r.samples!.map((s) => {
    const ad = s.AD === undefined ? '.' : (s.AD as number[]).join(',');
    return `${s.GT}:${s.DP ?? '.'}:${ad}`;
  });
  return [
    r.chrom,
    r.start + 1,
    r.ref,
    alt,
    r.qual ?? '.',
    (r.filter as string[]).length ? (r.filter as string[]).join(';') : '.',
    info.DP,
    af,
    info.SOMATIC ? 1 : '.',
    info.NOTE ?? '.',
    ...samples,
  ].join('\t');
}

describe('VCF reader', () => {
  it('reads the VCF 4.2 spec example: header, typed INFO/FORMAT values, 0-based start', async () => {
    const { header, records } = await readVcf(SPEC);
    expect(header.fileformat).toBe('VCFv4.2');
    expect(header.fileDate).toBe('20090805');
    expect(header.reference).toBe('file:///seq/references/1000GenomesPilot-NCBI36.fasta');
    expect(header.contigs).toEqual([{ name: '20', length: 62435964 }]);
    expect(header.samples).toEqual(['NA00001', 'NA00002', 'NA00003']);
    expect(header.info.map((d) => `${d.id}:${d.number}:${d.type}`)).toEqual([
      'NS:1:Integer',
      'DP:1:Integer',
      'AF:A:Float',
      'AA:1:String',
      'DB:0:Flag',
      'H2:0:Flag',
      'NOTE:1:String',
    ]);
    expect(header.info[6]!.description).toBe('Free text, "percent-encoded" (VCF 4.3 section 1.2)');
    expect(header.filters.map((f) => f.id)).toEqual(['q10', 's50']);
    expect(header.formats.map((f) => f.id)).toEqual(['GT', 'GQ', 'DP', 'HQ']);
    expect(header.meta).toEqual([{ key: 'phasing', value: 'partial' }]);

    expect(records).toHaveLength(5);
    expect(records[0]).toEqual({
      chrom: '20',
      pos: 14370,
      start: 14369,
      end: 14370,
      id: ['rs6054257'],
      ref: 'G',
      alt: ['A'],
      qual: 29,
      filter: ['PASS'],
      info: { NS: 3, DP: 14, AF: [0.5], DB: true, H2: true },
      format: ['GT', 'GQ', 'DP', 'HQ'],
      samples: [
        { GT: '0|0', GQ: 48, DP: 1, HQ: [51, 51] },
        { GT: '1|0', GQ: 48, DP: 8, HQ: [51, 51] },
        { GT: '1/1', GQ: 43, DP: 5, HQ: [null, null] },
      ],
      line: 21,
    });
    expect(records[1]!.filter).toEqual(['q10']);
    expect(records[1]!.samples[2]).toEqual({ GT: '0/0', GQ: 41, DP: 3, HQ: null }); // trailing field dropped
    expect(records[2]!.info.AF).toEqual([0.333, 0.667]);
    expect(records[3]!.alt).toEqual([]);
    expect(records[3]!.id).toEqual([]);
    expect(records[3]!.info.NOTE).toBe('a;b=c,d e%');
    expect(records[4]).toMatchObject({
      pos: 1234567,
      start: 1234566,
      end: 1234569,
      ref: 'GTC',
      alt: ['G', 'GTCT'],
    });
  });

  it('uses INFO/END for the end of symbolic alleles', () => {
    const { records } = parseVcf(
      [
        '##fileformat=VCFv4.2',
        '##INFO=<ID=END,Number=1,Type=Integer,Description="End position">',
        '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
        'chr1\t1000\t.\tN\t<DEL>\t.\t.\tEND=1500',
      ].join('\n'),
    );
    expect(records[0]).toMatchObject({ start: 999, end: 1500, alt: ['<DEL>'] });
  });

  it('reads gzip, bgzip and streamed input the same as plain', async () => {
    const text = await readFile(SPEC);
    const plain = await readVcf(SPEC);
    const gz = join(dir, 'spec.vcf.gz');
    await writeFile(gz, gzipSync(text));
    expect(await readVcf(gz)).toEqual(plain);
    const bgz = join(dir, 'spec.bgz.vcf.gz');
    await writeVcf(bgz, plain.header, plain.records);
    expect((await readVcf(bgz)).records.map((r) => r.info)).toEqual(plain.records.map((r) => r.info));
    const stream = new PassThrough();
    stream.end(text);
    const streamed = await openVcf({ stream, name: 'stdin' });
    expect(streamed.header.samples).toHaveLength(3);
    let count = 0;
    for await (const record of streamed.records) if (record.chrom === '20') count++;
    expect(count).toBe(5);
  });

  const header = [
    '##fileformat=VCFv4.2',
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">',
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
    '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ts1',
  ].join('\n');
  const bad: [string, string, RegExp][] = [
    ['too few columns', 'chr1\t5\t.\tA\tC\t.\t.\t.', /8 columns where the #CHROM line has 10/],
    ['spaces for tabs', 'chr1 5 . A C . . . GT 0/1', /1 columns.*tabs, not spaces/],
    ['POS 0', 'chr1\t0\t.\tA\tC\t.\t.\t.\tGT\t0/1', /POS "0" is not a position/],
    ['POS text', 'chr1\tx\t.\tA\tC\t.\t.\t.\tGT\t0/1', /POS "x"/],
    ['bad REF', 'chr1\t5\t.\tA1\tC\t.\t.\t.\tGT\t0/1', /REF "A1" is not bases/],
    ['bad ALT', 'chr1\t5\t.\tA\tC D\t.\t.\t.\tGT\t0/1', /ALT allele "C D"/],
    ['bad QUAL', 'chr1\t5\t.\tA\tC\thigh\t.\t.\tGT\t0/1', /QUAL "high"/],
    [
      'Integer INFO not integer',
      'chr1\t5\t.\tA\tC\t.\t.\tDP=1.5\tGT\t0/1',
      /INFO DP value "1.5" is not an Integer/,
    ],
    [
      'too many sample values',
      'chr1\t5\t.\tA\tC\t.\t.\t.\tGT\t0/1:5',
      /sample s1 has 2 values for 1 FORMAT keys/,
    ],
  ];
  it.each(bad)('rejects a record with %s, naming the file and line', (_, row, message) => {
    let error: unknown;
    try {
      parseVcf(`${header}\nchr1\t1\t.\tA\tC\t.\t.\t.\tGT\t0/1\n${row}\n`, { source: 'calls.vcf' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LocusInputError);
    expect((error as Error).message).toMatch(/^VCF "calls.vcf" line 6: /);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects malformed headers with the line and the fix', async () => {
    expect(() => parseVcf('chr1\t5\t.\tA\tC\t.\t.\t.\n', { source: 'x.vcf' })).toThrow(
      /"x.vcf" line 1: not a VCF 4.x file.*##fileformat=VCFv4.2/,
    );
    expect(() =>
      parseVcf('##fileformat=VCFv4.2\n##INFO=<ID=DP,Number=1,Type=Int>\n', { source: 'x.vcf' }),
    ).toThrow(/line 2: INFO DP has Type "Int"/);
    expect(() =>
      parseVcf('##fileformat=VCFv4.2\n##INFO=<ID=DP,Description="open\n', { source: 'x.vcf' }),
    ).toThrow(/line 2: ##INFO line is not of the form <ID=/);
    expect(() => parseVcf('##fileformat=VCFv4.2\n##contig=<ID=1>\n', { source: 'x.vcf' })).toThrow(
      /line 2: the header ends without a #CHROM line/,
    );
    expect(() => parseVcf('##fileformat=VCFv4.2\n#CHROM POS ID REF ALT QUAL FILTER INFO\n')).toThrow(
      /line 2: .*separate the #CHROM line columns with tabs/,
    );
    expect(() =>
      parseVcf('##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ta\ta\n'),
    ).toThrow(/sample "a" appears twice/);
    await expect(readVcf(join(dir, 'missing.vcf'))).rejects.toThrow(
      /VCF file ".*missing.vcf" does not exist/,
    );
    const empty = join(dir, 'empty.vcf');
    await writeFile(empty, '');
    await expect(readVcf(empty)).rejects.toThrow(/is empty, not a VCF/);
  });
});

describe('VCF writer', () => {
  it('writes the header lines in the documented order', () => {
    expect(formatVcfHeader({ ...HEADER, meta: [], samples: [] }).split('\n')).toEqual([
      '##fileformat=VCFv4.2',
      '##FILTER=<ID=PASS,Description="All filters passed">',
      '##fileDate=20260101',
      '##source=Locus',
      '##reference=ref/genome.fa',
      '##contig=<ID=chr1,length=50000>',
      '##contig=<ID=chr2,length=30000>',
      '##contig=<ID=chrM,length=16569>',
      '##INFO=<ID=DP,Number=1,Type=Integer,Description="Total depth">',
      '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
      '##INFO=<ID=SOMATIC,Number=0,Type=Flag,Description="Somatic \\"candidate\\"">',
      '##INFO=<ID=NOTE,Number=1,Type=String,Description="Free text">',
      '##FILTER=<ID=LowQual,Description="QUAL below 20">',
      '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
      '##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">',
      '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
      '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO',
      '',
    ]);
  });

  it('formats a record: 1-based POS, flags, escaped strings, dropped trailing sample fields', () => {
    const line = formatVcfRecord(HEADER, {
      chrom: 'chr2',
      start: 99,
      id: 'rs1',
      ref: 'A',
      alt: ['G', 'T'],
      qual: 35.5,
      filter: ['LowQual'],
      info: { AF: [0.25, 0.5], SOMATIC: true, DP: 12, NOTE: 'x;y=1,2 %' },
      samples: [
        { GT: '1/2', DP: 12, AD: [1, 5, 6] },
        { GT: '0/0', DP: null },
      ],
    });
    // INFO in header order, not in object order.
    expect(line).toBe(
      'chr2\t100\trs1\tA\tG,T\t35.5\tLowQual\tDP=12;AF=0.25,0.5;SOMATIC;NOTE=x%3By%3D1%2C2%20%25\tGT:DP:AD\t1/2:12:1,5,6\t0/0',
    );
  });

  it('sorts an array by header contig order, then position', () => {
    const records: VcfRecordInput[] = [
      { chrom: 'chrM', start: 5, ref: 'A', alt: ['C'] },
      { chrom: 'chr2', start: 10, ref: 'A', alt: ['C'] },
      { chrom: 'chr1', start: 30, ref: 'A', alt: ['C'] },
      { chrom: 'chr2', start: 3, ref: 'A', alt: ['C'] },
    ];
    const { records: back } = parseVcf(formatVcf({ ...HEADER, samples: [] }, records));
    expect(back.map((r) => `${r.chrom}:${r.pos}`)).toEqual(['chr1:31', 'chr2:4', 'chr2:11', 'chrM:6']);
  });

  it('requires a stream of records to be sorted already', async () => {
    async function* unsorted(): AsyncGenerator<VcfRecordInput> {
      yield { chrom: 'chr2', start: 10, ref: 'A' };
      yield { chrom: 'chr1', start: 5, ref: 'A' };
    }
    await expect(writeVcf(new PassThrough(), { ...HEADER, samples: [] }, unsorted())).rejects.toThrow(
      /record #2 \(chr1:6\) is out of order.*pass an array/,
    );
  });

  it('round-trips the spec example through a file', async () => {
    const original = await readVcf(SPEC);
    const path = join(dir, 'round-trip.vcf');
    expect(await writeVcf(path, original.header, original.records)).toBe(5);
    const back = await readVcf(path);
    const strip = (records: VcfRecord[]) => records.map(({ line: _line, ...rest }) => rest);
    expect(strip(back.records)).toEqual(strip(original.records));
    expect(back.header.info).toEqual(original.header.info);
    expect(back.header.formats).toEqual(original.header.formats);
    expect(back.header.filters).toEqual([
      { id: 'PASS', description: 'All filters passed' },
      ...original.header.filters,
    ]);
    expect(back.header.meta).toEqual(original.header.meta);
    expect(back.header.source).toBe('myImputationProgramV3.1');
  });

  const misuse: [string, Partial<VcfRecordInput>, RegExp][] = [
    ['an unknown contig', { chrom: 'chr9' }, /contig "chr9" is not in the header/],
    ['an undeclared INFO key', { info: { XX: 1 } }, /INFO XX is not declared; add it to header.info/],
    ['an undeclared FILTER', { filter: ['q5'] }, /FILTER "q5" is not declared/],
    ['PASS with a failed filter', { filter: ['PASS', 'LowQual'] }, /PASS cannot be combined/],
    ['a value on a Flag', { info: { SOMATIC: 1 as never } }, /INFO SOMATIC is a Flag/],
    ['a non-integer Integer', { info: { DP: 1.5 } }, /INFO DP must be an Integer/],
    [
      'Number=A with the wrong count',
      { info: { AF: [0.1, 0.2] } },
      /INFO AF has 2 values but Number=A needs 1/,
    ],
    ['pos that disagrees with start', { pos: 5 }, /pos 5 does not match start 9/],
    ['a REF that is not bases', { ref: 'AX' }, /REF "AX"/],
    ['an ALT with a comma', { alt: ['C,G'] }, /ALT allele "C,G"/],
    ['the wrong sample count', { samples: [{ GT: '0/1' }] }, /has 1 samples but the header has 2/],
    ['a bad genotype', { samples: [{ GT: '0-1' }, { GT: '0/0' }] }, /GT "0-1" is not a genotype/],
    ['an undeclared FORMAT key', { samples: [{ GT: '0/1', GQ: 5 }, {}] }, /FORMAT GQ is not declared/],
  ];
  it.each(misuse)('throws TypeError for %s', (_, change, message) => {
    const record: VcfRecordInput = {
      chrom: 'chr1',
      start: 9,
      ref: 'A',
      alt: ['C'],
      samples: [{}, {}],
      ...change,
    };
    expect(() => formatVcfRecord(HEADER, record)).toThrow(TypeError);
    expect(() => formatVcfRecord(HEADER, record)).toThrow(message);
  });

  it('throws RangeError for a REF past the contig end, and TypeError for a bad header', () => {
    expect(() =>
      formatVcfRecord(HEADER, { chrom: 'chrM', start: 16_568, ref: 'AC', samples: [{}, {}] }),
    ).toThrow(RangeError);
    expect(() => formatVcfHeader({ contigs: [{ name: 'chr 1' }] })).toThrow(TypeError);
    expect(() =>
      formatVcfHeader({ contigs: [], info: [{ id: 'F', number: 1, type: 'Flag', description: '' }] }),
    ).toThrow(/Flag, so its Number must be 0/);
    expect(() => formatVcfHeader({ contigs: [], samples: ['a', 'a'] })).toThrow(/listed twice/);
  });

  it('defaults ##fileDate to today and ##source to Locus', () => {
    const today = new Date();
    const text = formatVcfHeader({ contigs: [{ name: 'chr1', length: 10 }] });
    expect(text).toContain(
      `##fileDate=${today.getFullYear()}${String(today.getMonth() + 1).padStart(2, '0')}${String(today.getDate()).padStart(2, '0')}\n`,
    );
    expect(text).toContain('##source=Locus\n');
  });
});

describe.skipIf(!hasTool('bcftools'))('VCF output against bcftools', () => {
  const records = randomRecords(400, 42);
  const expected = sorted(records);
  let path: string;

  beforeAll(async () => {
    path = join(dir, 'random.vcf');
    expect(await writeVcf(path, HEADER, records)).toBe(records.length);
  });

  it('passes `bcftools view` without warnings, with every record', () => {
    const view = run('bcftools', ['view', path]);
    expect(view.stderr).toBe('');
    expect(view.status).toBe(0);
    const counted = run('bcftools', ['view', '-H', path]);
    expect(counted.status).toBe(0);
    expect(counted.stdout.trimEnd().split('\n')).toHaveLength(records.length);
  });

  it('bcftools reads back the same positions, alleles, INFO and sample values', () => {
    const query = run('bcftools', [
      'query',
      '-f',
      '%CHROM\t%POS\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO/DP\t%INFO/AF\t%INFO/SOMATIC\t%INFO/NOTE[\t%GT:%DP:%AD]\n',
      path,
    ]);
    expect(query.stderr).toBe('');
    expect(query.status).toBe(0);
    const lines = query.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(expected.length);
    // bcftools leaves the percent-escapes in place; decode them to compare with what was written.
    const decoded = lines.map((l) =>
      l
        .replace(/%3B/g, ';')
        .replace(/%3D/g, '=')
        .replace(/%2C/g, ',')
        .replace(/%20/g, ' ')
        .replace(/%25/g, '%'),
    );
    expect(decoded).toEqual(expected.map(expectedQueryLine));
  });

  it('bcftools header lists the contigs, INFO, FILTER and FORMAT definitions', () => {
    const header = run('bcftools', ['view', '-h', path]).stdout;
    for (const line of [
      '##contig=<ID=chr2,length=30000>',
      '##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency">',
      '##FILTER=<ID=LowQual,Description="QUAL below 20">',
      '##FORMAT=<ID=AD,Number=R,Type=Integer,Description="Allelic depths">',
      '##locusCommand=locus variants --seed 1',
    ]) {
      expect(header).toContain(line);
    }
    expect(header).toMatch(/#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\ttumour\tnormal\n$/);
  });

  it('BGZF output can be indexed and queried by region', async () => {
    const gz = join(dir, 'random.vcf.gz');
    await writeVcf(gz, HEADER, records);
    const index = run('bcftools', ['index', '-f', '-t', gz]);
    expect(index.stderr).toBe('');
    expect(index.status).toBe(0);
    const region = run('bcftools', ['view', '-H', '-r', 'chr2:10001-20000', gz]);
    expect(region.status).toBe(0);
    const want = expected.filter(
      (r) => r.chrom === 'chr2' && r.start + r.ref.length > 10_000 && r.start < 20_000,
    );
    expect(want.length).toBeGreaterThan(0);
    expect(
      region.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split('\t').slice(0, 2).join(':')),
    ).toEqual(want.map((r) => `${r.chrom}:${r.start + 1}`));
  });

  it('reads what bcftools writes (bgzip) the same as what Locus wrote', async () => {
    const out = join(dir, 'from-bcftools.vcf.gz');
    const result = run('bcftools', ['view', '-Oz', '-o', out, path]);
    expect(result.status).toBe(0);
    const ours = await readVcf(path);
    const theirs = await readVcf(out);
    expect(theirs.records).toHaveLength(records.length);
    const strip = (list: VcfRecord[]) => list.map(({ line: _line, ...rest }) => rest);
    expect(strip(theirs.records)).toEqual(strip(ours.records));
    expect(theirs.header.info).toEqual(ours.header.info);
    expect(theirs.header.contigs).toEqual(ours.header.contigs);
  });

  it('reads the spec example the way bcftools does', async () => {
    const { records: ours } = await readVcf(SPEC);
    const query = run('bcftools', ['query', '-f', '%POS\t%REF\t%ALT\t%INFO/DP\t%INFO/AF[\t%GT]\n', SPEC]);
    expect(query.status).toBe(0);
    const mine = ours.map((r) =>
      [
        r.pos,
        r.ref,
        r.alt.length ? r.alt.join(',') : '.',
        r.info.DP,
        Array.isArray(r.info.AF) ? r.info.AF.join(',') : '.',
        ...r.samples.map((s) => s.GT),
      ].join('\t'),
    );
    expect(mine).toHaveLength(5);
    expect(query.stdout.trimEnd().split('\n')).toEqual(mine);
  });
});

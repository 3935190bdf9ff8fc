/**
 * The variants report page (pipelines/variants/report.ts): self-contained, escaped, and ranked the
 * way its headings say.
 */
import { describe, expect, it } from 'vitest';
import { variantsReportHtml, type VariantsReportInput } from '../../pipelines/variants/report.js';
import type { VariantCall } from '../../pipelines/variants/types.js';

function call(pos: number, alt: string, af: number, options: Partial<VariantCall> = {}): VariantCall {
  return {
    contig: 'chr<1>',
    candidate: { kind: 'snv', pos, ref: 'A', alt, span: pos + 1, alleleError: 0, key: `snv:${pos}:A:${alt}` },
    qual: 50,
    filters: [],
    depth: 40,
    strandBias: 0,
    readPositionZ: 0,
    altReadMismatches: 0,
    samples: [{ gt: '0/1', ad: [36, 4], dp: 40, gq: 50, af, afInterval: [af / 2, af * 2] }],
    ...options,
  };
}

function input(calls: VariantCall[], extra: Partial<VariantsReportInput> = {}): VariantsReportInput {
  return {
    bams: ['/data/pool.bam'],
    reference: '/data/ref.fa',
    samples: ['pool'],
    calls,
    contexts: new Map(calls.map((c) => [c, { before: 'ACGTACGTAC', after: 'TTGACCATGG' }])),
    ploidy: 2,
    regions: 'all contigs',
    settings: [['--min-qual', '20']],
    command: 'locus variants pool.bam --ref ref.fa -o out.vcf.gz --report report.html',
    seconds: 3.2,
    peakRssMb: 300,
    ...extra,
  };
}

describe('variants report', () => {
  const calls = [
    call(99, 'G', 0.3, { llr: -0.5 }),
    call(199, 'C', 0.08, { llr: -4.2, filters: ['StrandBias'] }),
    call(299, 'T', 0.15, { llr: 1.1 }),
  ];

  it('is one page that fetches nothing and escapes what it shows', () => {
    const html = variantsReportHtml(input(calls, { minAf: 0.05, model: 'models/<m>' }));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect(html).toContain('chr&lt;1&gt;:100');
    expect(html).not.toContain('chr<1>');
    expect(html).toContain('models/&lt;m&gt;');
  });

  it('ranks the model table by LLR, lowest first, and the fraction table by AF, lowest first', () => {
    const html = variantsReportHtml(input(calls, { minAf: 0.05, model: 'm' }));
    const section = (id: string) =>
      html.slice(
        html.indexOf(`<section id="${id}">`),
        html.indexOf('</section>', html.indexOf(`<section id="${id}">`)),
      );
    const order = (text: string) => [...text.matchAll(/chr&lt;1&gt;:(\d+)/g)].map((m) => Number(m[1]));
    expect(order(section('model'))).toEqual([200, 100, 300]);
    expect(order(section('low-fraction'))).toEqual([200, 300, 100]);
    expect(order(section('filtered'))).toEqual([200]);
  });

  it('leaves out the model and fraction sections when neither was asked for', () => {
    const html = variantsReportHtml(input(calls));
    expect(html).not.toContain('<section id="model">');
    expect(html).not.toContain('<section id="low-fraction">');
    expect(html).toContain('<section id="filtered">');
    expect(html).toContain('<dd>diploid</dd>');
  });
});

/**
 * Calls as VCF 4.2: the header (contigs from the reference, every INFO/FORMAT/FILTER key declared) and
 * one biallelic record per called allele, written with Locus's VCF writer (BGZF and a tabix index for
 * `.vcf.gz`).
 */
import type { VcfHeaderInput, VcfRecordInput } from '../../src/io/vcf.js';
import { FILTERS } from './filters.js';
import type { VariantCall } from './types.js';

export interface HeaderSettings {
  contigs: readonly { name: string; length: number }[];
  reference: string;
  samples: readonly string[];
  lowFraction: boolean;
  withModel: boolean;
  command: string;
}

export function variantsHeader(settings: HeaderSettings): VcfHeaderInput {
  return {
    contigs: settings.contigs,
    reference: settings.reference,
    samples: settings.samples,
    info: [
      {
        id: 'DP',
        number: 1,
        type: 'Integer',
        description: 'Reads informative on the allele, over all samples',
      },
      { id: 'INDEL', number: 0, type: 'Flag', description: 'The allele is an insertion or deletion' },
      { id: 'FS', number: 1, type: 'Float', description: 'Phred-scaled Fisher exact p-value of strand bias' },
      {
        id: 'RPB',
        number: 1,
        type: 'Float',
        description: 'Mann-Whitney z of the distance from read ends, alt reads against ref reads',
      },
      {
        id: 'AMM',
        number: 1,
        type: 'Float',
        description:
          'Mean mismatches within 50 bp in the reads with the allele (other candidate sites not counted)',
      },
      ...(settings.withModel
        ? [
            {
              id: 'LLR',
              number: 'A' as const,
              type: 'Float' as const,
              description:
                'Log-likelihood ratio (natural log) of ALT against REF under the model, given its context on both sides',
            },
          ]
        : []),
    ],
    filters: Object.entries(FILTERS).map(([id, description]) => ({ id, description })),
    formats: [
      { id: 'GT', number: 1, type: 'String', description: 'Genotype' },
      {
        id: 'AD',
        number: 'R',
        type: 'Integer',
        description: 'Reads for the reference and the alternate allele',
      },
      { id: 'DP', number: 1, type: 'Integer', description: 'Reads informative on the allele' },
      { id: 'GQ', number: 1, type: 'Integer', description: 'Phred-scaled genotype quality' },
      {
        id: 'AF',
        number: 'A',
        type: 'Float',
        description: 'Maximum-likelihood fraction of reads from the alternate allele',
      },
      ...(settings.lowFraction
        ? [
            {
              id: 'AFCI',
              number: 2,
              type: 'Float' as const,
              description: '95% profile-likelihood interval of AF',
            },
          ]
        : []),
    ],
    meta: [{ key: 'locusCommand', value: settings.command }],
  };
}

const round = (x: number, digits: number) => Number(x.toFixed(digits));

export function variantRecord(call: VariantCall, lowFraction: boolean): VcfRecordInput {
  const c = call.candidate;
  return {
    chrom: call.contig,
    start: c.pos,
    ref: c.ref,
    alt: c.alt,
    qual: round(call.qual, 2),
    filter: call.filters.length > 0 ? call.filters : ['PASS'],
    info: {
      DP: call.depth,
      INDEL: c.kind !== 'snv',
      FS: round(call.strandBias, 3),
      RPB: call.readPositionZ === null ? undefined : round(call.readPositionZ, 3),
      AMM: round(call.altReadMismatches, 3),
      LLR: call.llr === undefined ? undefined : round(call.llr, 4),
    },
    format: lowFraction ? ['GT', 'AD', 'DP', 'GQ', 'AF', 'AFCI'] : ['GT', 'AD', 'DP', 'GQ', 'AF'],
    samples: call.samples.map((s) => ({
      GT: s.gt,
      AD: s.ad,
      DP: s.dp,
      GQ: s.gq,
      AF: round(s.af, 4),
      AFCI: lowFraction ? [round(s.afInterval[0], 4), round(s.afInterval[1], 4)] : undefined,
    })),
  };
}

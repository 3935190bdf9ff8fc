/**
 * Types of the variant caller (`locus variants`). Coordinates are 0-based inside the code; the VCF
 * writer turns them into 1-based POS.
 */

/** What one run calls, and how. Every field is set (see VARIANT_DEFAULTS for the defaults). */
export interface CallSettings {
  /** Genotype ploidy of the germline mode: 1 (haploid genomes) or 2. */
  ploidy: 1 | 2;
  /** Low-fraction mode when set: report alleles whose fraction is credibly at least this, in (0, 1). */
  minAf: number | undefined;
  /** Reads with MAPQ below this are not used (they carry no placement evidence). */
  minMapQ: number;
  /** Bases with quality below this are not used (bcftools mpileup -Q). */
  minBaseQ: number;
  /** An allele becomes a candidate when one sample shows it in at least this many reads. */
  minAltReads: number;
  /** Write alleles whose QUAL (phred probability that no sample carries the allele) is at least this, in both modes. */
  minQual: number;
  /** Prior probability that a site carries a variant (bcftools call -P). */
  variantPrior: number;
  /** Per-read probability that an indel is seen where there is none (or missed), outside repeats. */
  indelErrorRate: number;
}

/** Which kind of allele: a substitution of one base, an insertion or a deletion. */
export type AlleleKind = 'snv' | 'ins' | 'del';

/**
 * One candidate allele, left-aligned and normalised as `bcftools norm` writes it: an SNV at `pos`, or
 * an indel anchored on the reference base at `pos` (VCF POS = pos + 1, REF and ALT share that base).
 */
export interface Candidate {
  kind: AlleleKind;
  /** 0-based position of the SNV, or of the anchor base before an indel. */
  pos: number;
  ref: string;
  alt: string;
  /**
   * 0-based exclusive end of the reference stretch the allele could shift across (the repeat it sits
   * in). A read informs on an indel only when it is aligned across [pos, span].
   */
  span: number;
  /** Per-read probability of seeing this allele by error (or missing it), before mapping quality. */
  alleleError: number;
  /** Unique key: kind, position and alleles. */
  key: string;
}

/** What one read says about one candidate. */
export interface ReadEvidence {
  /** Which sample (input BAM) the read is from. */
  sample: number;
  /** 0 reference, 1 this allele, 2 another allele (counts in depth only). */
  allele: 0 | 1 | 2;
  /** Probability that what the read shows is an error (base or indel error combined with mapping error). */
  error: number;
  reverse: boolean;
  /** Distance of the site from the nearer end of the read's aligned part, in read bases. */
  distanceFromEnd: number;
  /** Mismatches of the read within 50 bp of the site, not counting candidate positions. */
  otherMismatches: number;
}

/** Per-sample statistics of one called allele. */
export interface SampleCall {
  /** Genotype as VCF text (`0`, `1`, `0/1`, ...); `.` with no informative reads. */
  gt: string;
  /** Reads for the reference and the alternate allele. */
  ad: [number, number];
  /** Informative reads (reference, alternate and other alleles). */
  dp: number;
  /** Phred confidence in the genotype. */
  gq: number;
  /** Maximum-likelihood allele fraction. */
  af: number;
  /** 95% profile-likelihood interval of the allele fraction. */
  afInterval: [number, number];
}

/** One called allele, ready to be written as a VCF record. */
export interface VariantCall {
  contig: string;
  candidate: Candidate;
  qual: number;
  /** Failed filters; empty = PASS. */
  filters: string[];
  /** Total informative depth over samples. */
  depth: number;
  /** Phred-scaled Fisher exact p-value of strand bias (GATK's FS). */
  strandBias: number;
  /** Mann-Whitney z of the alt reads' distance from read ends against the ref reads' (negative: nearer the ends). */
  readPositionZ: number | null;
  /** Mean mismatches near the site in the reads that carry the allele. */
  altReadMismatches: number;
  samples: SampleCall[];
  /** Log-likelihood ratio of ALT against REF under the model (natural log), when a model is given. */
  llr?: number;
}

/** A stretch of one contig that one task calls: calls are kept when their position lies in [start, end). */
export interface CallChunk {
  contig: string;
  start: number;
  end: number;
}

export interface VariantProgress {
  phase: 'calling' | 'scoring';
  done: number;
  total: number;
  unit: 'bases' | 'windows';
}

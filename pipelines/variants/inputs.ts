/**
 * Opening and checking the inputs of `locus variants` before any calling starts, so bad input fails
 * at once with one line that names the file and the fix: CRAM, no index, unsorted, empty, a reference
 * that does not match the BAM header, samples that cannot be told apart, regions off the reference.
 */
import { basename } from 'node:path';
import { LocusInputError } from '../../src/errors.js';
import { openBam, type BamReader } from '../../src/io/bam.js';
import { openFasta, type FastaFile } from '../../src/io/fasta.js';
import { checkInputFile } from '../../src/io/files.js';
import { readHead } from '../../src/io/compression.js';
import type { ResolvedRegion } from '../../src/io/region.js';
import { regionsOfOptions, type RegionOptions } from '../../src/io/region-options.js';

export interface OpenedInputs {
  reference: FastaFile;
  bams: BamReader[];
  samples: string[];
}

/** CRAM files start with these four bytes. */
const CRAM_MAGIC = 'CRAM';

export async function openInputs(
  bamPaths: readonly string[],
  referencePath: string,
  signal?: AbortSignal,
): Promise<OpenedInputs> {
  if (bamPaths.length === 0) throw new TypeError('openInputs: no BAM given');
  const reference = await openFasta(referencePath, { signal });
  const bams: BamReader[] = [];
  try {
    for (const path of bamPaths) bams.push(await openCheckedBam(path, reference, signal));
  } catch (err) {
    await Promise.all([reference.close(), ...bams.map((b) => b.close())]);
    throw err;
  }
  return { reference, bams, samples: sampleNames(bams) };
}

async function openCheckedBam(path: string, reference: FastaFile, signal?: AbortSignal): Promise<BamReader> {
  const size = await checkInputFile(path, 'BAM');
  if (size >= 4 && Buffer.from(await readHead(path, 4)).toString('latin1') === CRAM_MAGIC) {
    throw new LocusInputError(
      path,
      `"${path}" is a CRAM file; locus variants reads BAM only (CRAM is not supported yet)`,
      `convert it with \`samtools view -b -T REF.fa -o ${path.replace(/\.cram$/i, '')}.bam ${path}\` and index the result`,
    );
  }
  const bam = await openBam(path);
  try {
    // Sort order first: an unsorted BAM cannot be indexed, so "run samtools index" would not help.
    const sortOrder = /^@HD\t.*\bSO:(\S+)/m.exec(bam.header.text)?.[1];
    if (sortOrder !== undefined && sortOrder !== 'coordinate') {
      throw new LocusInputError(
        path,
        `BAM "${path}" is not sorted by position (its header says SO:${sortOrder})`,
        `sort it with \`samtools sort -o sorted.bam ${path}\` and index the result`,
      );
    }
    if (!bam.index) {
      throw new LocusInputError(
        path,
        `Cannot read BAM index for "${path}": no ${path}.bai or ${path}.csi`,
        `run \`samtools index ${path}\``,
      );
    }
    checkContigsMatch(bam, reference);
    if (!(await hasMappedRead(bam, signal))) {
      throw new LocusInputError(
        path,
        `BAM "${path}" has no mapped reads`,
        'give a BAM of reads aligned to the reference',
      );
    }
  } catch (err) {
    await bam.close();
    throw err;
  }
  return bam;
}

/** Every contig of the BAM header must be in the reference with the same length. */
function checkContigsMatch(bam: BamReader, reference: FastaFile): void {
  const lengths = reference.lengths();
  for (const { name, length } of bam.contigs()) {
    const refLength = lengths.get(name);
    if (refLength === undefined) {
      const known = [...lengths.keys()].slice(0, 5).join(', ');
      throw new LocusInputError(
        bam.path,
        `Contig "${name}" of BAM "${bam.path}" is not in reference "${reference.path}" (which has ${known}${lengths.size > 5 ? ', ...' : ''})`,
        'give the reference the reads were aligned to',
      );
    }
    if (refLength !== length) {
      throw new LocusInputError(
        bam.path,
        `Contig "${name}" is ${length.toLocaleString('en-US')} bp in BAM "${bam.path}" but ${refLength.toLocaleString('en-US')} bp in reference "${reference.path}"`,
        'give the reference the reads were aligned to',
      );
    }
  }
}

async function hasMappedRead(bam: BamReader, signal?: AbortSignal): Promise<boolean> {
  let found = false;
  await bam.visit(
    (r) => {
      if (r.refId >= 0) found = true;
      return false;
    },
    { signal },
  );
  return found;
}

/**
 * One sample per BAM, named by its read groups' SM tag (or the file name when there is none). A BAM
 * whose read groups name several samples must be split first; two BAMs may not share a name.
 */
function sampleNames(bams: readonly BamReader[]): string[] {
  const names = bams.map((bam) => {
    const tags = new Set(
      bam
        .readGroups()
        .map((g) => g.fields['SM'])
        .filter((s): s is string => !!s),
    );
    if (tags.size > 1) {
      throw new LocusInputError(
        bam.path,
        `BAM "${bam.path}" holds reads of ${tags.size} samples (SM: ${[...tags].join(', ')}); locus variants takes one sample per BAM`,
        `split it with \`samtools split -f '%*_%!.bam' ${bam.path}\``,
      );
    }
    return [...tags][0] ?? basename(bam.path).replace(/\.bam$/i, '');
  });
  const seen = new Map<string, string>();
  names.forEach((name, i) => {
    const other = seen.get(name);
    if (other !== undefined) {
      throw new LocusInputError(
        bams[i]!.path,
        `BAMs "${other}" and "${bams[i]!.path}" are both sample "${name}"`,
        'merge them with `samtools merge` or give their read groups different SM tags',
      );
    }
    seen.set(name, bams[i]!.path);
  });
  return names;
}

/** The regions to call: `--region`, the records of `--regions-file`, or every reference contig. */
export async function regionsToCall(reference: FastaFile, options: RegionOptions): Promise<ResolvedRegion[]> {
  return regionsOfOptions(options, reference.contigs(), reference.path);
}

/**
 * Writes the dm3 promoter task (src/train/data/dm3.ts) as three TSV files with a `sequence,label`
 * header (label 1: the 500 bp next to the transcript start; 0: the 500 bp furthest upstream), split by
 * chromosome arm, so `locus baseline kmer-logreg` and `locus finetune` read exactly the same sets; and
 * `train-arms.fa`, the training arms' sequence on the forward strand (overlapping records merged), for
 * pretraining a model that never reads the validation or test arms.
 *
 *   node dist/bench/train/dm3-task.js [dm3_upstream2000.fa.gz] [out-dir]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dm3ArmSequence, dm3PromoterTask } from '../../src/train/data/dm3.js';

const input = process.argv[2] ?? '../shared/data/labeled/dm3_upstream2000.fa.gz';
const output = process.argv[3] ?? '.bench-data/dm3';
const task = await dm3PromoterTask(input);
await mkdir(output, { recursive: true });
for (const name of ['train', 'validation', 'test'] as const) {
  const set = task[name];
  const rows = set.items.map((item) => `${item.sequence}\t${item.label}`);
  await writeFile(join(output, `${name}.tsv`), ['sequence\tlabel', ...rows].join('\n') + '\n');
  process.stdout.write(
    `${name}: ${set.items.length} sequences, classes ${JSON.stringify(set.classCounts)} (${task.split[name].join(', ')})\n`,
  );
}
process.stdout.write(
  `dropped as identical to an earlier split: ${JSON.stringify(task.report.droppedAcross)}\n`,
);
const pieces = await dm3ArmSequence(input, 'train');
const fasta = pieces.map((p) => `>${p.name}\n${p.sequence.replace(/(.{60})/g, '$1\n').replace(/\n$/, '')}\n`);
await writeFile(join(output, 'train-arms.fa'), fasta.join(''));
process.stdout.write(
  `train-arms.fa: ${pieces.length} pieces, ${pieces.reduce((a, p) => a + p.sequence.length, 0)} bases of the training arms\n`,
);

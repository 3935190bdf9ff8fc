/**
 * Generated doc tables of the io benchmarks (see ../generate.ts), from bench/results/io-*.json. The
 * results table and its lines are the text `bench/io/run.js` prints (bench/io/table.ts).
 */
import {
  describeCorrectness,
  formatEnvironment,
  formatRepeats,
  formatStartup,
  formatTable,
  seconds as ioSeconds,
  type CaseResult,
  type RunEnvironment,
} from '../../io/table.js';
import { fixed, provenance, result } from '../json.js';
import type { TableRenderer } from '../tables.js';

/** What bench/io/run.ts writes. */
interface IoReport extends RunEnvironment {
  date: string;
  command: string;
  git: { commit: string; dirty: boolean };
  repeats: { faidx: number; pileup: number; warmups: number };
  startup: {
    nodeEmptyS: number;
    locusVersionS: number;
    nodeEmpty: { peakRssMb?: number };
    locusVersion: { peakRssMb?: number };
  };
  cases: CaseResult[];
}

const LATEST = 'io-latest.json';
/** The run before Locus's own BGZF reader and byte-buffer rows (one template string per pileup row). */
const BEFORE_PILEUP_REWRITE = 'io-20261128T092006Z.json';

const caseById = (report: IoReport, id: string): CaseResult => {
  const c = report.cases.find((r) => r.id === id);
  if (!c) throw new Error(`io result ${report.date} has no case ${id}`);
  return c;
};

const rss = (mb: number | undefined): string => (mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB`);

/** Peak RSS over several cases: "8 MB", or "168 to 175 MB". */
const rssRange = (values: (number | undefined)[]): string => {
  const known = values.filter((v): v is number => v !== undefined);
  if (known.length === 0) return 'n/a';
  const [low, high] = [fixed(Math.min(...known), 0), fixed(Math.max(...known), 0)];
  return low === high ? `${low} MB` : `${low} to ${high} MB`;
};

export const IO_TABLES: Record<string, TableRenderer> = {
  /** The latest run: machine, timing, the table `run.js` prints, its start-up line and output checks. */
  'io-results': (root) => {
    const r = result<IoReport>(root, LATEST);
    return [
      `- ${formatEnvironment(r)}`,
      `- ${formatRepeats(r.repeats.faidx, r.repeats.pileup)}`,
      `- ${formatStartup(r.startup.nodeEmptyS, r.startup.locusVersionS)}`,
      '',
      formatTable(r.cases),
      '',
      'Output checks:',
      '',
      ...r.cases.map((c) => `- ${c.id}: ${describeCorrectness(c.correctness)}`),
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** Start-up against samtools' whole faidx run. */
  'io-faidx-startup': (root) => {
    const r = result<IoReport>(root, LATEST);
    const plain = caseById(r, 'faidx-plain');
    return [
      `In the latest run samtools needs ${ioSeconds(plain.samtools.medianS)} s for the whole plain-FASTA case, an ` +
        `empty Node process ${ioSeconds(r.startup.nodeEmptyS)} s and \`locus --version\` ` +
        `${ioSeconds(r.startup.locusVersionS)} s: start-up alone is ` +
        `${fixed(r.startup.locusVersionS / plain.samtools.medianS, 1)}x samtools' whole run.`,
      '',
      provenance(LATEST, r),
    ].join('\n');
  },

  /** The pileup before the rewrite, and peak RSS against samtools and an empty Node. */
  'io-pileup-bounds': (root) => {
    const before = result<IoReport>(root, BEFORE_PILEUP_REWRITE);
    const r = result<IoReport>(root, LATEST);
    const old = caseById(before, 'pileup-q0');
    const pileups = r.cases.filter((c) => c.id.startsWith('pileup-'));
    return [
      `- Before (\`bench/results/${BEFORE_PILEUP_REWRITE}\`): ${old.title} took ${ioSeconds(old.locus.medianS)} s ` +
        `against samtools' ${ioSeconds(old.samtools.medianS)} s, ${fixed(old.locus.medianS / old.samtools.medianS, 1)}x.`,
      `- Peak RSS of the pileups in the latest run: samtools ${rssRange(pileups.map((c) => c.samtools.peakRssMb))}, ` +
        `Locus ${rssRange(pileups.map((c) => c.locus.peakRssMb))}; ` +
        `\`node -e ''\` alone ${rss(r.startup.nodeEmpty.peakRssMb)}.`,
      '',
      provenance(BEFORE_PILEUP_REWRITE, before),
      '',
      provenance(LATEST, r),
    ].join('\n');
  },
};

/**
 * Generated doc tables of the `locus motifs` benchmark (see ../generate.ts), from
 * bench/results/motifs-test.json and motifs-validation.json, which bench/motifs/run.ts writes.
 */
import { fixed, markdownTable, provenance, result, seconds } from '../json.js';
import type { TableRenderer } from '../tables.js';
import { PROMOTER_ELEMENTS } from '../../../pipelines/motifs/core-promoter.js';

interface ToolScore {
  tool: string;
  cpuSeconds: number;
  peakRssMb: number;
  timedOut: boolean;
  motifs: number;
  bestRank: number | null;
  similarity: number;
  found: boolean;
  siteRecall: number;
}

interface Dm3Tool {
  tool: string;
  cpuSeconds: number;
  peakRssMb: number;
  timedOut: boolean;
  tataRank: number | null;
  inrRank: number | null;
  top: {
    rank: number;
    id: string;
    matches: { id: string; name: string; similarity: number; qvalue: number }[];
  }[];
}

interface MotifsReport {
  command: string;
  date: string;
  split: string;
  git: { commit: string };
  planted: {
    set: string;
    tier: string;
    kind: string;
    motif: { id: string; name: string };
    bar: number;
    /** Absent in results written before it was measured. */
    plantedEnrichment?: { againstShuffle: { log10P: number }; againstBackground: { log10P: number } };
    tools: ToolScore[];
  }[];
  dm3?: { targets: string; background: string; tools: Dm3Tool[] };
}

const NAMES: Record<string, string> = { locus: 'locus motifs', elph: 'ELPH (true width)', glam2: 'GLAM2' };

function plantedTable(root: string, file: string): string {
  const r = result<MotifsReport>(root, file);
  const rows = r.planted.flatMap((set) =>
    set.tools.map((t) => [
      t.tool === 'locus' ? `${set.set} (${set.motif.name} ${set.motif.id})` : '',
      t.tool === 'locus' && set.plantedEnrichment
        ? `${fixed(set.plantedEnrichment.againstShuffle.log10P, 1)} / ${fixed(set.plantedEnrichment.againstBackground.log10P, 1)}`
        : '',
      NAMES[t.tool] ?? t.tool,
      t.timedOut ? 'timed out' : t.bestRank === null ? '-' : String(t.bestRank),
      fixed(t.similarity, 3),
      t.found ? `**yes** (≥ ${set.bar})` : 'no',
      fixed(t.siteRecall, 2),
      seconds(t.cpuSeconds),
    ]),
  );
  const totals = ['locus', 'elph', 'glam2'].map((tool) => {
    const scores = r.planted.map((s) => s.tools.find((t) => t.tool === tool)!).filter(Boolean);
    const found = scores.filter((t) => t.found).length;
    const cpu = scores.reduce((a, t) => a + t.cpuSeconds, 0);
    return `${NAMES[tool]}: ${found}/${scores.length} found, ${seconds(cpu)} CPU s in all`;
  });
  return [
    markdownTable(
      [
        'set (planted motif)',
        'planted matrix, log10 p (shuffle / background)',
        'tool',
        'rank of best top-3 motif',
        'similarity to JASPAR',
        'found',
        'site recall',
        'CPU s',
      ],
      rows,
    ),
    '',
    totals.join('; ') + '.',
    '',
    provenance(file, r),
  ].join('\n');
}

/** bench/motifs/ceiling.ts's record: the planted sites' own matrix against the planted one. */
interface CeilingReport {
  command: string;
  date: string;
  git: { commit: string };
  splits: { split: string; sets: { set: string; tier: string; sites: number; similarity: number }[] }[];
}

/**
 * Per set and split: the similarity the planted sites themselves reach, the bar, and what locus motifs
 * reached (from the benchmark run of that split).
 */
function ceilingTable(root: string): string {
  const file = 'motifs-ceiling.json';
  const c = result<CeilingReport>(root, file);
  const runs = ['validation', 'test'].map(
    (split) => [split, result<MotifsReport>(root, `motifs-${split}.json`)] as const,
  );
  const rows = c.splits.flatMap(({ split, sets }) => {
    const run = runs.find(([s]) => s === split)?.[1];
    return sets.map((set) => {
      const scored = run?.planted.find((p) => p.set === set.set);
      const locus = scored?.tools.find((t) => t.tool === 'locus');
      return [
        split,
        `${set.set}${scored ? ` (${scored.motif.name})` : ''}`,
        String(set.sites),
        fixed(set.similarity, 3),
        scored ? String(scored.bar) : '-',
        locus ? `${fixed(locus.similarity, 3)}${locus.found ? ' (found)' : ''}` : '-',
      ];
    });
  });
  return [
    markdownTable(
      [
        'split',
        'set',
        'planted sites',
        'their own matrix: similarity to JASPAR',
        'bar',
        'locus motifs: similarity',
      ],
      rows,
    ),
    '',
    provenance(file, c),
  ].join('\n');
}

const ELEMENT_NAMES = new Set(PROMOTER_ELEMENTS.map((m) => m.name));

/** A motif's best match, and the core-promoter element among its matches when that is not the best. */
function matchesText(matches: readonly { name: string; similarity: number }[]): string {
  const [best] = matches;
  if (!best) return '-';
  const element = matches.find((x) => ELEMENT_NAMES.has(x.name));
  const text = `${best.name} (${fixed(best.similarity, 2)})`;
  return element && element !== best ? `${text}, ${element.name} (${fixed(element.similarity, 2)})` : text;
}

function dm3Table(root: string, file: string): string {
  const r = result<MotifsReport>(root, file);
  if (!r.dm3) return `(${file} has no dm3 run)`;
  const rows = r.dm3.tools.map((t) => [
    // No true width on real data: ELPH is told 8, the TATA box's.
    t.tool === 'elph' ? 'ELPH (width 8)' : (NAMES[t.tool] ?? t.tool),
    t.timedOut ? 'timed out' : t.tataRank === null ? 'not in top 5' : String(t.tataRank),
    t.timedOut ? '' : t.inrRank === null ? 'not in top 5' : String(t.inrRank),
    t.top.map((m) => `${m.rank}: ${matchesText(m.matches)}`).join('; '),
    seconds(t.cpuSeconds),
    fixed(t.peakRssMb, 0),
  ]);
  return [
    markdownTable(
      [
        'tool',
        'TATA rank',
        'Inr rank',
        'top 5 motifs: best match (similarity), and a promoter element among its 5 best',
        'CPU s',
        'peak MB',
      ],
      rows,
    ),
    '',
    provenance(file, r),
  ].join('\n');
}

interface ModelScore {
  id: string;
  similarity: number;
  /** Model motifs: the similarity of the peak-window matrix (absent in results before it existed). */
  peakSimilarity?: number | null;
  attributionShare: number | null;
  baseShare: number | null;
}

interface ModelReport {
  command: string;
  date: string;
  git: { commit: string };
  /** The classifier's pooling ('default' when the CLI's was used); absent in older results. */
  pooling?: string;
  sets: {
    set: string;
    /** Absent in results of one seed written before seeds were recorded per row. */
    seed?: number;
    motif: { id: string; name: string };
    bar: number;
    classifier: { validationAuroc: number; steps: number; seconds: number };
    modelGuided: ModelScore | null;
    found: boolean;
    enrichmentBest: ModelScore | null;
    cpuSeconds: number;
  }[];
}

function share(m: ModelScore | null): string {
  if (!m || m.attributionShare === null || m.baseShare === null) return '-';
  return `${fixed(100 * m.attributionShare, 1)}% on ${fixed(100 * m.baseShare, 1)}% of bases`;
}

function modelTable(root: string, file: string): string {
  const r = result<ModelReport>(root, file);
  const seeds = new Set(r.sets.map((s) => s.seed ?? 1));
  const rows = r.sets.map((s) => [
    `${s.set} (${s.motif.name} ${s.motif.id})`,
    ...(seeds.size > 1 ? [String(s.seed)] : []),
    fixed(s.classifier.validationAuroc, 3),
    s.modelGuided ? fixed(s.modelGuided.similarity, 3) : 'none found',
    s.found ? `**yes** (≥ ${s.bar})` : 'no',
    s.modelGuided?.peakSimilarity != null ? fixed(s.modelGuided.peakSimilarity, 3) : '-',
    share(s.modelGuided),
    s.enrichmentBest ? `${fixed(s.enrichmentBest.similarity, 3)}; ${share(s.enrichmentBest)}` : '-',
    seconds(s.cpuSeconds),
  ]);
  const found = r.sets.filter((s) => s.found).length;
  return [
    markdownTable(
      [
        'set (planted motif)',
        ...(seeds.size > 1 ? ['seed'] : []),
        'classifier validation AUROC',
        'best model-guided motif: similarity',
        'found',
        'the same motif as found on the peak windows',
        'its attribution share',
        'best enrichment motif: similarity; attribution share',
        'CPU s (whole run)',
      ],
      rows,
    ),
    '',
    `Found in ${found} of ${r.sets.length} runs${seeds.size > 1 ? ` (${r.sets.length / seeds.size} sets x ${seeds.size} seeds)` : ''}.`,
    '',
    provenance(file, r),
  ].join('\n');
}

/**
 * The classifier's pooling compared on the validation sets, over seeds: per pooling and seed, each
 * set's best model-guided similarity (found ones in bold) and the classifier's validation AUROC.
 */
function poolingTable(root: string, files: readonly string[]): string {
  const reports = files.map((f) => ({ file: f, r: result<ModelReport>(root, f) }));
  const setNames = [...new Set(reports[0]!.r.sets.map((s) => s.set))];
  const rows = reports.flatMap(({ r }) => {
    const seeds = [...new Set(r.sets.map((s) => s.seed ?? 1))];
    return seeds.map((seed) => {
      const of = (name: string) => r.sets.find((s) => s.set === name && (s.seed ?? 1) === seed);
      const cells = setNames.map((name) => {
        const s = of(name);
        if (!s?.modelGuided) return 'none; AUROC -';
        // A miss that three decimals would round up to the bar gets a fourth.
        let similarity = fixed(s.modelGuided.similarity, 3);
        if (!s.found && Number(similarity) >= s.bar) similarity = fixed(s.modelGuided.similarity, 4);
        return `${s.found ? `**${similarity}**` : similarity}; ${fixed(s.classifier.validationAuroc, 2)}`;
      });
      const found = setNames.filter((name) => of(name)?.found).length;
      return [r.pooling ?? 'default', String(seed), ...cells, `${found}/${setNames.length}`];
    });
  });
  const totals = reports.map(({ r }) => {
    const found = r.sets.filter((s) => s.found).length;
    const mean = r.sets.reduce((a, s) => a + (s.modelGuided?.similarity ?? 0), 0) / r.sets.length;
    return `${r.pooling ?? 'default'} pooling: found in ${found} of ${r.sets.length} runs, mean similarity ${fixed(mean, 3)}`;
  });
  return [
    markdownTable(
      ['pooling', 'seed', ...setNames.map((n) => `${n}: similarity; classifier AUROC`), 'found'],
      rows,
    ),
    '',
    `${totals.join('; ')}.`,
    '',
    reports.map(({ file, r }) => provenance(file, r)).join('\n\n'),
  ].join('\n');
}

/** CPU time and peak memory of every tool on every set, with Locus's CPU as a share of GLAM2's. */
function costTable(root: string, file: string): string {
  const r = result<MotifsReport>(root, file);
  const sets = [
    ...r.planted.map((p) => ({
      name: p.set,
      tools: p.tools as { tool: string; cpuSeconds: number; peakRssMb: number; timedOut: boolean }[],
    })),
    ...(r.dm3 ? [{ name: 'dm3 promoters', tools: r.dm3.tools }] : []),
  ];
  const rows = sets.map((set) => {
    const by = (tool: string) => set.tools.find((t) => t.tool === tool);
    const cell = (tool: string) => {
      const t = by(tool);
      if (!t) return '-';
      return `${seconds(t.cpuSeconds)} s, ${fixed(t.peakRssMb, 0)} MB${t.timedOut ? ' (timed out)' : ''}`;
    };
    const locus = by('locus');
    const glam2 = by('glam2');
    return [
      set.name,
      cell('locus'),
      cell('elph'),
      cell('glam2'),
      locus && glam2
        ? `${fixed(locus.cpuSeconds / glam2.cpuSeconds, 2)}x${glam2.timedOut ? ' (GLAM2 stopped at the time limit)' : ''}`
        : '-',
    ];
  });
  return [
    markdownTable(['set', 'locus motifs: CPU, peak RSS', 'ELPH', 'GLAM2', 'locus CPU / GLAM2 CPU'], rows),
    '',
    provenance(file, r),
  ].join('\n');
}

/** The model-guided mode's test result, in one sentence. */
function modelHeadline(root: string): string {
  const r = result<ModelReport>(root, 'motifs-model-test.json');
  const seeds = new Set(r.sets.map((s) => s.seed ?? 1)).size;
  const found = r.sets.filter((s) => s.found).length;
  return (
    `With \`--train-model\`, the motifs a Reformer classifier's attribution points to (their matrices re-estimated on the targets) reach the same bar in ${found} of ${r.sets.length} runs ` +
    `(${r.sets.length / seeds} sets of the 70% tier x ${seeds} seeds; \`bench/results/motifs-model-test.json\` of ${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}).`
  );
}

export const MOTIFS_TABLES: Record<string, TableRenderer> = {
  'motifs-ceiling': ceilingTable,
  'motifs-cost': (root) => costTable(root, 'motifs-test.json'),
  'motifs-model': (root) => modelTable(root, 'motifs-model-test.json'),
  'motifs-model-pooling': (root) =>
    poolingTable(root, ['motifs-model-validation-max.json', 'motifs-model-validation-mean.json']),
  'motifs-planted': (root) => plantedTable(root, 'motifs-test.json'),
  'motifs-planted-validation': (root) => plantedTable(root, 'motifs-validation.json'),
  'motifs-dm3': (root) => dm3Table(root, 'motifs-test.json'),
  'motifs-dm3-validation': (root) => dm3Table(root, 'motifs-validation.json'),
  /** One sentence for the README. */
  'motifs-headline': (root) => {
    const r = result<MotifsReport>(root, 'motifs-test.json');
    const tally = (tool: string) => {
      const scores = r.planted.map((s) => s.tools.find((t) => t.tool === tool)!);
      return `${scores.filter((t) => t.found).length}/${scores.length}`;
    };
    const cpu = (tool: string) =>
      r.planted.reduce((a, s) => a + (s.tools.find((t) => t.tool === tool)?.cpuSeconds ?? 0), 0);
    const rank = (x: number | null | undefined) =>
      x === null || x === undefined ? 'not in the top 5' : `rank ${x}`;
    const dm3 = r.dm3?.tools.find((t) => t.tool === 'locus');
    const peersFind = (r.dm3?.tools ?? []).filter(
      (t) => t.tool !== 'locus' && (t.tataRank !== null || t.inrRank !== null),
    );
    return (
      `On ${r.planted.length} planted-motif test sets, \`locus motifs\` finds ${tally('locus')} planted JASPAR motifs ` +
      `among its top 3 at the similarity bar, ELPH ${tally('elph')} and GLAM2 ${tally('glam2')}, in ` +
      `${seconds(cpu('locus'))} CPU s against ${seconds(cpu('elph'))} and ${seconds(cpu('glam2'))}. ` +
      (dm3
        ? `On 2,000 Drosophila promoters (\`--anchor end\`), its TATA box is at ${rank(dm3.tataRank)} and its initiator at ${rank(dm3.inrRank)}; ` +
          `${peersFind.length === 0 ? 'neither ELPH nor GLAM2 has either in its top 5' : `${peersFind.map((t) => t.tool).join(' and ')} also find one`} `
        : '') +
      `(\`docs/motifs.md\`; \`bench/results/motifs-test.json\` of ${r.date.slice(0, 10)}, commit ${r.git.commit.slice(0, 10)}). ` +
      modelHeadline(root)
    );
  },
};

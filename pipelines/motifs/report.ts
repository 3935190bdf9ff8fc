/**
 * report.html of `locus motifs`: one self-contained page (no script, no network). For every motif,
 * best first: its logo, E-value, how many targets and background sequences hold a site, where the
 * sites sit along the sequences, and the database motifs it resembles.
 */
import { basename } from 'node:path';
import { count, duration, escapeXml, kvTable, memory, pageHead, shortLength } from '../report/page.js';
import { RANK_BY_TEST_MIN } from './discover.js';
import { formatEvalue } from './meme-format.js';
import { logoSvg } from './logo.js';
import type { MotifsResult } from './motifs.js';
import { positionPlot } from './plots.js';
import { windowText, type PositionalWindow, type ReportedMotif } from './types.js';

const REPORT_STYLE = `
td.logo svg { width: auto; max-width: 360px; height: 72px; display: block; }
.logos { display: flex; gap: 24px; flex-wrap: wrap; }
.logos figure { margin: 6px 0; }
.logos svg { height: 120px; width: auto; }
.consensus { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
.weak { color: #8a1c12; }
.matches { margin: 0; padding-left: 0; list-style: none; font-size: 13px; }
`;

/** "TBP (MA0108.3) 0.93" entries of the best matches, the most significant first. */
function matchList(motif: ReportedMotif, limit: number): string {
  if (motif.matches.length === 0) return '<span class="muted">none</span>';
  const items = motif.matches.slice(0, limit).map((m) => {
    const name = `${escapeXml(m.name)} <span class="muted">${escapeXml(m.id)}</span>`;
    return `<li>${name} · similarity ${m.similarity.toFixed(2)} · q ${escapeXml(m.qvalue.toExponential(1))}</li>`;
  });
  return `<ul class="matches">${items.join('')}</ul>`;
}

function isSignificant(motif: ReportedMotif, threshold: number): boolean {
  return motif.evalue <= threshold;
}

function motifRow(motif: ReportedMotif, result: MotifsResult): string {
  const significant = isSignificant(motif, result.settings.evalueThreshold);
  const share = (x: number) => `${(100 * x).toFixed(1)}%`;
  return [
    `<tr id="motif-${motif.rank}">`,
    `<td class="num">${motif.rank}</td>`,
    `<td class="logo">${logoSvg(motif.matrix, { background: result.letters, columnWidth: 16, height: 60 })}</td>`,
    `<td><span class="consensus">${escapeXml(motif.consensus)}</span><br><span class="muted">${motif.matrix.length} bp` +
      (motif.position ? `<br>positional: ${escapeXml(windowText(motif.position))}` : '') +
      '</span></td>',
    `<td class="num${significant ? '' : ' weak'}">${escapeXml(formatEvalue(motif.evalue))}</td>`,
    `<td class="num">${count(motif.targetSites)}<br><span class="muted">${share(motif.targetSequenceShare)} of targets<br>${share(motif.backgroundSequenceShare)} of background</span></td>`,
    `<td>${positionPlot(motif.positions, `positions of the ${count(motif.targetSites)} sites of motif ${motif.rank}`)}</td>`,
    `<td>${matchList(motif, 3)}</td>`,
    '</tr>',
  ].join('');
}

function motifDetails(motif: ReportedMotif, result: MotifsResult): string {
  const logo = (reverse: boolean) =>
    logoSvg(motif.matrix, { background: result.letters, reverseComplement: reverse });
  return [
    `<section id="details-${motif.rank}">`,
    `<h3>Motif ${motif.rank}: <span class="consensus">${escapeXml(motif.consensus)}</span></h3>`,
    '<div class="logos">',
    `<figure>${logo(false)}<figcaption>forward</figcaption></figure>`,
    `<figure>${logo(true)}<figcaption>reverse complement</figcaption></figure>`,
    '</div>',
    `<p>E-value ${escapeXml(formatEvalue(motif.evalue))} (held-out log10 p ${motif.testLog10P.toFixed(1)}, ` +
      `training log10 p ${motif.trainLog10P.toFixed(1)}). Sites score at least ${motif.threshold.toFixed(2)} bits: ` +
      `${count(motif.targetSites)} in the targets, ${count(motif.backgroundSites)} in the background. ` +
      `Found in round ${motif.found} from the seed word <span class="consensus">${escapeXml(motif.seedWord)}</span>.</p>`,
    motif.position ? positionParagraph(motif.position) : '',
    motif.modelShare !== undefined
      ? `<p>Its sites carry ${(100 * motif.modelShare.attribution).toFixed(1)}% of the model's positive attribution on the targets, on ${(100 * motif.modelShare.bases).toFixed(1)}% of their bases.</p>`
      : '',
    '<h4>Best database matches</h4>',
    matchList(motif, 5),
    '</section>',
  ].join('\n');
}

/** What makes a positional motif: how its sites crowd into its window, held out and in training. */
function positionParagraph(window: PositionalWindow): string {
  const strands = window.anchor === 'center' ? 'both strands' : 'the given strand';
  return (
    `<p>Positional motif: its site ${escapeXml(windowText(window))} (${strands}). ` +
    `In the held-out targets ${count(window.testInWindow)} of its ${count(window.testSites)} sites fall there, ` +
    `where the positions of all words would put ${window.testExpected.toFixed(1)}; in the training targets, ` +
    `where the window was chosen, ${count(window.trainInWindow)} of ${count(window.trainSites)} ` +
    `(${window.trainExpected.toFixed(1)} expected). Its E-value tests the held-out count.</p>`
  );
}

/** Which motifs the classifier relies on: attribution share against base share, per motif. */
function modelSection(result: MotifsResult): string {
  const model = result.model!;
  const rows = result.motifs
    .filter((m) => m.modelShare)
    .map((m) => {
      const share = m.modelShare!;
      const ratio = share.bases > 0 ? share.attribution / share.bases : NaN;
      return (
        `<tr><td>${m.source === 'model' ? 'model' : 'enrichment'}</td>` +
        `<td><a href="#details-${m.rank}"><span class="consensus">${escapeXml(m.consensus)}</span></a></td>` +
        `<td class="num">${(100 * share.attribution).toFixed(1)}%</td><td class="num">${(100 * share.bases).toFixed(1)}%</td>` +
        `<td class="num">${Number.isFinite(ratio) ? ratio.toFixed(1) + '×' : '-'}</td></tr>`
      );
    });
  const trained = model.trained
    ? `trained here (validation AUROC ${model.trained.validationAuroc.toFixed(3)}, ${count(model.trained.steps)} steps, ${duration(model.trained.seconds)}; saved in <span class="path">model/best</span>)`
    : `<span class="path">${escapeXml(model.checkpoint)}</span>`;
  return [
    '<section id="model">',
    '<h2>What the model relies on</h2>',
    `<p>A classifier of targets against background, ${trained}, was asked which bases its decision depends on ` +
      '(input × gradient of its target log-odds, both strands). For every motif: the share of the positive ' +
      "attribution on the targets inside the motif's sites, and the share of bases those sites cover. A motif the " +
      'model uses carries several times its share of bases; one it ignores, about its share. Motifs marked ' +
      "<em>model</em> were picked in the windows around each target's attribution peak, against windows elsewhere " +
      'in the same targets, and their matrices then re-estimated on the whole targets against the background: ' +
      'one that matches an enrichment motif is that motif, found again from what the model relies on.</p>',
    '<table><thead><tr><th>found by</th><th>motif</th><th class="num">attribution</th><th class="num">bases</th><th class="num">ratio</th></tr></thead>',
    `<tbody>${rows.join('')}</tbody></table>`,
    '</section>',
  ].join('\n');
}

export function motifsReportHtml(result: MotifsResult, command: string): string {
  const title = `Locus motifs: ${basename(result.targets.path)}`;
  const significant = result.motifs.filter((m) => isSignificant(m, result.settings.evalueThreshold)).length;
  const html: string[] = [...pageHead(title), `<style>${REPORT_STYLE}</style>`];
  html.push('<header>', `<h1>${escapeXml(title)}</h1>`, `<div class="path">${escapeXml(command)}</div>`);
  const tiles: [string, string][] = [
    ['Motifs', count(result.motifs.length)],
    [`E ≤ ${result.settings.evalueThreshold}`, count(significant)],
    ['Targets', count(result.targets.sequences)],
    ['Target bases', shortLength(result.targets.bases)],
    ['Background', count(result.background.sequences)],
    [
      'Held out',
      result.heldOut.targets === 0
        ? 'none'
        : `${count(result.heldOut.targets)}${result.heldOut.pieceBases === null ? '' : ' pieces'}`,
    ],
    ['Total time', duration(result.seconds)],
    ['Peak memory', memory(result.peakRssMb)],
  ];
  html.push('<dl class="summary">');
  for (const [k, v] of tiles) html.push(`<div><dt>${escapeXml(k)}</dt><dd>${escapeXml(v)}</dd></div>`);
  html.push('</dl>');
  const backgroundText = result.background.shuffled
    ? `each target shuffled keeping its ${result.background.shuffleK}-mer (and so dinucleotide) counts`
    : `<span class="path">${escapeXml(result.background.path)}</span>, weighted to the targets' GC distribution` +
      (result.gcMatching && result.gcMatching.unmatchedTargets > 0
        ? ` (${count(result.gcMatching.unmatchedTargets)} targets have a GC content no background sequence has)`
        : '');
  html.push(
    `<p class="muted">Targets: <span class="path">${escapeXml(result.targets.path)}</span> ` +
      `(${count(result.targets.minLength)}–${count(result.targets.maxLength)} bp). Background: ${backgroundText}. ` +
      (result.heldOut.pieceBases === null || result.heldOut.targets === 0
        ? ''
        : `For the held-out test the sequences were cut into pieces of about ${count(result.heldOut.pieceBases)} bp. `) +
      'Both strands searched' +
      (result.settings.anchor
        ? `; the targets are aligned at their ${result.settings.anchor}, and motifs whose sites crowd at a distance from it were sought too` +
          (result.settings.anchor === 'center'
            ? ''
            : ' (on the given strand: the anchor orients the sequences)')
        : '') +
      '.</p>',
    '</header>',
  );

  html.push('<section id="motifs">', '<h2>Motifs</h2>');
  if (result.motifs.length === 0) {
    html.push('<p>No motif is enriched in the targets over the background.</p>');
  } else {
    html.push(
      (result.rankedByTest
        ? '<p>Ranked by E-value'
        : `<p>Ranked by enrichment in the training part (fewer than ${RANK_BY_TEST_MIN} targets held out, too few to rank by)`) +
        `: the E-value is the p-value of the ${result.countBy === 'sequences' ? 'number of sequences with a site' : 'site counts'} in held-out targets against held-out background` +
        (result.settings.anchor
          ? ' (for a positional motif: of its held-out sites in its window, against where the positions of all words put them)'
          : '') +
        `, times the motifs tested; E-values above ${result.settings.evalueThreshold} ` +
        '(red) may be chance. The bars show where along the targets the sites sit.' +
        (result.heldOut.targets === 0
          ? ' <strong>Too few sequences to hold any out: E-values are computed on the training data and are optimistic.</strong>'
          : '') +
        '</p>',
      '<div class="scroll"><table>',
      '<thead><tr><th class="num">#</th><th>Logo</th><th>Consensus</th><th class="num">E-value</th><th class="num">Sites</th><th>Site positions</th><th>Best matches</th></tr></thead>',
      '<tbody>',
      ...result.motifs.map((m) => motifRow(m, result)),
      '</tbody></table></div>',
      '<h2>Each motif</h2>',
      ...result.motifs.map((m) => motifDetails(m, result)),
    );
  }
  html.push('</section>');
  if (result.model) html.push(modelSection(result));

  html.push(
    '<section id="settings">',
    '<h2>Settings</h2>',
    kvTable([
      ['widths', `${result.settings.minWidth}–${result.settings.maxWidth}`],
      ['max motifs', String(result.settings.maxMotifs)],
      ['anchor', result.settings.anchor ?? 'none (no positional search)'],
      ['seed', String(result.settings.seed)],
      ['held-out share', String(result.settings.holdoutFraction)],
      ['database', result.databases.map((d) => `${d.name} (${d.motifs} motifs)`).join('; ')],
      ['background letters (A C G T)', result.letters.map((p) => p.toFixed(3)).join(' ')],
    ]),
    '<p class="muted">Similarity compares letter probabilities column by column (1 − Euclidean distance / √2), weighted by the database motif\'s information content, at the best offset and strand; p-values as Tomtom computes them (summed column correlations against random database columns, corrected for the number of alignments), q-values by Benjamini-Hochberg over the database.</p>',
    '</section>',
    '<footer>Written by Locus. JASPAR 2024 profiles: CC BY 4.0, Rauluseviciute et al., Nucleic Acids Res. 2024.</footer>',
    '</main>',
    '</body>',
    '</html>',
  );
  return html.join('\n') + '\n';
}

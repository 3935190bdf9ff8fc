/** The small pictures of a motif that the report (and the desktop) draw: where its sites sit. */
import { escapeXml } from '../report/page.js';

/**
 * Site centres along the sequences (counts in equal bins, 0 = sequence start) as a small bar chart:
 * a flat profile is a motif found anywhere, a peak a motif at a fixed place (TATA box before a TSS,
 * a factor at the centre of ChIP peaks).
 */
export function positionPlot(bins: readonly number[], label: string, width = 180, height = 44): string {
  const max = Math.max(1, ...bins);
  const barWidth = width / bins.length;
  const plotHeight = height - 12;
  const bars = bins
    .map((n, i) => {
      const h = (n / max) * plotHeight;
      return `<rect x="${(i * barWidth + 0.5).toFixed(1)}" y="${(plotHeight - h).toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#0b5394"/>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(label)}">`,
    `<title>${escapeXml(label)}</title>`,
    bars,
    `<line x1="0" y1="${plotHeight + 0.5}" x2="${width}" y2="${plotHeight + 0.5}" stroke="#888" stroke-width="1"/>`,
    `<text x="0" y="${height - 1}" font-size="9" fill="#5a5a5f" font-family="sans-serif">start</text>`,
    `<text x="${width}" y="${height - 1}" font-size="9" fill="#5a5a5f" font-family="sans-serif" text-anchor="end">end</text>`,
    '</svg>',
  ].join('');
}

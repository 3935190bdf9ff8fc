/** A small self-contained SVG of training (and evaluation) loss against step, for the run folder. */
export interface CurvePoint {
  step: number;
  value: number;
}

export function lossCurveSvg(
  series: { name: string; colour: string; points: CurvePoint[] }[],
  title: string,
): string {
  const width = 640;
  const height = 360;
  const margin = { left: 60, right: 20, top: 30, bottom: 40 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.value));
  const maxStep = Math.max(1, ...all.map((p) => p.step));
  const minValue = Math.min(...all.map((p) => p.value), Number.POSITIVE_INFINITY);
  const maxValue = Math.max(...all.map((p) => p.value), Number.NEGATIVE_INFINITY);
  const lo = Number.isFinite(minValue) ? minValue : 0;
  const hi = Number.isFinite(maxValue) && maxValue > lo ? maxValue : lo + 1;
  const x = (step: number) => margin.left + ((width - margin.left - margin.right) * step) / maxStep;
  const y = (v: number) => margin.top + ((height - margin.top - margin.bottom) * (hi - v)) / (hi - lo);
  const escape = (text: string) =>
    text.replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  const lines = series
    .filter((s) => s.points.length > 0)
    .map((s, i) => {
      const path = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p.step).toFixed(1)},${y(p.value).toFixed(1)}`)
        .join(' ');
      return (
        `<path d="${path}" fill="none" stroke="${s.colour}" stroke-width="1.5"/>` +
        `<text x="${width - margin.right - 120}" y="${margin.top + 16 * (i + 1)}" fill="${s.colour}" font-size="12">${escape(s.name)}</text>`
      );
    })
    .join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="${margin.left}" y="18" font-size="14">${escape(title)}</text>
<line x1="${margin.left}" y1="${height - margin.bottom}" x2="${width - margin.right}" y2="${height - margin.bottom}" stroke="black"/>
<line x1="${margin.left}" y1="${margin.top}" x2="${margin.left}" y2="${height - margin.bottom}" stroke="black"/>
${ticks.map((v) => `<text x="${margin.left - 6}" y="${y(v) + 4}" font-size="10" text-anchor="end">${v.toFixed(3)}</text>`).join('\n')}
<text x="${(width + margin.left) / 2}" y="${height - 8}" font-size="12" text-anchor="middle">step (max ${maxStep})</text>
${lines}
</svg>
`;
}

// The one roofline renderer: ChartData in, an SVG string out. Pure (no DOM), so the panel and the CLI draw the same chart.
import { scaleLog, type ScaleLogarithmic } from 'd3-scale';
import type { ChartData, ChartPoint, Ridge } from './types';
import { ridgesOf } from './ridges';
import { formatBytes, formatFlops, formatIntensity, formatPercent, formatRate, formatTick, formatTime } from '../format';
import { CHART_CSS } from './style';

export interface RenderOptions {
  readonly width?: number;
  readonly height?: number;
  /** Fixed axis ranges, [min, max]; computed from the data when absent. Intensity in FLOP/B, performance in FLOP/s. */
  readonly xDomain?: readonly [number, number];
  readonly yDomain?: readonly [number, number];
  /** Embed a <style> and the XML namespace so the SVG stands alone (CLI output); the panel styles it from outside. */
  readonly standalone?: boolean;
  /** Points to draw emphasised (the op under the editor's cursor). */
  readonly highlight?: readonly number[];
  /** Draw only the ops of this scope (the panel's filter); roofs stay. */
  readonly scope?: string;
  readonly title?: string;
}

export const MARGIN = { top: 24, right: 24, bottom: 44, left: 64 } as const;

/** Where everything goes: the scales and the plot box, exposed so tests and the panel can map data to pixels. */
export interface RooflineLayout {
  readonly width: number;
  readonly height: number;
  readonly x: ScaleLogarithmic<number, number>;
  readonly y: ScaleLogarithmic<number, number>;
  readonly ridges: readonly Ridge[];
}

export function layoutRoofline(data: ChartData, options: RenderOptions = {}): RooflineLayout {
  const width = options.width ?? 760;
  const height = options.height ?? 480;
  const ridges = ridgesOf(data.roofs);
  const memoryRoofs = data.roofs.filter((roof) => roof.kind === 'memory');
  const computePeaks = data.roofs.filter((roof) => roof.kind === 'compute').map((roof) => roof.value);
  const intensities = [
    ...data.points.map((p) => p.intensity),
    ...data.fusions.map((f) => f.intensity),
    ...ridges.map((r) => r.intensity),
  ].filter((value) => value > 0 && Number.isFinite(value));
  // Margins around the data rather than whole decades: a 989 TFLOP/s roof would otherwise leave a decade empty above.
  const xDomain = options.xDomain ?? [
    Math.min(0.1, ...intensities) / 2.5,
    Math.max(1000, ...intensities) * 2.5,
  ];
  const bandwidth = memoryRoofs.length ? Math.max(...memoryRoofs.map((roof) => roof.value)) : 1e12;
  const performances = [...data.points.map((p) => p.performance), ...data.fusions.map((f) => f.performance)].filter(
    (value) => value > 0 && Number.isFinite(value),
  );
  const topPeak = computePeaks.length ? Math.max(...computePeaks) : Math.max(1e12, ...performances);
  const yDomain = options.yDomain ?? [
    Math.min(bandwidth * xDomain[0] * 4, ...performances.map((p) => p / 2.5)),
    topPeak * 2.5,
  ];
  const x = scaleLog().domain([xDomain[0], xDomain[1]]).range([MARGIN.left, width - MARGIN.right]);
  const y = scaleLog().domain([yDomain[0], yDomain[1]]).range([height - MARGIN.bottom, MARGIN.top]);
  return { width, height, x, y, ridges };
}

const escapeXml = (text: string): string =>
  text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fixed = (value: number): string => value.toFixed(2);

/** A point's radius grows with the square root of its share of the time, so area tracks time. */
export const pointRadius = (share: number): number => 3 + 12 * Math.sqrt(Math.max(0, Math.min(1, share)));

/** The tooltip: op, line, bound, figures, repeat count. */
export function pointTitle(point: ChartPoint): string {
  const repeat = point.repeat > 1 ? ` ×${point.repeat}` : '';
  return [
    `${point.label} (${point.op}), line ${point.line + 1}${repeat}: ${point.bound}-bound`,
    `in ${point.inputs.join(', ')} → out ${point.outputs.join(', ')}`,
    `${formatFlops(point.flops)} · ${formatBytes(point.bytes)} · ${formatIntensity(point.intensity)} FLOP/B`,
    `${formatTime(point.timeUs)} per run (${formatRate(point.performance)}) · ${formatPercent(point.share)} of the file's time`,
    ...(point.sizes.length ? [`sizes: ${point.sizes.join(', ')}`] : []),
    ...(point.fusedBy === 'fallback' ? ['on a fallback path that does not run when the fused kernel does: left out of totals'] : []),
  ].join('\n');
}

/** Tick values at whole decades inside the domain. */
function decades(domain: readonly number[]): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.ceil(Math.log10(domain[0] as number)); exponent <= Math.floor(Math.log10(domain[1] as number)); exponent++) {
    ticks.push(10 ** exponent);
  }
  return ticks;
}

export function renderRoofline(data: ChartData, options: RenderOptions = {}): string {
  const layout = layoutRoofline(data, options);
  const { width, height, x, y, ridges } = layout;
  const [xMin, xMax] = x.domain() as [number, number];
  const [yMin, yMax] = y.domain() as [number, number];
  const parts: string[] = [];
  const title = options.title ?? `Roofline: ${data.gpu.name}, ${data.dtype}`;
  const namespace = options.standalone ? ' xmlns="http://www.w3.org/2000/svg"' : '';
  parts.push(
    `<svg${namespace} class="memwall-roofline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(title)}" data-gpu="${escapeXml(data.gpu.id)}" data-dtype="${escapeXml(data.dtype)}" data-x-domain="${xMin} ${xMax}" data-y-domain="${yMin} ${yMax}">`,
    `<title>${escapeXml(title)}</title>`,
  );
  if (options.standalone) parts.push(`<style>${CHART_CSS}</style>`);
  parts.push(
    '<defs><marker id="memwall-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="fusion-arrowhead" d="M0,0L10,5L0,10z"/></marker></defs>',
  );

  // Grid and axes at whole decades.
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  parts.push('<g class="grid">');
  for (const tick of decades(x.domain())) parts.push(`<line x1="${fixed(x(tick))}" y1="${top}" x2="${fixed(x(tick))}" y2="${bottom}"/>`);
  for (const tick of decades(y.domain())) parts.push(`<line x1="${left}" y1="${fixed(y(tick))}" x2="${right}" y2="${fixed(y(tick))}"/>`);
  parts.push('</g><g class="axes">');
  parts.push(`<rect class="plot-area" x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none"/>`);
  for (const tick of decades(x.domain())) {
    parts.push(`<text class="tick tick-x" x="${fixed(x(tick))}" y="${bottom + 14}" text-anchor="middle">${formatTick(tick)}</text>`);
  }
  for (const tick of decades(y.domain())) {
    parts.push(`<text class="tick tick-y" x="${left - 6}" y="${fixed(y(tick) + 4)}" text-anchor="end">${formatTick(tick)}</text>`);
  }
  parts.push(
    `<text class="axis-title" x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle">arithmetic intensity (FLOP/byte)</text>`,
    `<text class="axis-title" transform="translate(14 ${(top + bottom) / 2}) rotate(-90)" text-anchor="middle">attainable FLOP/s</text>`,
    '</g>',
  );

  // Roofs: each memory roof rises to the highest ridge; each compute roof runs flat from its own ridge to the right edge.
  parts.push('<g class="roofs">');
  const computeRoofs = data.roofs.filter((roof) => roof.kind === 'compute');
  const topCompute = computeRoofs.reduce<(typeof computeRoofs)[number] | undefined>(
    (best, roof) => (!best || roof.value > best.value ? roof : best),
    undefined,
  );
  for (const roof of data.roofs.filter((r) => r.kind === 'memory')) {
    const start = Math.max(xMin, yMin / roof.value);
    const end = Math.min(xMax, topCompute ? topCompute.value / roof.value : xMax, yMax / roof.value);
    parts.push(
      `<line class="roof roof-memory roof-${escapeXml(roof.id)}" data-roof="${escapeXml(roof.id)}" x1="${fixed(x(start))}" y1="${fixed(y(roof.value * start))}" x2="${fixed(x(end))}" y2="${fixed(y(roof.value * end))}"><title>${escapeXml(roof.label)}</title></line>`,
    );
    const labelAt = Math.sqrt(start * end);
    const angle = (Math.atan2(y(roof.value * end) - y(roof.value * start), x(end) - x(start)) * 180) / Math.PI;
    parts.push(
      `<text class="roof-label" transform="translate(${fixed(x(labelAt))} ${fixed(y(roof.value * labelAt) - 6)}) rotate(${fixed(angle)})" text-anchor="middle">${escapeXml(roof.label)}</text>`,
    );
  }
  const memory = data.roofs.find((roof) => roof.kind === 'memory');
  for (const roof of computeRoofs) {
    const start = memory ? Math.max(xMin, roof.value / memory.value) : xMin;
    parts.push(
      `<line class="roof roof-compute roof-${escapeXml(roof.id)}" data-roof="${escapeXml(roof.id)}" x1="${fixed(x(start))}" y1="${fixed(y(roof.value))}" x2="${fixed(x(xMax))}" y2="${fixed(y(roof.value))}"><title>${escapeXml(roof.label)}</title></line>`,
      `<text class="roof-label" x="${fixed(x(xMax) - 4)}" y="${fixed(y(roof.value) - 5)}" text-anchor="end">${escapeXml(roof.label)}</text>`,
    );
  }
  parts.push('</g><g class="ridges">');
  for (const ridge of ridges.filter((r) => r.memoryRoof === memory?.id)) {
    const cx = x(ridge.intensity);
    const cy = y(ridge.performance);
    parts.push(
      `<circle class="ridge" data-ridge="${escapeXml(ridge.computeRoof)}" data-intensity="${ridge.intensity}" cx="${fixed(cx)}" cy="${fixed(cy)}" r="3.5"/>`,
      // Below and left of the ridge, under the memory roof: compute-bound ops crowd the other side.
      `<text class="ridge-label" x="${fixed(cx + 4)}" y="${fixed(cy + 15)}" text-anchor="end">ridge ${formatIntensity(ridge.intensity)} FLOP/B</text>`,
    );
  }
  parts.push('</g>');

  const visible = data.points.filter((point) => !options.scope || point.scope === options.scope);
  const visibleIds = new Set(visible.map((point) => point.id));
  const pointsById = new Map(data.points.map((point) => [point.id, point]));

  // Fusions: an arrow from each op of the group to where the fused kernel would sit.
  parts.push('<g class="fusions">');
  for (const fusion of data.fusions.filter((f) => f.opIds.some((id) => visibleIds.has(id)))) {
    const toX = x(fusion.intensity);
    const toY = y(fusion.performance);
    for (const id of fusion.opIds) {
      const from = pointsById.get(id);
      if (!from) continue;
      parts.push(
        `<line class="fusion-arrow" data-fusion="${escapeXml(fusion.code)}:${fusion.line + 1}" x1="${fixed(x(from.intensity))}" y1="${fixed(y(from.performance))}" x2="${fixed(toX)}" y2="${fixed(toY)}" marker-end="url(#memwall-arrow)"/>`,
      );
    }
    parts.push(
      `<circle class="fused-point" data-fusion="${escapeXml(fusion.code)}:${fusion.line + 1}" data-line="${fusion.line + 1}" cx="${fixed(toX)}" cy="${fixed(toY)}" r="5"><title>${escapeXml(`${fusion.code} fused (line ${fusion.line + 1}): ${formatIntensity(fusion.intensity)} FLOP/B, saves ${formatBytes(fusion.bytesSaved)}, ≈ ${formatTime(fusion.timeSavedUs)}\n${fusion.message}`)}</title></circle>`,
    );
  }
  parts.push('</g>');

  // Points, largest first so that small ones stay clickable on top.
  const highlighted = new Set(options.highlight ?? []);
  parts.push('<g class="points">');
  for (const point of [...visible].sort((a, b) => b.share - a.share)) {
    const classes = `point bound-${point.bound}${point.fusedBy === 'fallback' ? ' fallback' : ''}${highlighted.has(point.id) ? ' highlighted' : ''}`;
    parts.push(
      `<circle class="${classes}" data-op="${escapeXml(point.op)}:${point.line + 1}" data-node="${point.id}" data-line="${point.line + 1}" data-bound="${point.bound}" cx="${fixed(x(point.intensity))}" cy="${fixed(y(point.performance))}" r="${fixed(pointRadius(point.share))}" tabindex="0" role="button" aria-label="${escapeXml(`${point.label}, line ${point.line + 1}, ${point.bound}-bound`)}"><title>${escapeXml(pointTitle(point))}</title></circle>`,
    );
  }
  // Repeated ops (a loop over n_layer blocks) are drawn once; their count stands beside them.
  for (const point of visible.filter((p) => p.repeat > 1)) {
    const radius = pointRadius(point.share);
    parts.push(`<text class="repeat-label" x="${fixed(x(point.intensity) + radius + 2)}" y="${fixed(y(point.performance) + 3.5)}">×${point.repeat}</text>`);
  }
  parts.push('</g>');

  // Legend: what the colours mean, in the bottom-right corner, which a roofline leaves empty (high intensity, slow).
  parts.push('<g class="legend">');
  ['memory', 'compute', 'overhead'].forEach((bound, index) => {
    const lx = right - 3 * 78 + index * 78;
    parts.push(
      `<circle class="point bound-${bound} legend-swatch" cx="${lx}" cy="${bottom - 12}" r="5"/>`,
      `<text class="legend-label" x="${lx + 9}" y="${bottom - 8}">${bound}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

// The one roofline renderer: ChartData in, an SVG string out. Pure (no DOM), so the panel and the CLI draw the same chart.
import { scaleLog, type ScaleLogarithmic } from 'd3-scale';
import type { ChartData, ChartPoint, ChartRoof, Ridge } from './types';
import { ridgesOf } from './ridges';
import { placeLabels, type Box, type LabelRequest, type LabelSpot, type Segment } from './labels';
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
/** Room kept above the top compute roof for its label, px. */
const ROOF_HEADROOM = 24;

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
  const yMin = Math.min(bandwidth * xDomain[0] * 4, ...performances.map((p) => p / 2.5));
  // Above the top roof: a factor of 2.5, and on short charts at least ROOF_HEADROOM px, where the roof's label goes.
  // With d decades above the peak over the plot's height H, the headroom is H·d / (decades below + d).
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const below = Math.log10(topPeak / yMin);
  const above = Math.max(Math.log10(2.5), plotHeight > ROOF_HEADROOM ? (ROOF_HEADROOM * below) / (plotHeight - ROOF_HEADROOM) : 0);
  const yDomain = options.yDomain ?? [yMin, topPeak * 10 ** above];
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
    ...(point.onlyWhenGiven ? [`runs only when \`${point.onlyWhenGiven}\` is given (the loss in training): left out of totals`] : []),
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

  const visible = data.points.filter((point) => !options.scope || point.scope === options.scope);
  const visibleIds = new Set(visible.map((point) => point.id));
  const pointsById = new Map(data.points.map((point) => [point.id, point]));
  // Ops drawn at the same pixel are one point with their count beside it (ln_1 and ln_2 of a block have the same
  // figures), so no op hides behind another.
  const groups = groupCoinciding(visible, (point) => [x(point.intensity), y(point.performance)]);
  const pointBoxes: Box[] = groups.map((group) => {
    const radius = pointRadius(groupShare(group));
    return { left: group.x - radius, top: group.y - radius, right: group.x + radius, bottom: group.y + radius };
  });

  // Roofs: each memory roof rises to the highest ridge; each compute roof runs flat from its own ridge to the right edge.
  const computeRoofs = data.roofs.filter((roof) => roof.kind === 'compute');
  const topCompute = computeRoofs.reduce<ChartRoof | undefined>((best, roof) => (!best || roof.value > best.value ? roof : best), undefined);
  const memory = data.roofs.find((roof) => roof.kind === 'memory');
  const roofLines = new Map<ChartRoof, Segment>();
  for (const roof of data.roofs.filter((r) => r.kind === 'memory')) {
    const start = Math.max(xMin, yMin / roof.value);
    const end = Math.min(xMax, topCompute ? topCompute.value / roof.value : xMax, yMax / roof.value);
    roofLines.set(roof, { x1: x(start), y1: y(roof.value * start), x2: x(end), y2: y(roof.value * end) });
  }
  for (const roof of computeRoofs) {
    const start = memory ? Math.max(xMin, roof.value / memory.value) : xMin;
    roofLines.set(roof, { x1: x(start), y1: y(roof.value), x2: x(xMax), y2: y(roof.value) });
  }
  const shownRidges = ridges.filter((r) => r.memoryRoof === memory?.id);
  const labels = layoutLabels(data.roofs, roofLines, shownRidges, groups, pointBoxes, layout);
  parts.push('<g class="roofs">');
  for (const [roof, line] of roofLines) {
    parts.push(
      `<line class="roof roof-${roof.kind}${roof.unit && roof.unit !== roof.id ? ` roof-${roof.unit}` : ''} roof-${escapeXml(roof.id)}" data-roof="${escapeXml(roof.id)}" x1="${fixed(line.x1)}" y1="${fixed(line.y1)}" x2="${fixed(line.x2)}" y2="${fixed(line.y2)}"><title>${escapeXml(roof.label)}</title></line>`,
    );
  }
  for (const label of labels.roofs) if (label) parts.push(labelText('roof-label', label.text, label.spot));
  parts.push('</g><g class="ridges">');
  shownRidges.forEach((ridge, index) => {
    const cx = x(ridge.intensity);
    const cy = y(ridge.performance);
    const compute = data.roofs.find((roof) => roof.id === ridge.computeRoof);
    parts.push(
      `<circle class="ridge" data-ridge="${escapeXml(ridge.computeRoof)}" data-intensity="${ridge.intensity}" cx="${fixed(cx)}" cy="${fixed(cy)}" r="3.5"><title>${escapeXml(`ridge ${formatIntensity(ridge.intensity)} FLOP/B: ${compute?.label ?? ridge.computeRoof} ÷ ${memory?.label ?? ridge.memoryRoof}`)}</title></circle>`,
    );
    const label = labels.ridges[index];
    if (label) parts.push(labelText('ridge-label', label.text, label.spot));
  });
  parts.push('</g>');


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
  for (const group of groups) {
    const [first] = group.members as [ChartPoint, ...ChartPoint[]];
    const count = group.members.length;
    const fallback = group.members.every((point) => point.fusedBy === 'fallback');
    const classes = `point bound-${first.bound}${fallback ? ' fallback' : ''}${group.members.some((point) => highlighted.has(point.id)) ? ' highlighted' : ''}`;
    const label = count > 1
      ? `${count} ops at one spot: ${group.members.map((point) => `${point.label}, line ${point.line + 1}`).join('; ')}; ${first.bound}-bound`
      : `${first.label}, line ${first.line + 1}, ${first.bound}-bound`;
    const title = count > 1
      ? [`${count} ops with the same intensity and FLOP/s:`, ...group.members.map(pointTitle)].join('\n\n')
      : pointTitle(first);
    parts.push(
      `<circle class="${classes}" data-op="${escapeXml(first.op)}:${first.line + 1}" data-node="${first.id}" data-nodes="${group.members.map((point) => point.id).join(' ')}" data-count="${count}" data-line="${first.line + 1}" data-bound="${first.bound}" cx="${fixed(group.x)}" cy="${fixed(group.y)}" r="${fixed(pointRadius(groupShare(group)))}" tabindex="0" role="button" aria-label="${escapeXml(label)}"><title>${escapeXml(title)}</title></circle>`,
    );
  }
  // Repeated ops (a loop over n_layer blocks) are drawn once; their count stands beside them, as does a group's size,
  // where there is room (both are in the point's tooltip too).
  labels.counts.forEach((placed, index) => {
    if (placed) parts.push(labelText((groups[index] as PointGroup).members.length > 1 ? 'count-label' : 'repeat-label', placed.text, placed.spot));
  });
  parts.push('</g>');

  // Legend: what the colours mean, in the bottom-right corner, which a roofline leaves empty (high intensity, slow).
  parts.push('<g class="legend">');
  LEGEND_BOUNDS.forEach((bound, index) => {
    const lx = right - LEGEND_BOUNDS.length * LEGEND_STEP + index * LEGEND_STEP;
    parts.push(
      `<circle class="point bound-${bound} legend-swatch" cx="${lx}" cy="${bottom - 12}" r="5"/>`,
      `<text class="legend-label" x="${lx + 9}" y="${bottom - 8}">${bound}</text>`,
    );
  });
  parts.push('</g></svg>');
  return parts.join('');
}

const LEGEND_BOUNDS = ['memory', 'compute', 'overhead'] as const;
/** Horizontal room of one legend entry (swatch and word), px. */
const LEGEND_STEP = 78;
/** Font sizes of the labels, as CHART_CSS sets them. */
const LABEL_FONT_SIZE = 10.5;
const COUNT_FONT_SIZE = 9.5;

function labelText(className: string, text: string, spot: LabelSpot): string {
  const place = spot.angle
    ? `transform="translate(${fixed(spot.x)} ${fixed(spot.y)}) rotate(${fixed(spot.angle)})"`
    : `x="${fixed(spot.x)}" y="${fixed(spot.y)}"`;
  return `<text class="${className}" ${place} text-anchor="${spot.anchor}">${escapeXml(text)}</text>`;
}

/** Ops drawn at one pixel, largest share first. */
interface PointGroup {
  readonly x: number;
  readonly y: number;
  readonly members: ChartPoint[];
}

const groupShare = (group: PointGroup): number => group.members.reduce((sum, point) => sum + point.share, 0);

/** The text beside a point: how many ops it stands for, and how often each runs. */
function countText(group: PointGroup): string {
  const count = group.members.length;
  const repeats = new Set(group.members.map((point) => point.repeat));
  const repeat = repeats.size === 1 ? (group.members[0] as ChartPoint).repeat : 1;
  if (count > 1) return `${count} ops${repeat > 1 ? ` ×${repeat} each` : ''}`;
  return repeat > 1 ? `×${repeat}` : '';
}

/**
 * Where the labels go, none over another: compute roofs first (at the right edge, above their line, else below it or
 * further left), then memory roofs (along the line, from its middle outwards), then ridges (around their point), then
 * the counts beside points. The legend's corner is kept clear; points and roof lines are avoided where possible.
 */
function layoutLabels(
  roofs: readonly ChartRoof[], lines: ReadonlyMap<ChartRoof, Segment>, ridges: readonly Ridge[],
  groups: readonly PointGroup[], pointBoxes: readonly Box[], layout: RooflineLayout,
) {
  const { width, height, x, y } = layout;
  const bounds: Box = { left: MARGIN.left + 2, top: MARGIN.top + 2, right: width - MARGIN.right - 2, bottom: height - MARGIN.bottom - 2 };
  const legend: Box = { left: bounds.right - LEGEND_BOUNDS.length * LEGEND_STEP - 8, top: height - MARGIN.bottom - 24, right: bounds.right + 2, bottom: bounds.bottom + 2 };
  const computeRoofs = [...roofs.filter((roof) => roof.kind === 'compute')].sort((a, b) => b.value - a.value);
  const memoryRoofs = roofs.filter((roof) => roof.kind === 'memory');
  const roofRequests: LabelRequest[] = [];
  for (const roof of computeRoofs) {
    const line = lines.get(roof)!;
    const spots: LabelSpot[] = [];
    // At the right edge above the line, else below it; then further left along the roof, above and below.
    for (let along = line.x2 - 4; along >= line.x1 + 20; along -= 24) {
      for (const offset of [-5, 14]) spots.push({ x: along, y: line.y1 + offset, anchor: 'end' });
    }
    roofRequests.push({ text: roof.label, fontSize: LABEL_FONT_SIZE, spots, along: line });
  }
  for (const roof of memoryRoofs) {
    const line = lines.get(roof)!;
    const angle = (Math.atan2(line.y2 - line.y1, line.x2 - line.x1) * 180) / Math.PI;
    const spots: LabelSpot[] = [];
    // Along the line from its middle outwards, just above it (where no op can be); then just below it.
    for (const offset of [-6, 15]) {
      for (const fraction of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8, 0.12, 0.88]) {
        spots.push({ x: line.x1 + (line.x2 - line.x1) * fraction, y: line.y1 + (line.y2 - line.y1) * fraction + offset, anchor: 'middle', angle });
      }
    }
    roofRequests.push({ text: roof.label, fontSize: LABEL_FONT_SIZE, spots, along: line });
  }
  const ridgeRequests: LabelRequest[] = ridges.map((ridge) => {
    const cx = x(ridge.intensity);
    const cy = y(ridge.performance);
    // Above-left of a ridge is above the memory roof, where no op can be; then below it, then further out.
    const spots: LabelSpot[] = [
      { x: cx - 6, y: cy - 7, anchor: 'end' },
      { x: cx - 6, y: cy + 14, anchor: 'end' },
      { x: cx + 6, y: cy + 14, anchor: 'start' },
      { x: cx + 6, y: cy - 7, anchor: 'start' },
    ];
    // Then further from the point: up and to the left, down on either side, and at its height further left (above
    // the memory roof, which is empty), where the roofs' own labels leave room.
    for (let step = 1; step <= 5; step++) {
      spots.push(
        { x: cx - 6 - 4 * step, y: cy - 7 - 13 * step, anchor: 'end' },
        { x: cx - 6, y: cy + 14 + 13 * step, anchor: 'end' },
        { x: cx + 6, y: cy + 14 + 13 * step, anchor: 'start' },
      );
    }
    for (let step = 1; step <= 16; step++) spots.push({ x: cx - 6 - 16 * step, y: cy - 7, anchor: 'end' }, { x: cx - 6 - 16 * step, y: cy + 4, anchor: 'end' });
    return { text: `ridge ${formatIntensity(ridge.intensity)} FLOP/B`, fontSize: LABEL_FONT_SIZE, spots };
  });
  const countRequests: LabelRequest[] = groups.map((group, index) => {
    const box = pointBoxes[index] as Box;
    return {
      text: countText(group),
      fontSize: COUNT_FONT_SIZE,
      spots: [
        { x: box.right + 2, y: group.y + 3.5, anchor: 'start' },
        { x: box.left - 2, y: group.y + 3.5, anchor: 'end' },
        { x: group.x, y: box.top - 2, anchor: 'middle' },
        { x: group.x, y: box.bottom + 9, anchor: 'middle' },
      ],
    };
  });
  const requests = [...roofRequests, ...ridgeRequests, ...countRequests.filter((request) => request.text)];
  const placed = placeLabels(requests, bounds, [legend], [...lines.values()], pointBoxes);
  const byRoof = new Map<ChartRoof, (typeof placed)[number]>();
  [...computeRoofs, ...memoryRoofs].forEach((roof, index) => byRoof.set(roof, placed[index]));
  const ridgeLabels = placed.slice(roofRequests.length, roofRequests.length + ridgeRequests.length);
  const countLabels = placed.slice(roofRequests.length + ridgeRequests.length);
  let next = 0;
  return {
    roofs: roofs.map((roof) => byRoof.get(roof)),
    ridges: ridgeLabels,
    // Groups without a text have no request: they get no label.
    counts: countRequests.map((request) => (request.text ? countLabels[next++] : undefined)),
  };
}

/** Points whose centres round to the same pixel, largest share first, in groups drawn largest first. */
function groupCoinciding(points: readonly ChartPoint[], at: (point: ChartPoint) => readonly [number, number]): PointGroup[] {
  const groups = new Map<string, PointGroup>();
  for (const point of [...points].sort((a, b) => b.share - a.share || a.line - b.line)) {
    const [px, py] = at(point);
    const key = `${Math.round(px)},${Math.round(py)}`;
    const group = groups.get(key);
    if (group) group.members.push(point);
    else groups.set(key, { x: px, y: py, members: [point] });
  }
  return [...groups.values()].sort((a, b) => groupShare(b) - groupShare(a));
}

// Places the roofline's text labels without overlap: each label tries its candidate spots in order and takes the first clear one.
//
// The renderer is pure (no DOM), so text is measured from a table of advance widths: DejaVu Sans, the widest of the
// common sans-serif fonts (it is the fallback of VS Code's font stack on Linux), so that narrower fonts only leave
// more room. The vertical extent is that font's ascent and descent.

/** Advance widths in em of DejaVu Sans (units per em 2048), for the characters chart labels use. */
const ADVANCE_EM: Readonly<Record<string, number>> = {
  ' ': 0.318, '.': 0.318, ',': 0.318, ':': 0.337, '/': 0.337, '-': 0.361, '(': 0.39, ')': 0.39, '×': 0.838, 'µ': 0.642,
  '·': 0.318, '%': 0.95, '≈': 0.838, '+': 0.838,
  '0': 0.636, '1': 0.636, '2': 0.636, '3': 0.636, '4': 0.636, '5': 0.636, '6': 0.636, '7': 0.636, '8': 0.636, '9': 0.636,
  a: 0.613, b: 0.635, c: 0.55, d: 0.635, e: 0.615, f: 0.352, g: 0.635, h: 0.634, i: 0.278, j: 0.278, k: 0.579, l: 0.278,
  m: 0.974, n: 0.634, o: 0.612, p: 0.635, q: 0.635, r: 0.411, s: 0.521, t: 0.392, u: 0.634, v: 0.592, w: 0.818, x: 0.592,
  y: 0.592, z: 0.525,
  A: 0.684, B: 0.686, C: 0.698, D: 0.77, E: 0.632, F: 0.575, G: 0.775, H: 0.752, I: 0.295, J: 0.295, K: 0.656, L: 0.557,
  M: 0.863, N: 0.748, O: 0.787, P: 0.603, Q: 0.787, R: 0.695, S: 0.635, T: 0.611, U: 0.732, V: 0.684, W: 0.989, X: 0.685,
  Y: 0.611, Z: 0.685,
};
/** Characters outside the table: as wide as the widest common ones. */
const UNKNOWN_EM = 0.8;
/** DejaVu Sans ascent and descent, in em: the height of a text element's box. */
const ASCENT_EM = 0.93;
const DESCENT_EM = 0.24;
/** Widths are rounded up by this factor, for kerning and hinting. */
const WIDTH_MARGIN = 1.06;

export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const character of text) em += ADVANCE_EM[character] ?? UNKNOWN_EM;
  return em * fontSize * WIDTH_MARGIN;
}

/** An axis-aligned box in SVG pixels. */
export interface Box {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

export type Anchor = 'start' | 'middle' | 'end';

/** Where one label goes: its text's anchor point, alignment and rotation (degrees, about the anchor). */
export interface LabelSpot {
  readonly x: number;
  readonly y: number;
  readonly anchor: Anchor;
  readonly angle?: number;
}

/** The box a text element covers when drawn at a spot: its glyph cells, rotated and bounded by axis-aligned sides. */
export function labelBox(text: string, fontSize: number, spot: LabelSpot): Box {
  const width = textWidth(text, fontSize);
  const startX = spot.anchor === 'start' ? 0 : spot.anchor === 'middle' ? -width / 2 : -width;
  const corners = [
    [startX, -ASCENT_EM * fontSize],
    [startX + width, -ASCENT_EM * fontSize],
    [startX, DESCENT_EM * fontSize],
    [startX + width, DESCENT_EM * fontSize],
  ];
  const radians = ((spot.angle ?? 0) * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const xs = corners.map(([x, y]) => spot.x + x! * cos - y! * sin);
  const ys = corners.map(([x, y]) => spot.y + x! * sin + y! * cos);
  return { left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys) };
}

export const intersects = (a: Box, b: Box, gap = 0): boolean =>
  a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;

const inside = (box: Box, bounds: Box): boolean =>
  box.left >= bounds.left && box.right <= bounds.right && box.top >= bounds.top && box.bottom <= bounds.bottom;

/** A line segment that labels should not sit on (a roof). */
export interface Segment {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** True when the segment crosses the box: clipped to the box's x range, its y range meets the box's (Liang-Barsky in one axis). */
function crosses(segment: Segment, box: Box): boolean {
  const { x1, y1, x2, y2 } = segment;
  const low = Math.max(Math.min(x1, x2), box.left);
  const high = Math.min(Math.max(x1, x2), box.right);
  if (low > high) return false;
  const yAt = (x: number): number => (x2 === x1 ? y1 : y1 + ((y2 - y1) * (x - x1)) / (x2 - x1));
  const ya = x2 === x1 ? Math.min(y1, y2) : yAt(low);
  const yb = x2 === x1 ? Math.max(y1, y2) : yAt(high);
  return Math.max(ya, yb) >= box.top && Math.min(ya, yb) <= box.bottom;
}

/** A label to place: its text, size, and the spots it may take, best first. */
export interface LabelRequest {
  readonly text: string;
  readonly fontSize: number;
  readonly spots: readonly LabelSpot[];
  /** The line the label names: it runs along it, so it is not an obstacle to it. */
  readonly along?: Segment;
}

export interface PlacedLabel {
  readonly text: string;
  readonly spot: LabelSpot;
  readonly box: Box;
}

/** Free space kept between two labels, px. */
const LABEL_GAP = 2;

/**
 * Places labels in order: each takes its first spot whose box stays inside `bounds`, clear of the labels placed
 * before it (with a gap) and of `avoid` (the legend); among those, a spot clear of `points` and of `lines` (the roofs
 * it would be drawn over) first, then one clear of points, then one clear of lines. A label with no clear spot is left
 * out (undefined): its figure stays in the tooltip of what it labels.
 */
export function placeLabels(
  requests: readonly LabelRequest[], bounds: Box, avoid: readonly Box[], lines: readonly Segment[], points: readonly Box[] = [],
): (PlacedLabel | undefined)[] {
  const taken: Box[] = [...avoid];
  return requests.map((request) => {
    const fits = (box: Box): boolean => inside(box, bounds) && !taken.some((other) => intersects(box, other, LABEL_GAP));
    const candidates = request.spots.map((spot) => ({ spot, box: labelBox(request.text, request.fontSize, spot) })).filter(({ box }) => fits(box));
    const obstacles = lines.filter((line) => line !== request.along);
    const clearOfLines = ({ box }: { box: Box }): boolean => !obstacles.some((line) => crosses(line, box));
    const clearOfPoints = ({ box }: { box: Box }): boolean => !points.some((point) => intersects(box, point));
    const chosen =
      candidates.find((candidate) => clearOfPoints(candidate) && clearOfLines(candidate)) ??
      candidates.find(clearOfPoints) ??
      candidates.find(clearOfLines) ??
      candidates[0];
    if (!chosen) return undefined;
    taken.push(chosen.box);
    return { text: request.text, ...chosen };
  });
}

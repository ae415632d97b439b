// Offsets, lines and spans over the analysed text, for the edits of quick fixes (rules find patterns in the graph).
import type { Span } from '../ir/types';

/**
 * Offsets of each line's first character, for the last text asked about: rules ask for many spans of one text, and
 * scanning the text from its start for each (as `slice` + `split` would) made them quadratic in the file's length.
 */
let cachedText: string | undefined;
let cachedLineStarts: readonly number[] = [];

function lineStarts(text: string): readonly number[] {
  if (text !== cachedText) {
    const starts = [0];
    for (let next = text.indexOf('\n'); next >= 0; next = text.indexOf('\n', next + 1)) starts.push(next + 1);
    cachedText = text;
    cachedLineStarts = starts;
  }
  return cachedLineStarts;
}

/** The 0-based line that holds an offset: the last line starting at or before it (binary search). */
function lineAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if ((starts[middle] as number) <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** Offset of the first character of a 0-based line (the text's length past its last line). */
export function lineStart(text: string, line: number): number {
  if (line <= 0) return 0;
  const starts = lineStarts(text);
  return line < starts.length ? (starts[line] as number) : text.length;
}

/** A Span from two offsets, with 0-based lines and columns. */
export function spanOf(text: string, start: number, end: number): Span {
  const starts = lineStarts(text);
  const position = (offset: number): [number, number] => {
    // Offsets outside the text are clamped as `slice` clamps them, so the answer is the one a scan would give.
    const line = lineAt(starts, Math.max(0, Math.min(offset, text.length)));
    return [line, offset - (starts[line] as number)];
  };
  const [startLine, startColumn] = position(start);
  const [endLine, endColumn] = position(end);
  return { start, end, startLine, startColumn, endLine, endColumn };
}

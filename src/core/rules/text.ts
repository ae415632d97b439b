// Offsets, lines and spans over the analysed text, for rules that read the source itself (fixes, host syncs).
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

/** The code of a line without its comment and with string contents blanked (so `"#"` and `"x.item()"` do not count). */
export function codeOf(line: string): string {
  // Most lines hold no comment and no string: the line is its own code.
  if (!QUOTE_OR_COMMENT.test(line)) return line;
  let out = '';
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quote) {
      out += ch === quote ? ch : ' ';
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '#') break;
    if (ch === '"' || ch === "'") quote = ch;
    out += ch;
  }
  return out;
}

const QUOTE_OR_COMMENT = /["'#]/;

/** Leading spaces of a line (tabs count as one). */
export function indentation(line: string): number {
  // Counted without a trimmed copy when the spaces end at a printable ASCII character, as they nearly always do.
  let spaces = 0;
  while (line.charCodeAt(spaces) === 32) spaces++;
  const next = line.charCodeAt(spaces);
  if (next > 32 && next < 127) return spaces;
  return line.length - line.trimStart().length;
}

/** True for a line that is blank or holds only a comment. */
function blankOrComment(text: string): boolean {
  // Past the leading spaces, a printable ASCII character decides it without a trimmed copy of the line.
  let spaces = 0;
  while (text.charCodeAt(spaces) === 32) spaces++;
  const next = text.charCodeAt(spaces);
  if (next > 32 && next < 127) return next === 35; // '#'
  const trimmed = text.trim();
  return trimmed === '' || trimmed.startsWith('#');
}

/**
 * The 0-based lines of the block a header line opens (a `def`, `for`, `while`): the following lines indented
 * deeper than the header, blank and comment lines included, up to the first line that is not.
 */
export function blockLines(lines: readonly string[], header: number): { first: number; last: number } {
  const base = indentation(lines[header] ?? '');
  let last = header;
  for (let line = header + 1; line < lines.length; line++) {
    const text = lines[line] as string;
    if (blankOrComment(text)) continue;
    if (indentation(text) <= base) break;
    last = line;
  }
  return { first: header + 1, last };
}

// Offsets, lines and spans over the analysed text, for rules that read the source itself (fixes, host syncs).
import type { Span } from '../ir/types';

/** Offset of the first character of a 0-based line. */
export function lineStart(text: string, line: number): number {
  let offset = 0;
  for (let i = 0; i < line; i++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return offset;
}

/** A Span from two offsets, with 0-based lines and columns. */
export function spanOf(text: string, start: number, end: number): Span {
  const position = (offset: number): [number, number] => {
    const before = text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return [line, offset - (before.lastIndexOf('\n') + 1)];
  };
  const [startLine, startColumn] = position(start);
  const [endLine, endColumn] = position(end);
  return { start, end, startLine, startColumn, endLine, endColumn };
}

/** The code of a line without its comment and with string contents blanked (so `"#"` and `"x.item()"` do not count). */
export function codeOf(line: string): string {
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

/** Leading spaces of a line (tabs count as one). */
export function indentation(line: string): number {
  return line.length - line.trimStart().length;
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
    if (text.trim() === '' || text.trim().startsWith('#')) continue;
    if (indentation(text) <= base) break;
    last = line;
  }
  return { first: header + 1, last };
}

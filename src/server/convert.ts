// The only place where analysis offsets become LSP ranges: spans carry UTF-16 offsets, which TextDocument maps exactly.
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Span } from '../core/ir/types';

export function spanToRange(document: TextDocument, span: Span): Range {
  return { start: document.positionAt(span.start), end: document.positionAt(span.end) };
}

/** True when the offset lies inside the span (end inclusive, so a cursor right after `)` still counts). */
export function spanContains(span: Span, offset: number): boolean {
  return span.start <= offset && offset <= span.end;
}

/** The range of the end of a span's last line, where an inlay hint goes. */
export function endOfLine(document: TextDocument, line: number): { line: number; character: number } {
  const next = line + 1 < document.lineCount ? document.offsetAt({ line: line + 1, character: 0 }) : document.getText().length;
  const text = document.getText({ start: { line, character: 0 }, end: document.positionAt(next) });
  return { line, character: text.replace(/\r?\n$/, '').length };
}

// Jupyter notebooks: the Python cells of a notebook joined in cell order into one program, and positions mapped back.
import type { Diagnostic, Position, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';

/** One cell's place in the joined program. */
export interface CellSpan {
  readonly uri: string;
  /** The cell's first line in the joined program. */
  readonly startLine: number;
  readonly lineCount: number;
  /** The cell's first character offset in the joined program. */
  readonly startOffset: number;
}

export interface JoinedNotebook {
  /** The program: every Python cell's text, each ending with a newline, in cell order. */
  readonly document: TextDocument;
  readonly cells: readonly CellSpan[];
}

/** Joins cells (uri and text, in notebook order) into one document under the notebook's URI. */
export function joinCells(notebookUri: string, version: number, cells: readonly { readonly uri: string; readonly text: string }[]): JoinedNotebook {
  const spans: CellSpan[] = [];
  let text = '';
  let line = 0;
  for (const cell of cells) {
    const body = cell.text.endsWith('\n') || cell.text === '' ? cell.text : `${cell.text}\n`;
    const lineCount = Math.max(1, body.split('\n').length - 1);
    spans.push({ uri: cell.uri, startLine: line, lineCount, startOffset: text.length });
    text += body === '' ? '\n' : body;
    line += lineCount;
  }
  return { document: TextDocument.create(notebookUri, 'python', version, text), cells: spans };
}

/** The cell that holds a line of the joined program (the last cell for a line past the end). */
export function cellAtLine(notebook: JoinedNotebook, line: number): CellSpan | undefined {
  return notebook.cells.find((cell) => line >= cell.startLine && line < cell.startLine + cell.lineCount) ?? notebook.cells.at(-1);
}

const shift = (position: Position, lines: number): Position => ({ line: position.line - lines, character: position.character });

/** A range of the joined program as the cell's own range, clipped to the cell. */
export function rangeInCell(cell: CellSpan, range: Range): Range {
  const lastLine = cell.lineCount - 1;
  const end = range.end.line - cell.startLine > lastLine ? { line: lastLine, character: 0 } : shift(range.end, cell.startLine);
  return { start: shift(range.start, cell.startLine), end };
}

/** A cell position as an offset of the joined program. */
export function offsetInNotebook(notebook: JoinedNotebook, cellUri: string, position: Position): number | undefined {
  const cell = notebook.cells.find((candidate) => candidate.uri === cellUri);
  return cell ? notebook.document.offsetAt({ line: cell.startLine + position.line, character: position.character }) : undefined;
}

/** Diagnostics of the joined program, split by cell: every cell gets a list (empty clears what it showed before). */
export function diagnosticsByCell(notebook: JoinedNotebook, diagnostics: readonly Diagnostic[]): Map<string, Diagnostic[]> {
  const byCell = new Map<string, Diagnostic[]>(notebook.cells.map((cell) => [cell.uri, []]));
  for (const diagnostic of diagnostics) {
    const cell = cellAtLine(notebook, diagnostic.range.start.line);
    if (!cell) continue;
    const relatedInformation = diagnostic.relatedInformation?.map((related) => {
      const relatedCell = cellAtLine(notebook, related.location.range.start.line) ?? cell;
      return { ...related, location: { uri: relatedCell.uri, range: rangeInCell(relatedCell, related.location.range) } };
    });
    byCell.get(cell.uri)!.push({ ...diagnostic, range: rangeInCell(cell, diagnostic.range), relatedInformation });
  }
  return byCell;
}

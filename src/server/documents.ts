// The server's document model: one resolve(uri) for files, notebooks and notebook cells, so that every handler serves
// notebooks as it serves files. A notebook's Python cells are analysed as one program; positions are mapped between
// the program and the cell a request names.
import { fileURLToPath } from 'node:url';
import { NotebookCellKind, type Location, type NotebookDocument, type NotebookDocuments, type Position, type Range, type TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { cellAtLine, joinCells, rangeInCell, type CellSpan, type JoinedNotebook } from './notebook';

/** What a request's URI stands for. */
export interface ResolvedDocument {
  /** The program analysed: a file's own text, or a notebook's Python cells joined in order. */
  readonly program: TextDocument;
  /** The notebook, when the program is one; the cell the request named, if it named a cell. */
  readonly notebook?: JoinedNotebook;
  readonly cell?: CellSpan;
  /** A position of the requested document as a position of the program. */
  toProgram(position: Position): Position;
  /**
   * A range of the program where the requested document shows it: the file itself, or the cell that holds it (of a
   * notebook named as a whole, any cell; of a cell named, only that cell, else undefined).
   */
  fromProgram(range: Range): Location | undefined;
  /** A range of the program in whichever document holds it (for a notebook, any of its cells): where an edit goes. */
  anywhere(range: Range): Location | undefined;
}

/** The file on disk a program belongs to (imports and pyproject.toml are found from it), for file: URIs only. */
export function fileOf(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

function resolvedFile(document: TextDocument): ResolvedDocument {
  return {
    program: document,
    toProgram: (position) => position,
    fromProgram: (range) => ({ uri: document.uri, range }),
    anywhere: (range) => ({ uri: document.uri, range }),
  };
}

function resolvedNotebook(notebook: JoinedNotebook, cell?: CellSpan): ResolvedDocument {
  return {
    program: notebook.document,
    notebook,
    ...(cell ? { cell } : {}),
    toProgram: (position) => (cell ? { line: cell.startLine + position.line, character: position.character } : position),
    fromProgram: (range) => {
      const holder = cellAtLine(notebook, range.start.line);
      if (!holder || (cell && holder.uri !== cell.uri)) return undefined;
      return { uri: holder.uri, range: rangeInCell(holder, range) };
    },
    anywhere: (range) => {
      const holder = cellAtLine(notebook, range.start.line);
      return holder ? { uri: holder.uri, range: rangeInCell(holder, range) } : undefined;
    },
  };
}

export class DocumentModel {
  /** Each open notebook's cells joined into one program. */
  private readonly joined = new Map<string, JoinedNotebook>();

  constructor(
    private readonly documents: TextDocuments<TextDocument>,
    private readonly notebooks: NotebookDocuments<TextDocument>,
  ) {}

  /** A file, a notebook or a notebook cell, as open in the editor; undefined when none is open under the URI. */
  resolve(uri: string): ResolvedDocument | undefined {
    const document = this.documents.get(uri);
    if (document) return resolvedFile(document);
    const notebook = this.joined.get(uri);
    if (notebook) return resolvedNotebook(notebook);
    const owner = this.notebooks.findNotebookDocumentForCell(uri);
    const joined = owner && this.joined.get(owner.uri);
    const cell = joined?.cells.find((candidate) => candidate.uri === uri);
    return joined && cell ? resolvedNotebook(joined, cell) : undefined;
  }

  /** Joins a notebook's Python code cells, in order, as the next version of its program. */
  rejoin(notebook: NotebookDocument): JoinedNotebook {
    const cells = notebook.cells.flatMap((cell) => {
      const text = this.notebooks.getCellTextDocument(cell);
      return cell.kind === NotebookCellKind.Code && text?.languageId === 'python' ? [{ uri: cell.document, text: text.getText() }] : [];
    });
    const joined = joinCells(notebook.uri, (this.joined.get(notebook.uri)?.document.version ?? 0) + 1, cells);
    this.joined.set(notebook.uri, joined);
    return joined;
  }

  notebook(uri: string): JoinedNotebook | undefined {
    return this.joined.get(uri);
  }

  closeNotebook(uri: string): void {
    this.joined.delete(uri);
  }

  /** Every open program: the files, then the notebooks. */
  programs(): TextDocument[] {
    return [...this.documents.all(), ...[...this.joined.values()].map((notebook) => notebook.document)];
  }

  /** The open program under a URI (a file or a whole notebook), for publishing. */
  program(uri: string): TextDocument | undefined {
    return this.documents.get(uri) ?? this.joined.get(uri)?.document;
  }
}

// Caches one analysis per document version, runs it debounced after edits, and never lets a failure escape.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, OpGraph } from '../core/ir/types';

/** What the server knows about one version of one document: the graph (re-priceable) and its analysis, or why not. */
export interface DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  /** The parsed graph, kept so what-if requests re-price without re-parsing. */
  readonly graph?: OpGraph;
  readonly analysis?: Analysis;
  /** A sentence for the user when the analysis could not run (unknown GPU id, internal error). */
  readonly error?: string;
  readonly durationMs: number;
}

export type Analyser = (document: TextDocument) => Promise<DocumentAnalysis>;

export class AnalysisStore {
  private readonly results = new Map<string, Promise<DocumentAnalysis>>();
  private readonly versions = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly analyse: Analyser,
    private readonly debounceMs: number,
  ) {}

  /** The analysis of exactly this version, computed now if it is not cached yet (a hover never waits for the debounce). */
  get(document: TextDocument): Promise<DocumentAnalysis> {
    const cached = this.results.get(document.uri);
    if (cached && this.versions.get(document.uri) === document.version) return cached;
    const result = this.analyse(document);
    this.results.set(document.uri, result);
    this.versions.set(document.uri, document.version);
    return result;
  }

  /** Runs `then` with the analysis after the document has been quiet for the debounce delay (0 = at once). */
  schedule(document: TextDocument, then: (result: DocumentAnalysis) => void, immediate = false): void {
    this.cancel(document.uri);
    const run = (): void => {
      this.timers.delete(document.uri);
      void this.get(document).then(then);
    };
    if (immediate) run();
    else this.timers.set(document.uri, setTimeout(run, this.debounceMs));
  }

  /** Drops every cached result (settings changed), keeping nothing stale. */
  invalidateAll(): void {
    this.results.clear();
    this.versions.clear();
  }

  forget(uri: string): void {
    this.cancel(uri);
    this.results.delete(uri);
    this.versions.delete(uri);
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
  }
}

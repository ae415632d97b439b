// Caches one analysis per document version, runs it debounced after edits, and never lets a failure escape.
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Analysis, OpGraph, Severity } from '../core/ir/types';
import type { SettingsLayer } from '../workspace/configuration';

/** What the server knows about one version of one document: the graph (re-priceable) and its analysis, or why not. */
export interface DocumentAnalysis {
  readonly uri: string;
  readonly version: number;
  readonly text: string;
  /** The parsed graph, kept so what-if requests re-price without re-parsing. */
  readonly graph?: OpGraph;
  readonly analysis?: Analysis;
  /** The settings layers it was priced with ([tool.memwall] included): a what-if re-prices with one more on top. */
  readonly layers?: readonly SettingsLayer[];
  /** The severities it was priced with (settings over [tool.memwall]). */
  readonly severities?: Readonly<Record<string, Severity | 'off'>>;
  /** A sentence for the user when the analysis could not run (unknown GPU id, internal error). */
  readonly error?: string;
  readonly durationMs: number;
  /** Where the time went, for the log: `settings and imports 2.1 ms, extract 7.6 ms (53 of 55 roots reused), price and rules 19.8 ms`. */
  readonly timing?: string;
}

export type Analyser = (document: TextDocument) => Promise<DocumentAnalysis>;

/** How long typing must pause before an edit is analysed: between `min` and `max`, following the last analysis time. */
export interface Debounce {
  readonly minMs: number;
  readonly maxMs: number;
}

/**
 * The pause before analysing a document after an edit. A file that analyses in 10 ms is worth re-analysing after a
 * short pause (the debounce would otherwise be most of the latency); a file that takes longer waits longer, up to
 * `maxMs`, so that a burst of keystrokes is analysed once rather than once per character.
 */
export function debounceDelay(debounce: Debounce, lastAnalysisMs: number | undefined): number {
  return Math.min(debounce.maxMs, Math.max(debounce.minMs, lastAnalysisMs ?? debounce.maxMs));
}

export class AnalysisStore {
  private readonly results = new Map<string, Promise<DocumentAnalysis>>();
  private readonly versions = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The last analysis time per document, which sets its debounce. */
  private readonly durations = new Map<string, number>();
  /** When each document was last scheduled (opened or edited). */
  private readonly lastEdits = new Map<string, number>();

  constructor(
    private readonly analyse: Analyser,
    private readonly debounce: Debounce,
  ) {}

  /** The debounce delay the next edit of this document will wait. */
  delayFor(uri: string): number {
    return debounceDelay(this.debounce, this.durations.get(uri));
  }

  /** The analysis of exactly this version, computed now if it is not cached yet (a hover never waits for the debounce). */
  get(document: TextDocument): Promise<DocumentAnalysis> {
    const cached = this.results.get(document.uri);
    if (cached && this.versions.get(document.uri) === document.version) return cached;
    const result = this.analyse(document);
    void result.then((done) => this.durations.set(document.uri, done.durationMs), () => undefined);
    this.results.set(document.uri, result);
    this.versions.set(document.uri, document.version);
    return result;
  }

  /**
   * Runs `then` with the analysis after the document has been quiet for the debounce delay. An edit after a pause
   * longer than both the longest delay and the last analysis is analysed at once (leading edge): the user stopped
   * typing before it, so nothing is gained by waiting, and the diagnostics arrive one debounce sooner. Edits in a burst
   * wait for the burst to end, and an analysis whose version was superseded is never published (see publish).
   */
  schedule(document: TextDocument, then: (result: DocumentAnalysis) => void, immediate = false): void {
    const now = performance.now();
    const previous = this.lastEdits.get(document.uri);
    this.lastEdits.set(document.uri, now);
    const lastAnalysisMs = this.durations.get(document.uri);
    const pending = this.timers.has(document.uri);
    const quiet = previous !== undefined && lastAnalysisMs !== undefined && now - previous >= Math.max(this.debounce.maxMs, lastAnalysisMs);
    if (!pending && quiet) immediate = true;
    this.cancel(document.uri);
    const run = (): void => {
      this.timers.delete(document.uri);
      void this.get(document).then(then);
    };
    if (immediate) run();
    else this.timers.set(document.uri, setTimeout(run, this.delayFor(document.uri)));
  }

  /** Drops every cached result (settings changed), keeping nothing stale. */
  invalidateAll(): void {
    this.results.clear();
    this.versions.clear();
  }

  /** Drops one document's cached result: a file it imports changed, so the next request analyses it again. */
  invalidate(uri: string): void {
    this.results.delete(uri);
    this.versions.delete(uri);
  }

  forget(uri: string): void {
    this.cancel(uri);
    this.durations.delete(uri);
    this.lastEdits.delete(uri);
    this.results.delete(uri);
    this.versions.delete(uri);
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
  }
}

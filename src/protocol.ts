// Types of the custom LSP requests and of the webview messages, shared by the server, the client and the webview bundle.
import type { ChartData } from './core/chart/types';

export type DTypeChoice = 'bf16' | 'fp16' | 'fp32' | 'fp8';
export const DTYPE_CHOICES: readonly DTypeChoice[] = ['bf16', 'fp16', 'fp32', 'fp8'];

/** What-if overrides: re-price the cached graph with another GPU, dtype or sizes, without re-parsing. */
export interface WhatIf {
  readonly gpu?: string;
  readonly dtype?: DTypeChoice;
  readonly dims?: Readonly<Record<string, number>>;
}

/** `memwall/roofline`: the chart data of a document's current analysis (the panel's only data source). */
export const ROOFLINE_REQUEST = 'memwall/roofline';
export interface RooflineParams {
  readonly uri: string;
  readonly whatIf?: WhatIf;
}
export interface RooflineResult {
  readonly uri: string;
  readonly version: number;
  /** Null when the analysis failed; `error` says why in words. */
  readonly chart: ChartData | null;
  readonly error?: string;
  readonly gpus: readonly GpuChoice[];
  readonly notes: readonly string[];
  /**
   * Set for a notebook (named as a whole or by one of its cells): where each Python cell's lines are in the program
   * its cells join into, whose lines the chart's points count.
   */
  readonly cells?: readonly CellLines[];
}

/** A notebook cell's lines in the program of the notebook's Python cells joined in order. */
export interface CellLines {
  readonly uri: string;
  readonly startLine: number;
  readonly lineCount: number;
}

/** `memwall/gpus`: the GPU table (built-in and custom), for the Select GPU quick pick and the panel. */
export const GPUS_REQUEST = 'memwall/gpus';
export interface GpuChoice {
  readonly id: string;
  readonly name: string;
  readonly detail: string;
}
export interface GpusResult {
  readonly gpus: readonly GpuChoice[];
}

/** `memwall/report`: a Markdown report of one document (summary, time by op class, ranked findings, op table). */
export const REPORT_REQUEST = 'memwall/report';
export interface ReportParams {
  readonly uri: string;
  /** The file's text, for a file that is not open (Report for Workspace); an open document's own text wins. */
  readonly text?: string;
  /** The name to head the section with (a workspace-relative path); the URI's file name by default. */
  readonly name?: string;
}
export interface ReportResult {
  /** The whole report of this one file. */
  readonly markdown: string;
  /** The file's section alone (`## name` …), for a report of several files. */
  readonly section: string;
  readonly findings: number;
}

/** The report of several files: a header that counts files and findings, then each file's section. */
export function combineReports(sections: readonly { readonly section: string; readonly findings: number }[], title = 'MemWall report'): string {
  const findingCount = sections.reduce((sum, section) => sum + section.findings, 0);
  const header = `# ${title}\n\n${sections.length} file${sections.length === 1 ? '' : 's'} · ${findingCount} finding${findingCount === 1 ? '' : 's'}`;
  return `${[header, ...sections.map((section) => section.section)].join('\n\n')}\n`;
}

/** `memwall/explain`: a rule's documentation (what it finds, why it costs, an example, what to use instead). */
export const EXPLAIN_REQUEST = 'memwall/explain';
export interface ExplainParams {
  readonly code: string;
}
export interface ExplainResult {
  /** Null when no rule has this code. */
  readonly markdown: string | null;
}

/** `memwall/analyzed` (server → client notification): a document's analysis changed, so open panels refresh. */
export const ANALYZED_NOTIFICATION = 'memwall/analyzed';
export interface AnalyzedParams {
  readonly uri: string;
  readonly version: number;
  /**
   * What the analysis was priced for, for the status bar: with it, the client needs no chart request per keystroke
   * (the chart of a 2,000-line file is ~1,000 points). Absent when the analysis failed.
   */
  readonly priced?: { readonly gpu: string; readonly dtype: string; readonly assumptions: ChartData['assumptions'] };
}

/**
 * `memwall/pythonEnvironment` (client → server notification): the interpreter the Python extension has selected for
 * the workspace, or null when there is none (or no Python extension). MemWall reads that environment's installed
 * packages; it never runs the interpreter.
 */
export const PYTHON_ENVIRONMENT_NOTIFICATION = 'memwall/pythonEnvironment';
export interface PythonEnvironmentParams {
  readonly python: string | null;
}

/**
 * `memwall/workspaceFiles`: the Python files of the workspace folders, walked by the server with the same file set as
 * `memwall analyze` (the client's Report for Workspace asks for them one by one). Folders that are not on disk
 * (virtual workspaces) are left to the client, which skips the same folder names.
 */
export const WORKSPACE_FILES_REQUEST = 'memwall/workspaceFiles';
export interface WorkspaceFilesResult {
  /** file: URIs, in path order. */
  readonly files: readonly string[];
  /** Folder names the walk never enters (a folder holding pyvenv.cfg is skipped too). */
  readonly skippedFolders: readonly string[];
}

// Webview messages. Both sides validate what they receive: the panel's content is untrusted input to the host.

export type HostToWebview =
  | { readonly type: 'data'; readonly fileName: string; readonly result: RooflineResult; readonly whatIf: WhatIf }
  | { readonly type: 'cursor'; readonly uri: string; readonly line: number }
  | { readonly type: 'empty'; readonly message: string };

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'reveal'; readonly uri: string; readonly line: number }
  | { readonly type: 'whatIf'; readonly uri: string; readonly whatIf: WhatIf }
  | { readonly type: 'export'; readonly format: 'svg' | 'png'; readonly content: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isLine = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const isString = (value: unknown, maxLength = 4096): value is string => typeof value === 'string' && value.length <= maxLength;

export function isWhatIf(value: unknown): value is WhatIf {
  if (!isRecord(value)) return false;
  if (value.gpu !== undefined && !isString(value.gpu, 100)) return false;
  if (value.dtype !== undefined && !DTYPE_CHOICES.includes(value.dtype as DTypeChoice)) return false;
  if (value.dims !== undefined) {
    if (!isRecord(value.dims)) return false;
    for (const [symbol, size] of Object.entries(value.dims)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(symbol)) return false;
      if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 2 ** 40) return false;
    }
  }
  return true;
}

/** Checks a message from the webview; anything malformed is dropped by the host. */
export function isWebviewToHost(value: unknown): value is WebviewToHost {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'ready':
      return true;
    case 'reveal':
      return isString(value.uri) && isLine(value.line);
    case 'whatIf':
      return isString(value.uri) && isWhatIf(value.whatIf);
    case 'export':
      // A PNG data URL of a large chart is a few MB at most.
      return (value.format === 'svg' || value.format === 'png') && isString(value.content, 32 * 1024 * 1024);
    default:
      return false;
  }
}

/** The shape of a memwall/roofline answer, as far as the panel relies on it before drawing. */
function isRooflineResult(value: unknown): value is RooflineResult {
  return (
    isRecord(value) &&
    isString(value.uri) &&
    Array.isArray(value.gpus) &&
    (value.chart === null || (isRecord(value.chart) && Array.isArray(value.chart.points) && Array.isArray(value.chart.roofs)))
  );
}

/** Checks a message from the host before the webview draws it. */
export function isHostToWebview(value: unknown): value is HostToWebview {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case 'data':
      return isString(value.fileName) && isWhatIf(value.whatIf) && isRooflineResult(value.result);
    case 'cursor':
      return isString(value.uri) && isLine(value.line);
    case 'empty':
      return isString(value.message);
    default:
      return false;
  }
}

// The panel's saved state: the webview keeps it with setState, and VS Code hands it back after a reload, to the webview
// (getState) and to the host (the panel serializer). It is as untrusted as a message and is checked the same way.

export type SortKey = 'line' | 'label' | 'time' | 'bytes' | 'intensity' | 'bound';
export const SORT_KEYS: readonly SortKey[] = ['line', 'label', 'time', 'bytes', 'intensity', 'bound'];

/** Everything the panel needs to redraw itself after being hidden or reloaded. */
export interface PanelState {
  readonly fileName?: string;
  readonly result?: RooflineResult;
  readonly whatIf: WhatIf;
  readonly scope: string;
  readonly sort: { readonly key: SortKey; readonly descending: boolean };
  readonly cursorLine?: number;
  /** The document the panel shows, read back by the host's panel serializer. */
  readonly uri?: string;
}

/** A URI with a scheme (`file:`, `untitled:`, `vscode-notebook-cell:`), as the host hands them out. */
const isUri = (value: unknown): value is string => isString(value) && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(value);

/**
 * The fields of a restored state that are well-formed; the others are dropped, so a state written by an older version
 * or altered outside VS Code draws nothing it should not and names no document the panel did not show.
 */
export function restoredPanelState(value: unknown): Partial<PanelState> {
  if (!isRecord(value)) return {};
  const sort = value.sort;
  return {
    ...(isString(value.fileName) ? { fileName: value.fileName } : {}),
    ...(isRooflineResult(value.result) ? { result: value.result } : {}),
    ...(isWhatIf(value.whatIf) ? { whatIf: value.whatIf } : {}),
    ...(isString(value.scope, 1000) ? { scope: value.scope } : {}),
    ...(isRecord(sort) && SORT_KEYS.includes(sort.key as SortKey) && typeof sort.descending === 'boolean'
      ? { sort: { key: sort.key as SortKey, descending: sort.descending } }
      : {}),
    ...(isLine(value.cursorLine) ? { cursorLine: value.cursorLine } : {}),
    ...(isUri(value.uri) ? { uri: value.uri } : {}),
  };
}

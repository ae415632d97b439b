// What the roofline panel's host accepts from its webview beyond the message checks, and what the webview may load.
import { restoredPanelState, type CellLines, type WhatIf } from '../protocol';

/** Where the webview's bundle and stylesheet are built (`dist/webview/`): the one folder the webview may read. */
export const WEBVIEW_FOLDER = ['dist', 'webview'] as const;
export const WEBVIEW_SCRIPT = 'webview.js';
export const WEBVIEW_STYLE = 'panel.css';

/** The part of the panel's saved state the host reads back after a window reload. */
export interface HostState {
  readonly uri?: string;
  readonly whatIf: WhatIf;
}

/** The restored state, checked as the webview's messages are: malformed fields are dropped. */
export function hostStateFrom(saved: unknown): HostState {
  const { uri, whatIf } = restoredPanelState(saved);
  return { ...(uri !== undefined ? { uri } : {}), whatIf: whatIf ?? {} };
}

/**
 * The line to reveal, when the webview names the document the panel shows; any other URI is refused, so a webview
 * (whose content is drawn from the analysed file) cannot make the editor open a file the user did not open.
 */
export function revealTarget(message: { readonly uri: string; readonly line: number }, panelUri: string | undefined): { uri: string; line: number } | undefined {
  if (panelUri === undefined || message.uri !== panelUri) return undefined;
  return { uri: panelUri, line: message.line };
}

/**
 * A line of the chart (a line of the program) as a line of the document that shows it: for a notebook, the cell that
 * holds it, at its line in the cell; a file's line stays as it is.
 */
export function documentLine(uri: string, line: number, cells: readonly CellLines[]): { uri: string; line: number } {
  const cell = cells.find((candidate) => line >= candidate.startLine && line < candidate.startLine + candidate.lineCount);
  return cell ? { uri: cell.uri, line: line - cell.startLine } : { uri, line };
}

/** A line of an editor as a line of the chart: the panel's own document as it is, a cell of its notebook shifted by where the cell starts. */
export function chartLine(editorUri: string, line: number, panelUri: string | undefined, cells: readonly CellLines[]): number | undefined {
  if (editorUri === panelUri) return line;
  const cell = cells.find((candidate) => candidate.uri === editorUri);
  return cell ? cell.startLine + line : undefined;
}

// What the roofline panel's host accepts from its webview beyond the message checks, and what the webview may load.
import { restoredPanelState, type WhatIf } from '../protocol';

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

// The extension's line to the language server: the client, and its `memwall/analyzed` notifications as one shared event.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ANALYZED_NOTIFICATION, type AnalyzedParams } from '../protocol';

export interface ServerLink {
  readonly client: LanguageClient;
  /** Fires after each analysis the server publishes, with the document's URI and version. */
  readonly onDidAnalyze: vscode.Event<AnalyzedParams>;
  /** The version of a document the server last published an analysis for, if any. */
  analyzedVersion(uri: string): number | undefined;
}

/**
 * The language client keeps one handler per notification method: a second `client.onNotification` replaces the first,
 * and disposing either removes both. So the status bar and the roofline panel listen to this event, fed by the only
 * handler.
 */
export function linkTo(client: LanguageClient): ServerLink & vscode.Disposable {
  const analyzed = new vscode.EventEmitter<AnalyzedParams>();
  const versions = new Map<string, number>();
  const handler = client.onNotification(ANALYZED_NOTIFICATION, (params: AnalyzedParams) => {
    versions.set(params.uri, params.version);
    analyzed.fire(params);
  });
  // Closed documents are forgotten, so the map holds only what is open.
  const closing = vscode.workspace.onDidCloseTextDocument((document) => versions.delete(document.uri.toString()));
  return {
    client,
    onDidAnalyze: analyzed.event,
    analyzedVersion: (uri) => versions.get(uri),
    dispose: () => {
      handler.dispose();
      closing.dispose();
      analyzed.dispose();
    },
  };
}

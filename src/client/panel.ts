// Hosts the roofline webview: feeds it the server's chart data, follows the active editor, and acts on its messages.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ANALYZED_NOTIFICATION, ROOFLINE_REQUEST, isWebviewToHost,
  type AnalyzedParams, type HostToWebview, type RooflineResult, type WebviewToHost, type WhatIf,
} from '../protocol';
import { panelHtml } from './html';

const VIEW_TYPE = 'memwall.roofline';

/** What the webview saves with setState and hands back after a reload. */
interface SavedState {
  readonly uri?: string;
  readonly whatIf?: WhatIf;
}

const isPython = (editor: vscode.TextEditor | undefined): editor is vscode.TextEditor => editor?.document.languageId === 'python';

export class RooflinePanel implements vscode.Disposable {
  private static current: RooflinePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private uri: string | undefined;
  private whatIf: WhatIf = {};
  private ready = false;
  private disposed = false;

  static show(context: vscode.ExtensionContext, client: LanguageClient): void {
    const editor = vscode.window.activeTextEditor;
    if (RooflinePanel.current) {
      if (isPython(editor)) RooflinePanel.current.follow(editor.document.uri.toString());
      RooflinePanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'MemWall Roofline', vscode.ViewColumn.Beside, {});
    RooflinePanel.current = new RooflinePanel(panel, context, client, { uri: isPython(editor) ? editor.document.uri.toString() : undefined });
  }

  /** Restores the panel after a window reload, with the file and what-if it showed. */
  static registerSerializer(context: vscode.ExtensionContext, client: LanguageClient): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: async (panel, state: unknown) => {
        const saved = (typeof state === 'object' && state !== null ? state : {}) as SavedState;
        RooflinePanel.current?.dispose();
        RooflinePanel.current = new RooflinePanel(panel, context, client, saved);
      },
    });
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly client: LanguageClient,
    saved: SavedState,
  ) {
    this.uri = typeof saved.uri === 'string' ? saved.uri : undefined;
    this.whatIf = saved.whatIf ?? {};
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    const media = vscode.Uri.joinPath(context.extensionUri, 'media');
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [dist, media] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => {
        // The webview is untrusted input: anything that is not a well-formed message is dropped.
        if (isWebviewToHost(message)) void this.receive(message);
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (isPython(editor)) this.follow(editor.document.uri.toString());
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor.document.uri.toString() === this.uri) {
          this.post({ type: 'cursor', uri: this.uri, line: event.selections[0]?.active.line ?? 0 });
        }
      }),
      this.client.onNotification(ANALYZED_NOTIFICATION, (params: AnalyzedParams) => {
        if (params.uri === this.uri) void this.refresh();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('memwall')) void this.refresh();
      }),
    );
  }

  /** Switches to another file; its what-if starts afresh, since sizes belong to a file. */
  private follow(uri: string): void {
    if (uri === this.uri) return;
    this.uri = uri;
    this.whatIf = {};
    void this.refresh();
  }

  private post(message: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private async refresh(): Promise<void> {
    if (!this.ready) return;
    const uri = this.uri;
    if (!uri) {
      this.post({ type: 'empty', message: 'Open a Python file to see its roofline.' });
      return;
    }
    try {
      const result = await this.client.sendRequest<RooflineResult>(ROOFLINE_REQUEST, { uri, whatIf: this.whatIf });
      if (uri !== this.uri) return;
      const fileName = decodeURIComponent(uri.split('/').pop() ?? uri);
      this.post({ type: 'data', fileName, result, whatIf: this.whatIf });
    } catch (error) {
      this.post({ type: 'empty', message: `MemWall could not draw the roofline: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async receive(message: WebviewToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        await this.refresh();
        return;
      case 'reveal': {
        const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(message.uri));
        const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === message.uri);
        const line = Math.min(message.line, document.lineCount - 1);
        const range = document.lineAt(line).range;
        await vscode.window.showTextDocument(document, {
          viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
          selection: new vscode.Selection(range.start, range.end),
        });
        return;
      }
      case 'whatIf':
        if (message.uri !== this.uri) return;
        this.whatIf = message.whatIf;
        await this.refresh();
        return;
      case 'export':
        await this.export(message.format, message.content);
        return;
    }
  }

  private async export(format: 'svg' | 'png', content: string): Promise<void> {
    const base = this.uri ? vscode.Uri.parse(this.uri) : undefined;
    const suggested = base?.scheme === 'file' ? vscode.Uri.file(base.fsPath.replace(/\.py$/, '') + `.roofline.${format}`) : undefined;
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, filters: { [format.toUpperCase()]: [format] } });
    if (!target) return;
    let bytes: Uint8Array;
    if (format === 'svg') bytes = new TextEncoder().encode(content);
    else {
      const match = /^data:image\/png;base64,([A-Za-z0-9+/=]+)$/.exec(content);
      if (!match) return;
      bytes = Buffer.from(match[1] as string, 'base64');
    }
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`MemWall: roofline saved to ${target.fsPath || target.toString()}`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (RooflinePanel.current === this) RooflinePanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

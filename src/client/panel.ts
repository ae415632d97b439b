// Hosts the roofline webview: feeds it the server's chart data, follows the active editor, and acts on its messages.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  ROOFLINE_REQUEST, isWebviewToHost,
  type AnalyzedParams, type CellLines, type HostToWebview, type RooflineResult, type WebviewToHost, type WhatIf,
} from '../protocol';
import { panelHtml } from './html';
import type { ServerLink } from './link';
import { chartLine, documentLine, hostStateFrom, revealTarget, WEBVIEW_FOLDER, WEBVIEW_SCRIPT, WEBVIEW_STYLE, type HostState } from './panel-policy';

const VIEW_TYPE = 'memwall.roofline';

const isPython = (editor: vscode.TextEditor | undefined): editor is vscode.TextEditor => editor?.document.languageId === 'python';

/**
 * The document the panel shows for a Python editor: the file, or for a notebook cell its notebook, whose cells the
 * server analyses as one program (a cell alone would name only part of it, and its analyses are the notebook's).
 */
function followed(editor: vscode.TextEditor | undefined): string | undefined {
  if (!isPython(editor)) return undefined;
  const notebook = vscode.workspace.notebookDocuments.find((candidate) => candidate.getCells().some((cell) => cell.document === editor.document));
  return (notebook?.uri ?? editor.document.uri).toString();
}

export class RooflinePanel implements vscode.Disposable {
  private static current: RooflinePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private uri: string | undefined;
  /** For a notebook, where its cells' lines are in the program the chart counts lines of (from the last answer). */
  private cells: readonly CellLines[] = [];
  private whatIf: WhatIf = {};
  private ready = false;
  private disposed = false;

  static show(context: vscode.ExtensionContext, link: ServerLink): void {
    const uri = followed(vscode.window.activeTextEditor);
    if (RooflinePanel.current) {
      if (uri) RooflinePanel.current.follow(uri);
      RooflinePanel.current.panel.reveal(vscode.ViewColumn.Beside);
      return;
    }
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'MemWall Roofline', vscode.ViewColumn.Beside, {});
    RooflinePanel.current = new RooflinePanel(panel, context, link, { ...(uri ? { uri } : {}), whatIf: {} });
  }

  /** Restores the panel after a window reload, with the file and what-if it showed. */
  static registerSerializer(context: vscode.ExtensionContext, link: ServerLink): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: unknown) => {
        RooflinePanel.current?.dispose();
        RooflinePanel.current = new RooflinePanel(panel, context, link, hostStateFrom(state));
        return Promise.resolve();
      },
    });
  }

  private readonly client: LanguageClient;

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    link: ServerLink,
    saved: HostState,
  ) {
    this.client = link.client;
    this.uri = saved.uri;
    this.whatIf = saved.whatIf;
    // The webview reads its bundle and stylesheet from their own folder, and nothing else of the extension: not the
    // server, CLI or wasm bundles beside them in dist/.
    const folder = vscode.Uri.joinPath(context.extensionUri, ...WEBVIEW_FOLDER);
    const webview = panel.webview;
    webview.options = { enableScripts: true, localResourceRoots: [folder] };
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(folder, WEBVIEW_SCRIPT)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(folder, WEBVIEW_STYLE)).toString(),
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      webview.onDidReceiveMessage((message: unknown) => {
        // The webview is untrusted input: anything that is not a well-formed message is dropped.
        if (isWebviewToHost(message)) {
          this.receive(message).catch((error: unknown) => {
            void vscode.window.showWarningMessage(`MemWall: the roofline panel could not act: ${error instanceof Error ? error.message : String(error)}`);
          });
        }
      }),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        const uri = followed(editor);
        if (uri) this.follow(uri);
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        const line = chartLine(event.textEditor.document.uri.toString(), event.selections[0]?.active.line ?? 0, this.uri, this.cells);
        if (this.uri && line !== undefined) this.post({ type: 'cursor', uri: this.uri, line });
      }),
      link.onDidAnalyze((params: AnalyzedParams) => {
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
    this.cells = [];
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
      this.cells = result.cells ?? [];
      const fileName = vscode.Uri.parse(uri).path.split('/').pop() || uri;
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
        const checked = revealTarget(message, this.uri);
        if (!checked) return;
        // A notebook's chart counts lines of its joined cells: the line is revealed in the cell that holds it.
        const target = documentLine(checked.uri, checked.line, this.cells);
        const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(target.uri));
        // The panel only ever follows Python editors; anything else under its URI is not revealed.
        if (document.languageId !== 'python') return;
        const visible = vscode.window.visibleTextEditors.find((editor) => editor.document.uri.toString() === target.uri);
        const line = Math.min(target.line, document.lineCount - 1);
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
    const suggested = base?.scheme === 'file' ? vscode.Uri.file(base.fsPath.replace(/\.(py|ipynb)$/, '') + `.roofline.${format}`) : undefined;
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

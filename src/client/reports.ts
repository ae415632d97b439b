// Report for Current File and Report for Workspace: Markdown reports shown in VS Code's rendered Markdown preview.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  combineReports, REPORT_REQUEST, WORKSPACE_FILES_REQUEST, type ReportParams, type ReportResult, type WorkspaceFilesResult,
} from '../protocol';

/** Reports live in memory under this scheme, so that the preview has a document and nothing asks to be saved. */
const SCHEME = 'memwall-report';

export class ReportDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration = vscode.workspace.registerTextDocumentContentProvider(SCHEME, this);

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.path) ?? '';
  }

  /** Stores the report and opens its rendered preview beside the editor. */
  async show(name: string, markdown: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: SCHEME, path: `/${name}.md` });
    this.contents.set(uri.path, markdown);
    this.changed.fire(uri);
    await vscode.commands.executeCommand('markdown.showPreviewToSide', uri);
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** The document a report is about: the notebook whose cell has the focus, else the Python file in the editor. */
function currentDocument(): vscode.Uri | undefined {
  const notebook = vscode.window.activeNotebookEditor?.notebook;
  const editor = vscode.window.activeTextEditor?.document;
  if (notebook && (!editor || notebook.getCells().some((cell) => cell.document === editor))) return notebook.uri;
  return editor?.languageId === 'python' ? editor.uri : undefined;
}

export async function reportForCurrentFile(client: LanguageClient, reports: ReportDocuments): Promise<void> {
  const uri = currentDocument();
  if (!uri) {
    void vscode.window.showInformationMessage('MemWall: open a Python file or notebook to report on.');
    return;
  }
  const { markdown } = await client.sendRequest<ReportResult>(REPORT_REQUEST, { uri: uri.toString() } satisfies ReportParams);
  const name = uri.path.split('/').pop() ?? 'file';
  await reports.show(`MemWall report ${name}`, markdown);
}

/**
 * The workspace's Python files: the server walks the folders on disk with the CLI's file set; folders that are not on
 * disk (a virtual workspace) are searched here, skipping the folder names the server names.
 */
async function workspacePythonFiles(client: LanguageClient): Promise<vscode.Uri[]> {
  const { files, skippedFolders } = await client.sendRequest<WorkspaceFilesResult>(WORKSPACE_FILES_REQUEST, {});
  const found = files.map((file) => vscode.Uri.parse(file));
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (folder.uri.scheme === 'file') continue;
    const exclude = `**/{${skippedFolders.join(',')}}/**`;
    found.push(...(await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.py'), exclude)));
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

export async function reportForWorkspace(client: LanguageClient, reports: ReportDocuments): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('MemWall: open a folder to report on its Python files.');
    return;
  }
  const sections = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MemWall: analysing the workspace', cancellable: true },
    async (progress, token) => {
      const files = await workspacePythonFiles(client);
      const done: { section: string; findings: number }[] = [];
      for (const [index, file] of files.entries()) {
        if (token.isCancellationRequested) return undefined;
        const name = vscode.workspace.asRelativePath(file, false);
        progress.report({ message: `${index + 1}/${files.length} ${name}`, increment: 100 / Math.max(1, files.length) });
        // The server reads files on disk itself (an unsaved buffer wins); a virtual workspace's files are sent.
        const text = file.scheme === 'file' ? undefined : new TextDecoder().decode(await vscode.workspace.fs.readFile(file));
        const params: ReportParams = { uri: file.toString(), name, ...(text !== undefined ? { text } : {}) };
        try {
          const { section, findings } = await client.sendRequest<ReportResult>(REPORT_REQUEST, params, token);
          done.push({ section, findings });
        } catch (error) {
          // A cancelled request rejects; any other failure is reported in the file's section, and the report goes on.
          if (token.isCancellationRequested) return undefined;
          done.push({ section: `## \`${name}\`\n\nMemWall could not analyse this file: ${error instanceof Error ? error.message : String(error)}`, findings: 0 });
        }
      }
      return done;
    },
  );
  if (!sections) {
    void vscode.window.showInformationMessage('MemWall: workspace report cancelled.');
    return;
  }
  const folder = vscode.workspace.workspaceFolders[0]?.name ?? 'workspace';
  await reports.show(`MemWall report ${folder}`, combineReports(sections, `MemWall report: ${folder}`));
}

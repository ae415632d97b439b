// Report for Current File and Report for Workspace: Markdown reports shown in VS Code's rendered Markdown preview.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { combineReports, REPORT_REQUEST, type ReportParams, type ReportResult } from '../protocol';

/** Reports live in memory under this scheme, so that the preview has a document and nothing asks to be saved. */
const SCHEME = 'memwall-report';

/** Folders a workspace report never reads: version control, dependencies, virtual environments, caches. */
export const SKIPPED_FOLDERS = ['.git', 'node_modules', '.venv', 'venv', 'env', '.env', '.tox', '.nox', 'site-packages', '__pycache__', '.mypy_cache', 'build', 'dist'];

/** Files larger than this are left out of a workspace report (generated code); the report says which. */
const MAX_WORKSPACE_FILE_BYTES = 2_000_000;

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

export async function reportForCurrentFile(client: LanguageClient, reports: ReportDocuments): Promise<void> {
  const document = vscode.window.activeTextEditor?.document ?? vscode.window.activeNotebookEditor?.notebook.cellAt(0)?.document;
  if (!document || document.languageId !== 'python') {
    void vscode.window.showInformationMessage('MemWall: open a Python file to report on.');
    return;
  }
  const { markdown } = await client.sendRequest<ReportResult>(REPORT_REQUEST, { uri: document.uri.toString() } satisfies ReportParams);
  const name = document.uri.path.split('/').pop() ?? 'file';
  await reports.show(`MemWall report ${name}`, markdown);
}

/** The workspace's .py files, outside the skipped folders, in path order. */
async function workspacePythonFiles(): Promise<vscode.Uri[]> {
  const exclude = `**/{${SKIPPED_FOLDERS.join(',')}}/**`;
  const files = await vscode.workspace.findFiles('**/*.py', exclude);
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

export async function reportForWorkspace(client: LanguageClient, reports: ReportDocuments): Promise<void> {
  if (!vscode.workspace.workspaceFolders?.length) {
    void vscode.window.showInformationMessage('MemWall: open a folder to report on its Python files.');
    return;
  }
  const sections = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'MemWall: analysing the workspace', cancellable: true },
    async (progress, token) => {
      const files = await workspacePythonFiles();
      const done: { section: string; findings: number }[] = [];
      for (const [index, file] of files.entries()) {
        if (token.isCancellationRequested) return undefined;
        const name = vscode.workspace.asRelativePath(file, false);
        progress.report({ message: `${index + 1}/${files.length} ${name}`, increment: 100 / Math.max(1, files.length) });
        const bytes = await vscode.workspace.fs.readFile(file);
        if (bytes.byteLength > MAX_WORKSPACE_FILE_BYTES) {
          done.push({ section: `## \`${name}\`\n\nLeft out: ${(bytes.byteLength / 1e6).toFixed(1)} MB is more than a workspace report reads.`, findings: 0 });
          continue;
        }
        const params: ReportParams = { uri: file.toString(), name, text: new TextDecoder().decode(bytes) };
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

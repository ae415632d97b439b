// Extension entry: starts the MemWall language server, then registers the commands, the status bar item and the panel.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import type { AnalyzedParams } from '../protocol';
import { registerCommands } from './commands';
import { linkTo } from './link';
import { RooflinePanel } from './panel';
import { followInterpreter } from './python';
import { RestartPolicy } from './restart';
import { configurationMiddleware } from './settings';
import { GpuStatusItem } from './statusBar';

let client: LanguageClient | undefined;

/** What the extension exports (`vscode.extensions.getExtension('memwall.memwall').exports`), used by its tests. */
export interface MemwallApi {
  /** Fires after each analysis the server publishes, with the document's URI and version. */
  readonly onDidAnalyze: vscode.Event<AnalyzedParams>;
  /** The version of a document the server last published an analysis for, if any. */
  analyzedVersion(uri: string): number | undefined;
  /** The status bar item's text, as the user sees it. */
  statusText(): string;
}

export async function activate(context: vscode.ExtensionContext): Promise<MemwallApi> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  // The server caches what it reads from disk: Python modules that files import, [tool.memwall] in pyproject.toml, and
  // virtual environments' pyvenv.cfg. A change to any of them re-reads it and re-analyses what read it.
  const watchers = ['**/*.py', '**/pyproject.toml', '**/pyvenv.cfg'].map((glob) => vscode.workspace.createFileSystemWatcher(glob));
  context.subscriptions.push(...watchers);
  const clientOptions: LanguageClientOptions = {
    // Every scheme: untitled buffers and virtual workspaces are analysed too, since MemWall only reads text. Python
    // cells of notebooks go through notebook sync, so the server analyses a notebook's cells as one program.
    documentSelector: [{ language: 'python' }, { notebook: '*', language: 'python' }],
    synchronize: { configurationSection: 'memwall', fileEvents: watchers },
    // Only the settings the user set reach the server, so that a setting equal to its default still outranks [tool.memwall].
    middleware: { workspace: configurationMiddleware(context) },
    // The hover's links run only these commands.
    markdown: { isTrusted: { enabledCommands: ['memwall.showRoofline', 'memwall.explainFinding'] } },
    // A crashed server is restarted a few times, and the user hears of it once, not on every restart.
    errorHandler: new RestartPolicy(),
  };
  // The id `memwall` makes the client read the `memwall.trace.server` setting (off, messages, verbose).
  client = new LanguageClient('memwall', 'MemWall', serverOptions, clientOptions);
  await client.start();

  const link = linkTo(client);
  const status = new GpuStatusItem(link);
  context.subscriptions.push(link, status, registerCommands(context, link), RooflinePanel.registerSerializer(context, link), followInterpreter(client));
  return { onDidAnalyze: link.onDidAnalyze, analyzedVersion: (uri) => link.analyzedVersion(uri), statusText: () => status.text };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

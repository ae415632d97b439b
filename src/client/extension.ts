// Extension entry: starts the MemWall language server, then registers the commands, the status bar item and the panel.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerCommands } from './commands';
import { RooflinePanel } from './panel';
import { RestartPolicy } from './restart';
import { GpuStatusItem } from './statusBar';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const pyprojectWatcher = vscode.workspace.createFileSystemWatcher('**/pyproject.toml');
  context.subscriptions.push(pyprojectWatcher);
  const clientOptions: LanguageClientOptions = {
    // Every scheme: untitled buffers and virtual workspaces are analysed too, since MemWall only reads text. Python
    // cells of notebooks go through notebook sync, so the server analyses a notebook's cells as one program.
    documentSelector: [{ language: 'python' }, { notebook: '*', language: 'python' }],
    // [tool.memwall] lives in pyproject.toml: the server re-reads it when one changes.
    synchronize: { configurationSection: 'memwall', fileEvents: pyprojectWatcher },
    // The hover's links run only these commands.
    markdown: { isTrusted: { enabledCommands: ['memwall.showRoofline', 'memwall.explainFinding'] } },
    // A crashed server is restarted a few times, and the user hears of it once, not on every restart.
    errorHandler: new RestartPolicy(),
  };
  client = new LanguageClient('memwall', 'MemWall', serverOptions, clientOptions);
  await client.start();

  const status = new GpuStatusItem(client);
  context.subscriptions.push(status, registerCommands(context, client), RooflinePanel.registerSerializer(context, client));
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

// The interpreter the Python extension (ms-python.python) has selected, reported to the server, which reads that
// environment's installed packages for imports (it never runs the interpreter). Without the extension, nothing is sent
// and the setting memwall.pythonPath or [tool.memwall] python applies.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { PYTHON_ENVIRONMENT_NOTIFICATION, type PythonEnvironmentParams } from '../protocol';

const PYTHON_EXTENSION = 'ms-python.python';

/** The part of the Python extension's API used here (its npm facade, @vscode/python-extension, is not needed for it). */
interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: {
    /** The selected environment: its `path` is the interpreter, or the environment folder for some conda environments. */
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly path: string } | undefined;
    readonly onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

/** The selected interpreter of the first workspace folder, or undefined when the Python extension is absent or has none. */
export async function selectedInterpreter(): Promise<{ python?: string; onChange?: vscode.Event<unknown> }> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) return {};
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    await api.ready;
    const environments = api.environments;
    if (!environments) return {};
    const python = environments.getActiveEnvironmentPath(vscode.workspace.workspaceFolders?.[0]?.uri)?.path;
    return { ...(python ? { python } : {}), onChange: environments.onDidChangeActiveEnvironmentPath };
  } catch {
    // A Python extension that fails to start leaves MemWall with its own settings.
    return {};
  }
}

/**
 * Tells the server which interpreter the Python extension has selected, once it has started (MemWall does not wait
 * for it), and again whenever the user selects another.
 */
export function followInterpreter(client: LanguageClient): vscode.Disposable {
  const subscriptions: vscode.Disposable[] = [];
  let disposed = false;
  const send = (python: string | undefined): void => {
    if (!disposed) void client.sendNotification(PYTHON_ENVIRONMENT_NOTIFICATION, { python: python ?? null } satisfies PythonEnvironmentParams);
  };
  void selectedInterpreter().then(({ python, onChange }) => {
    if (python) send(python);
    if (onChange && !disposed) subscriptions.push(onChange(() => void selectedInterpreter().then((selected) => send(selected.python))));
  });
  return new vscode.Disposable(() => {
    disposed = true;
    for (const subscription of subscriptions) subscription.dispose();
  });
}

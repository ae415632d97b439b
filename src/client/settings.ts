// The MemWall settings the client hands the server: only those the user set (in any scope), so that the server can
// tell "the user chose h100-sxm" from "the default is h100-sxm" and let [tool.memwall] in pyproject.toml fill the rest.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';

/** The keys of the memwall section, read from the extension's own package.json so that a new setting needs no code here. */
function settingKeys(context: vscode.ExtensionContext): string[] {
  const properties = (context.extension.packageJSON as { contributes?: { configuration?: { properties?: Record<string, unknown> } } }).contributes
    ?.configuration?.properties ?? {};
  return Object.keys(properties)
    .filter((key) => key.startsWith('memwall.'))
    .map((key) => key.slice('memwall.'.length));
}

/** Whether the user set a value anywhere (user, workspace, folder, or for a language) rather than leaving the default. */
function isSet(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>): boolean {
  if (!inspected) return false;
  return [
    inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue,
    inspected.globalLanguageValue, inspected.workspaceLanguageValue, inspected.workspaceFolderLanguageValue,
  ].some((value) => value !== undefined);
}

/** The memwall settings the user set for a resource, with their effective values. */
export function explicitSettings(keys: readonly string[], scopeUri: string | undefined): Record<string, unknown> {
  const scope = scopeUri ? vscode.Uri.parse(scopeUri) : undefined;
  const config = vscode.workspace.getConfiguration('memwall', scope);
  const settings: Record<string, unknown> = {};
  for (const key of keys) if (isSet(config.inspect(key))) settings[key] = config.get(key);
  return settings;
}

/** Answers the server's workspace/configuration requests for `memwall` with the explicit settings only. */
export function configurationMiddleware(context: vscode.ExtensionContext): Middleware['workspace'] {
  const keys = settingKeys(context);
  return {
    configuration: async (params, token, next) => {
      const answered = await next(params, token);
      if (!Array.isArray(answered)) return answered;
      return params.items.map((item, index) => (item.section === 'memwall' ? explicitSettings(keys, item.scopeUri) : answered[index]));
    },
  };
}

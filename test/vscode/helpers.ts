// Helpers shared by the extension-host tests: finding the example files, waiting for diagnostics, recording timings.
import * as vscode from 'vscode';
import type { MemwallApi } from '../../src/client/extension';

export const EXTENSION_ID = 'memwall.memwall';

/** A timing or figure the report needs; kept on globalThis because each test file is its own bundle. */
export interface Measurement {
  name: string;
  value: number;
  unit: string;
}

const store = globalThis as unknown as { memwallMeasurements?: Measurement[] };

export function recordMeasurement(name: string, value: number, unit: string): void {
  (store.memwallMeasurements ??= []).push({ name, value: Math.round(value * 10) / 10, unit });
  console.log(`[measure] ${name}: ${value.toFixed(1)} ${unit}`);
}

export function measurements(): Measurement[] {
  return store.memwallMeasurements ?? [];
}

/** What the suite saw through the API (e.g. each diagnostic's line), handed to the UI pass to check on screen. */
const factStore = globalThis as unknown as { memwallFacts?: Record<string, unknown> };

export function recordFact(name: string, value: unknown): void {
  (factStore.memwallFacts ??= {})[name] = value;
}

export function facts(): Record<string, unknown> {
  return factStore.memwallFacts ?? {};
}

/** The workspace is a throw-away copy of examples/ made by the harness (or by test:vscode:desktop). */
export function workspaceUri(...segments: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test run needs a workspace folder (a copy of examples/)');
  return vscode.Uri.joinPath(folder.uri, ...segments);
}

export function memwallDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === 'memwall');
}

/** Resolves with the memwall diagnostics of `uri` once `accept` takes them; rejects after `timeoutMs`. */
export function waitForDiagnostics(
  uri: vscode.Uri,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean = (diagnostics) => diagnostics.length > 0,
  timeoutMs = 20_000,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const diagnostics = memwallDiagnostics(uri);
      if (!accept(diagnostics)) return false;
      cleanup();
      resolve(diagnostics);
      return true;
    };
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (event.uris.some((changed) => changed.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      cleanup();
      const seen = memwallDiagnostics(uri).map((diagnostic) => `${codeOf(diagnostic)}@${diagnostic.range.start.line + 1}`);
      reject(new Error(`no matching memwall diagnostics on ${uri.fsPath} within ${timeoutMs} ms; last seen: ${seen.join(' ') || 'none'}`));
    }, timeoutMs);
    const cleanup = (): void => {
      subscription.dispose();
      clearTimeout(timer);
    };
    check();
  });
}

/** Resolves with the next diagnostics change for `uri` (any content), measured from the call. */
export function nextDiagnosticsChange(uri: vscode.Uri, timeoutMs = 10_000): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const subscription = vscode.languages.onDidChangeDiagnostics((event) => {
      if (!event.uris.some((changed) => changed.toString() === uri.toString())) return;
      subscription.dispose();
      clearTimeout(timer);
      resolve(memwallDiagnostics(uri));
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new Error(`diagnostics of ${uri.fsPath} did not change within ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The gap between two keystrokes of a simulated typist: part of what a typing test reproduces (the server debounces
 * by the time between edits), never a wait for something to happen; those poll with `eventually`.
 */
export const typingPause = sleep;

/** Polls `probe` until it returns a value that is not undefined, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The extension's exports (activating it if needed): its analysis events and status bar text, for the tests. */
export async function memwallApi(): Promise<MemwallApi> {
  const extension = vscode.extensions.getExtension<MemwallApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed in this VS Code`);
  return extension.isActive ? extension.exports : extension.activate();
}

/** Resolves once the server has published its analysis of the document's current version (or a later one). */
export async function waitForAnalysis(document: vscode.TextDocument, timeoutMs = 20_000): Promise<void> {
  const api = await memwallApi();
  const uri = document.uri.toString();
  const version = document.version;
  await eventually(
    `the analysis of ${document.uri.path.split('/').pop()} v${version} (last analysed: v${api.analyzedVersion(uri) ?? 'none'})`,
    () => ((api.analyzedVersion(uri) ?? -1) >= version ? true : undefined),
    timeoutMs,
  );
}

/**
 * Runs a command that shows quick picks, and in rounds moves `rows` down and accepts, until `done()` holds. A round
 * before the pick shows does nothing; a round that raced the pick's opening (and so accepted another row) ends the
 * command, which is then run again in a round of its own. The extension host cannot see a quick pick, so the outcome is what is polled.
 */
export async function pickUntil(command: string, rows: number, done: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  let running: Promise<void> | undefined;
  const start = (): void => {
    running = Promise.resolve(vscode.commands.executeCommand(command)).then(
      () => { running = undefined; },
      () => { running = undefined; },
    );
  };
  await eventually(what, async () => {
    if (done()) return true;
    if (!running) {
      // A round of its own: keys sent right after the start would race the pick's opening the same way every time.
      start();
      return undefined;
    }
    for (let step = 0; step < rows; step++) await vscode.commands.executeCommand('quickInput.next');
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return undefined;
  }, timeoutMs);
  // Leave no pick open behind: a later test would type into it.
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  await running;
}

/** Flattens hover contents (MarkdownString | MarkedString) into plain text for assertions. */
export function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : String(content)))
    .join('\n');
}

export const EXAMPLE = 'gpt_block.py';

/** Opens a workspace file in an editor (and so in the language server) and returns its editor. */
export async function openInEditor(name: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(workspaceUri(name));
  return vscode.window.showTextDocument(document, { preview: false });
}

/** 0-based line numbers of the lines whose text matches `pattern`. */
export function linesMatching(document: vscode.TextDocument, pattern: RegExp): number[] {
  const lines: number[] = [];
  for (let line = 0; line < document.lineCount; line++) {
    if (pattern.test(document.lineAt(line).text)) lines.push(line);
  }
  return lines;
}

export function codeOf(diagnostic: vscode.Diagnostic): string {
  const code = diagnostic.code;
  return String(typeof code === 'object' && code !== null ? code.value : code);
}

/** Updates a memwall setting in the workspace and returns a function that puts the old value back. */
export async function withSetting(key: string, value: unknown): Promise<() => Promise<void>> {
  const config = vscode.workspace.getConfiguration('memwall');
  const previous = config.inspect(key)?.workspaceValue;
  await config.update(key, value, vscode.ConfigurationTarget.Workspace);
  return async () => {
    await vscode.workspace.getConfiguration('memwall').update(key, previous, vscode.ConfigurationTarget.Workspace);
  };
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? NaN;
}

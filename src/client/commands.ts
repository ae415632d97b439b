// The MemWall commands: Show Roofline, Select GPU, Select Dtype, Set Sizes, the reports, Explain Finding, and the status bar menu.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { ServerLink } from './link';
import { DTYPE_CHOICES, GPUS_REQUEST, type GpusResult } from '../protocol';
import { RooflinePanel } from './panel';
import { ReportDocuments, reportForCurrentFile, reportForWorkspace } from './reports';

/** Where the build writes one Markdown page per rule, inside the extension (esbuild.js, src/server/rulePages.ts). */
const RULE_PAGES = ['dist', 'rules'] as const;

/** Settings go to the workspace when one is open, so a project keeps its GPU; else to the user's settings. */
function target(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}

async function selectGpu(client: LanguageClient): Promise<void> {
  const { gpus } = await client.sendRequest<GpusResult>(GPUS_REQUEST, {});
  const current = vscode.workspace.getConfiguration('memwall').get<string>('gpu');
  const picked = await vscode.window.showQuickPick(
    gpus.map((gpu) => ({ label: gpu.name, description: gpu.id === current ? `${gpu.id} (current)` : gpu.id, detail: gpu.detail, id: gpu.id })),
    { title: 'MemWall: GPU to price ops for', matchOnDescription: true },
  );
  if (picked) await vscode.workspace.getConfiguration('memwall').update('gpu', picked.id, target());
}

async function selectDtype(): Promise<void> {
  const current = vscode.workspace.getConfiguration('memwall').get<string>('dtype');
  const picked = await vscode.window.showQuickPick(
    DTYPE_CHOICES.map((dtype) => ({ label: dtype, description: dtype === current ? '(current)' : undefined })),
    { title: 'MemWall: dtype of tensors whose dtype the code does not fix' },
  );
  if (picked) await vscode.workspace.getConfiguration('memwall').update('dtype', picked.label, target());
}

/** Parses `B=8 T=1024` (spaces or commas) into sizes; undefined with a reason when malformed. */
export function parseSizes(text: string): { dims?: Record<string, number>; error?: string } {
  const dims: Record<string, number> = {};
  for (const part of text.split(/[\s,]+/).filter(Boolean)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(\d+)$/.exec(part);
    if (!match || Number(match[2]) < 1) return { error: `"${part}" is not SYMBOL=positive integer` };
    dims[match[1] as string] = Number(match[2]);
  }
  return { dims };
}

async function setSizes(): Promise<void> {
  const config = vscode.workspace.getConfiguration('memwall');
  const current = Object.entries(config.get<Record<string, number>>('dims', {}))
    .map(([symbol, size]) => `${symbol}=${size}`)
    .join(' ');
  const text = await vscode.window.showInputBox({
    title: 'MemWall: sizes of symbolic dims',
    prompt: 'Symbols and sizes, e.g. B=8 T=2048 n_embd=1024 (empty clears them)',
    value: current,
    validateInput: (value) => parseSizes(value).error,
  });
  if (text === undefined) return;
  await config.update('dims', parseSizes(text).dims, target());
}

/** `[1, 3, 224, 224]`, `[B, T]:int64`: what the magic comment's shape may hold; undefined when it reads as one. */
export function checkShape(text: string): string | undefined {
  return /^\s*\[\s*[A-Za-z0-9_*+/%() -]+(\s*,\s*[A-Za-z0-9_*+/%() -]+)*\s*\]\s*(:\s*[A-Za-z0-9_.]+)?\s*$/.test(text)
    ? undefined
    : 'a shape such as [1, 3, 224, 224] or [B, T]:int64';
}

/**
 * The code lens "Set input shape…" on a function whose input shape MemWall learned or could not tell: asks for the
 * shape and writes `# memwall: shape x=[...]` above the def (above its decorators), which outranks what was learned.
 */
async function setInputShape(uri: unknown, line: unknown, name: unknown, current: unknown): Promise<void> {
  if (typeof uri !== 'string' || typeof line !== 'number' || typeof name !== 'string') return;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const text = await vscode.window.showInputBox({
    title: `MemWall: shape of ${name}`,
    prompt: 'Dims as numbers or symbols, an optional dtype after a colon: [1, 3, 224, 224], [B, T]:int64',
    value: typeof current === 'string' ? current : '',
    validateInput: checkShape,
  });
  if (text === undefined) return;
  let above = line;
  while (above > 0 && /^\s*@/.test(document.lineAt(above - 1).text)) above--;
  const indent = /^\s*/.exec(document.lineAt(above).text)?.[0] ?? '';
  const comment = `${indent}# memwall: shape ${name}=${text.trim().replace(/\s*:\s*/, ':')}\n`;
  const edit = new vscode.WorkspaceEdit();
  edit.insert(document.uri, new vscode.Position(above, 0), comment);
  await vscode.workspace.applyEdit(edit);
}

/** Explains a code given by a hover link, else the MemWall diagnostic under the cursor, else one the user picks. */
async function explainFinding(extensionUri: vscode.Uri, code?: unknown): Promise<void> {
  let wanted = typeof code === 'string' ? code : undefined;
  const editor = vscode.window.activeTextEditor;
  if (!wanted && editor) {
    const here = vscode.languages
      .getDiagnostics(editor.document.uri)
      .filter((d) => d.source === 'memwall' && d.range.contains(editor.selection.active));
    const codes = [...new Set(here.map((d) => String(typeof d.code === 'object' ? d.code.value : d.code)))];
    wanted = codes.length === 1 ? codes[0] : await vscode.window.showQuickPick(codes.length ? codes : [], { title: 'MemWall: explain which finding?' });
  }
  if (!wanted) wanted = await vscode.window.showInputBox({ title: 'MemWall: rule code to explain', prompt: 'e.g. MW201' });
  if (!wanted) return;
  const page = await rulePage(extensionUri, wanted.trim().toUpperCase());
  if (!page) {
    void vscode.window.showWarningMessage(`MemWall has no rule ${wanted}.`);
    return;
  }
  await vscode.commands.executeCommand('markdown.showPreview', page);
}

/**
 * The rule's page that the build writes into the extension (dist/rules/MW201.md, the text of `memwall explain`), or
 * undefined when there is none. Only a code of the form MWnnn names a file, so no other file can be opened this way.
 */
async function rulePage(extensionUri: vscode.Uri, code: string): Promise<vscode.Uri | undefined> {
  if (!/^MW\d{3}$/.test(code)) return undefined;
  const page = vscode.Uri.joinPath(extensionUri, ...RULE_PAGES, `${code}.md`);
  try {
    await vscode.workspace.fs.stat(page);
    return page;
  } catch {
    return undefined;
  }
}

/** The status bar's menu: what MemWall prices for, each entry one of the commands above. */
async function changeSettings(): Promise<void> {
  const config = vscode.workspace.getConfiguration('memwall');
  const dims = Object.entries(config.get<Record<string, number>>('dims', {})).map(([symbol, size]) => `${symbol}=${size}`).join(' ');
  const choices = [
    { label: '$(chip) Select GPU', description: config.get<string>('gpu'), command: 'memwall.selectGpu' },
    { label: '$(symbol-numeric) Select Dtype', description: config.get<string>('dtype'), command: 'memwall.selectDtype' },
    { label: '$(symbol-variable) Set Sizes', description: dims || 'from the code and magic comments', command: 'memwall.setSizes' },
  ];
  const picked = await vscode.window.showQuickPick(choices, { title: 'MemWall: change what ops are priced for' });
  if (picked) await vscode.commands.executeCommand(picked.command);
}

export function registerCommands(context: vscode.ExtensionContext, link: ServerLink): vscode.Disposable {
  const { client } = link;
  const reports = new ReportDocuments();
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'memwall.showRoofline': () => RooflinePanel.show(context, link),
    'memwall.selectGpu': () => selectGpu(client),
    'memwall.selectDtype': () => selectDtype(),
    'memwall.setSizes': () => setSizes(),
    'memwall.reportForCurrentFile': () => reportForCurrentFile(client, reports),
    'memwall.reportForWorkspace': () => reportForWorkspace(client, reports),
    'memwall.changeSettings': () => changeSettings(),
    'memwall.explainFinding': (code) => explainFinding(context.extensionUri, code),
    'memwall.setInputShape': (uri, line, name, current) => setInputShape(uri, line, name, current),
  };
  return vscode.Disposable.from(
    reports,
    ...Object.entries(commands).map(([id, handler]) => vscode.commands.registerCommand(id, handler)),
  );
}

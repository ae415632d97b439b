// The MemWall language server: wires LSP handlers to one cached, debounced analysis per document version.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, createConnection, MessageType, NotebookCellKind, NotebookDocuments, ProposedFeatures, ShowMessageNotification, TextDocuments,
  TextDocumentSyncKind, type InitializeResult, type NotebookDocument,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_DTYPE, DEFAULT_GPU, extract, price, type AnalyzeOptions, type ExternalConfig, type ExtractOptions } from '../core/analyze';
import { RootCache } from '../core/frontends/pytorch/roots';
import { IncrementalParser } from '../core/parse/incremental';
import { createPythonParser, type PythonParser } from '../core/parse/parser';
import { chartDataFromAnalysis } from '../core/chart/data';
import type { DType, OpGraph } from '../core/ir/types';
import { readImportedModules } from '../workspace/imports';
import { loadProjectConfig, type ProjectConfig } from '../workspace/project';
import {
  ANALYZED_NOTIFICATION, combineReports, EXPLAIN_REQUEST, GPUS_REQUEST, REPORT_REQUEST, ROOFLINE_REQUEST,
  type AnalyzedParams, type ExplainParams, type ExplainResult, type GpusResult, type ReportParams, type ReportResult, type RooflineParams, type RooflineResult, type WhatIf,
} from '../protocol';
// The extension's version (esbuild inlines this one field of package.json), so the client's log names the right server.
import { version } from '../../package.json';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { toDiagnostics } from './diagnostics';
import { explainMarkdown } from './explain';
import { gpuChoices } from './gpus';
import { hoverAt } from './hover';
import { inlayHints } from './inlayHints';
import { diagnosticsByCell, joinCells, offsetInNotebook, rangeInCell, type JoinedNotebook } from './notebook';
import { failedSection, reportSection } from '../core/report/markdown';
import { RULE_PAGES_FOLDER } from './rulePages';
import { DEFAULT_SETTINGS, readSettings, type MemwallSettings } from './settings';
import { AnalysisStore, type DocumentAnalysis } from './store';

/**
 * Edits are analysed once typing pauses for the file's last analysis time, kept between 20 and 60 ms (the target is
 * diagnostics within 100 ms of a keystroke); opening a file is analysed at once.
 */
const DEBOUNCE = { minMs: 20, maxMs: 60 };

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
/** Notebooks: their Python cells are analysed together, as one program in cell order. */
const notebooks = new NotebookDocuments(TextDocument);

// The parser is loaded once, from the wasm files that esbuild copies next to this bundle.
let parserLoad: Promise<PythonParser> | undefined;
function loadParser(): Promise<PythonParser> {
  parserLoad ??= createPythonParser({
    runtime: readFileSync(path.join(__dirname, 'web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(__dirname, 'tree-sitter-python.wasm')),
  });
  return parserLoad;
}

/**
 * What each open document keeps from its last analysis, so that a keystroke re-parses only what changed and re-runs
 * only the roots whose code changed; freed when the document closes.
 */
interface DocumentState {
  readonly incremental: IncrementalParser;
  readonly roots: RootCache;
}
const documentStates = new Map<string, DocumentState>();
function documentState(uri: string, parser: PythonParser): DocumentState {
  let state = documentStates.get(uri);
  if (!state) documentStates.set(uri, (state = { incremental: new IncrementalParser(parser), roots: new RootCache() }));
  return state;
}
function forgetState(uri: string): void {
  documentStates.get(uri)?.incremental.dispose();
  documentStates.delete(uri);
}

let canReadConfiguration = false;
let canRefreshInlayHints = false;
let canRefreshCodeLenses = false;
let workspaceRoots: string[] = [];
const settingsByUri = new Map<string, Promise<MemwallSettings>>();

function settingsFor(uri: string): Promise<MemwallSettings> {
  if (!canReadConfiguration) return Promise.resolve(DEFAULT_SETTINGS);
  let settings = settingsByUri.get(uri);
  if (!settings) {
    settings = connection.workspace
      .getConfiguration({ scopeUri: uri, section: 'memwall' })
      .then(readSettings, () => DEFAULT_SETTINGS);
    settingsByUri.set(uri, settings);
  }
  return settings;
}

/** Fire-and-forget for promises whose failure must not take the server down (a client that refuses a message). */
function detach(promise: Promise<unknown>): void {
  promise.catch((error: unknown) => connection.console.error(`MemWall: ${errorMessage(error)}`));
}

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The nearest pyproject.toml's [tool.memwall], read once per file until it changes; nothing for unsaved buffers. */
const projects = new Map<string, ProjectConfig>();
function projectFor(uri: string): ProjectConfig {
  if (!uri.startsWith('file:')) return {};
  const file = fileURLToPath(uri);
  const root = workspaceRoots.find((folder) => file.startsWith(folder + path.sep));
  try {
    return loadProjectConfig(file, projects, root);
  } catch (error) {
    // A broken pyproject.toml is reported once, and the file is analysed without it rather than not at all.
    reportOnce(`MemWall ignored ${errorMessage(error)}`);
    return {};
  }
}

/** Workspace modules the file imports, so `from model import Block` is followed; only for files on disk. */
function importedModules(uri: string, text: string, incremental: IncrementalParser, parser: PythonParser, project: ProjectConfig): Map<string, string> {
  if (!uri.startsWith('file:')) return new Map();
  try {
    const tree = incremental.parse(text);
    return readImportedModules(fileURLToPath(uri), text, { parser, tree, roots: [...(project.root ? [project.root] : []), ...workspaceRoots] });
  } catch {
    return new Map();
  }
}

/**
 * Settings, then [tool.memwall], for sizes and severities. For the GPU and dtype, VS Code always reports a value (its
 * default when the user set none), so a pyproject.toml choice wins over the settings' defaults, and an explicit
 * setting other than the default wins over pyproject.toml.
 */
function pricingOptions(settings: MemwallSettings, project: ProjectConfig, whatIf: WhatIf = {}): Omit<AnalyzeOptions, 'parser' | 'modules'> {
  const pyproject = project.config;
  const configs: ExternalConfig[] = [];
  if (whatIf.dims && Object.keys(whatIf.dims).length) configs.push({ dims: whatIf.dims, source: 'what-if (roofline panel)' });
  if (Object.keys(settings.dims).length) configs.push({ dims: settings.dims, source: 'setting memwall.dims' });
  if (pyproject?.external) configs.push(pyproject.external);
  const gpu = whatIf.gpu ?? (settings.gpu !== DEFAULT_GPU ? settings.gpu : pyproject?.gpu ?? settings.gpu);
  const dtype = (whatIf.dtype as DType | undefined) ?? (settings.dtype !== DEFAULT_DTYPE ? settings.dtype : pyproject?.dtype ?? settings.dtype);
  return {
    gpu,
    dtype,
    configs,
    customGpus: [...(pyproject?.customGpus ?? []), ...settings.customGpus],
    severities: { ...pyproject?.severities, ...settings.severity },
  };
}

/** Entries and input shapes: the settings', else [tool.memwall]'s (inputs merged by name, the settings first). */
function entryOptions(settings: MemwallSettings, project: ProjectConfig): Pick<ExtractOptions, 'entries' | 'inputs' | 'boundSymbols'> {
  const pyproject = project.config;
  const entries = settings.entries.length ? settings.entries : pyproject?.entries ?? [];
  const inputs = [...settings.inputs, ...(pyproject?.inputs ?? []).filter((input) => !settings.inputs.some((other) => other.name === input.name))];
  const boundSymbols = [...Object.keys(settings.dims), ...Object.keys(pyproject?.external?.dims ?? {})];
  return { entries, inputs, boundSymbols };
}

/**
 * A what-if outranks even the file's magic comments: the user is asking "what if T were 8192" about this very file.
 * The graph's own magic settings are set aside for the symbols, GPU and dtype the what-if names; the rest stays.
 */
function overriddenByWhatIf(graph: OpGraph, whatIf: WhatIf): OpGraph {
  const dims = whatIf.dims ?? {};
  return {
    ...graph,
    magic: {
      ...graph.magic,
      bindings: graph.magic.bindings.filter((binding) => !(binding.symbol in dims)),
      gpu: whatIf.gpu ?? graph.magic.gpu,
      dtype: (whatIf.dtype as DType | undefined) ?? graph.magic.dtype,
    },
  };
}

/** Parses and prices one document version; every failure becomes a sentence, never an exception. */
async function analyseDocument(document: TextDocument): Promise<DocumentAnalysis> {
  const started = performance.now();
  const base = { uri: document.uri, version: document.version, text: document.getText() };
  const done = (rest: Partial<DocumentAnalysis>): DocumentAnalysis => ({ ...base, ...rest, durationMs: performance.now() - started });
  const ms = (from: number, to: number): string => `${(to - from).toFixed(1)} ms`;
  let graph;
  try {
    const [settings, parser] = await Promise.all([settingsFor(document.uri), loadParser()]);
    const project = projectFor(document.uri);
    const { incremental, roots } = documentState(document.uri, parser);
    let extractStarted;
    try {
      const modules = importedModules(document.uri, base.text, incremental, parser, project);
      extractStarted = performance.now();
      graph = extract(base.text, { parser, incremental, roots, modules, maxChars: settings.maxFileSize, ...entryOptions(settings, project) });
    } catch (error) {
      return done({ error: `MemWall could not read this file: ${errorMessage(error)}` });
    }
    const priceStarted = performance.now();
    const analysis = price(graph, base.text, pricingOptions(settings, project));
    const reuse = `${roots.reused} of ${roots.reused + roots.ran} roots reused`;
    const timing = `settings and imports ${ms(started, extractStarted)}, extract ${ms(extractStarted, priceStarted)} (${reuse}), price and rules ${ms(priceStarted, performance.now())}`;
    return done({ graph, analysis, timing });
  } catch (error) {
    return done({ graph, error: `MemWall could not price this file: ${errorMessage(error)}` });
  }
}

const store = new AnalysisStore(analyseDocument, DEBOUNCE);

/** The rule pages the build writes next to this bundle (dist/rules/MWxxx.md), as file: URIs; checked once per code. */
const ruleDocLinks = new Map<string, string | undefined>();
function ruleDocLink(code: string): string | undefined {
  if (!ruleDocLinks.has(code)) {
    const page = path.join(__dirname, RULE_PAGES_FOLDER, `${code}.md`);
    ruleDocLinks.set(code, /^MW\d{3}$/.test(code) && existsSync(page) ? pathToFileURL(page).toString() : undefined);
  }
  return ruleDocLinks.get(code);
}

/**
 * The rule page as a link the Markdown preview follows: it drops file: links (markdown-it rejects the scheme) but
 * opens vscode://file/<path> links, VS Code's own URL for opening a file.
 */
function reportRuleLink(code: string): string | undefined {
  const page = ruleDocLink(code);
  return page ? `vscode://file${new URL(page).pathname}` : undefined;
}
const reportedErrors = new Set<string>();

/** Shows a warning once per distinct message, so a broken setting does not nag on every keystroke. */
function reportOnce(message: string): void {
  if (reportedErrors.has(message)) return;
  reportedErrors.add(message);
  detach(connection.sendNotification(ShowMessageNotification.type, { type: MessageType.Warning, message }));
}

/**
 * Lets edits that arrived while an analysis ran (it blocks the event loop) be read first, so that publish sees the
 * newest version: the timer turn leads to the poll phase, which reads the pipe and queues the messages (the connection
 * handles them in check-phase turns); the second setImmediate runs after the connection's.
 */
const readIncoming = (): Promise<void> => new Promise((resolve) => setTimeout(() => setImmediate(() => setImmediate(resolve)), 0));

async function publish(result: DocumentAnalysis): Promise<void> {
  await readIncoming();
  const document = documents.get(result.uri);
  // A newer version is on its way; its own run publishes.
  if (!document || document.version !== result.version) return;
  const settings = await settingsFor(result.uri);
  const diagnostics = result.analysis ? toDiagnostics(document, result.analysis, settings.severity, ruleDocLink) : [];
  detach(connection.sendDiagnostics({ uri: result.uri, version: result.version, diagnostics }));
  connection.console.log(`analysed ${result.uri} v${result.version} in ${result.durationMs.toFixed(1)} ms${result.timing ? `: ${result.timing}` : ''}`);
  if (result.error) reportOnce(result.error);
  detach(connection.sendNotification(ANALYZED_NOTIFICATION, analyzedParams(result)));
}

function analyzedParams(result: DocumentAnalysis): AnalyzedParams {
  const { analysis } = result;
  const priced = analysis && { gpu: analysis.hardware.name, dtype: analysis.dtype, assumptions: analysis.assumptions };
  return { uri: result.uri, version: result.version, priced };
}

connection.onInitialize((params): InitializeResult => {
  canReadConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshInlayHints = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
  canRefreshCodeLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  workspaceRoots = (params.workspaceFolders ?? [])
    .filter((folder) => folder.uri.startsWith('file:'))
    .map((folder) => fileURLToPath(folder.uri));
  // Warm the parser while the client finishes starting up.
  loadParser().catch((error) => connection.console.error(`MemWall could not load its parser: ${errorMessage(error)}`));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      notebookDocumentSync: { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }] }] },
      hoverProvider: true,
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'memwall', version },
  };
});

/** Documents just opened: TextDocuments fires a content change right after each open, for the version just analysed. */
const justOpened = new Set<string>();
documents.onDidOpen((event) => {
  justOpened.add(event.document.uri);
  store.schedule(event.document, (result) => detach(publish(result)), true);
});
documents.onDidChangeContent((event) => {
  if (justOpened.delete(event.document.uri)) return;
  store.schedule(event.document, (result) => detach(publish(result)));
});
documents.onDidClose((event) => {
  store.forget(event.document.uri);
  forgetState(event.document.uri);
  settingsByUri.delete(event.document.uri);
  detach(connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] }));
});

/** Each open notebook's cells joined into one program, and the cells that last received diagnostics. */
const joinedNotebooks = new Map<string, JoinedNotebook>();
const publishedCells = new Map<string, Set<string>>();

/** Joins a notebook's Python code cells, in order, as the next version of its program. */
function rejoin(notebook: NotebookDocument): JoinedNotebook {
  const cells = notebook.cells.flatMap((cell) => {
    const text = notebooks.getCellTextDocument(cell);
    return cell.kind === NotebookCellKind.Code && text?.languageId === 'python' ? [{ uri: cell.document, text: text.getText() }] : [];
  });
  const joined = joinCells(notebook.uri, (joinedNotebooks.get(notebook.uri)?.document.version ?? 0) + 1, cells);
  joinedNotebooks.set(notebook.uri, joined);
  return joined;
}

/** Publishes a notebook's diagnostics on its cells; cells that no longer have any (or are gone) are cleared. */
async function publishNotebook(result: DocumentAnalysis): Promise<void> {
  await readIncoming();
  const joined = joinedNotebooks.get(result.uri);
  if (!joined || joined.document.version !== result.version) return;
  const settings = await settingsFor(result.uri);
  const byCell = diagnosticsByCell(joined, result.analysis ? toDiagnostics(joined.document, result.analysis, settings.severity, ruleDocLink) : []);
  for (const uri of publishedCells.get(result.uri) ?? []) if (!byCell.has(uri)) byCell.set(uri, []);
  publishedCells.set(result.uri, new Set(joined.cells.map((cell) => cell.uri)));
  for (const [uri, diagnostics] of byCell) detach(connection.sendDiagnostics({ uri, diagnostics }));
  connection.console.log(`analysed ${result.uri} v${result.version} (${joined.cells.length} cells) in ${result.durationMs.toFixed(1)} ms${result.timing ? `: ${result.timing}` : ''}`);
  if (result.error) reportOnce(result.error);
  detach(connection.sendNotification(ANALYZED_NOTIFICATION, analyzedParams(result)));
}

notebooks.onDidOpen((notebook) => store.schedule(rejoin(notebook).document, (result) => detach(publishNotebook(result)), true));
notebooks.onDidChange((event) => store.schedule(rejoin(event.notebookDocument).document, (result) => detach(publishNotebook(result))));
notebooks.onDidClose((notebook) => {
  store.forget(notebook.uri);
  forgetState(notebook.uri);
  joinedNotebooks.delete(notebook.uri);
  for (const uri of publishedCells.get(notebook.uri) ?? []) detach(connection.sendDiagnostics({ uri, diagnostics: [] }));
  publishedCells.delete(notebook.uri);
});

/** A cell of an open notebook: its notebook's program and where the cell sits in it. */
function notebookOfCell(cellUri: string): JoinedNotebook | undefined {
  const notebook = notebooks.findNotebookDocumentForCell(cellUri);
  return notebook ? joinedNotebooks.get(notebook.uri) : undefined;
}

/** Re-analyses every open document: settings or a pyproject.toml changed. */
function reanalyseAll(): void {
  store.invalidateAll();
  for (const document of documents.all()) store.schedule(document, (result) => detach(publish(result)), true);
  for (const joined of joinedNotebooks.values()) store.schedule(joined.document, (result) => detach(publishNotebook(result)), true);
}

connection.onDidChangeWatchedFiles(() => {
  projects.clear();
  reanalyseAll();
});

connection.onDidChangeConfiguration(() => {
  settingsByUri.clear();
  reanalyseAll();
  if (canRefreshInlayHints) detach(connection.languages.inlayHint.refresh());
  if (canRefreshCodeLenses) detach(connection.sendRequest('workspace/codeLens/refresh'));
});

connection.onHover(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) {
    // A notebook cell: hover the joined program at the cell's offset, and give the range back in the cell's lines.
    const joined = notebookOfCell(params.textDocument.uri);
    const offset = joined && offsetInNotebook(joined, params.textDocument.uri, params.position);
    if (!joined || offset === undefined) return null;
    const { analysis } = await store.get(joined.document);
    const hover = analysis ? hoverAt(joined.document, analysis, offset) : null;
    const cell = joined.cells.find((candidate) => candidate.uri === params.textDocument.uri)!;
    return hover && hover.range ? { ...hover, range: rangeInCell(cell, hover.range) } : hover;
  }
  const { analysis } = await store.get(document);
  return analysis ? hoverAt(document, analysis, document.offsetAt(params.position)) : null;
});

connection.languages.inlayHint.on(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  const [{ analysis }, settings] = await Promise.all([store.get(document), settingsFor(document.uri)]);
  return analysis ? inlayHints(document, analysis, params.range, settings.inlayHints) : [];
});

connection.onCodeLens(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  const { analysis } = await store.get(document);
  return analysis ? codeLenses(document, analysis) : [];
});

connection.onCodeAction(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return [];
  const { analysis } = await store.get(document);
  return analysis ? codeActions(document, analysis, params.context.diagnostics) : [];
});

connection.onRequest(ROOFLINE_REQUEST, async (params: RooflineParams): Promise<RooflineResult> => {
  const settings = await settingsFor(params.uri);
  const gpus = gpuChoices(settings.customGpus);
  const document = documents.get(params.uri);
  if (!document) return { uri: params.uri, version: -1, chart: null, error: 'The file is not open.', gpus, notes: [] };
  const result = await store.get(document);
  const base = { uri: params.uri, version: result.version, gpus };
  try {
    // A what-if re-prices the cached graph: no re-parse, and the document's own analysis stays as it is.
    const analysis =
      params.whatIf && Object.keys(params.whatIf).length && result.graph
        ? price(overriddenByWhatIf(result.graph, params.whatIf), result.text, pricingOptions(settings, projectFor(params.uri), params.whatIf))
        : result.analysis;
    if (!analysis) return { ...base, chart: null, error: result.error ?? 'No analysis.', notes: [] };
    return { ...base, chart: chartDataFromAnalysis(analysis), notes: analysis.notes.map((note) => `${note.code} ${note.message}`) };
  } catch (error) {
    return { ...base, chart: null, error: errorMessage(error), notes: [] };
  }
});

connection.onRequest(GPUS_REQUEST, async (): Promise<GpusResult> => {
  const uri = documents.all()[0]?.uri;
  const settings = uri ? await settingsFor(uri) : DEFAULT_SETTINGS;
  return { gpus: gpuChoices(settings.customGpus) };
});

connection.onRequest(REPORT_REQUEST, async (params: ReportParams): Promise<ReportResult> => {
  const name = params.name ?? decodeURIComponent(path.posix.basename(params.uri));
  const open = documents.get(params.uri);
  // A file that is not open (Report for Workspace) is analysed from the text the client read, and not cached.
  const document = open ?? (typeof params.text === 'string' ? TextDocument.create(params.uri, 'python', 0, params.text) : undefined);
  if (!document) {
    const section = failedSection(name, 'The file is not open.');
    return { markdown: combineReports([{ section, findings: 0 }], `MemWall: ${name}`), section, findings: 0 };
  }
  const result = open ? await store.get(open) : await analyseDocument(document);
  const findings = result.analysis?.findings.length ?? 0;
  const section = result.analysis ? reportSection(name, result.analysis, reportRuleLink) : failedSection(name, result.error ?? 'No analysis.');
  return { markdown: combineReports([{ section, findings }], `MemWall: ${name}`), section, findings };
});

connection.onRequest(EXPLAIN_REQUEST, (params: ExplainParams): ExplainResult => ({ markdown: explainMarkdown(params.code) }));

// A stray rejection is logged, never fatal: the editor would lose every MemWall feature until a restart.
process.on('unhandledRejection', (reason) => connection.console.error(`MemWall: unhandled ${errorMessage(reason)}`));

documents.listen(connection);
notebooks.listen(connection);
connection.listen();

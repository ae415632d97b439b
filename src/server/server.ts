// The MemWall language server: wires LSP handlers to the analysis service, with one cached, debounced analysis per
// open program (a file, or a notebook's cells) and one resolve(uri) for every handler.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind, createConnection, FileChangeType, MessageType, NotebookDocuments, ProposedFeatures, ShowMessageNotification, TextDocuments,
  TextDocumentSyncKind, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { RootCache } from '../core/frontends/pytorch/roots';
import { PriceMemo } from '../core/cost/price';
import { IncrementalParser } from '../core/parse/incremental';
import { createPythonParser, type PythonParser } from '../core/parse/parser';
import { chartDataFromAnalysis } from '../core/chart/data';
import type { DType, OpGraph } from '../core/ir/types';
import { editorLayer, whatIfLayer, type SettingsLayer } from '../workspace/configuration';
import { AnalysisService } from '../workspace/service';
import { SKIPPED_FOLDERS } from '../workspace/walk';
import {
  ANALYZED_NOTIFICATION, combineReports, EXPLAIN_REQUEST, GPUS_REQUEST, PYTHON_ENVIRONMENT_NOTIFICATION, REPORT_REQUEST, ROOFLINE_REQUEST,
  WORKSPACE_FILES_REQUEST,
  type AnalyzedParams, type ExplainParams, type ExplainResult, type GpusResult, type PythonEnvironmentParams, type ReportParams, type ReportResult,
  type RooflineParams, type RooflineResult, type WhatIf, type WorkspaceFilesResult,
} from '../protocol';
// The extension's version (esbuild inlines this one field of package.json), so the client's log names the right server.
import { version } from '../../package.json';
import { toDiagnostics } from './diagnostics';
import { DocumentModel, fileOf } from './documents';
import { explainMarkdown } from './explain';
import { codeActionsIn, codeLensesIn, hoverIn, inlayHintsIn } from './features';
import { gpuChoices } from './gpus';
import { diagnosticsByCell } from './notebook';
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
const model = new DocumentModel(documents, notebooks);

// The parser is loaded once, from the wasm files that esbuild copies next to this bundle; the service with it.
let serviceLoad: Promise<{ parser: PythonParser; service: AnalysisService }> | undefined;
function loadService(): Promise<{ parser: PythonParser; service: AnalysisService }> {
  serviceLoad ??= createPythonParser({
    runtime: readFileSync(path.join(__dirname, 'web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(__dirname, 'tree-sitter-python.wasm')),
  }).then((parser) => {
    const service = new AnalysisService(parser);
    service.workspaceRoots = workspaceRoots;
    return { parser, service };
  });
  return serviceLoad;
}

/**
 * What each open program keeps from its last analysis, so that a keystroke re-parses only what changed and re-runs
 * only the roots whose code changed; freed when it closes. Documents that are not open (the workspace report) keep
 * nothing: their analysis runs without state.
 */
interface DocumentState {
  readonly incremental: IncrementalParser;
  readonly roots: RootCache;
  readonly prices: PriceMemo;
}
const documentStates = new Map<string, DocumentState>();
function documentState(uri: string, parser: PythonParser): DocumentState {
  let state = documentStates.get(uri);
  if (!state) documentStates.set(uri, (state = { incremental: new IncrementalParser(parser), roots: new RootCache(), prices: new PriceMemo() }));
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
/** The interpreter the Python extension has selected, as the client reports it. */
let pythonFromExtension: string | undefined;

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

/** The workspace folder that holds a file: pyproject.toml is looked for up to it, relative settings are read from it. */
function workspaceRootOf(file: string | undefined): string | undefined {
  return file ? workspaceRoots.find((folder) => file.startsWith(folder + path.sep)) : workspaceRoots[0];
}

/** The editor's layers, highest first: the settings the user set, then the Python extension's interpreter. */
function editorLayers(settings: MemwallSettings, file: string | undefined): SettingsLayer[] {
  const layers = [editorLayer(settings.values, workspaceRootOf(file))];
  if (pythonFromExtension) layers.push({ values: { python: pythonFromExtension }, describe: () => "the Python extension's interpreter" });
  return layers;
}

/** Which files each open program read besides its own: a change to one makes the program's analysis stale. */
const dependencies = new Map<string, readonly string[]>();

/**
 * Analyses one version of a program; every failure becomes a sentence, never an exception. An open program (`keep`)
 * keeps its tree and roots for the next keystroke; any other (the workspace report) keeps nothing.
 */
async function analyseProgram(document: TextDocument, keep: boolean): Promise<DocumentAnalysis> {
  const started = performance.now();
  const base = { uri: document.uri, version: document.version, text: document.getText() };
  const done = (rest: Partial<DocumentAnalysis>): DocumentAnalysis => ({ ...base, ...rest, durationMs: performance.now() - started });
  try {
    const [settings, { parser, service }] = await Promise.all([settingsFor(document.uri), loadService()]);
    const file = fileOf(document.uri);
    const result = await service.analyse({
      ...(file ? { file } : {}),
      text: base.text,
      layers: editorLayers(settings, file),
      ...(keep ? { state: documentState(document.uri, parser) } : {}),
      maxChars: settings.maxFileSize,
      ...(workspaceRootOf(file) ? { stopAt: workspaceRootOf(file) } : {}),
    });
    for (const warning of result.warnings) reportOnce(warning);
    if (keep) dependencies.set(document.uri, result.dependencies);
    const priced = { graph: result.graph, layers: result.layers, severities: result.configuration.severities, timing: result.timing };
    return result.analysis ? done({ ...priced, analysis: result.analysis }) : done({ ...priced, error: `MemWall could not price this file: ${result.pricingError}` });
  } catch (error) {
    return done({ error: `MemWall could not read this file: ${errorMessage(error)}` });
  }
}

const store = new AnalysisStore((document) => analyseProgram(document, true), DEBOUNCE);

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

/** The cells of each notebook that last received diagnostics, so that cells left without any are cleared. */
const publishedCells = new Map<string, Set<string>>();

/** Publishes a program's diagnostics: on the file, or split over a notebook's cells. */
async function publish(result: DocumentAnalysis): Promise<void> {
  await readIncoming();
  const program = model.program(result.uri);
  // A newer version is on its way; its own run publishes.
  if (!program || program.version !== result.version) return;
  const diagnostics = result.analysis ? toDiagnostics(program, result.analysis, result.severities ?? {}, ruleDocLink) : [];
  const notebook = model.notebook(result.uri);
  if (notebook) {
    const byCell = diagnosticsByCell(notebook, diagnostics);
    for (const uri of publishedCells.get(result.uri) ?? []) if (!byCell.has(uri)) byCell.set(uri, []);
    publishedCells.set(result.uri, new Set(notebook.cells.map((cell) => cell.uri)));
    for (const [uri, cellDiagnostics] of byCell) detach(connection.sendDiagnostics({ uri, diagnostics: cellDiagnostics }));
  } else {
    detach(connection.sendDiagnostics({ uri: result.uri, version: result.version, diagnostics }));
  }
  const cells = notebook ? ` (${notebook.cells.length} cells)` : '';
  connection.console.log(`analysed ${result.uri} v${result.version}${cells} in ${result.durationMs.toFixed(1)} ms${result.timing ? `: ${result.timing}` : ''}`);
  if (result.error) reportOnce(result.error);
  detach(connection.sendNotification(ANALYZED_NOTIFICATION, analyzedParams(result)));
}

function analyzedParams(result: DocumentAnalysis): AnalyzedParams {
  const { analysis } = result;
  const priced = analysis && { gpu: analysis.hardware.name, dtype: analysis.dtype, assumptions: analysis.assumptions };
  return { uri: result.uri, version: result.version, priced };
}

const schedule = (program: TextDocument, immediate = false): void => store.schedule(program, (result) => detach(publish(result)), immediate);

/** Re-analyses the open programs that read a file (an unsaved edit to it, or a change on disk). */
function reanalyseDependents(files: readonly string[], except?: string): void {
  const changed = new Set(files.map((file) => path.resolve(file)));
  for (const program of model.programs()) {
    if (program.uri === except || !dependencies.get(program.uri)?.some((file) => changed.has(file))) continue;
    store.invalidate(program.uri);
    schedule(program);
  }
}

/** Re-analyses every open program: settings, a pyproject.toml or the Python environment changed. */
function reanalyseAll(): void {
  store.invalidateAll();
  for (const program of model.programs()) schedule(program, true);
}

connection.onInitialize((params): InitializeResult => {
  canReadConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshInlayHints = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
  canRefreshCodeLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  workspaceRoots = (params.workspaceFolders ?? [])
    .filter((folder) => folder.uri.startsWith('file:'))
    .map((folder) => fileURLToPath(folder.uri));
  // Warm the parser while the client finishes starting up.
  loadService().catch((error) => connection.console.error(`MemWall could not load its parser: ${errorMessage(error)}`));
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

/** An open file's unsaved text is what other files importing it read; the programs that did are analysed again. */
async function overlay(document: TextDocument, open: boolean): Promise<void> {
  const file = fileOf(document.uri);
  if (!file) return;
  const { service } = await loadService();
  if (open) service.files.setOverlay(file, document.getText());
  else service.files.deleteOverlay(file);
  reanalyseDependents([file], document.uri);
}

/** Documents just opened: TextDocuments fires a content change right after each open, for the version just analysed. */
const justOpened = new Set<string>();
documents.onDidOpen((event) => {
  justOpened.add(event.document.uri);
  detach(overlay(event.document, true));
  schedule(event.document, true);
});
documents.onDidChangeContent((event) => {
  if (justOpened.delete(event.document.uri)) return;
  detach(overlay(event.document, true));
  schedule(event.document);
});
documents.onDidClose((event) => {
  store.forget(event.document.uri);
  forgetState(event.document.uri);
  dependencies.delete(event.document.uri);
  settingsByUri.delete(event.document.uri);
  detach(overlay(event.document, false));
  detach(connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] }));
});

notebooks.onDidOpen((notebook) => schedule(model.rejoin(notebook).document, true));
notebooks.onDidChange((event) => schedule(model.rejoin(event.notebookDocument).document));
notebooks.onDidClose((notebook) => {
  store.forget(notebook.uri);
  forgetState(notebook.uri);
  dependencies.delete(notebook.uri);
  model.closeNotebook(notebook.uri);
  for (const uri of publishedCells.get(notebook.uri) ?? []) detach(connection.sendDiagnostics({ uri, diagnostics: [] }));
  publishedCells.delete(notebook.uri);
});

/** The client's file watcher: Python files, pyproject.toml and pyvenv.cfg files changed, appeared or went away. */
connection.onDidChangeWatchedFiles((params) => {
  const changes = params.changes.flatMap((change) => {
    const file = fileOf(change.uri);
    return file ? [{ file, type: change.type }] : [];
  });
  detach(
    loadService().then(({ service }) => {
      service.changed(changes.map((change) => change.file));
      // A module that appeared or went away may change what any import resolves to; so may a configuration file.
      const everything = changes.some((change) => change.type !== FileChangeType.Changed || !change.file.endsWith('.py'));
      if (everything) reanalyseAll();
      else reanalyseDependents(changes.map((change) => change.file));
    }),
  );
});

connection.onDidChangeConfiguration(() => {
  settingsByUri.clear();
  reanalyseAll();
  if (canRefreshInlayHints) detach(connection.languages.inlayHint.refresh());
  if (canRefreshCodeLenses) detach(connection.sendRequest('workspace/codeLens/refresh'));
});

connection.onNotification(PYTHON_ENVIRONMENT_NOTIFICATION, (params: PythonEnvironmentParams) => {
  const python = typeof params?.python === 'string' && params.python ? params.python : undefined;
  if (python === pythonFromExtension) return;
  pythonFromExtension = python;
  reanalyseAll();
});

connection.onHover(async (params) => {
  const resolved = model.resolve(params.textDocument.uri);
  if (!resolved) return null;
  const { analysis } = await store.get(resolved.program);
  return analysis ? hoverIn(resolved, analysis, params.position) : null;
});

connection.languages.inlayHint.on(async (params) => {
  const resolved = model.resolve(params.textDocument.uri);
  if (!resolved) return [];
  const [{ analysis }, settings] = await Promise.all([store.get(resolved.program), settingsFor(resolved.program.uri)]);
  return analysis ? inlayHintsIn(resolved, analysis, params.range, settings.inlayHints) : [];
});

connection.onCodeLens(async (params) => {
  const resolved = model.resolve(params.textDocument.uri);
  if (!resolved) return [];
  const { analysis } = await store.get(resolved.program);
  return analysis ? codeLensesIn(resolved, analysis) : [];
});

connection.onCodeAction(async (params) => {
  const resolved = model.resolve(params.textDocument.uri);
  if (!resolved) return [];
  const { analysis } = await store.get(resolved.program);
  return analysis ? codeActionsIn(resolved, analysis, params.context.diagnostics) : [];
});

connection.onRequest(ROOFLINE_REQUEST, async (params: RooflineParams): Promise<RooflineResult> => {
  const settings = await settingsFor(params.uri);
  const gpus = gpuChoices(settings.values.customGpus ?? []);
  const resolved = model.resolve(params.uri);
  if (!resolved) return { uri: params.uri, version: -1, chart: null, error: 'The file is not open.', gpus, notes: [] };
  const result = await store.get(resolved.program);
  const base = { uri: params.uri, version: result.version, gpus };
  try {
    // A what-if re-prices the cached graph: no re-parse, and the document's own analysis stays as it is.
    const { service } = await loadService();
    const whatIf = params.whatIf && Object.keys(params.whatIf).length ? params.whatIf : undefined;
    const analysis =
      whatIf && result.graph
        ? service.reprice(overriddenByWhatIf(result.graph, whatIf), result.text, [whatIfLayer(whatIf), ...(result.layers ?? [])])
        : result.analysis;
    if (!analysis) return { ...base, chart: null, error: result.error ?? 'No analysis.', notes: [] };
    const cells = resolved.notebook?.cells.map(({ uri, startLine, lineCount }) => ({ uri, startLine, lineCount }));
    return { ...base, chart: chartDataFromAnalysis(analysis), notes: analysis.notes.map((note) => `${note.code} ${note.message}`), ...(cells ? { cells } : {}) };
  } catch (error) {
    return { ...base, chart: null, error: errorMessage(error), notes: [] };
  }
});

connection.onRequest(GPUS_REQUEST, async (): Promise<GpusResult> => {
  const uri = model.programs()[0]?.uri;
  const settings = uri ? await settingsFor(uri) : DEFAULT_SETTINGS;
  return { gpus: gpuChoices(settings.values.customGpus ?? []) };
});

/** The name a report heads a document with: its notebook's or file's name. */
/** A document's file name: the last segment of its URI's path, without the scheme (`untitled:Untitled-1.ipynb` is `Untitled-1.ipynb`). */
const nameOf = (uri: string): string => decodeURIComponent(path.posix.basename(uri.replace(/[?#].*$/, '').replace(/^[a-zA-Z][\w+.-]*:/, '')));

connection.onRequest(REPORT_REQUEST, async (params: ReportParams): Promise<ReportResult> => {
  const resolved = model.resolve(params.uri);
  const name = params.name ?? nameOf(resolved?.program.uri ?? params.uri);
  const failed = (reason: string): ReportResult => {
    const section = failedSection(name, reason);
    return { markdown: combineReports([{ section, findings: 0 }], `MemWall: ${name}`), section, findings: 0 };
  };
  let result: DocumentAnalysis;
  if (resolved) {
    result = await store.get(resolved.program);
  } else {
    // A document that is not open (Report for Workspace): its text as sent, else as the service reads it (an unsaved
    // buffer or the disk). Its analysis keeps no tree and no roots once the report is written.
    const file = fileOf(params.uri);
    const text = typeof params.text === 'string' ? params.text : file ? await (await loadService()).service.files.readOnce(file) : undefined;
    if (text === undefined) return failed(file ? 'The file is not open, and it cannot be read.' : 'The file is not open.');
    result = await analyseProgram(TextDocument.create(params.uri, 'python', 0, text), false);
  }
  const findings = result.analysis?.findings.length ?? 0;
  const section = result.analysis ? reportSection(name, result.analysis, reportRuleLink) : failedSection(name, result.error ?? 'No analysis.');
  return { markdown: combineReports([{ section, findings }], `MemWall: ${name}`), section, findings };
});

connection.onRequest(WORKSPACE_FILES_REQUEST, async (): Promise<WorkspaceFilesResult> => {
  const { service } = await loadService();
  const { files } = await service.walk(workspaceRoots);
  return { files: files.sort().map((file) => pathToFileURL(file).toString()), skippedFolders: SKIPPED_FOLDERS };
});

connection.onRequest(EXPLAIN_REQUEST, (params: ExplainParams): ExplainResult => ({ markdown: explainMarkdown(params.code) }));

// A stray rejection is logged, never fatal: the editor would lose every MemWall feature until a restart.
process.on('unhandledRejection', (reason) => connection.console.error(`MemWall: unhandled ${errorMessage(reason)}`));

documents.listen(connection);
notebooks.listen(connection);
connection.listen();

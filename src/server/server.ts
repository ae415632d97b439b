// The MemWall language server: wires LSP handlers to one cached, debounced analysis per document version.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind, createConnection, ProposedFeatures, TextDocuments, TextDocumentSyncKind, type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { extract, price, type AnalyzeOptions, type ExternalConfig } from '../core/analyze';
import { createPythonParser, type PythonParser } from '../core/parse/parser';
import { chartDataFromAnalysis } from '../core/chart/data';
import type { DType } from '../core/ir/types';
import { readImportedModules } from '../workspace/imports';
import {
  ANALYZED_NOTIFICATION, EXPLAIN_REQUEST, GPUS_REQUEST, REPORT_REQUEST, ROOFLINE_REQUEST,
  type ExplainParams, type ExplainResult, type GpusResult, type ReportParams, type ReportResult, type RooflineParams, type RooflineResult, type WhatIf,
} from '../protocol';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { toDiagnostics } from './diagnostics';
import { explainMarkdown } from './explain';
import { gpuChoices } from './gpus';
import { hoverAt } from './hover';
import { inlayHints } from './inlayHints';
import { reportMarkdown } from './report';
import { DEFAULT_SETTINGS, readSettings, type MemwallSettings } from './settings';
import { AnalysisStore, type DocumentAnalysis } from './store';

/** Edits are analysed once typing pauses this long; opening a file is analysed at once. */
const DEBOUNCE_MS = 150;

const connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);

// The parser is loaded once, from the wasm files that esbuild copies next to this bundle.
let parserLoad: Promise<PythonParser> | undefined;
function loadParser(): Promise<PythonParser> {
  parserLoad ??= createPythonParser({
    runtime: readFileSync(path.join(__dirname, 'web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(__dirname, 'tree-sitter-python.wasm')),
  });
  return parserLoad;
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

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Workspace modules the file imports, so `from model import Block` is followed; only for files on disk. */
function importedModules(uri: string, text: string, parser: PythonParser): Map<string, string> {
  if (!uri.startsWith('file:')) return new Map();
  try {
    return readImportedModules(fileURLToPath(uri), text, { parser, roots: workspaceRoots });
  } catch {
    return new Map();
  }
}

function pricingOptions(settings: MemwallSettings, whatIf: WhatIf = {}): Omit<AnalyzeOptions, 'parser' | 'modules'> {
  const configs: ExternalConfig[] = [];
  if (whatIf.dims && Object.keys(whatIf.dims).length) configs.push({ dims: whatIf.dims, source: 'what-if (roofline panel)' });
  if (Object.keys(settings.dims).length) configs.push({ dims: settings.dims, source: 'setting memwall.dims' });
  return {
    gpu: whatIf.gpu ?? settings.gpu,
    dtype: (whatIf.dtype as DType | undefined) ?? settings.dtype,
    configs,
    customGpus: settings.customGpus,
    severities: settings.severity,
  };
}

/** Parses and prices one document version; every failure becomes a sentence, never an exception. */
async function analyseDocument(document: TextDocument): Promise<DocumentAnalysis> {
  const started = performance.now();
  const base = { uri: document.uri, version: document.version, text: document.getText() };
  const done = (rest: Partial<DocumentAnalysis>): DocumentAnalysis => ({ ...base, ...rest, durationMs: performance.now() - started });
  let graph;
  try {
    const [settings, parser] = await Promise.all([settingsFor(document.uri), loadParser()]);
    try {
      graph = extract(base.text, { parser, modules: importedModules(document.uri, base.text, parser) });
    } catch (error) {
      return done({ error: `MemWall could not read this file: ${errorMessage(error)}` });
    }
    return done({ graph, analysis: price(graph, base.text, pricingOptions(settings)) });
  } catch (error) {
    return done({ graph, error: `MemWall could not price this file: ${errorMessage(error)}` });
  }
}

const store = new AnalysisStore(analyseDocument, DEBOUNCE_MS);
const reportedErrors = new Set<string>();

async function publish(result: DocumentAnalysis): Promise<void> {
  const document = documents.get(result.uri);
  // A newer version is on its way; its own run publishes.
  if (!document || document.version !== result.version) return;
  const settings = await settingsFor(result.uri);
  const diagnostics = result.analysis ? toDiagnostics(document, result.analysis, settings.severity) : [];
  void connection.sendDiagnostics({ uri: result.uri, version: result.version, diagnostics });
  connection.console.log(`analysed ${result.uri} v${result.version} in ${result.durationMs.toFixed(1)} ms`);
  if (result.error && !reportedErrors.has(result.error)) {
    reportedErrors.add(result.error);
    void connection.window.showWarningMessage(result.error);
  }
  void connection.sendNotification(ANALYZED_NOTIFICATION, { uri: result.uri, version: result.version });
}

connection.onInitialize((params): InitializeResult => {
  canReadConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshInlayHints = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
  canRefreshCodeLenses = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  workspaceRoots = (params.workspaceFolders ?? [])
    .filter((folder) => folder.uri.startsWith('file:'))
    .map((folder) => fileURLToPath(folder.uri));
  // Warm the parser while the client finishes starting up.
  void loadParser().catch((error) => connection.console.error(`MemWall could not load its parser: ${errorMessage(error)}`));
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      inlayHintProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    },
    serverInfo: { name: 'memwall', version: '0.1.0' },
  };
});

documents.onDidOpen((event) => store.schedule(event.document, (result) => void publish(result), true));
documents.onDidChangeContent((event) => {
  // didOpen also fires a content change; the open handler already analysed that version.
  if (event.document.version === 0) return;
  store.schedule(event.document, (result) => void publish(result));
});
documents.onDidClose((event) => {
  store.forget(event.document.uri);
  settingsByUri.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
});

connection.onDidChangeConfiguration(() => {
  settingsByUri.clear();
  store.invalidateAll();
  for (const document of documents.all()) store.schedule(document, (result) => void publish(result), true);
  if (canRefreshInlayHints) void connection.languages.inlayHint.refresh();
  if (canRefreshCodeLenses) void connection.sendRequest('workspace/codeLens/refresh');
});

connection.onHover(async (params) => {
  const document = documents.get(params.textDocument.uri);
  if (!document) return null;
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
        ? price(result.graph, result.text, pricingOptions(settings, params.whatIf))
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
  const document = documents.get(params.uri);
  if (!document) return { markdown: 'The file is not open.\n' };
  const result = await store.get(document);
  const name = path.posix.basename(params.uri);
  return { markdown: result.analysis ? reportMarkdown(decodeURIComponent(name), result.analysis) : `${result.error ?? 'No analysis.'}\n` };
});

connection.onRequest(EXPLAIN_REQUEST, (params: ExplainParams): ExplainResult => ({ markdown: explainMarkdown(params.code) }));

documents.listen(connection);
connection.listen();

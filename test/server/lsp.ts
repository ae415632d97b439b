// A real LSP client for tests: spawns the bundled dist/server.js over stdio and speaks JSON-RPC to it, no mocks.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigurationRequest, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification,
  ExitNotification, HoverRequest, InitializedNotification, InitializeRequest, InlayHintRequest, PublishDiagnosticsNotification,
  RegistrationRequest, ShowMessageNotification, ShowMessageRequest, ShutdownRequest,
  createMessageConnection, StreamMessageReader, StreamMessageWriter,
  type Hover, type InitializeResult, type InlayHint, type MessageConnection, type PublishDiagnosticsParams, type ShowMessageParams,
} from 'vscode-languageserver-protocol/node';

export const ROOT = path.join(__dirname, '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

export interface Harness {
  readonly connection: MessageConnection;
  readonly child: ChildProcessWithoutNullStreams;
  readonly initialize: InitializeResult;
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[];
  readonly messages: ShowMessageParams[];
  readonly stderr: string[];
  /** What workspace/configuration answers for `memwall`; tests change it and send didChangeConfiguration. */
  settings: Record<string, unknown>;
  waitForDiagnostics(uri: string, version?: number, timeoutMs?: number): Promise<PublishDiagnosticsParams>;
  open(uri: string, text: string, languageId?: string, version?: number): void;
  change(uri: string, version: number, text: string): void;
  /** Inserts text at a position, as VS Code sends a keystroke (an incremental change). */
  insert(uri: string, version: number, line: number, character: number, text: string): void;
  close(uri: string): void;
  hover(uri: string, line: number, character: number): Promise<Hover | null>;
  inlayHints(uri: string, endLine: number): Promise<InlayHint[] | null>;
  request<R>(method: string, params: unknown): Promise<R>;
  shutdown(): Promise<number | null>;
}

/** `workspaceFolders`: the folders the editor has open (file paths), as VS Code sends them at initialize. */
export async function startServer(settings: Record<string, unknown> = {}, options: { readonly workspaceFolders?: readonly string[] } = {}): Promise<Harness> {
  if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: ROOT, stdio: 'pipe' });
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const published: PublishDiagnosticsParams[] = [];
  const messages: ShowMessageParams[] = [];
  const waiters: (() => void)[] = [];
  const harness = { settings } as Harness & { settings: Record<string, unknown> };

  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.push(params);
    for (const wake of waiters.splice(0)) wake();
  });
  connection.onNotification(ShowMessageNotification.type, (params) => {
    messages.push(params);
  });
  connection.onNotification(() => undefined);
  connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'memwall' ? harness.settings : null)));
  connection.onRequest(RegistrationRequest.type, () => undefined);
  // A warning with actions comes as a request; the user dismisses it.
  connection.onRequest(ShowMessageRequest.type, (params) => {
    messages.push(params);
    return null;
  });
  connection.listen();

  const initialize = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    workspaceFolders: options.workspaceFolders?.map((folder) => ({ uri: pathToFileURL(folder).toString(), name: path.basename(folder) })) ?? null,
    capabilities: {
      workspace: { configuration: true, inlayHint: { refreshSupport: false } },
      textDocument: { hover: { contentFormat: ['markdown', 'plaintext'] }, publishDiagnostics: { relatedInformation: true, versionSupport: true } },
    },
  });
  await connection.sendNotification(InitializedNotification.type, {});

  const waitForDiagnostics = async (uri: string, version?: number, timeoutMs = 8000): Promise<PublishDiagnosticsParams> => {
    const deadline = Date.now() + timeoutMs;
    const seenBefore = published.length;
    for (;;) {
      const match = published.slice(version === undefined ? seenBefore : 0).find((p) => p.uri === uri && (version === undefined || p.version === version));
      if (match) return match;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no diagnostics for ${uri} v${version ?? '?'} within ${timeoutMs} ms; stderr: ${stderr.join('')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };

  return Object.assign(harness, {
    connection, child, initialize, published, messages, stderr, waitForDiagnostics,
    open: (uri: string, text: string, languageId = 'python', version = 1) =>
      void connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } }),
    change: (uri: string, version: number, text: string) =>
      void connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] }),
    insert: (uri: string, version: number, line: number, character: number, text: string) =>
      void connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line, character }, end: { line, character } }, text }],
      }),
    close: (uri: string) => void connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } }),
    hover: (uri: string, line: number, character: number) =>
      connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character } }),
    inlayHints: (uri: string, endLine: number) =>
      connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: endLine, character: 0 } } }),
    request: <R>(method: string, params: unknown) => connection.sendRequest<R>(method, params),
    shutdown: async () => {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await connection.sendRequest(ShutdownRequest.type);
      await connection.sendNotification(ExitNotification.type);
      const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000))]);
      connection.dispose();
      if (code === null) child.kill();
      return code;
    },
  });
}

/** The 0-based line and character of the first occurrence of `needle` (plus an offset into it). */
export function positionOf(text: string, needle: string, offsetInNeedle = 0): { line: number; character: number } {
  const index = text.indexOf(needle);
  if (index < 0) throw new Error(`"${needle}" not found`);
  const before = text.slice(0, index + offsetInNeedle);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

export const hoverText = (hover: Hover | null): string => {
  if (!hover) return '';
  const contents = hover.contents;
  if (typeof contents === 'string') return contents;
  if (Array.isArray(contents)) return contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n');
  return contents.value;
};

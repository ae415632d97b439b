// The language server on the analysis service it shares with the CLI: the same findings as `memwall analyze` on the
// same workspace, the same file set, unsaved buffers read by the files that import them, changes on disk picked up
// from the file watcher, and no state kept for files a workspace report analysed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateFile } from '../../bench/analyze-speed';
import { REPORT_REQUEST, WORKSPACE_FILES_REQUEST, type ReportResult, type WorkspaceFilesResult } from '../../src/protocol';
import { hoverText, positionOf, ROOT, startServer, type Harness } from './lsp';

const CLI = path.join(ROOT, 'dist', 'cli.js');

/** A workspace as users have them: the visionlib project, a pyproject.toml with sizes, and files with findings. */
function makeWorkspace(): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'memwall-parity-'));
  cpSync(path.join(ROOT, 'test/fixtures/projects/visionlib'), folder, { recursive: true });
  const pyproject = readFileSync(path.join(folder, 'pyproject.toml'), 'utf8');
  writeFileSync(path.join(folder, 'pyproject.toml'), `${pyproject}\n[tool.memwall]\ngpu = "a100-80gb-sxm"\ndims = { B = 4 }\nseverity = { MW301 = "off" }\n`);
  for (const rule of ['MW201-unfused-pointwise-chain.py', 'MW203-unfused-residual-norm.py', 'MW301-overhead-bound-loop.py']) {
    cpSync(path.join(ROOT, 'test/fixtures/rules', rule), path.join(folder, 'scripts', rule.replace(/-/g, '_')));
  }
  cpSync(path.join(ROOT, 'examples/gpt_block.py'), path.join(folder, 'src/visionlib/models/gpt_block.py'));
  return folder;
}

interface Reported {
  readonly code: string;
  readonly line: number;
  readonly message: string;
}
const sorted = (items: Reported[]): Reported[] => [...items].sort((a, b) => a.line - b.line || a.code.localeCompare(b.code) || a.message.localeCompare(b.message));

describe('the server and the CLI share one analysis service', () => {
  let workspace: string;
  let server: Harness;

  before(async () => {
    workspace = makeWorkspace();
    // As the client sends them: only settings the user set, here none.
    server = await startServer({}, { workspaceFolders: [workspace] });
  });
  after(async () => {
    if (server && server.child.exitCode === null) await server.shutdown();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('walks the same file set as `memwall analyze`, and gives the same findings, lines and messages', async () => {
    const cli = spawnSync(process.execPath, [CLI, 'analyze', '.', '--format', 'json'], { cwd: workspace, encoding: 'utf8', timeout: 120_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as { files: { path: string; findings: Reported[]; notes: (Reported & { line: number | null })[] }[] };
    const { files } = await server.request<WorkspaceFilesResult>(WORKSPACE_FILES_REQUEST, {});
    const relative = files.map((uri) => path.relative(workspace, new URL(uri).pathname).split(path.sep).join('/'));
    assert.deepEqual(relative, report.files.map((file) => file.path).sort());
    assert.ok(!relative.some((file) => file.startsWith('build/')), 'the stale build/ copy is in neither');

    let compared = 0;
    for (const file of report.files) {
      const uri = pathToFileURL(path.join(workspace, file.path)).toString();
      server.open(uri, readFileSync(path.join(workspace, file.path), 'utf8'));
      const published = await server.waitForDiagnostics(uri, 1, 30_000);
      const fromServer = published.diagnostics.map((d) => ({ code: String(d.code), line: d.range.start.line + 1, message: typeof d.message === 'string' ? d.message : d.message.value }));
      const fromCli = [...file.findings, ...file.notes.filter((note) => note.line !== null)].map(({ code, line, message }) => ({ code, line, message }));
      assert.deepEqual(sorted(fromServer), sorted(fromCli), file.path);
      compared += fromCli.length;
      server.close(uri);
    }
    assert.ok(compared >= 10, `findings and notes compared: ${compared}`);
    assert.ok(report.files.some((file) => file.findings.some((finding) => finding.code === 'MW201')));
    assert.ok(!report.files.some((file) => file.findings.some((finding) => finding.code === 'MW301')), '[tool.memwall] severity applies in both');
  });

  it('prices an import with the unsaved text of its open buffer, and again when the buffer changes', async () => {
    const layers = path.join(workspace, 'src/visionlib/layers/attention.py');
    const script = path.join(workspace, 'scripts/profile_blocks.py');
    const layersUri = pathToFileURL(layers).toString();
    const scriptUri = pathToFileURL(script).toString();
    const scriptText = readFileSync(script, 'utf8');
    const edited = readFileSync(layers, 'utf8').replace('self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)', 'self.qkv = nn.Linear(dim, dim * 4, bias=qkv_bias)');
    server.open(layersUri, edited);
    server.open(scriptUri, scriptText);
    await server.waitForDiagnostics(scriptUri, 1);
    const at = positionOf(scriptText, 'z = attn(tokens)', 'z = at'.length);
    // attention.qkv on the script's [8, 196, 384] tokens: 384 → 4·384 in the buffer (3·384 = 1152 on disk).
    assert.match(hoverText(await server.hover(scriptUri, at.line, at.character)), /in \[8, 196, 384\] bf16, \[1536, 384\] bf16 → out \[8, 196, 1536\] bf16/);
    const before = server.published.length;
    server.change(layersUri, 2, edited.replace('dim * 4', 'dim * 2'));
    for (;;) {
      if (server.published.slice(before).some((p) => p.uri === scriptUri)) break;
      await server.waitForDiagnostics(scriptUri);
    }
    assert.match(hoverText(await server.hover(scriptUri, at.line, at.character)), /→ out \[8, 196, 768\] bf16/, 'the importer is analysed again');
    server.close(layersUri);
    server.close(scriptUri);
  });

  it('reads a file again when the watcher reports it changed on disk, and re-analyses what imported it', async () => {
    const layers = path.join(workspace, 'src/visionlib/layers/attention.py');
    const script = path.join(workspace, 'scripts/profile_blocks.py');
    const scriptUri = pathToFileURL(script).toString();
    const scriptText = readFileSync(script, 'utf8');
    server.open(scriptUri, scriptText);
    await server.waitForDiagnostics(scriptUri, 1);
    const at = positionOf(scriptText, 'z = attn(tokens)', 'z = at'.length);
    assert.match(hoverText(await server.hover(scriptUri, at.line, at.character)), /→ out \[8, 196, 1152\] bf16/);
    writeFileSync(layers, readFileSync(layers, 'utf8').replace('nn.Linear(dim, dim * 3', 'nn.Linear(dim, dim * 6'));
    const before = server.published.length;
    await server.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(layers).toString(), type: 2 }] });
    for (;;) {
      if (server.published.slice(before).some((p) => p.uri === scriptUri)) break;
      await server.waitForDiagnostics(scriptUri);
    }
    assert.match(hoverText(await server.hover(scriptUri, at.line, at.character)), /→ out \[8, 196, 2304\] bf16/);
    server.close(scriptUri);
  });

  it('keeps no tree or roots for files a workspace report analysed (memory stays flat)', async () => {
    const text = generateFile(2000);
    const rss = (): number => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${server.child.pid}/status`, 'utf8'))?.[1]) / 1024;
    const report = (index: number) => server.request<ReportResult>(REPORT_REQUEST, { uri: pathToFileURL(path.join(workspace, `generated/model_${index}.py`)).toString(), name: `model_${index}.py`, text });
    // The server's heap grows to its working size over the first reports, more so while other test files run beside
    // it (CI measured 42-50 MB over reports 5 to 35 with nothing kept, the heap flat after a GC): the 30 reports after
    // those are measured.
    for (let index = 0; index < 15; index++) assert.ok((await report(index)).findings > 0);
    const warm = rss();
    for (let index = 15; index < 45; index++) await report(index);
    const grown = rss() - warm;
    // 30 kept trees of this 2,000-line file alone take 75 MB (parsed and kept in one process: +75.5 MB resident), their
    // roots more. With nothing kept the server grew 19-23 MB at rest and 42-50 MB while other processes loaded the
    // machine (CI, and a full test run beside other work).
    assert.ok(grown < 60, `resident memory grew ${grown.toFixed(1)} MB over 30 reports`);
  });
});

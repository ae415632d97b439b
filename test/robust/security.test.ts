// Security: MemWall only reads text. No source file can start a process or evaluate code, and the running server
// starts none while it analyses, hovers and answers requests, even on a file that names Python and subprocess.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPORT_REQUEST, ROOFLINE_REQUEST } from '../../src/protocol';
import { startServer, type Harness } from '../server/lsp';
import { GPT_BLOCK, ROOT } from './helpers';

/** What would run code: processes, workers, the vm module, eval and the Function constructor. */
const FORBIDDEN = /\bchild_process\b|\bworker_threads\b|\bnode:vm\b|from 'vm'|\beval\s*\(|new Function\s*\(|\bexecSync\b|\bspawnSync\b/;

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) ? [full] : [];
  });
}

describe('MemWall never executes user code', () => {
  it('no file under src/ or webview/ can start a process or evaluate code', () => {
    const files = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'webview'))];
    assert.ok(files.length > 20, `${files.length} source files`);
    const offenders = files.filter((file) => FORBIDDEN.test(readFileSync(file, 'utf8'))).map((file) => path.relative(ROOT, file));
    assert.deepEqual(offenders, []);
  });

  describe('the running server starts no process', () => {
    let server: Harness;
    const previous = process.env.NODE_OPTIONS;
    before(async () => {
      process.env.NODE_OPTIONS = `${previous ?? ''} --require ${path.join(__dirname, 'no-spawn.cjs')}`.trim();
      server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
    });
    after(async () => {
      process.env.NODE_OPTIONS = previous;
      if (previous === undefined) delete process.env.NODE_OPTIONS;
      if (server && server.child.exitCode === null) await server.shutdown();
    });

    it('while analysing, hovering and answering requests on files that call Python, subprocess and os.system', async () => {
      const hostile = `import os, subprocess\nos.system("touch /tmp/memwall-pwned")\nsubprocess.run(["python3", "-c", "print(1)"])\nexec(open("x.py").read())\n${GPT_BLOCK}`;
      const uri = `file://${path.join(ROOT, 'examples', 'hostile.py')}`;
      server.open(uri, hostile);
      await server.waitForDiagnostics(uri, 1);
      await server.hover(uri, 1, 4);
      await server.request(ROOFLINE_REQUEST, { uri, whatIf: { gpu: 'a100-80gb-sxm' } });
      await server.request(REPORT_REQUEST, { uri });
      server.change(uri, 2, `${hostile}\nimport torch\n`);
      await server.waitForDiagnostics(uri, 2);
      assert.doesNotMatch(server.stderr.join(''), /MEMWALL-SPAWNED/);
    });

    it('the watch works: a process started under the same preload is seen', () => {
      const probe = spawnSync(process.execPath, ['-e', "require('node:child_process').spawnSync('true')"], { env: process.env, encoding: 'utf8' });
      assert.match(probe.stderr, /MEMWALL-SPAWNED spawnSync "true"/);
    });
  });
});

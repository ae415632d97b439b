// `npm run package` builds a .vsix that holds the bundles and both wasm files, and no sources, tests or node_modules.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listZip, type ZipEntry } from './zip';

const ROOT = path.join(__dirname, '..', '..');
/** Outputs and caches that a package build neither needs nor should see. */
const NOT_COPIED = new Set(['node_modules', 'dist', '.git', 'test-results', '.cache', 'out', 'bench']);

let work: string;
let vsix: string;
let entries: ZipEntry[];
let seconds: number;

before(() => {
  // The package is built in a copy of the project, so that its production build cannot overwrite dist/ while
  // other test files run the development bundles.
  work = mkdtempSync(path.join(tmpdir(), 'memwall-package-'));
  for (const name of readdirSync(ROOT)) {
    if (NOT_COPIED.has(name) || name.endsWith('.vsix')) continue;
    cpSync(path.join(ROOT, name), path.join(work, name), { recursive: true });
  }
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  const started = performance.now();
  execFileSync('npm', ['run', 'package', '--silent'], { cwd: work, stdio: 'pipe', timeout: 240_000 });
  seconds = (performance.now() - started) / 1000;
  const built = readdirSync(work).filter((name) => /^memwall-.*\.vsix$/.test(name));
  assert.equal(built.length, 1, `one vsix expected, found ${built.join(', ') || 'none'}`);
  vsix = path.join(work, built[0]!);
  entries = listZip(vsix);
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm run package', { timeout: 300_000 }, () => {
  it('names the vsix after the version and reports its size', (t) => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(path.basename(vsix), `memwall-${version}.vsix`);
    const size = statSync(vsix).size;
    t.diagnostic(`vsix ${(size / 1024).toFixed(0)} KiB, ${entries.length} files, npm run package ${seconds.toFixed(1)} s`);
    assert.ok(size < 5 * 1024 * 1024, `vsix is ${size} bytes; a bundled extension should stay well under 5 MiB`);
  });

  it('holds the manifest, every bundle that exists and both wasm files', () => {
    const names = new Set(entries.map((entry) => entry.name));
    for (const name of [
      'extension.vsixmanifest', '[Content_Types].xml', 'extension/package.json', 'extension/dist/web-tree-sitter.wasm', 'extension/dist/tree-sitter-python.wasm',
      'extension/media/icon.png', 'extension/changelog.md', 'extension/dist/rules/MW201.md', 'extension/media/walkthrough/select-gpu.md',
    ]) {
      assert.ok(names.has(name), `${name} missing from the vsix`);
    }
    const bundles: Record<string, string> = {
      'extension.js': 'src/client/extension.ts', 'server.js': 'src/server/server.ts', 'cli.js': 'src/cli/main.ts',
      'webview/webview.js': 'webview/main.ts', 'webview/panel.css': 'media/panel.css',
    };
    for (const [bundle, entry] of Object.entries(bundles)) {
      if (existsSync(path.join(ROOT, entry))) assert.ok(names.has(`extension/dist/${bundle}`), `dist/${bundle} missing from the vsix`);
    }
    for (const wasm of ['web-tree-sitter.wasm', 'tree-sitter-python.wasm']) {
      const entry = entries.find((e) => e.name === `extension/dist/${wasm}`)!;
      assert.ok(entry.size > 100_000, `${wasm} is only ${entry.size} bytes`);
    }
  });

  it('holds no sources, tests, TypeScript, source maps or node_modules', () => {
    const unwanted = entries
      .map((entry) => entry.name)
      .filter((name) => /^extension\/(src|test|webview|bench|node_modules|\.ci|\.github)\//.test(name) || /\.(ts|map)$/.test(name) || /(^|\/)(tsconfig\.json|esbuild\.js|eslint\.config\.mjs)$/.test(name));
    assert.deepEqual(unwanted, []);
  });
});

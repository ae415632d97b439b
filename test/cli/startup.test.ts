// The `memwall` executable's start-up: the V8 code cache beside the bundle is written once, reused, and never trusted
// when it was made from another build.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const MODEL = path.join(ROOT, 'examples', 'gpt_block.py');
/** What an install holds: the executable, the bundle it runs and the wasm files. */
const SHIPPED = ['cli.js', 'cli-main.js', 'web-tree-sitter.wasm', 'tree-sitter-python.wasm'];

let install: string;
let cache: string;

function memwall(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [path.join(install, 'cli.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

before(() => {
  if (!SHIPPED.every((file) => existsSync(path.join(ROOT, 'dist', file)))) execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });
  // A copy of its own, so that other test files running dist/cli.js at the same time cannot touch this cache.
  install = mkdtempSync(path.join(tmpdir(), 'memwall-startup-'));
  for (const file of SHIPPED) cpSync(path.join(ROOT, 'dist', file), path.join(install, file));
  cache = path.join(install, 'cli-main.v8cache');
});

after(() => {
  if (install) rmSync(install, { recursive: true, force: true });
});

describe('memwall start-up', () => {
  it('writes no code cache after a command that analyses nothing', () => {
    const run = memwall('--version');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(existsSync(cache), false);
  });

  it('writes the code cache after the first analysis and reuses it unchanged, with the same report', () => {
    const first = memwall('analyze', MODEL, '--format', 'json');
    assert.equal(first.status, 0, first.stderr);
    assert.ok(existsSync(cache), 'no code cache after an analysis');
    const written = statSync(cache).mtimeMs;
    const second = memwall('analyze', MODEL, '--format', 'json');
    assert.equal(second.status, 0, second.stderr);
    assert.equal(second.stdout, first.stdout);
    // A cache that V8 accepted is not written again.
    assert.equal(statSync(cache).mtimeMs, written);
  });

  it('ignores a cache made from another build and replaces it', () => {
    const before = memwall('analyze', MODEL, '--format', 'json');
    const stale = Buffer.concat([Buffer.from(`${'0'.repeat(64)} ${process.version} ${process.arch}\n`), readFileSync(cache).subarray(readFileSync(cache).indexOf(10) + 1)]);
    writeFileSync(cache, stale);
    const run = memwall('analyze', MODEL, '--format', 'json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, before.stdout);
    assert.notDeepEqual(readFileSync(cache).subarray(0, 64), stale.subarray(0, 64));
  });

  it('ignores a truncated cache of this build and replaces it', () => {
    const before = memwall('analyze', MODEL, '--format', 'json');
    const whole = readFileSync(cache);
    writeFileSync(cache, whole.subarray(0, whole.length >> 1));
    const run = memwall('analyze', MODEL, '--format', 'json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, before.stdout);
    assert.ok(readFileSync(cache).length > whole.length * 0.9, "the truncated cache was not replaced");
  });

  it('runs from a cache file that is not a cache at all', () => {
    const before = memwall('analyze', MODEL, '--format', 'json');
    writeFileSync(cache, 'not a cache\n');
    const run = memwall('analyze', MODEL, '--format', 'json');
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, before.stdout);
  });
});

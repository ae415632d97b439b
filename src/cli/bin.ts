// The `memwall` executable: tunes V8 for a short-lived process, then runs the CLI bundle from a code cache beside it.
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';

// Before tree-sitter compiles its wasm. By default V8 recompiles the hot wasm functions (the grammar's lexer) with
// TurboFan on background threads, and Node waits for those threads before it exits: on one file that is ~120 ms of
// wall time and ~250 ms of CPU for no gain. Liftoff's code alone is as fast for one run, even on a 10,000-line file.
setFlagsFromString('--liftoff-only');

/** The CLI proper (src/cli/main.ts), bundled by esbuild.js next to this file. */
const BUNDLE = path.join(__dirname, 'cli-main.js');
/**
 * V8's compiled code for the bundle, written after the first analysing run: the next runs skip parsing ~500 KB of
 * JavaScript and compiling the analysis functions. It sits beside the bundle, so only whoever can change the bundle can
 * change it; where that folder is read-only (a global install) there is simply no cache.
 */
const CACHE = path.join(__dirname, 'cli-main.v8cache');

interface CliExports {
  main(argv: readonly string[]): Promise<number>;
  analyses(argv: readonly string[]): boolean;
}

/**
 * The cache's first line names what it was compiled from: V8 checks its own version and flags, but tells sources
 * apart only by length, so a rebuilt bundle of the same length would otherwise run stale code.
 */
function cacheKey(source: string): string {
  return `${createHash('sha256').update(source).digest('hex')} ${process.version} ${process.arch}\n`;
}

function readCache(key: string): Buffer | undefined {
  let file: Buffer;
  try {
    file = readFileSync(CACHE);
  } catch {
    return undefined;
  }
  const header = Buffer.from(key);
  return file.subarray(0, header.length).equals(header) ? file.subarray(header.length) : undefined;
}

function writeCache(key: string, script: Script): void {
  try {
    accessSync(__dirname, constants.W_OK);
  } catch {
    return;
  }
  // Written aside and renamed: two runs at once must not leave a half-written cache for a third.
  const partial = `${CACHE}.${process.pid}`;
  try {
    writeFileSync(partial, Buffer.concat([Buffer.from(key), script.createCachedData()]));
    renameSync(partial, CACHE);
  } catch {
    rmSync(partial, { force: true });
  }
}

function run(): void {
  const source = readFileSync(BUNDLE, 'utf8');
  const key = cacheKey(source);
  const cachedData = readCache(key);
  // The same wrapper Node gives a CommonJS file, so the bundle's require, module and __dirname are its own.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE, cachedData });
  const module = { exports: {} as CliExports };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(BUNDLE), module, BUNDLE, __dirname);
  const cli = module.exports;
  const argv = process.argv.slice(2);
  void cli.main(argv).then((code) => {
    // exitCode rather than exit(): a large report piped to another program is flushed before Node leaves.
    process.exitCode = code;
    // After the run, so that the cache holds the functions it compiled; only an analysing run compiles the ones that
    // matter, and a cache from `memwall --version` would hold too few of them.
    if ((cachedData === undefined || script.cachedDataRejected) && cli.analyses(argv)) writeCache(key, script);
  });
}

run();

// Checks the fetched real-world files (bench/realworld/files/<name>.py, git-ignored) against the manifest's sha256,
// says which are missing and how to get them, and can copy verified files over from another checkout.
// Run: `node --import tsx bench/realworld/check.ts [--manifest <manifest.tsv>] [--copy-from <folder>]`.
// The manifest defaults to ../shared/realworld/manifest.tsv beside the repository; exit status 1 on any mismatch.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');
export const FILES_DIR = path.join(__dirname, 'files');
const MANIFEST_IN_SHARED = path.join('shared', 'realworld', 'manifest.tsv');

/**
 * ../shared/realworld/manifest.tsv beside the repository; in a git worktree, beside the main checkout (found from git's
 * common directory), since worktrees live elsewhere.
 */
export function defaultManifest(): string {
  const beside = path.join(ROOT, '..', MANIFEST_IN_SHARED);
  if (existsSync(beside)) return beside;
  const common = spawnSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd: ROOT, encoding: 'utf8' });
  const mainCheckout = common.status === 0 ? path.dirname(common.stdout.trim()) : ROOT;
  return path.join(mainCheckout, '..', MANIFEST_IN_SHARED);
}

/** One manifest row: a public file at a fixed commit, and what it is for. */
export interface ManifestEntry {
  name: string;
  repo: string;
  path: string;
  commit: string;
  lines: number;
  sha256: string;
  kind: 'pytorch' | 'triton';
  what: string;
}

/** Reads the tab-separated manifest by its header's column names, so that added columns do not break it. */
export function readManifest(manifestPath: string): ManifestEntry[] {
  const [header, ...rows] = readFileSync(manifestPath, 'utf8').split('\n').filter((line) => line.trim() !== '');
  const columns = (header ?? '').split('\t');
  return rows.map((row) => {
    const cells = row.split('\t');
    const cell = (column: string): string => cells[columns.indexOf(column)] ?? '';
    const kind = cell('kind');
    if (kind !== 'pytorch' && kind !== 'triton') throw new Error(`${manifestPath}: row ${cell('name')} has kind '${kind}'`);
    return {
      name: cell('name'), repo: cell('repo'), path: cell('path'), commit: cell('commit'), lines: Number(cell('lines')),
      sha256: cell('sha256'), kind, what: cell('what'),
    };
  });
}

export function sha256Of(filePath: string): string {
  return createHash('sha256').update(readFileSync(filePath)).digest('hex');
}

export function localPath(entry: ManifestEntry): string {
  return path.join(FILES_DIR, `${entry.name}.py`);
}

export type FileState = 'ok' | 'missing' | 'mismatch';

export function stateOf(entry: ManifestEntry): FileState {
  const file = localPath(entry);
  if (!existsSync(file)) return 'missing';
  return sha256Of(file) === entry.sha256 ? 'ok' : 'mismatch';
}

/** The manifest path from `--manifest <path>`, else the default beside the repository. */
export function manifestArgument(argv: readonly string[]): string {
  const at = argv.indexOf('--manifest');
  return at >= 0 && argv[at + 1] ? path.resolve(argv[at + 1] as string) : defaultManifest();
}

function main(argv: readonly string[]): number {
  const manifestPath = manifestArgument(argv);
  if (!existsSync(manifestPath)) {
    console.error(`no manifest at ${manifestPath}: pass --manifest <path to manifest.tsv>`);
    return 1;
  }
  const entries = readManifest(manifestPath);
  const copyAt = argv.indexOf('--copy-from');
  if (copyAt >= 0) {
    const from = path.resolve(argv[copyAt + 1] ?? '.');
    for (const entry of entries) {
      const source = path.join(from, `${entry.name}.py`);
      // Only a file whose sha256 matches is copied, so a stale or edited copy never enters files/.
      if (stateOf(entry) !== 'ok' && existsSync(source) && sha256Of(source) === entry.sha256) copyFileSync(source, localPath(entry));
    }
  }
  const states = entries.map((entry) => ({ entry, state: stateOf(entry) }));
  for (const { entry, state } of states) console.log(`${state.padEnd(8)} ${entry.kind.padEnd(7)} ${entry.name}`);
  const known = new Set(entries.map((entry) => `${entry.name}.py`));
  const strays = existsSync(FILES_DIR) ? readdirSync(FILES_DIR).filter((file) => !known.has(file)) : [];
  for (const stray of strays) console.log(`unknown  ${stray} (not in the manifest)`);
  const missing = states.filter(({ state }) => state === 'missing');
  const mismatched = states.filter(({ state }) => state === 'mismatch');
  console.log(`\n${states.length - missing.length - mismatched.length} of ${states.length} present and verified, ` +
    `${missing.length} missing, ${mismatched.length} with another sha256`);
  if (missing.length > 0 || mismatched.length > 0) {
    console.log('\nTo get a file: `git --git-dir=<bare clone of repo> show <commit>:<path> > bench/realworld/files/<name>.py`');
    console.log('(see bench/realworld/README.md); the manifest gives repo, commit and path:');
    for (const { entry } of [...missing, ...mismatched]) console.log(`  ${entry.name}: ${entry.repo} ${entry.commit} ${entry.path}`);
  }
  return mismatched.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

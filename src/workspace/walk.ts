// The file set: the one walk that lists the Python files of the paths a user names, for the CLI, the editor's
// workspace report and the server alike, without leaving the folders named or entering environments and builds.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Folder names never worth reading, wherever they sit: ruff's default `exclude` (version control, caches, virtual
 * environments, build outputs, installed packages) plus Python's byte-code caches and Debian's `dist-packages`. A
 * folder holding `pyvenv.cfg` is skipped too, whatever its name (`env`, `.env311`).
 */
export const SKIPPED_FOLDERS: readonly string[] = [
  '.bzr', '.direnv', '.eggs', '.git', '.git-rewrite', '.hg', '.ipynb_checkpoints', '.mypy_cache', '.nox', '.pants.d',
  '.pyenv', '.pytest_cache', '.pytype', '.ruff_cache', '.svn', '.tox', '.venv', '.vscode', '__pypackages__', '__pycache__',
  '_build', 'buck-out', 'build', 'dist', 'dist-packages', 'node_modules', 'site-packages', 'venv',
];
const SKIPPED: ReadonlySet<string> = new Set(SKIPPED_FOLDERS);

/** The extension of the files a folder walk picks up (stubs hold no code to price); a file named explicitly is read whatever its name. */
export const PYTHON_EXTENSION = '.py';

export interface WalkResult {
  /** Absolute paths, in a stable order: the order the user named them, folders sorted by name. */
  readonly files: string[];
  /** Paths the user named that cannot be read, with the reason (`ENOENT`, `ELOOP`, `EACCES`). */
  readonly unreadable: { readonly path: string; readonly reason: string }[];
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

const errorCode = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/**
 * Expands files and folders into Python files. Symbolic links are followed only while their target stays inside the
 * folder being walked, so that a link to `/` or to a sibling checkout cannot pull the whole disk into an analysis.
 */
export async function collectPythonFiles(paths: readonly string[], cwd: string = process.cwd()): Promise<WalkResult> {
  const files: string[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = async (file: string): Promise<void> => {
    const real = await realpath(file);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(file);
  };

  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(absolute)).isDirectory();
    } catch (error) {
      unreadable.push({ path: given, reason: errorCode(error) });
      continue;
    }
    if (isDirectory) await walkFolder(absolute, await realpath(absolute), add, new Set());
    else await add(absolute);
  }
  return { files, unreadable };
}

async function walkFolder(folder: string, rootReal: string, add: (file: string) => Promise<void>, visited: Set<string>): Promise<void> {
  const real = await realpath(folder);
  // A link cycle inside the root would otherwise recurse until the path grows too long.
  if (visited.has(real)) return;
  visited.add(real);
  let entries: string[];
  try {
    entries = (await readdir(folder)).sort();
  } catch {
    // An unreadable sub-folder is skipped: the user named its parent, not it.
    return;
  }
  // A virtual environment, whatever its name; the folder the user named is walked even if it is one.
  if (real !== rootReal && entries.includes('pyvenv.cfg')) return;
  for (const name of entries) {
    const full = path.join(folder, name);
    let stats;
    try {
      stats = await lstat(full);
      if (stats.isSymbolicLink()) {
        if (!isInside(await realpath(full), rootReal)) continue;
        stats = await stat(full);
      }
    } catch {
      continue; // A dangling link, or an entry removed while walking.
    }
    if (stats.isDirectory()) {
      if (!SKIPPED.has(name)) await walkFolder(full, rootReal, add, visited);
    } else if (stats.isFile() && path.extname(name) === PYTHON_EXTENSION) {
      await add(full);
    }
  }
}

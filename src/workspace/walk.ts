// Lists the Python files under the paths a user names, without leaving the folders named or entering environments.
import { lstatSync, readdirSync, realpathSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

/** Folder names never worth reading: version control, JavaScript packages, Python caches and virtual environments. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.mypy_cache', '.pytest_cache']);

/** Extensions of the files a folder walk picks up; a file named explicitly is read whatever its name. */
const PYTHON_EXTENSIONS: ReadonlySet<string> = new Set(['.py', '.pyi']);

export interface WalkResult {
  /** Absolute paths, in a stable order: the order the user named them, folders sorted by name. */
  readonly files: string[];
  /** Paths the user named that cannot be read, with the reason (`ENOENT`, `ELOOP`, `EACCES`). */
  readonly unreadable: { readonly path: string; readonly reason: string }[];
}

/** A folder with `pyvenv.cfg` is a virtual environment whatever its name (`env`, `.env311`...). */
function isVirtualEnvironment(folder: string): boolean {
  return existsSync(path.join(folder, 'pyvenv.cfg'));
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Expands files and folders into Python files. Symbolic links are followed only while their target stays inside the
 * folder being walked, so that a link to `/` or to a sibling checkout cannot pull the whole disk into an analysis.
 */
export function collectPythonFiles(paths: readonly string[], cwd: string = process.cwd()): WalkResult {
  const files: string[] = [];
  const unreadable: { path: string; reason: string }[] = [];
  const seen = new Set<string>();
  const add = (file: string) => {
    const real = realpathSync(file);
    if (seen.has(real)) return;
    seen.add(real);
    files.push(file);
  };

  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(absolute).isDirectory();
    } catch (error) {
      unreadable.push({ path: given, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      continue;
    }
    if (isDirectory) {
      walkFolder(absolute, realpathSync(absolute), add, new Set());
    } else {
      add(absolute);
    }
  }
  return { files, unreadable };
}

function walkFolder(folder: string, rootReal: string, add: (file: string) => void, visited: Set<string>): void {
  const real = realpathSync(folder);
  // A link cycle inside the root would otherwise recurse until the path grows too long.
  if (visited.has(real)) return;
  visited.add(real);
  let entries: string[];
  try {
    entries = readdirSync(folder).sort();
  } catch {
    // An unreadable sub-folder is skipped: the user named its parent, not it.
    return;
  }
  for (const name of entries) {
    const full = path.join(folder, name);
    let stats = lstatSync(full);
    if (stats.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(full);
      } catch {
        continue; // A dangling link.
      }
      if (!isInside(target, rootReal)) continue;
      stats = statSync(full);
    }
    if (stats.isDirectory()) {
      if (SKIPPED_FOLDERS.has(name) || isVirtualEnvironment(full)) continue;
      walkFolder(full, rootReal, add, visited);
    } else if (stats.isFile() && PYTHON_EXTENSIONS.has(path.extname(name))) {
      add(full);
    }
  }
}

// Finds the pyproject.toml that governs a file and reads its [tool.memwall] table through the core's pure parser.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { readPyprojectConfig, type PyprojectConfig } from '../core/shapes/pyproject';

export const PYPROJECT = 'pyproject.toml';

/** The nearest pyproject.toml in the file's folder or above it, up to `stopAt` (the workspace root) when given. */
export function findPyproject(file: string, stopAt?: string): string | undefined {
  let folder = path.dirname(path.resolve(file));
  const limit = stopAt ? path.resolve(stopAt) : undefined;
  for (;;) {
    const candidate = path.join(folder, PYPROJECT);
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    const parent = path.dirname(folder);
    if (parent === folder || folder === limit) return undefined;
    folder = parent;
  }
}

export interface ProjectConfig {
  /** The pyproject.toml read, or undefined when the file has none above it. */
  readonly pyprojectPath?: string;
  /** Its folder: the root absolute imports are resolved from. */
  readonly root?: string;
  readonly config?: PyprojectConfig;
}

/**
 * Reads the project configuration for a file; each pyproject.toml is read once per cache. A pyproject.toml that
 * cannot be read or parsed throws an Error naming it, since silently dropping the user's sizes would mislead.
 */
export function loadProjectConfig(file: string, cache: Map<string, ProjectConfig> = new Map(), stopAt?: string): ProjectConfig {
  const pyprojectPath = findPyproject(file, stopAt);
  if (!pyprojectPath) return {};
  const cached = cache.get(pyprojectPath);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(pyprojectPath, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${pyprojectPath}: ${(error as Error).message}`, { cause: error });
  }
  let config: PyprojectConfig;
  try {
    config = readPyprojectConfig(text);
  } catch (error) {
    throw new Error(`${pyprojectPath}: ${(error as Error).message}`, { cause: error });
  }
  const project: ProjectConfig = { pyprojectPath, root: path.dirname(pyprojectPath), config };
  cache.set(pyprojectPath, project);
  return project;
}

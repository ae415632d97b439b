// Finds the pyproject.toml that governs a file and reads its [tool.memwall] table through the core's pure parser,
// through the file view (one read per change of the file).
import path from 'node:path';
import { readPyprojectConfig, type PyprojectConfig } from '../core/shapes/pyproject';
import { FileView } from './file-view';

export const PYPROJECT = 'pyproject.toml';

/** The nearest pyproject.toml in the file's folder or above it, up to `stopAt` (the workspace root) when given. */
export async function findPyproject(file: string, files: FileView = new FileView(), stopAt?: string): Promise<string | undefined> {
  let folder = path.dirname(path.resolve(file));
  const limit = stopAt ? path.resolve(stopAt) : undefined;
  for (;;) {
    if (await files.has(folder, PYPROJECT, 'file')) return path.join(folder, PYPROJECT);
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
 * The project configuration of files; each pyproject.toml is parsed once per text. A pyproject.toml that cannot be
 * read or parsed rejects with an Error naming it, since silently dropping the user's sizes would mislead.
 */
export class ProjectConfigs {
  private readonly parsed = new Map<string, { text: string; project: ProjectConfig }>();

  constructor(private readonly files: FileView = new FileView()) {}

  async forFile(file: string, stopAt?: string): Promise<ProjectConfig> {
    const pyprojectPath = await findPyproject(file, this.files, stopAt);
    if (!pyprojectPath) return {};
    const text = await this.files.read(pyprojectPath);
    if (text === undefined) throw new Error(`cannot read ${pyprojectPath}`);
    const cached = this.parsed.get(pyprojectPath);
    if (cached && cached.text === text) return cached.project;
    let config: PyprojectConfig;
    try {
      config = readPyprojectConfig(text);
    } catch (error) {
      throw new Error(`${pyprojectPath}: ${(error as Error).message}`, { cause: error });
    }
    const project: ProjectConfig = { pyprojectPath, root: path.dirname(pyprojectPath), config };
    this.parsed.set(pyprojectPath, { text, project });
    return project;
  }
}

// `memwall analyze`: expands the paths, reads every file, gathers its configuration and imports, and analyses it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extract, price, DEFAULT_GPU, type ExternalConfig, type ExtractOptions } from '../core/analyze';
import { resolveHardware } from '../core/cost/hardware';
import { IncrementalParser } from '../core/parse/incremental';
import type { PythonParser } from '../core/parse/parser';
import { collectPythonFiles } from '../workspace/walk';
import { readImportedModules } from '../workspace/imports';
import { loadProjectConfig, type ProjectConfig } from '../workspace/project';
import { UsageError, type Sizing } from './args';
import type { FileReport } from './report';

/** An analysis that threw: not the user's fault, so it is told apart from a usage error (exit code 3). */
export class AnalysisError extends Error {}

/** The path shown in reports: relative to the working folder when inside it, always with forward slashes. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  const shown = relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  return shown.split(path.sep).join('/');
}

/** Reads every file before analysing any, so that an unreadable file stops the run before output starts. */
function readAll(files: readonly string[], cwd: string): { file: string; text: string }[] {
  return files.map((file) => {
    try {
      return { file, text: readFileSync(file, 'utf8') };
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UsageError(`cannot read ${displayPath(file, cwd)}: ${reason}`);
    }
  });
}

/** The configurations in priority order: the command line's --dims first, then [tool.memwall] of the project. */
function configsFor(request: Sizing, project: ProjectConfig): ExternalConfig[] {
  const configs: ExternalConfig[] = [];
  // The command line names these sizes for this run: one that no op uses is reported (MW905, and exit 2 below).
  if (request.dims) configs.push({ dims: request.dims, source: '--dims', strict: true });
  if (project.config?.external) configs.push(project.config.external);
  return configs;
}

/** The entries and input shapes for a file: the command line's, else the project's (inputs merged by name, the command line first). */
function overridesFor(request: Sizing, project: ProjectConfig): Pick<ExtractOptions, 'entries' | 'inputs' | 'boundSymbols'> {
  const entries = request.entries ?? project.config?.entries;
  const given = request.inputs ?? [];
  const inputs = [...given, ...(project.config?.inputs ?? []).filter((input) => !given.some((other) => other.name === input.name))];
  const boundSymbols = [...Object.keys(request.dims ?? {}), ...Object.keys(project.config?.external?.dims ?? {})];
  return { ...(entries?.length ? { entries } : {}), ...(inputs.length ? { inputs } : {}), ...(boundSymbols.length ? { boundSymbols } : {}) };
}

/**
 * An override that applies to nothing in any analysed file is the user's mistake (a typo in --entry, an --input name
 * that is no parameter, a --dims size no op uses): exit 2 naming it, never a silent run. One that applies to some
 * files only is a note (MW905) in the others.
 */
function checkOverrides(reports: readonly FileReport[]): void {
  const unmatched = new Map<string, { count: number; message: string }>();
  for (const { analysis } of reports) {
    for (const note of analysis.notes) {
      if (!note.override) continue;
      const key = `${note.override.kind}\u0000${note.override.source}\u0000${note.override.name}`;
      // The command stops here, so what the file would have fallen back to is not said.
      unmatched.set(key, { count: (unmatched.get(key)?.count ?? 0) + 1, message: note.message.replace(/ Every root was analysed instead\.$/, '') });
    }
  }
  const everywhere = [...unmatched.values()].filter(({ count }) => count === reports.length);
  if (everywhere.length === 0) return;
  const where = reports.length === 1 ? `${reports[0]?.path}: ` : `in none of the ${reports.length} files: `;
  throw new UsageError(everywhere.map(({ message }) => `${where}${message}`).join('\n'));
}

export function runAnalyze(request: Sizing, parser: PythonParser, cwd: string = process.cwd()): FileReport[] {
  const { files, unreadable } = collectPythonFiles(request.paths, cwd);
  if (unreadable.length) {
    const [first] = unreadable;
    const reason = first!.reason === 'ENOENT' ? 'no such file or folder' : first!.reason;
    throw new UsageError(`cannot read ${first!.path}: ${reason}`);
  }
  if (files.length === 0) throw new UsageError(`no Python files under ${request.paths.join(', ')}`);

  const projects = new Map<string, ProjectConfig>();
  const reports: FileReport[] = [];
  for (const { file, text } of readAll(files, cwd)) {
    const shown = displayPath(file, cwd);
    let project: ProjectConfig;
    try {
      project = loadProjectConfig(file, projects);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
    const customGpus = project.config?.customGpus ?? [];
    // One parse serves the import scan and the analysis (as in the server): extract() gets the tree back from the
    // IncrementalParser for the same text instead of parsing the file a second time.
    const incremental = new IncrementalParser(parser);
    let graph;
    try {
      const modules = readImportedModules(file, text, { parser, tree: incremental.parse(text), roots: project.root ? [project.root] : [] });
      try {
        graph = extract(text, { parser, incremental, modules, ...overridesFor(request, project) });
      } catch (error) {
        throw new AnalysisError(`${shown}: analysis failed: ${(error as Error).message}`, { cause: error });
      }
    } finally {
      incremental.dispose();
    }
    // An unknown GPU id is the user's mistake wherever it is written: say where, and exit 2 rather than crash.
    const gpuChoices: [string | undefined, string][] = [
      [graph.magic.gpu, `${shown}: magic comment gpu=`],
      [request.gpu, '--gpu'],
      [project.config?.gpu, `${project.pyprojectPath ? displayPath(project.pyprojectPath, cwd) : 'pyproject.toml'} [tool.memwall] gpu`],
    ];
    const [gpu, where] = gpuChoices.find(([id]) => id !== undefined) ?? [DEFAULT_GPU, 'default'];
    try {
      resolveHardware(gpu!, customGpus);
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`, { cause: error });
    }
    try {
      const analysis = price(graph, text, {
        gpu,
        dtype: request.dtype ?? project.config?.dtype,
        configs: configsFor(request, project),
        customGpus,
        severities: project.config?.severities ?? {},
      });
      reports.push({ path: shown, analysis });
    } catch (error) {
      throw new AnalysisError(`${shown}: analysis failed: ${(error as Error).message}`, { cause: error });
    }
  }
  checkOverrides(reports);
  return reports;
}

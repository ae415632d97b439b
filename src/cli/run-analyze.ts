// `memwall analyze`: expands the paths, reads every file, gathers its configuration and imports, and analyses it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { extract, price, DEFAULT_GPU, type ExternalConfig } from '../core/analyze';
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
  if (request.dims) configs.push({ dims: request.dims, source: '--dims' });
  if (project.config?.external) configs.push(project.config.external);
  return configs;
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
        graph = extract(text, { parser, incremental, modules });
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
  return reports;
}

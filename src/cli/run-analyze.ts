// `memwall analyze`: expands the paths through the analysis service's file set and analyses every file with it.
import path from 'node:path';
import type { Analysis } from '../core/ir/types';
import type { PythonParser } from '../core/parse/parser';
import { commandLineLayer } from '../workspace/configuration';
import { AnalysisService, ConfigurationError } from '../workspace/service';
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
async function readAll(service: AnalysisService, files: readonly string[], cwd: string): Promise<{ file: string; text: string }[]> {
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    const text = await service.files.read(file);
    if (text === undefined) throw new UsageError(`cannot read ${displayPath(file, cwd)}`);
    texts.push({ file, text });
  }
  return texts;
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

/** The files a command names, read, and how to analyse a text of one of them with the command's settings. */
export interface AnalysisSession {
  readonly files: readonly { readonly file: string; readonly path: string; readonly text: string }[];
  analyse(file: string, path: string, text: string): Promise<Analysis>;
}

export async function openSession(request: Sizing, parser: PythonParser, cwd: string = process.cwd()): Promise<AnalysisSession> {
  const service = new AnalysisService(parser);
  const { files, unreadable } = await service.walk(request.paths, cwd);
  if (unreadable.length) {
    const [first] = unreadable;
    const reason = first!.reason === 'ENOENT' ? 'no such file or folder' : first!.reason;
    throw new UsageError(`cannot read ${first!.path}: ${reason}`);
  }
  if (files.length === 0) throw new UsageError(`no Python files under ${request.paths.join(', ')}`);

  const flags = commandLineLayer(
    {
      ...(request.gpu !== undefined ? { gpu: request.gpu } : {}),
      ...(request.dtype !== undefined ? { dtype: request.dtype } : {}),
      ...(request.dims ? { dims: request.dims } : {}),
      ...(request.python !== undefined ? { python: request.python } : {}),
      ...(request.entries ? { entries: request.entries } : {}),
      ...(request.inputs ? { inputs: request.inputs } : {}),
    },
    cwd,
  );
  const texts = await readAll(service, files, cwd);
  return {
    files: texts.map(({ file, text }) => ({ file, path: displayPath(file, cwd), text })),
    async analyse(file, shown, text) {
      try {
        const { analysis, pricingError } = await service.analyse({ file, text, layers: [flags], strict: true });
        if (!analysis) throw new Error(pricingError);
        return analysis;
      } catch (error) {
        // A mistake in the configuration is the user's (exit 2, one line naming where); anything else is ours (exit 3).
        if (error instanceof ConfigurationError) throw new UsageError(error.message.replace(/^magic comment/, `${shown}: magic comment`), { cause: error });
        throw new AnalysisError(`${shown}: analysis failed: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

export async function runAnalyze(request: Sizing, parser: PythonParser, cwd: string = process.cwd()): Promise<FileReport[]> {
  const session = await openSession(request, parser, cwd);
  const reports: FileReport[] = [];
  for (const { file, path: shown, text } of session.files) {
    reports.push({ path: shown, text, analysis: await session.analyse(file, shown, text) });
  }
  checkOverrides(reports);
  return reports;
}

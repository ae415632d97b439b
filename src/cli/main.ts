// The `memwall` command: analyse PyTorch/Triton files on a GPU roofline from a terminal or a CI job.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { listHardware } from '../core/cost/hardware';
import { createPythonParser } from '../core/parse/parser';
import { ProjectConfigs } from '../workspace/project';
import { parseCommandLine, UsageError, USAGE, type Request } from './args';
import { explain } from './explain';
import { FORMATTERS } from './format';
import { failOnMatches } from './fail-on';
import { gpusJson, gpusText } from './gpus';
import { rooflineHtml, rooflineSvg } from './roofline';
import { ruleTableMarkdown, rulesJson, rulesText } from './rule-table';
import { AnalysisError, runAnalyze } from './run-analyze';
import { fixSummary, runFix } from './run-fix';

/** The version printed by --version; esbuild inlines it from package.json at bundle time. */
import { version } from '../../package.json';

export const EXIT = { ok: 0, failOn: 1, usage: 2, internal: 3 } as const;

async function loadParser() {
  // The wasm files travel next to the bundle (esbuild.js copies them into dist/).
  return createPythonParser({
    runtime: readFileSync(path.join(__dirname, 'web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(__dirname, 'tree-sitter-python.wasm')),
  });
}

async function execute(request: Request, write: (text: string) => void): Promise<number> {
  switch (request.command) {
    case 'help':
      write(`${USAGE}\n`);
      return EXIT.ok;
    case 'version':
      write(`${version}\n`);
      return EXIT.ok;
    case 'gpus': {
      // Custom GPUs of the project in the working folder are listed with the built-in ones.
      let project;
      try {
        project = await new ProjectConfigs().forFile(path.join(process.cwd(), 'memwall-gpus'));
      } catch (error) {
        throw new UsageError((error as Error).message, { cause: error });
      }
      const hardware = listHardware(project.config?.customGpus ?? []);
      write(request.format === 'json' ? gpusJson(hardware) : gpusText(hardware));
      return EXIT.ok;
    }
    case 'explain':
      write(explain(request.codes, request.format));
      return EXIT.ok;
    case 'rules':
      write(request.format === 'json' ? rulesJson() : request.format === 'markdown' ? `${ruleTableMarkdown()}\n` : rulesText());
      return EXIT.ok;
    case 'analyze': {
      const reports = await runAnalyze(request, await loadParser());
      write(FORMATTERS[request.format](reports));
      const matched = failOnMatches(reports, request.failOn);
      if (matched.length) {
        process.stderr.write(`memwall: --fail-on matched ${matched.length} finding${matched.length === 1 ? '' : 's'} (${[...new Set(matched.map((f) => f.code))].join(', ')})\n`);
        return EXIT.failOn;
      }
      return EXIT.ok;
    }
    case 'roofline': {
      const reports = await runAnalyze(request, await loadParser());
      const format = request.format ?? (reports.length === 1 ? 'svg' : 'html');
      if (format === 'svg' && reports.length !== 1) {
        throw new UsageError(`an SVG holds one chart, and ${reports.length} files were analysed: use --format html or name one file`);
      }
      const output = format === 'svg' ? rooflineSvg(reports[0]!) : rooflineHtml(reports);
      if (request.out === undefined) {
        write(output);
      } else {
        try {
          writeFileSync(request.out, output);
        } catch (error) {
          throw new UsageError(`cannot write ${request.out}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
        process.stderr.write(`memwall: wrote ${request.out} (${reports.length} chart${reports.length === 1 ? '' : 's'})\n`);
      }
      return EXIT.ok;
    }
    case 'fix':
      write(fixSummary(await runFix(request, await loadParser())));
      return EXIT.ok;
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const write = (text: string) => process.stdout.write(text);
  try {
    return await execute(parseCommandLine(argv), write);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`memwall: ${error.message}\n`);
      return EXIT.usage;
    }
    const message = error instanceof AnalysisError ? error.message : `internal error: ${(error as Error)?.stack ?? String(error)}`;
    process.stderr.write(`memwall: ${message}\n`);
    return EXIT.internal;
  }
}

if (require.main === module) {
  // Before tree-sitter compiles its wasm, and only in the `memwall` process (not where main() is imported). By default
  // V8 recompiles the hot wasm functions (the grammar's lexer) with TurboFan on background threads, and Node waits for
  // those threads before it exits: on one file ~120 ms of wall time and ~250 ms of CPU for nothing. Liftoff's code
  // alone is as fast for one run, even on a 10,000-line file.
  setFlagsFromString('--liftoff-only');
  // exitCode rather than exit(): a large report piped to another program is flushed before Node leaves.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

// `memwall fix`: applies the findings' fixes to the files and re-analyses each result until no fix applies, as ruff's --fix.
import { writeFile } from 'node:fs/promises';
import type { Analysis } from '../core/ir/types';
import type { PythonParser } from '../core/parse/parser';
import { applyFixes, fixKey, fixesOf, type OfferedFix } from '../core/rules/fixes';
import { UsageError, type Sizing } from './args';
import { openSession } from './run-analyze';

/** Passes over one file: each applies every fix that does not overlap another, then the result is analysed again. */
const MAX_PASSES = 10;

export interface FixRequest extends Sizing {
  readonly codes: readonly string[];
  readonly unsafeFixes: boolean;
}

export interface FileFixes {
  readonly path: string;
  /** Fixes applied, by code (`MW206: 2`). */
  readonly applied: ReadonlyMap<string, number>;
  /** Fixes still offered on the result that were not applied: unsafe ones without --unsafe-fixes. */
  readonly unsafeLeft: number;
  /** Why the file was left as it was, when a fix would have broken its syntax. */
  readonly refused?: string;
}

function wanted(request: FixRequest, text: string, analysis: Analysis): { safe: { code: string; fix: OfferedFix }[]; unsafe: number } {
  const offered = analysis.findings
    .filter((finding) => request.codes.length === 0 || request.codes.includes(finding.code))
    .flatMap((finding) => fixesOf(text, analysis, finding).map((fix) => ({ code: finding.code, fix })));
  const seen = new Set<string>();
  const unique = offered.filter(({ fix }) => {
    const key = fixKey(fix);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const chosen = unique.filter(({ fix }) => fix.safe || request.unsafeFixes);
  return { safe: chosen, unsafe: unique.length - chosen.length };
}

export async function runFix(request: FixRequest, parser: PythonParser, cwd: string = process.cwd()): Promise<FileFixes[]> {
  const unknown = request.codes.find((code) => !/^MW[1-4]\d\d$/.test(code));
  if (unknown) throw new UsageError(`--code: ${unknown} is not a rule with fixes (memwall rules lists them)`);
  const session = await openSession(request, parser, cwd);
  const results: FileFixes[] = [];
  for (const { file, path, text: original } of session.files) {
    const applied = new Map<string, number>();
    let text = original;
    let analysis = await session.analyse(file, path, text);
    let unsafeLeft = 0;
    let refused: string | undefined;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const { safe, unsafe } = wanted(request, text, analysis);
      unsafeLeft = unsafe;
      if (!safe.length) break;
      const result = applyFixes(text, safe.map(({ fix }) => fix));
      const tree = parser.parse(result.text);
      const broken = tree.rootNode.hasError;
      tree.delete();
      // A fix must leave Python that parses; if one does not, the file keeps what the earlier passes made of it.
      if (broken) {
        refused = `the fixes of pass ${pass + 1} (${safe.map(({ fix }) => fix.title).join('; ')}) would leave a syntax error`;
        break;
      }
      for (const { code, fix } of safe) if (result.applied.includes(fix)) applied.set(code, (applied.get(code) ?? 0) + 1);
      text = result.text;
      analysis = await session.analyse(file, path, text);
    }
    if (text !== original) {
      try {
        await writeFile(file, text);
      } catch (error) {
        throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    results.push({ path, applied, unsafeLeft, ...(refused ? { refused } : {}) });
  }
  return results;
}

/** One line per file that changed or was refused, then the totals. */
export function fixSummary(results: readonly FileFixes[]): string {
  const lines: string[] = [];
  let total = 0;
  let unsafe = 0;
  for (const result of results) {
    const count = [...result.applied.values()].reduce((sum, n) => sum + n, 0);
    total += count;
    unsafe += result.unsafeLeft;
    if (count) lines.push(`${result.path}: fixed ${count} (${[...result.applied].map(([code, n]) => `${code} ×${n}`).join(', ')})`);
    if (result.refused) lines.push(`${result.path}: left as it was: ${result.refused}`);
  }
  const files = results.filter((result) => result.applied.size).length;
  lines.push(total ? `Fixed ${total} finding${total === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}.` : 'No fixes applied.');
  if (unsafe) lines.push(`Not applied: ${unsafe} fix${unsafe === 1 ? '' : 'es'} that change${unsafe === 1 ? 's' : ''} how the code runs (Wrap in torch.compile); add --unsafe-fixes to apply ${unsafe === 1 ? 'it' : 'them'}.`);
  return `${lines.join('\n')}\n`;
}

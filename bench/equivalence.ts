// Guard for speed work: analyses every fixture, example and generated model file with an older revision and with the
// working tree, and fails on the first difference in anything the user sees (ops, costs with their hover lines,
// findings with their fixes, summary, notes, assumptions). Run: `node --import tsx bench/equivalence.ts <revision>`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generateFile } from './analyze-speed';
import { loadSide, ROOT, withRevision } from './revision';

const GPUS = ['h100-sxm', 't4', 'mi300x'];

/** Every Python file under a folder, recursively. */
function pythonFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.py'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/** A canonical text of what the user sees: Maps and Sets as arrays, lazily formatted hover lines read. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) return [...item.entries()];
    if (item instanceof Set) return [...item.values()];
    return item;
  });
}

async function main(): Promise<void> {
  const revision = process.argv[2];
  if (!revision) throw new Error('usage: bench/equivalence.ts <git revision>');
  await withRevision(revision, async (folder) => {
    // One after the other: two parsers initialising at once in one process race in web-tree-sitter.
    const before = await loadSide(folder);
    const after = await loadSide(ROOT);
    const inputs: [string, string][] = [
      ...[...pythonFiles(path.join(ROOT, 'test/fixtures')), ...pythonFiles(path.join(ROOT, 'examples'))].map(
        (file): [string, string] => [path.relative(ROOT, file), readFileSync(file, 'utf8')],
      ),
      ['generated 2,000 lines', generateFile(2000)],
    ];
    let compared = 0;
    for (const [name, text] of inputs) {
      for (const gpu of GPUS) {
        const expected = canonical(before.core.analyze(text, { parser: before.parser, gpu }));
        const actual = canonical(after.core.analyze(text, { parser: after.parser, gpu }));
        compared++;
        if (expected === actual) continue;
        let at = 0;
        while (expected[at] === actual[at]) at++;
        console.error(`DIFFERENT: ${name} on ${gpu} at character ${at}:\n  before …${expected.slice(Math.max(0, at - 200), at + 200)}\n  after  …${actual.slice(Math.max(0, at - 200), at + 200)}`);
        process.exitCode = 1;
        return;
      }
    }
    console.log(`identical: ${compared} analyses (${inputs.length} files × ${GPUS.length} GPUs) against ${revision}`);
  });
}

void main();

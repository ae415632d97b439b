// Guard for speed work: analyses every fixture, example and generated model file with an older revision and with the
// working tree, and fails on the first difference in anything the user sees (ops, costs with their hover lines,
// findings with their fixes, summary, notes, assumptions). Run: `node --import tsx bench/equivalence.ts <revision>`;
// `--all` reports every analysis that differs instead of stopping at the first; `--extra <folder>` (repeatable) adds
// the Python files under a folder (bench/realworld/files, torchvision's installed models). Fields the older revision
// does not have are left out of the comparison.
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

/**
 * The value without the object fields that the older revision's value lacks: a field a newer revision adds (such as
 * `Analysis.inputs`) is not a difference in anything the older one showed. Fields are matched by path.
 */
function withoutNewFields(value: unknown, older: unknown): unknown {
  if (value instanceof Map || value instanceof Set || older instanceof Map || older instanceof Set) return value;
  if (Array.isArray(value)) return Array.isArray(older) ? value.map((item, index) => withoutNewFields(item, older[index])) : value;
  if (value === null || typeof value !== 'object' || older === null || typeof older !== 'object' || Array.isArray(older)) return value;
  const kept: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) if (key in older) kept[key] = withoutNewFields(item, (older as Record<string, unknown>)[key]);
  return kept;
}

/** A canonical text of what the user sees: Maps and Sets as arrays, lazily formatted hover lines read. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item instanceof Map) return [...item.entries()];
    if (item instanceof Set) return [...item.values()];
    return item;
  });
}

/** The folders given with `--extra`. */
function extraFolders(): string[] {
  return process.argv.flatMap((argument, index) => (process.argv[index - 1] === '--extra' ? [path.resolve(argument)] : []));
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
      ...extraFolders().flatMap((folder) => pythonFiles(folder).map((file): [string, string] => [file, readFileSync(file, 'utf8')])),
    ];
    let compared = 0;
    for (const [name, text] of inputs) {
      for (const gpu of GPUS) {
        const older = JSON.parse(canonical(before.core.analyze(text, { parser: before.parser, gpu }))) as unknown;
        const expected = canonical(older);
        const actual = canonical(withoutNewFields(JSON.parse(canonical(after.core.analyze(text, { parser: after.parser, gpu }))), older));
        compared++;
        if (expected === actual) continue;
        let at = 0;
        while (expected[at] === actual[at]) at++;
        console.error(`DIFFERENT: ${name} on ${gpu} at character ${at}:\n  before …${expected.slice(Math.max(0, at - 200), at + 200)}\n  after  …${actual.slice(Math.max(0, at - 200), at + 200)}`);
        process.exitCode = 1;
        if (!process.argv.includes('--all')) return;
      }
    }
    if (process.exitCode) return;
    console.log(`identical: ${compared} analyses (${inputs.length} files × ${GPUS.length} GPUs) against ${revision}`);
  });
}

void main();

// Guard for speed work: analyses every fixture, example and generated model file with an older revision and with the
// working tree, and fails on the first difference in anything the user sees (ops, costs with their hover lines,
// findings with their fixes, summary, notes, assumptions). Run: `node --import tsx bench/equivalence.ts <revision>`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFile } from './analyze-speed';

const ROOT = path.join(__dirname, '..');
const GPUS = ['h100-sxm', 't4', 'mi300x'];

interface Side {
  readonly core: typeof import('../src/core/analyze');
  readonly parser: Awaited<ReturnType<typeof import('../test/helpers/parser').testParser>>;
}

/** The revision's src/ and test/helpers/ in a temporary folder, with this checkout's node_modules. */
function checkout(revision: string): string {
  const folder = mkdtempSync(path.join(tmpdir(), 'memwall-equivalence-'));
  const archive = execFileSync('git', ['archive', revision, 'src', 'test/helpers'], { cwd: ROOT, maxBuffer: 1 << 28 });
  execFileSync('tar', ['-x', '-C', folder], { input: archive });
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(folder, 'node_modules'));
  return folder;
}

async function load(root: string): Promise<Side> {
  const core = (await import(path.join(root, 'src/core/analyze.ts'))) as Side['core'];
  const helpers = (await import(path.join(root, 'test/helpers/parser.ts'))) as typeof import('../test/helpers/parser');
  return { core, parser: await helpers.testParser() };
}

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
  const folder = checkout(revision);
  try {
    // One after the other: two parsers initialising at once in one process race in web-tree-sitter.
    const before = await load(folder);
    const after = await load(ROOT);
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
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

void main();

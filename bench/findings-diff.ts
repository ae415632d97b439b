// Shows how findings change between a revision and the working tree, on every fixture, example and real-world file.
// Run: `node --import tsx bench/findings-diff.ts <revision>`; prints one line per finding that appears or goes.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSide, ROOT, withRevision, type Side } from './revision';

function pythonFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.py'))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

function findingsOf(side: Side, text: string): string[] {
  const analysis = side.core.analyze(text, { parser: side.parser });
  return analysis.findings.map((f) => `${f.code} ${f.span.startLine + 1} ${f.severity} ${f.message.slice(0, 140)}`);
}

async function main(): Promise<void> {
  const revision = process.argv[2];
  if (!revision) throw new Error('usage: bench/findings-diff.ts <git revision>');
  await withRevision(revision, async (folder) => {
    const before = await loadSide(folder);
    const after = await loadSide(ROOT);
    const files = ['test/fixtures', 'examples', 'bench/realworld/files'].flatMap((dir) => pythonFiles(path.join(ROOT, dir)));
    let changed = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const a = findingsOf(before, text);
      const b = findingsOf(after, text);
      const gone = a.filter((line) => !b.includes(line));
      const added = b.filter((line) => !a.includes(line));
      if (gone.length === 0 && added.length === 0) continue;
      changed++;
      console.log(`== ${path.relative(ROOT, file)}`);
      for (const line of gone) console.log(`  - ${line}`);
      for (const line of added) console.log(`  + ${line}`);
    }
    console.log(`${files.length} files, ${changed} with different findings`);
  });
}

void main();

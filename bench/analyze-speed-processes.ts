// Benchmark: warm analysis CPU and wall time of an older revision against the working tree, each bundled with esbuild and run
// in processes of its own, alternating, several rounds. On this shared machine two revisions in one process
// (analyze-speed-compare.ts) disturb each other's garbage collection, and one process of each is not a comparison
// (the same bundle twice: 66 and 93 ms); the median of alternating processes' medians is.
// Run: `node --import tsx bench/analyze-speed-processes.ts 7d117e2 [rounds=6] [lines=2000] [analyze|extract]`.
// A process of its own: `node --import tsx bench/analyze-speed-processes.ts --run <bundle> <lines> <analyze|extract>`.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { cpuMs, generateFile, median } from './analyze-speed';
import { ROOT, withRevision } from './revision';

/** Warm runs, then as many timed, per process: about a minute of 2,000 lines' work, at least five. */
function runsFor(lines: number): number {
  return Math.max(5, Math.round(60_000 / lines));
}

/** Bundles a checkout's analyze() and test parser into one CommonJS file (in `into`, which holds a node_modules link). */
async function bundle(checkout: string, into: string, name: string): Promise<string> {
  const entry = path.join(into, `${name}.entry.ts`);
  writeFileSync(entry, `export * as core from ${JSON.stringify(path.join(checkout, 'src/core/analyze'))};\nexport { testParser } from ${JSON.stringify(path.join(checkout, 'test/helpers/parser'))};\n`);
  // The test parser reads the wasm files two folders above its own file: the bundle lives two folders below `into`.
  const outfile = path.join(into, 'bundles', 'here', `${name}.js`);
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'warning',
    // As esbuild.js: web-tree-sitter's CommonJS build.
    alias: { 'web-tree-sitter': require.resolve('web-tree-sitter') },
  });
  return outfile;
}

/**
 * One process: warm runs, then the median CPU time of the timed ones and their median wall time, printed as two
 * numbers. CPU time counts V8's garbage-collector and compiler threads too (on two cores, a third to a half more than
 * the wall time of the same run); wall time counts waiting for a core when the machine is busy.
 */
async function runOne(file: string, lines: number, stage: string): Promise<void> {
  const side = (await import(file)) as { core: typeof import('../src/core/analyze'); testParser: typeof import('../test/helpers/parser').testParser };
  const parser = await side.testParser();
  const text = generateFile(lines);
  const walls: number[] = [];
  const once = (): number => {
    const start = performance.now();
    const cpu = cpuMs(() => (stage === 'extract' ? side.core.extract(text, { parser }) : side.core.analyze(text, { parser })));
    walls.push(performance.now() - start);
    return cpu;
  };
  for (let i = 0; i < runsFor(lines); i++) once();
  walls.length = 0;
  const times = Array.from({ length: runsFor(lines) }, once);
  console.log(`${median(times).toFixed(2)} ${median(walls).toFixed(2)}`);
}

async function main(): Promise<void> {
  const [revision, rounds = '6', lines = '2000', stage = 'analyze'] = process.argv.slice(2);
  if (!revision) throw new Error('usage: bench/analyze-speed-processes.ts <git revision> [rounds] [lines] [analyze|extract]');
  const into = mkdtempSync(path.join(tmpdir(), 'memwall-bundles-'));
  try {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(into, 'node_modules'));
    const older = await withRevision(revision, (folder) => bundle(folder, into, 'revision'));
    const newer = await bundle(ROOT, into, 'working');
    const sides = [
      { name: revision, file: older, medians: [] as number[], walls: [] as number[] },
      { name: 'working tree', file: newer, medians: [] as number[], walls: [] as number[] },
    ];
    for (let round = 0; round < Number(rounds); round++) {
      for (const side of round % 2 ? [...sides].reverse() : sides) {
        const out = execFileSync(process.execPath, ['--import', 'tsx', __filename, '--run', side.file, lines, stage], { cwd: ROOT, encoding: 'utf8' });
        const [cpu, wall] = out.trim().split(' ').map(Number);
        side.medians.push(cpu as number);
        side.walls.push(wall as number);
      }
    }
    const change = (value: number, reference: number): string => `${value >= reference ? '+' : ''}${((value / reference - 1) * 100).toFixed(1)}%`;
    const reference = median(sides[0]?.medians ?? []);
    const referenceWall = median(sides[0]?.walls ?? []);
    for (const side of sides) {
      const value = median(side.medians);
      const wall = median(side.walls);
      console.log(
        `${side.name.padEnd(12)} ${lines} lines, ${stage}: median of ${rounds} process medians: CPU ${value.toFixed(1)} ms (${change(value, reference)}), wall ${wall.toFixed(1)} ms (${change(wall, referenceWall)}); ` +
          `rounds CPU ${side.medians.map((m) => m.toFixed(1)).join(' ')}, wall ${side.walls.map((m) => m.toFixed(1)).join(' ')}`,
      );
    }
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
}

if (require.main === module) {
  if (process.argv[2] === '--run') void runOne(process.argv[3] as string, Number(process.argv[4]), process.argv[5] as string);
  else void main();
}

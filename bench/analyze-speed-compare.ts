// Benchmark: warm analysis CPU time of an older revision against the working tree, in one process, runs alternating
// (the development machine is shared and loaded: only figures taken side by side compare).
// Run: `node --import tsx bench/analyze-speed-compare.ts 9962718` (any git revision that has src/core/analyze.ts).
import { cpuMs, generateFile, median } from './analyze-speed';
import { loadSide, ROOT, type Side, withRevision } from './revision';

async function main(): Promise<void> {
  const revision = process.argv[2];
  if (!revision) throw new Error('usage: bench/analyze-speed-compare.ts <git revision>');
  await withRevision(revision, async (folder) => {
    // One after the other: two parsers initialising at once in one process race in web-tree-sitter.
    const sides = [{ name: revision, ...(await loadSide(folder)) }, { name: 'working tree', ...(await loadSide(ROOT)) }];
    for (const [lines, runs] of [[300, 20], [2000, 10], [10000, 4]] as const) {
      const text = generateFile(lines);
      const results = sides.map(() => ({ total: [] as number[], parse: [] as number[], extract: [] as number[], price: [] as number[], ops: 0 }));
      for (const side of sides) for (let i = 0; i < 3; i++) side.core.analyze(text, { parser: side.parser });
      for (let run = 0; run < runs; run++) {
        // Alternate which side goes first, so that neither always runs after the other's garbage.
        for (const index of run % 2 ? [1, 0] : [0, 1]) {
          const side = sides[index] as Side;
          const result = results[index] as (typeof results)[number];
          result.total.push(cpuMs(() => { result.ops = side.core.analyze(text, { parser: side.parser }).costs.length; }));
          result.parse.push(cpuMs(() => side.parser.parse(text).delete()));
          let graph: ReturnType<Side['core']['extract']> | undefined;
          result.extract.push(cpuMs(() => { graph = side.core.extract(text, { parser: side.parser }); }));
          result.price.push(cpuMs(() => side.core.price(graph as ReturnType<Side['core']['extract']>, text, {})));
        }
      }
      sides.forEach((side, index) => {
        const r = results[index] as (typeof results)[number];
        console.log(
          `${side.name.padEnd(12)} ${String(text.split('\n').length).padStart(6)} lines, ${String(r.ops).padStart(5)} ops: CPU median ${median(r.total).toFixed(1)} ms ` +
            `= parse ${median(r.parse).toFixed(1)} + extract ${median(r.extract).toFixed(1)} + price/rules ${median(r.price).toFixed(1)}, ${runs} runs`,
        );
      });
    }
  });
}

if (require.main === module) void main();

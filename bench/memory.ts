// Benchmark: memory over many edits of a 2,000-line file (JS heap, RSS, tree-sitter's wasm heap), to show no growth.
// Run: `node --expose-gc --import tsx bench/memory.ts [edits=10000] [analyseEvery=100] [server]`.
// Each edit re-parses the edited text and deletes the tree, as extract() does; every `analyseEvery`-th edit runs the
// whole analysis (parse, frontends, pricing, rules). With `server`, each edit is extracted as the server does it
// instead: the document's tree edited and re-parsed incrementally, unchanged roots reused (and priced every
// `analyseEvery`-th). Sampled after a forced GC at ten checkpoints; the verdict compares the last checkpoints with the
// first ones after warm-up.
import { loadavg } from 'node:os';
import { Parser } from 'web-tree-sitter';
import { analyze, extract, price } from '../src/core/analyze';
import { RootCache } from '../src/core/frontends/pytorch/roots';
import { IncrementalParser } from '../src/core/parse/incremental';
import { testParser } from '../test/helpers/parser';
import { generateFile } from './analyze-speed';

/** tree-sitter's Emscripten module writes its heap views onto the options object given to Parser.init: keep it. */
let wasmModule: { HEAP8?: Int8Array } | undefined;
const originalInit = Parser.init.bind(Parser);
Parser.init = (options?: object) => {
  wasmModule = options as { HEAP8?: Int8Array };
  return originalInit(options);
};

const MB = 1024 * 1024;
const collect = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

interface Sample {
  readonly edits: number;
  readonly heapMb: number;
  readonly rssMb: number;
  readonly wasmMb: number;
}

function sample(edits: number): Sample {
  collect();
  const usage = process.memoryUsage();
  return { edits, heapMb: usage.heapUsed / MB, rssMb: usage.rss / MB, wasmMb: (wasmModule?.HEAP8?.buffer.byteLength ?? 0) / MB };
}

async function main(): Promise<void> {
  const edits = Number(process.argv[2] ?? 10_000);
  const analyseEvery = Number(process.argv[3] ?? 100);
  const asServer = process.argv[4] === 'server';
  const parser = await testParser();
  const incremental = new IncrementalParser(parser);
  const roots = new RootCache();
  const original = generateFile(2000);
  const lines = original.split('\n');
  console.log(
    `load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${lines.length} lines, ${edits} edits${asServer ? ' extracted as the server does (kept tree, reused roots)' : ''}, ` +
      `full analysis every ${analyseEvery}; gc ${collect.name === 'gc' ? 'forced' : 'NOT forced (run with --expose-gc)'}`,
  );

  // An edit as typed: a character appended to, or removed from, a line inside the file (cycling over the lines).
  const samples: Sample[] = [];
  let peak = sample(0);
  const checkpoint = Math.max(1, Math.floor(edits / 10));
  const started = performance.now();
  for (let edit = 1; edit <= edits; edit++) {
    const line = (edit * 7919) % lines.length;
    lines[line] = edit % 2 ? `${lines[line]} ` : (lines[line] as string).replace(/ $/, '');
    const text = lines.join('\n');
    if (asServer) {
      const graph = extract(text, { parser, incremental, roots });
      if (edit % analyseEvery === 0) price(graph, text, {});
    } else if (edit % analyseEvery === 0) analyze(text, { parser });
    else parser.parse(text).delete();
    if (edit % checkpoint === 0) {
      const now = sample(edit);
      samples.push(now);
      peak = { edits: edit, heapMb: Math.max(peak.heapMb, now.heapMb), rssMb: Math.max(peak.rssMb, now.rssMb), wasmMb: Math.max(peak.wasmMb, now.wasmMb) };
      console.log(`${String(edit).padStart(6)} edits: heap ${now.heapMb.toFixed(1)} MB, RSS ${now.rssMb.toFixed(1)} MB, wasm heap ${now.wasmMb.toFixed(1)} MB`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const [early, late] = [samples[1] ?? samples[0], samples[samples.length - 1]];
  if (!early || !late) return;
  console.log(`peak: heap ${peak.heapMb.toFixed(1)} MB, RSS ${peak.rssMb.toFixed(1)} MB, wasm heap ${peak.wasmMb.toFixed(1)} MB; ${seconds.toFixed(0)} s`);
  console.log(
    `growth from ${early.edits} to ${late.edits} edits: heap ${(late.heapMb - early.heapMb).toFixed(1)} MB, RSS ${(late.rssMb - early.rssMb).toFixed(1)} MB, wasm heap ${(late.wasmMb - early.wasmMb).toFixed(1)} MB`,
  );
  incremental.dispose();
}

if (require.main === module) void main();

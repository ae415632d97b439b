// Benchmark: warm analysis time (parse + extract + price + rules) of 300-, 2,000- and 10,000-line model files, and
// the GPT fixture analysed statically versus traced with PyTorch. Run: `node --import tsx bench/analyze-speed.ts`.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { analyze, extract, price } from '../src/core/analyze';
import { RootCache } from '../src/core/frontends/pytorch/roots';
import { IncrementalParser } from '../src/core/parse/incremental';
import { testParser } from '../test/helpers/parser';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures', 'models');

/**
 * A model file of about `lines` lines: the oracle fixtures concatenated, each copy's classes and functions renamed
 * (`Block` → `Block_3_0`) so that every copy is a distinct model, cut at a top-level definition.
 */
export function generateFile(lines: number): string {
  const sources = readdirSync(FIXTURES).filter((f) => f.endsWith('.py')).sort().map((f) => readFileSync(path.join(FIXTURES, f), 'utf8'));
  const out: string[] = [];
  for (let copy = 0; out.length < lines; copy++) {
    for (const [index, source] of sources.entries()) {
      const names = [...source.matchAll(/^(?:class|def) ([A-Za-z_]\w*)/gm)].map((m) => m[1] as string);
      let renamed = source;
      for (const name of names) renamed = renamed.replace(new RegExp(`\\b${name}\\b`, 'g'), `${name}_${copy}_${index}`);
      for (const line of renamed.split('\n')) out.push(line);
      if (out.length >= lines) break;
    }
  }
  // Cut before the first top-level statement past the target, so that no definition is left half-written.
  let cut = out.length;
  for (let i = lines; i < out.length; i++) {
    if (/^(class|def|import|from|@)/.test(out[i] as string)) {
      cut = i;
      break;
    }
  }
  return out.slice(0, cut).join('\n');
}

export function cpuMs(work: () => void): number {
  const start = process.cpuUsage();
  work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const parser = await testParser();
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (the machine is shared; medians damp the noise)`);
  for (const [lines, runs] of [
    [300, 20],
    [2000, 10],
    [10000, 4],
  ] as const) {
    const text = generateFile(lines);
    const actualLines = text.split('\n').length;
    for (let i = 0; i < 3; i++) analyze(text, { parser });
    const times: number[] = [];
    const cpuTimes: number[] = [];
    const stages = { parse: [] as number[], extract: [] as number[], price: [] as number[] };
    let ops = 0;
    for (let i = 0; i < runs; i++) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      const analysis = analyze(text, { parser });
      times.push(performance.now() - start);
      const cpu = process.cpuUsage(cpuStart);
      cpuTimes.push((cpu.user + cpu.system) / 1000);
      ops = analysis.costs.length;
      // The stages on their own, for where the time goes (CPU time: the machine is shared).
      stages.parse.push(cpuMs(() => parser.parse(text).delete()));
      let graph: ReturnType<typeof extract> | undefined;
      stages.extract.push(cpuMs(() => { graph = extract(text, { parser }); }));
      stages.price.push(cpuMs(() => price(graph as ReturnType<typeof extract>, text, {})));
    }
    console.log(
      `${String(actualLines).padStart(6)} lines, ${String(ops).padStart(5)} ops: wall median ${median(times).toFixed(1)} ms (min ${Math.min(...times).toFixed(1)}), ` +
        `CPU median ${median(cpuTimes).toFixed(1)} ms = parse ${median(stages.parse).toFixed(1)} + extract ${median(stages.extract).toFixed(1)} + price/rules ${median(stages.price).toFixed(1)}, ${runs} warm runs`,
    );
  }

  keystrokes(parser, generateFile(2000), 40);

  const gpt = path.join(FIXTURES, 'gpt_full.py');
  const gptText = readFileSync(gpt, 'utf8');
  for (let i = 0; i < 3; i++) analyze(gptText, { parser });
  const staticTimes: number[] = [];
  for (let i = 0; i < 20; i++) {
    const start = performance.now();
    analyze(gptText, { parser });
    staticTimes.push(performance.now() - start);
  }
  const traceStart = performance.now();
  const trace = spawnSync('/usr/bin/python3', [path.join(__dirname, '..', 'test', 'oracle', 'trace.py'), gpt], { encoding: 'utf8' });
  const traceMs = performance.now() - traceStart;
  if (trace.status !== 0) {
    console.log(`gpt_full.py: PyTorch trace unavailable (${trace.stderr.split('\n')[0]}); static median ${median(staticTimes).toFixed(1)} ms`);
    return;
  }
  const staticMs = median(staticTimes);
  console.log(`gpt_full.py: static analysis median ${staticMs.toFixed(1)} ms; PyTorch trace with FLOP counting ${traceMs.toFixed(0)} ms (one run, includes import torch): ${(traceMs / staticMs).toFixed(0)}× faster`);
}

/**
 * What the server does per keystroke: one character typed on a line, then the analysis of the new version with the
 * document's tree re-parsed incrementally and the roots whose code did not change reused (src/server keeps both per
 * document), against the same version analysed from scratch; alternating, wall and CPU medians.
 */
function keystrokes(parser: Awaited<ReturnType<typeof testParser>>, original: string, count: number): void {
  const incremental = new IncrementalParser(parser);
  const roots = new RootCache();
  let text = original;
  // Warm: the server has analysed the file before the first keystroke.
  for (let run = 0; run < 3; run++) analyze(text, { parser });
  price(extract(text, { parser, incremental, roots }), text, {});
  const lines = text.split('\n').length;
  const timed = { kept: [] as number[], keptWall: [] as number[], extract: [] as number[], price: [] as number[], scratch: [] as number[], scratchWall: [] as number[], parse: [] as number[] };
  const ran: number[] = [];
  for (let key = 0; key < count; key++) {
    // A space typed before the last character of a pseudo-random line: `f(a)` becomes `f(a )`.
    const line = (key * 7919) % lines;
    let end = -1;
    for (let row = 0; row <= line; row++) end = text.indexOf('\n', end + 1);
    const at = Math.max(0, (end < 0 ? text.length : end) - 1);
    text = `${text.slice(0, at)} ${text.slice(at)}`;
    for (const side of key % 2 ? ['scratch', 'kept'] : ['kept', 'scratch']) {
      const started = performance.now();
      if (side === 'scratch') {
        timed.scratch.push(cpuMs(() => analyze(text, { parser })));
        timed.scratchWall.push(performance.now() - started);
        continue;
      }
      let graph: ReturnType<typeof extract> | undefined;
      const extractMs = cpuMs(() => { graph = extract(text, { parser, incremental, roots }); });
      const priceMs = cpuMs(() => price(graph as ReturnType<typeof extract>, text, {}));
      timed.keptWall.push(performance.now() - started);
      timed.extract.push(extractMs);
      timed.price.push(priceMs);
      timed.kept.push(extractMs + priceMs);
      ran.push(roots.ran);
    }
    // The re-parse alone, of one more character (the kept tree moves on with the text).
    text = `${text.slice(0, at)} ${text.slice(at)}`;
    timed.parse.push(cpuMs(() => incremental.parse(text)));
  }
  incremental.dispose();
  console.log(
    `${String(lines).padStart(6)} lines, one keystroke as the server analyses it: wall median ${median(timed.keptWall).toFixed(1)} ms, CPU median ${median(timed.kept).toFixed(1)} ms = ` +
      `extract ${median(timed.extract).toFixed(1)} (re-parse alone ${median(timed.parse).toFixed(1)}; roots run per keystroke: median ${median(ran)}, most ${Math.max(...ran)} of ${roots.reused + roots.ran}) + ` +
      `price/rules ${median(timed.price).toFixed(1)}; from scratch: wall ${median(timed.scratchWall).toFixed(1)} ms, CPU ${median(timed.scratch).toFixed(1)} ms; ${count} keystrokes alternating`,
  );
}

if (require.main === module) void main();

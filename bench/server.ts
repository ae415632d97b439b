// Benchmark: the bundled server over LSP: keystroke-to-diagnostics latency on a 2,000-line file, and its memory.
// Run: `npm run build && node --import tsx bench/server.ts [keystrokes=40]` (RESULTS.md quotes runs of 60).
// Latency is measured from sending didChange (one character inserted, an incremental change as VS Code sends it) to
// receiving publishDiagnostics for that version. Keystrokes come at a quick typist's pace, each after the previous
// one's diagnostics; the server analyses an edit at once when the pause before it is longer than its debounce (60 ms)
// and its last analysis. In the same run, two references: a hover round trip (the transport floor) and the server's
// own analysis time (its log line).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { LogMessageNotification } from 'vscode-languageserver-protocol/node';
import { startServer } from '../test/server/lsp';
import { generateFile } from './analyze-speed';

const ROOT = path.join(__dirname, '..');
/** 150 ms from one keystroke to the next: 80 words a minute. */
/** How many first keystrokes are also reported on their own (V8 still compiling the path a keystroke takes). */
const FIRST = 5;
const TYPING_INTERVAL_MS = 150;

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

/** Resident memory of a process, now and at its peak, from /proc (Linux). */
function residentMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function main(): Promise<void> {
  const keystrokes = Number(process.argv[2] ?? 40);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: quote ratios, not absolutes)`);
  const server = await startServer({ gpu: 'h100-sxm', dtype: 'bf16', dims: {}, severity: {}, inlayHints: 'full' });
  const pid = server.child.pid as number;
  const analysedMs = new Map<number, number>();
  server.connection.onNotification(LogMessageNotification.type, (params) => {
    const match = /^analysed \S+ v(\d+) in ([\d.]+) ms/.exec(params.message);
    if (match) analysedMs.set(Number(match[1]), Number(match[2]));
  });

  // Memory: after initialize (parser loaded on a first tiny file), then with the examples open.
  server.open('file:///bench/warm.py', 'import torch\nx = torch.randn(4)\n');
  await server.waitForDiagnostics('file:///bench/warm.py', 1);
  const baseline = residentMb(pid);
  const examples = ['examples/gpt_block.py', 'examples/triton_kernels.py', ...['gpt_full.py', 'llama_block.py', 'vit.py'].map((f) => `test/fixtures/models/${f}`)];
  for (const example of examples) {
    const uri = `file://${path.join(ROOT, example)}`;
    server.open(uri, readFileSync(path.join(ROOT, example), 'utf8'));
    await server.waitForDiagnostics(uri, 1, 60_000);
  }
  const withExamples = residentMb(pid);
  console.log(`server memory: ${baseline.rss.toFixed(0)} MB RSS after start; ${withExamples.rss.toFixed(0)} MB with ${examples.length} files open (${examples.join(', ')}); peak ${withExamples.peak.toFixed(0)} MB`);

  // Latency on a 2,000-line file.
  const uri = 'file:///bench/model2000.py';
  const lines = generateFile(2000).split('\n');
  server.open(uri, lines.join('\n'));
  await server.waitForDiagnostics(uri, 1, 60_000);
  const latencies: number[] = [];
  const hovers: number[] = [];
  for (let version = 2; version < keystrokes + 2; version++) {
    const line = (version * 7919) % lines.length;
    const sent = performance.now();
    server.insert(uri, version, line, (lines[line] as string).length, ' ');
    lines[line] = `${lines[line]} `;
    await server.waitForDiagnostics(uri, version, 60_000);
    latencies.push(performance.now() - sent);
    // The next keystroke no sooner than TYPING_INTERVAL_MS after this one, as a quick typist's.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sent + TYPING_INTERVAL_MS - performance.now())));
    const hoverSent = performance.now();
    await server.hover('file:///bench/warm.py', 1, 4);
    hovers.push(performance.now() - hoverSent);
  }
  const analyses = [...analysedMs].filter(([version]) => version >= 2).map(([, ms]) => ms);
  const format = (values: readonly number[]) => `p50 ${percentile(values, 0.5).toFixed(0)} ms, p95 ${percentile(values, 0.95).toFixed(0)} ms`;
  console.log(`${lines.length}-line file, ${keystrokes} keystrokes: keystroke → diagnostics ${format(latencies)}`);
  // The first keystrokes after the file opened run the re-analysis path (root reuse) before V8 has optimised it.
  console.log(`  the first ${FIRST} keystrokes: ${latencies.slice(0, FIRST).map((ms) => ms.toFixed(0)).join(', ')} ms; the ${latencies.length - FIRST} after them: ${format(latencies.slice(FIRST))}`);
  console.log(`  reference, same run: server analysis ${format(analyses)}; hover round trip ${format(hovers)}`);
  console.log(`  latency / analysis at p50: ${(percentile(latencies, 0.5) / percentile(analyses, 0.5)).toFixed(2)}×`);
  const after = residentMb(pid);
  console.log(`server memory after the keystrokes: ${after.rss.toFixed(0)} MB RSS, peak ${after.peak.toFixed(0)} MB`);
  await server.shutdown();
}

if (require.main === module) void main();

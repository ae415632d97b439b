// Benchmark: `memwall analyze` on one model file against tracing the same model with PyTorch and counting its FLOPs
// (test/oracle/trace.py, Debian's python3-torch), cold (a fresh process each run) and warm (in one process), as ratios.
// Warm is measured twice: analyze() on the text alone, and the CLI's whole path for one file once the process is warm
// (read the file, its imports and pyproject.toml, analyse, write JSON), the fairer match for PyTorch's warm figure,
// whose trace also loads the file and builds the model each time. Wall and CPU time both: CPU is steadier under load.
// Run: `npm run build && node --import tsx bench/cli.ts [model=test/fixtures/models/gpt_full.py] [coldRuns=5]`.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { analyze } from '../src/core/analyze';
import { testParser } from '../test/helpers/parser';
import { FORMATTERS } from '../src/cli/format';
import { runAnalyze } from '../src/cli/run-analyze';

const ROOT = path.join(__dirname, '..');
const PYTHON = '/usr/bin/python3';
const TRACE = path.join(ROOT, 'test', 'oracle', 'trace.py');
const CLI = path.join(ROOT, 'dist', 'cli.js');

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Wall time and CPU time (user + system, from /usr/bin/time) of one command: on a loaded machine CPU time is steadier. */
function timed(command: string, args: readonly string[]): { wall: number; cpu: number } {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', command, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const wall = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr.slice(0, 500)}`);
  const [, user, system] = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(result.stderr) ?? [];
  return { wall, cpu: (Number(user) + Number(system)) * 1000 };
}

/**
 * Imports torch and the oracle once, then traces the model `runs` times and prints each run's wall and CPU
 * milliseconds (all threads) as JSON.
 */
const WARM_PYTHON = `
import importlib.util, json, sys, time
spec = importlib.util.spec_from_file_location("oracle_trace", sys.argv[1])
oracle = importlib.util.module_from_spec(spec); spec.loader.exec_module(oracle)
times = []
for _ in range(int(sys.argv[3])):
    start, cpu = time.perf_counter(), time.process_time()
    oracle.trace(sys.argv[2])
    times.append({"wall": (time.perf_counter() - start) * 1000, "cpu": (time.process_time() - cpu) * 1000})
print(json.dumps(times))
`;

/**
 * Wall and CPU milliseconds (all threads: the JIT and the GC work in the background) of `runs` calls, after 20
 * unmeasured ones: the steady state of a process that has been running a while (the language server), which V8 reaches
 * only after its optimising compilers have seen the analysis many times (3 runs left it at ~2.5× the steady time).
 */
async function warmRuns(work: () => unknown, runs = 20): Promise<{ wall: number; cpu: number }> {
  for (let run = 0; run < 20; run++) await work();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const usage = process.cpuUsage();
    await work();
    const used = process.cpuUsage(usage);
    wall.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function main(): Promise<void> {
  const model = process.argv[2] ?? 'test/fixtures/models/gpt_full.py';
  const coldRuns = Number(process.argv[3] ?? 5);
  console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (shared machine: quote ratios); model ${model}`);

  // Cold: alternate the two commands so that load changes hit both alike.
  const memwallCold: { wall: number; cpu: number }[] = [];
  const torchCold: { wall: number; cpu: number }[] = [];
  for (let run = 0; run < coldRuns; run++) {
    memwallCold.push(timed(process.execPath, [CLI, 'analyze', model, '--format', 'json']));
    torchCold.push(timed(PYTHON, [TRACE, model]));
  }
  for (const measure of ['wall', 'cpu'] as const) {
    const memwallMs = median(memwallCold.map((r) => r[measure]));
    const torchMs = median(torchCold.map((r) => r[measure]));
    console.log(`cold ${measure} time (fresh process, medians of ${coldRuns}): memwall analyze ${memwallMs.toFixed(0)} ms; PyTorch trace + FLOPs ${torchMs.toFixed(0)} ms: MemWall ${(torchMs / memwallMs).toFixed(1)}× faster (target ≥ 5×)`);
  }
  const nodeStart = median(Array.from({ length: coldRuns }, () => timed(process.execPath, ['-e', '0']).cpu));
  const pythonStart = median(Array.from({ length: coldRuns }, () => timed(PYTHON, ['-c', 'import torch']).cpu));
  console.log(`  floors, CPU time, same run: node -e 0 ${nodeStart.toFixed(0)} ms; python3 -c "import torch" ${pythonStart.toFixed(0)} ms`);

  // Warm: parser loaded / torch imported; the model analysed or traced again in the same process.
  const parser = await testParser();
  const { readFileSync } = await import('node:fs');
  const text = readFileSync(path.join(ROOT, model), 'utf8');
  const memwallWarm = await warmRuns(() => analyze(text, { parser }));
  // The CLI's own path for one file: what each file after the first costs `memwall analyze folder/`.
  const cliWarm = await warmRuns(async () => FORMATTERS.json(await runAnalyze({ paths: [model] }, parser, ROOT)));
  const warm = spawnSync(PYTHON, ['-c', WARM_PYTHON, TRACE, path.join(ROOT, model), '6'], { cwd: ROOT, encoding: 'utf8' });
  if (warm.status !== 0) throw new Error(`warm trace failed: ${warm.stderr.slice(0, 500)}`);
  // The first trace in the process pays for lazy imports inside torch.fx; it is left out.
  const torchRuns = (JSON.parse(warm.stdout.trim().split('\n').pop() as string) as { wall: number; cpu: number }[]).slice(1);
  for (const measure of ['wall', 'cpu'] as const) {
    const torchMs = median(torchRuns.map((r) => r[measure]));
    for (const [label, ms] of [['analyze() on the text', memwallWarm[measure]], ['CLI path: read the file, its imports and pyproject.toml, analyse, JSON', cliWarm[measure]]] as const) {
      console.log(`warm ${measure} time (same process, medians; ${label}): memwall ${ms.toFixed(1)} ms; PyTorch trace + FLOPs ${torchMs.toFixed(0)} ms: MemWall ${(torchMs / ms).toFixed(1)}× faster (target ≥ 50×)`);
    }
  }
}

if (require.main === module) void main();

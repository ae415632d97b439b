// Benchmark: MemWall's static conv + matmul + attention FLOPs for torchvision's classification builders, read unmodified
// from the installed package, against what PyTorch dispatches for the same model and input (test/realcode/
// torchvision-oracle.py, Debian's python3-torch and python3-torchvision), and the share of each model's non-view ops
// priced with no --input. Issue 13's bar: within 2% of the oracle, and at least 95% priced, for every builder.
// Run: `npm run build && node --import tsx bench/torchvision.ts [builder...]` (the oracle's result is cached in
// .cache/torchvision-oracle/; the first run takes about a minute and a half on two cores).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { JsonFile, JsonOp, JsonReport } from '../src/cli/format/json';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
export const PYTHON = '/usr/bin/python3';
export const ORACLE = path.join(ROOT, 'test', 'realcode', 'torchvision-oracle.py');

/** Issue 13's tolerances: static FLOPs within 2% of the oracle's, and 95% of the non-view ops priced without --input. */
export const FLOP_TOLERANCE = 0.02;
export const PRICED_SHARE = 0.95;

/** The op categories whose FLOPs the oracle counts: the GEMMs and convolutions PyTorch dispatches. */
const COUNTED_CATEGORIES = new Set(['conv', 'matmul', 'attention']);

export interface OracleCounts {
  readonly conv_flops: number;
  readonly matmul_flops: number;
  readonly total: number;
  readonly ops: Readonly<Record<string, number>>;
}

export interface OracleBuilder extends OracleCounts {
  readonly input: readonly number[];
  readonly mode: string;
  readonly eval: OracleCounts;
  readonly file: string;
  readonly docs_gmacs: number | null;
  readonly docs_agree: boolean;
  readonly seconds: number;
}

export interface OracleReport {
  readonly torch: string;
  readonly torchvision: string;
  readonly builders: Readonly<Record<string, OracleBuilder>>;
}

/** Whether /usr/bin/python3 has torch and torchvision: the oracle needs both. */
export function torchvisionAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' }).status === 0;
}

/** The oracle's counts for every builder (from its cache when the versions and the script are unchanged). */
export function runOracle(): OracleReport {
  const run = spawnSync(PYTHON, [ORACLE], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`torchvision-oracle.py exited ${run.status}:\n${run.stderr.slice(-2000)}`);
  return JSON.parse(run.stdout) as OracleReport;
}

/** What one run of the CLI says of one builder's file. */
export interface StaticFigures {
  /** Conv + matmul + attention FLOPs × repeat, over the ops that run (not a fallback path). */
  readonly flops: number;
  /** Such ops left unpriced: their FLOPs are missing from `flops`. */
  readonly unpricedCounted: number;
  /** Convolutions × repeat, beside the oracle's count of dispatched convolutions. */
  readonly convolutions: number;
  readonly nonView: number;
  readonly priced: number;
  /** Set when the CLI could not run as asked: the reason, for the table. */
  readonly failure: string | null;
}

function isPriced(op: JsonOp): boolean {
  return op.flops !== null && op.bytes !== null;
}

/** Sums one CLI report the way the oracle counts: the ops that run, each executed `repeat` times. */
export function figuresOf(file: JsonFile): StaticFigures {
  const running = file.ops.filter((op) => op.fusedBy !== 'fallback');
  const counted = running.filter((op) => COUNTED_CATEGORIES.has(op.category));
  const nonView = file.ops.filter((op) => op.category !== 'view');
  return {
    flops: counted.reduce((sum, op) => sum + (op.flops ?? 0) * op.repeat, 0),
    unpricedCounted: counted.filter((op) => op.flops === null).length,
    convolutions: counted.filter((op) => op.category === 'conv').reduce((sum, op) => sum + op.repeat, 0),
    nonView: nonView.length,
    priced: nonView.filter(isPriced).length,
    failure: null,
  };
}

const EMPTY: Omit<StaticFigures, 'failure'> = { flops: 0, unpricedCounted: 0, convolutions: 0, nonView: 0, priced: 0 };

/** `memwall analyze <file> --format json` with the given flags; a CLI without a flag says so instead of failing. */
export function analyseBuilder(file: string, flags: readonly string[]): StaticFigures {
  const run = spawnSync(process.execPath, [CLI, 'analyze', file, ...flags, '--format', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) {
    const unknown = /Unknown option '(--[\w-]+)'/.exec(run.stderr);
    const failure = unknown ? `the CLI has no ${unknown[1]} yet` : `exit ${run.status}: ${run.stderr.trim().slice(-200)}`;
    return { ...EMPTY, failure };
  }
  const report = (JSON.parse(run.stdout) as JsonReport).files[0];
  return report ? figuresOf(report) : { ...EMPTY, failure: 'no file in the report' };
}

export interface BuilderRow {
  readonly builder: string;
  readonly file: string;
  readonly oracle: OracleBuilder;
  /** With `--entry <builder> --input x=[...]`: the FLOPs to compare. */
  readonly sized: StaticFigures;
  /** With `--entry <builder>` and no --input: the share priced. */
  readonly unsized: StaticFigures;
  /** The CLI has no --entry yet: `unsized` is of the whole file, every root, with no flags. */
  readonly wholeFile: boolean;
  readonly flopError: number | null;
  readonly pricedShare: number | null;
  readonly status: string;
}

/** Runs the CLI twice on one builder's file and says how it stands against the oracle and the bars. */
export function compareBuilder(builder: string, oracle: OracleBuilder): BuilderRow {
  const entry = ['--entry', builder];
  const sized = analyseBuilder(oracle.file, [...entry, '--input', `x=[${oracle.input.join(',')}]`]);
  let unsized = analyseBuilder(oracle.file, entry);
  // Until the CLI has --entry, the share priced is measured on the whole file as a user gets it today.
  const wholeFile = unsized.failure?.startsWith('the CLI has no --entry') ?? false;
  if (wholeFile) unsized = analyseBuilder(oracle.file, []);
  const flopError = sized.failure ? null : (sized.flops - oracle.total) / oracle.total;
  const pricedShare = unsized.failure || unsized.nonView === 0 ? null : unsized.priced / unsized.nonView;
  const problems: string[] = [];
  if (sized.failure) problems.push(sized.failure);
  else if (Math.abs(flopError as number) > FLOP_TOLERANCE) problems.push(`FLOPs off by ${((flopError as number) * 100).toFixed(1)}%`);
  if (!unsized.failure && pricedShare === null) problems.push('no op found');
  else if (!unsized.failure && (pricedShare as number) < PRICED_SHARE) problems.push(`${((pricedShare as number) * 100).toFixed(0)}% priced`);
  if (unsized.failure && unsized.failure !== sized.failure) problems.push(unsized.failure);
  return {
    builder, file: path.basename(oracle.file), oracle, sized, unsized, wholeFile, flopError, pricedShare,
    status: problems.length === 0 ? 'ok' : problems.join('; '),
  };
}

function giga(flops: number): string {
  return (flops / 1e9).toFixed(3);
}

/** The comparison as a Markdown table: one row per builder. */
export function formatRows(rows: readonly BuilderRow[]): string {
  const lines = [
    '| builder | file | oracle GFLOP (train) | eval | torchvision docs ×2 | static GFLOP | error | convs static / oracle | priced, no --input | status |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|---|',
  ];
  for (const row of rows) {
    const { oracle, sized } = row;
    const oracleConvolutions = Object.entries(oracle.ops).filter(([op]) => /conv/.test(op)).reduce((sum, [, count]) => sum + count, 0);
    const docs = oracle.docs_gmacs === null ? '–' : `${(2 * oracle.docs_gmacs).toFixed(3)}${oracle.docs_agree ? '' : ' (differs)'}`;
    const staticFlops = sized.failure ? '–' : `${giga(sized.flops)}${sized.unpricedCounted ? ` (${sized.unpricedCounted} unpriced)` : ''}`;
    const error = row.flopError === null ? '–' : `${(row.flopError * 100).toFixed(1)}%`;
    const convolutions = sized.failure ? `– / ${oracleConvolutions}` : `${sized.convolutions} / ${oracleConvolutions}`;
    const scope = row.wholeFile ? ', whole file' : '';
    const priced = row.pricedShare === null ? '–' : `${(row.pricedShare * 100).toFixed(0)}% (${row.unsized.priced}/${row.unsized.nonView}${scope})`;
    lines.push(`| ${row.builder} | ${row.file} | ${giga(oracle.total)} | ${giga(oracle.eval.total)} | ${docs} | ${staticFlops} | ${error} | ${convolutions} | ${priced} | ${row.status} |`);
  }
  return lines.join('\n');
}

function main(names: readonly string[]): void {
  if (!torchvisionAvailable()) {
    console.error(`${PYTHON} cannot import torch and torchvision: install Debian's python3-torch and python3-torchvision`);
    process.exitCode = 1;
    return;
  }
  const started = performance.now();
  const oracle = runOracle();
  const oracleSeconds = (performance.now() - started) / 1000;
  const builders = Object.keys(oracle.builders).filter((name) => names.length === 0 || names.includes(name));
  const rows = builders.map((name) => compareBuilder(name, oracle.builders[name] as OracleBuilder));
  console.log(`torch ${oracle.torch}, torchvision ${oracle.torchvision}; oracle ${oracleSeconds.toFixed(1)} s ` +
    `(${Object.values(oracle.builders).reduce((sum, entry) => sum + entry.seconds, 0).toFixed(0)} s when not cached)\n`);
  console.log(formatRows(rows));
  const passing = rows.filter((row) => row.status === 'ok').length;
  console.log(`\n${passing} of ${rows.length} builders within ${FLOP_TOLERANCE * 100}% of the oracle with ≥ ${PRICED_SHARE * 100}% of their non-view ops priced.`);
}

if (require.main === module) main(process.argv.slice(2));

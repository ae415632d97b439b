// Benchmark: `memwall analyze --format json` with no flags on each published file of the real-world manifest, as a new
// user would run it: ops found, non-view ops priced, the causes of the rest, and for Triton files each kernel's state.
// The files are fetched into the git-ignored bench/realworld/files/ (see bench/realworld/README.md); absent ones are
// listed and skipped. Each file's figures come from summarise(), one result per file, so that other measures of the
// same result (the expectations score of issue 14) are one more function over it.
// Run: `npm run build && node --import tsx bench/realworld.ts [--manifest <manifest.tsv>] [--json <out.json>] [--score] [name...]`;
// --score prints recall, traps hit and op verdicts against the hand-written bench/realworld/expected/<name>.md.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonFile, JsonFinding, JsonOp, JsonReport } from '../src/cli/format/json';
import { localPath, manifestArgument, readManifest, stateOf, type ManifestEntry } from './realworld/check';
import { readExpectations, scoreFile, type FileScore, type ScoredOp } from './realworld/expectations';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** One cause of unpriced ops: its label, how many ops it left unpriced, and a few of the names it was about. */
export interface CauseCount {
  readonly cause: string;
  readonly count: number;
  readonly examples: readonly string[];
}

/** What the analysis made of one `@triton.jit` kernel of the file (or one it launches from an import). */
export interface KernelState {
  readonly name: string;
  /** 1-based line of its `def` (or of the `triton.jit(...)` call that makes it a kernel); null when imported. */
  readonly definedAt: number | null;
  readonly launchLines: readonly number[];
  /**
   * `per launch`: a launch op with FLOPs and bytes; `at zero`: priced at 0 FLOP and 0 B though it loads or stores;
   * `unpriced`: launch ops, none priced; `no op`: launched in the source but no op in the JSON; `not launched`: no
   * launch in the file (a helper called from kernels). The JSON has no per-program field yet, so `per program`
   * cannot be told apart from `unpriced` here.
   */
  readonly state: 'per launch' | 'at zero' | 'unpriced' | 'no op' | 'not launched';
  readonly flops: number | null;
  readonly bytes: number | null;
  readonly cause: string | null;
}

export interface FileResult {
  readonly entry: ManifestEntry;
  readonly ops: number;
  readonly nonView: number;
  readonly priced: number;
  readonly causes: readonly CauseCount[];
  readonly kernels: readonly KernelState[];
  /** The file's own notes (not attached to an op), as the JSON gives them. */
  readonly fileNotes: readonly string[];
  readonly milliseconds: number;
  /** Set when the CLI failed on the file: its exit status and the end of its error output. */
  readonly failure: string | null;
  /** The findings of the JSON report, and what the expectations score needs of its ops. */
  readonly findings: readonly JsonFinding[];
  readonly scoredOps: readonly ScoredOp[];
}

/**
 * The shapes of the notes that say why an op is unpriced, grouped by cause; the first capture, where there is one,
 * is the name the note is about. The first note of an op that matches no informational pattern is its cause.
 */
const CAUSES: readonly { readonly pattern: RegExp; readonly cause: string }[] = [
  { pattern: /^Shape of `([^`]*)` unknown/, cause: 'input shape unknown' },
  { pattern: /^MemWall does not know `([^`]*)`/, cause: 'op not in the catalog' },
  { pattern: /^(.*?)(?: = .*)? needs sizes MemWall does not know/, cause: 'launch needs sizes it does not know' },
  { pattern: /^call to (\S+) inside the kernel is not understood/, cause: 'kernel calls a function it does not understand' },
  { pattern: /^tl\.dot at line \d+: operand shapes unknown/, cause: 'tl.dot operand shapes unknown' },
  { pattern: /^autotune configs are not a literal list/, cause: 'autotune configs not read' },
  { pattern: /does not come from a pointer argument/, cause: 'kernel address not from a pointer argument' },
];

/** Notes that qualify a price (priced ops carry them too) rather than say why there is none. */
const INFORMATIONAL: readonly RegExp[] = [
  /^masked loads and stores:/,
  /^size of \S+ unknown: its compulsory bytes are the bytes the kernel requests/,
  /is not a compile-time constant: its branch is priced as taken/,
  /has no static trip count: its body is counted once/,
  /is not in MemWall's table: counted as/,
];

const EXAMPLES_PER_CAUSE = 3;
/** Names in the cause column are cut to this many characters: an expression as a name can be a whole line. */
const EXAMPLE_LENGTH = 32;

function isPriced(op: JsonOp): boolean {
  return op.flops !== null && op.bytes !== null;
}

/** The cause of one unpriced op and the name it is about, from its notes; a note of no known shape is its own cause. */
export function causeOf(op: JsonOp): { cause: string; example: string | null } {
  // A call MemWall could not resolve keeps its own figures unknown while the ops after it go on with an assumed shape.
  if (op.assumed) return { cause: 'call not resolved (output shape assumed)', example: op.label };
  const note = op.notes.find((text) => !INFORMATIONAL.some((pattern) => pattern.test(text)));
  if (note === undefined) return { cause: `no note says why (${op.category})`, example: op.label };
  for (const { pattern, cause } of CAUSES) {
    const match = pattern.exec(note);
    if (match) return { cause, example: match[1] ?? null };
  }
  // Unknown shapes of note are grouped by their text with names and line numbers taken out.
  const generic = note.replace(/`[^`]*`/g, '`…`').replace(/\bline \d+/g, 'line …');
  return { cause: generic.length > 90 ? `${generic.slice(0, 89)}…` : generic, example: null };
}

function countCauses(ops: readonly JsonOp[]): CauseCount[] {
  const causes = new Map<string, { count: number; examples: Set<string> }>();
  for (const op of ops) {
    const { cause, example } = causeOf(op);
    const entry = causes.get(cause) ?? { count: 0, examples: new Set<string>() };
    entry.count += 1;
    const shown = example !== null && example.length > EXAMPLE_LENGTH ? `${example.slice(0, EXAMPLE_LENGTH - 1)}…` : example;
    if (shown !== null && entry.examples.size < EXAMPLES_PER_CAUSE) entry.examples.add(shown);
    causes.set(cause, entry);
  }
  return [...causes].map(([cause, { count, examples }]) => ({ cause, count, examples: [...examples] }))
    .sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause));
}

/** Names imported with `from X import a, b as c` (parenthesised lists too): the kernels a file may launch from elsewhere. */
function importedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const [, list] of text.matchAll(/^from\s+\S+\s+import\s+(\([^)]*\)|[^\n]+)/gm)) {
    for (const item of (list ?? '').replace(/[()]/g, '').split(',')) {
      const name = item.trim().split(/\s+as\s+/).pop()?.trim();
      if (name && /^\w+$/.test(name)) names.add(name);
    }
  }
  return names;
}

function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/**
 * The kernels of a Triton file, read from its text (independently of the analyzer, so that a kernel the analyzer
 * misses still shows): functions under a `@triton.jit` decorator, names bound by `name = triton.jit(fn)`, and
 * imported names launched as `name[grid](...)`; with the lines where each is launched.
 */
export function kernelsInSource(text: string): { name: string; definedAt: number | null; launchLines: number[] }[] {
  const kernels = new Map<string, { definedAt: number | null; launchLines: number[] }>();
  for (const match of text.matchAll(/^[ \t]*@triton\.jit\b[^\n]*\n(?:[ \t]*@[^\n]*\n|[ \t]*#[^\n]*\n)*[ \t]*def\s+(\w+)/gm)) {
    const definition = match.index + match[0].lastIndexOf('def');
    kernels.set(match[1] as string, { definedAt: lineAt(text, definition), launchLines: [] });
  }
  for (const match of text.matchAll(/^(\w+)\s*=\s*triton\.jit\(\s*(\w+)/gm)) {
    if (!kernels.has(match[1] as string)) kernels.set(match[1] as string, { definedAt: lineAt(text, match.index), launchLines: [] });
  }
  const imported = importedNames(text);
  // A launch is `name[grid](`, the grid holding at most one level of brackets; comment lines are skipped.
  for (const match of text.matchAll(/(?<![\w.])(\w+)\[(?:[^[\]\n]|\[[^\]\n]*\])*\]\s*\(/g)) {
    const name = match[1] as string;
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    if (text.slice(lineStart, match.index).trimStart().startsWith('#')) continue;
    if (!kernels.has(name) && imported.has(name)) kernels.set(name, { definedAt: null, launchLines: [] });
    kernels.get(name)?.launchLines.push(lineAt(text, match.index));
  }
  return [...kernels].map(([name, kernel]) => ({ name, ...kernel }));
}

/** Each kernel's state from the launch ops the JSON gives for it (ops of category `triton_kernel` labelled with its name). */
function kernelStates(text: string, ops: readonly JsonOp[]): KernelState[] {
  return kernelsInSource(text).map(({ name, definedAt, launchLines }) => {
    const launches = ops.filter((op) => op.category === 'triton_kernel' && (op.label === name || op.op.endsWith(`.${name}`)));
    const priced = launches.find(isPriced);
    const base = { name, definedAt, launchLines };
    if (priced) {
      const zero = priced.flops === 0 && priced.bytes === 0;
      return { ...base, state: zero ? 'at zero' : 'per launch', flops: priced.flops, bytes: priced.bytes, cause: null };
    }
    if (launches.length > 0) return { ...base, state: 'unpriced', flops: null, bytes: null, cause: causeOf(launches[0] as JsonOp).cause };
    return { ...base, state: launchLines.length > 0 ? 'no op' : 'not launched', flops: null, bytes: null, cause: null };
  });
}

/** Runs the CLI on one file as a user would (no flags, or the `--dims` given) and returns its JSON report, or why it failed. */
function analyseWithCli(file: string, dims: string | null = null): { report: JsonFile | null; milliseconds: number; failure: string | null } {
  const started = performance.now();
  const flags = dims === null ? [] : ['--dims', dims];
  const result = spawnSync(process.execPath, [CLI, 'analyze', file, '--format', 'json', ...flags], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const milliseconds = performance.now() - started;
  if (result.status !== 0) return { report: null, milliseconds, failure: `exit ${result.status}: ${result.stderr.trim().slice(-300)}` };
  const report = JSON.parse(result.stdout) as JsonReport;
  return { report: report.files[0] ?? null, milliseconds, failure: null };
}

/** One file's figures: everything the tables print, from one run of the CLI. */
export function summarise(entry: ManifestEntry): FileResult {
  const file = localPath(entry);
  const { report, milliseconds, failure } = analyseWithCli(file);
  const ops = report?.ops ?? [];
  const nonView = ops.filter((op) => op.category !== 'view');
  const unpriced = nonView.filter((op) => !isPriced(op));
  return {
    entry,
    ops: ops.length,
    nonView: nonView.length,
    priced: nonView.length - unpriced.length,
    causes: countCauses(unpriced),
    kernels: entry.kind === 'triton' ? kernelStates(readFileSync(file, 'utf8'), ops) : [],
    fileNotes: (report?.notes ?? []).map((note) => `${note.code}: ${note.message}`),
    milliseconds,
    failure,
    findings: report?.findings ?? [],
    scoredOps: ops.map(scoredOp),
  };
}

function scoredOp(op: JsonOp): ScoredOp {
  return { line: op.line, endLine: op.endLine, label: op.label, bound: op.bound, priced: isPriced(op) };
}

/** Where the hand-written expectations of a file are (bench/realworld/expected/<name>.md). */
export function expectationsPath(entry: ManifestEntry): string {
  return path.join(ROOT, 'bench', 'realworld', 'expected', `${entry.name}.md`);
}

/**
 * A file's result against its expectations, or null when it has none. When the expectations give their sizes, the
 * op verdicts are judged on one more run of the CLI at those sizes (`sizes` says which).
 */
export function scoreOf(result: FileResult): (FileScore & { readonly sizes: string | null }) | null {
  const file = expectationsPath(result.entry);
  if (!existsSync(file)) return null;
  const expected = readExpectations(readFileSync(file, 'utf8'));
  if (expected.sizes === null) return { ...scoreFile(result.findings, result.scoredOps, expected), sizes: null };
  const sized = analyseWithCli(localPath(result.entry), expected.sizes);
  // A run that fails at those sizes prices nothing: its verdicts count as unpriced, and the failure shows as usual.
  const verdictOps = (sized.report?.ops ?? []).map(scoredOp);
  return { ...scoreFile(result.findings, result.scoredOps, expected, verdictOps), sizes: expected.sizes };
}

/** The score table (recall, traps hit, verdicts per file, then the totals) and what each miss and trap hit was. */
function scoreTable(results: readonly FileResult[]): string[] {
  const scored = results.map((result) => ({ result, score: scoreOf(result) })).filter((row): row is { result: FileResult; score: FileScore & { sizes: string | null } } => row.score !== null);
  const lines = ['| file | expected | found | recall | traps hit | verdicts priced | verdicts right |', '|---|---:|---:|---:|---:|---:|---:|'];
  let expected = 0;
  let found = 0;
  let traps = 0;
  let priced = 0;
  let right = 0;
  for (const { result, score } of scored) {
    const total = score.found.length + score.missed.length;
    expected += total;
    found += score.found.length;
    traps += score.trapsHit.length;
    priced += score.verdictsPriced;
    right += score.verdictsRight;
    lines.push(`| ${result.entry.name} | ${total} | ${score.found.length} | ${percent(score.found.length, total)} | ${score.trapsHit.length} | ${score.verdictsPriced} | ${score.verdictsRight} |`);
  }
  lines.push(`| **all ${scored.length}** | ${expected} | ${found} | ${expected === 0 ? '–' : (found / expected).toFixed(2)} | ${traps} | ${priced} | ${right} |`, '');
  const sized = scored.filter(({ score }) => score.sizes !== null);
  if (sized.length) lines.push(`Verdicts at the expectations' sizes: ${sized.map(({ result, score }) => `${result.entry.name} \`--dims ${score.sizes}\``).join(', ')}.`, '');
  for (const { result, score } of scored) {
    for (const miss of score.missed) {
      const lines_ = miss.expected.first === miss.expected.last ? `${miss.expected.first}` : `${miss.expected.first}–${miss.expected.last}`;
      const hints = miss.hints.length ? `; as hints: ${miss.hints.join(', ')}` : '';
      lines.push(`- missed ${result.entry.name} ${miss.expected.codes.join('/')} at ${lines_}: ${miss.ops} ops there, ${miss.priced} priced${hints}`);
    }
    for (const hit of score.trapsHit) {
      lines.push(`- trap hit ${result.entry.name} line ${hit.finding.line} ${hit.finding.code} (${hit.finding.severity}): ${hit.trap.why}`);
    }
    for (const wrong of score.wrongVerdicts) {
      const at = score.sizes === null ? '' : ` (at --dims ${score.sizes})`;
      lines.push(`- verdict ${result.entry.name} line ${wrong.verdict.line} ${wrong.verdict.op}: ${wrong.bound}, expected ${wrong.verdict.bound}${at}`);
    }
  }
  return lines;
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '–' : `${((100 * part) / whole).toFixed(0)}%`;
}

function compact(value: number | null): string {
  if (value === null) return '–';
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const [scale, suffix] = units.find(([size]) => Math.abs(value) >= size) ?? [1, ''];
  return `${(value / scale).toPrecision(3)}${suffix}`;
}

function topCauses(result: FileResult, count: number): string {
  if (result.failure) return `CLI failed: ${result.failure}`;
  // A file with no op at all is the worst case, and says so rather than showing an empty cell.
  if (result.ops === 0) return `no op found; ${result.fileNotes.length ? result.fileNotes.join('; ') : 'no note says why'}`;
  return result.causes.slice(0, count).map(({ cause, count: ops, examples }) =>
    `${ops}× ${cause}${examples.length ? ` (${examples.join(', ')})` : ''}`).join('; ') || '–';
}

/** The per-file table of one kind, in Markdown, with a totals row. */
function fileTable(results: readonly FileResult[]): string[] {
  const lines = ['| file | ops | non-view | priced | % priced | top causes of the unpriced |', '|---|---:|---:|---:|---:|---|'];
  for (const result of results) {
    lines.push(`| ${result.entry.name} | ${result.ops} | ${result.nonView} | ${result.priced} | ${percent(result.priced, result.nonView)} | ${topCauses(result, 3)} |`);
  }
  const sum = (pick: (result: FileResult) => number): number => results.reduce((total, result) => total + pick(result), 0);
  const priced = sum((result) => result.priced);
  const nonView = sum((result) => result.nonView);
  lines.push(`| **all ${results.length}** | ${sum((result) => result.ops)} | ${nonView} | ${priced} | ${percent(priced, nonView)} | |`);
  return lines;
}

function kernelTable(results: readonly FileResult[]): string[] {
  const lines = ['| file | kernel | defined | launched at | state | FLOPs | bytes | cause |', '|---|---|---:|---|---|---:|---:|---|'];
  for (const result of results) {
    for (const kernel of result.kernels) {
      lines.push(`| ${result.entry.name} | ${kernel.name} | ${kernel.definedAt ?? 'imported'} | ${kernel.launchLines.join(', ') || '–'} | ` +
        `${kernel.state} | ${compact(kernel.flops)} | ${compact(kernel.bytes)} | ${kernel.cause ?? ''} |`);
    }
  }
  return lines;
}

/** Causes summed over the files of one kind: what to fix first. */
function causeTable(results: readonly FileResult[]): string[] {
  const totals = new Map<string, number>();
  for (const result of results) for (const { cause, count } of result.causes) totals.set(cause, (totals.get(cause) ?? 0) + count);
  const lines = ['| cause | unpriced ops | files |', '|---|---:|---:|'];
  for (const [cause, count] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    const files = results.filter((result) => result.causes.some((entry) => entry.cause === cause)).length;
    lines.push(`| ${cause} | ${count} | ${files} |`);
  }
  return lines;
}

function main(argv: readonly string[]): void {
  const jsonAt = argv.indexOf('--json');
  const jsonOut = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;
  // The words after --json and --manifest are their values, not names of files to analyse.
  const optionValues = new Set(['--json', '--manifest'].map((option) => argv.indexOf(option)).filter((at) => at >= 0).map((at) => at + 1));
  const named = argv.filter((arg, index) => !arg.startsWith('--') && !optionValues.has(index));
  const entries = readManifest(manifestArgument(argv)).filter((entry) => named.length === 0 || named.includes(entry.name));
  const present = entries.filter((entry) => stateOf(entry) === 'ok');
  const absent = entries.filter((entry) => stateOf(entry) !== 'ok');
  if (absent.length) {
    console.log(`skipped (missing or another sha256; see bench/realworld/README.md): ${absent.map((entry) => entry.name).join(', ')}\n`);
  }
  const results = present.map(summarise);
  const pytorch = results.filter((result) => result.entry.kind === 'pytorch');
  const triton = results.filter((result) => result.entry.kind === 'triton');
  const out: string[] = [];
  if (argv.includes('--score')) {
    // The expectations of bench/realworld/expected/: recall of the reviewed findings, traps hit, op verdicts.
    console.log(['### Expectations score', '', ...scoreTable(results)].join('\n'));
    return;
  }
  if (pytorch.length) out.push('### PyTorch files', '', ...fileTable(pytorch), '', 'Causes over all PyTorch files:', '', ...causeTable(pytorch), '');
  if (triton.length) {
    out.push('### Triton files', '', ...fileTable(triton), '', 'Causes over all Triton files:', '', ...causeTable(triton), '');
    out.push('Kernels (state from the JSON\'s `triton_kernel` ops; the JSON has no per-program pricing field yet):', '', ...kernelTable(triton), '');
  }
  const milliseconds = results.map((result) => result.milliseconds);
  out.push(`${results.length} files analysed with \`node dist/cli.js analyze <file> --format json\`, ` +
    `${Math.round(milliseconds.reduce((a, b) => a + b, 0))} ms in all (the slowest ${Math.round(Math.max(0, ...milliseconds))} ms).`);
  console.log(out.join('\n'));
  if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(results, null, 2)}\n`);
}

if (require.main === module) main(process.argv.slice(2));

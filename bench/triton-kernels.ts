// The proof tables of issue 15: every @triton.jit kernel of the Triton files of the real-world manifest, as
// `memwall analyze --format json` prices it (per launch, or per program when the launch cannot be sized). First one row
// per file (kernels found, kernels priced, launches sized), then one row per kernel and launch site with its grid,
// bytes, FLOPs and bound. Kernels come from the source (bench/realworld.ts's reading), so that a kernel the analyzer
// missed still shows as a row.
// Run: `npm run build && node --import tsx bench/triton-kernels.ts [name...]` (the files in bench/realworld/files/).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JsonOp, JsonReport } from '../src/cli/format/json';
import { kernelsInSource } from './realworld';
import { localPath, manifestArgument, readManifest, stateOf, type ManifestEntry } from './realworld/check';

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

/** `1.07 G`, `590.6 k`: numbers of a table cell. */
function compact(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  for (const [scale, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (Math.abs(value) >= scale) return `${(value / scale).toPrecision(3)} ${suffix}`;
  }
  return String(Math.round(value * 100) / 100);
}

/** A formula cut to fit a cell. */
function cut(text: string, width = 40): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

/** How one kernel of the source stands: a kernel with a body here, a helper the kernels call, or one imported. */
type Role = 'kernel' | 'helper' | 'imported';

interface KernelRow {
  readonly name: string;
  readonly role: Role;
  readonly launchLines: readonly number[];
  /** The costliest op of each launch site (or of the def, for one program nobody launches). */
  readonly sites: readonly JsonOp[];
}

/** A @triton.jit function nobody launches but other code of the file calls (`_compute_pid(...)` inside a kernel). */
function isHelper(text: string, name: string, launchLines: readonly number[]): boolean {
  if (launchLines.length > 0) return false;
  const calls = [...text.matchAll(new RegExp(`(?<![\\w.])${name}\\s*\\(`, 'g'))].filter((match) => {
    const lineStart = text.lastIndexOf('\n', match.index) + 1;
    return !/^\s*def\s/.test(text.slice(lineStart, match.index + match[0].length));
  });
  return calls.length > 0;
}

/** A figure is priced when it is a number or a formula over the sizes left unbound, and not both zero. */
function isPricedOp(op: JsonOp): boolean {
  if (op.flops !== null && op.bytes !== null) return op.flops !== 0 || op.bytes !== 0;
  const kernel = op.kernel;
  return kernel?.pricedPer === 'program' && (kernel.perProgramBytesFormula !== '0' || kernel.perProgramFlopsFormula !== '0');
}

function kernelRows(entry: ManifestEntry): KernelRow[] | string {
  const file = localPath(entry);
  const result = spawnSync(process.execPath, [CLI, 'analyze', file, '--format', 'json'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) return `the CLI failed: ${result.stderr.trim().slice(-120)}`;
  const ops = ((JSON.parse(result.stdout) as JsonReport).files[0]?.ops ?? []).filter((op) => op.category === 'triton_kernel');
  const text = readFileSync(file, 'utf8');
  return kernelsInSource(text).map(({ name, definedAt, launchLines }) => {
    const role: Role = definedAt === null ? 'imported' : isHelper(text, name, launchLines) ? 'helper' : 'kernel';
    // One op per launch site: the costliest launch there (a wrapper called at several sizes).
    const sites = new Map<number, JsonOp>();
    for (const op of ops.filter((o) => o.label === name)) {
      const previous = sites.get(op.line);
      const weight = (o: JsonOp): number => (o.timeUs ?? 0) * o.repeat + (o.flops ?? 0) * 1e-15;
      if (!previous || weight(op) > weight(previous)) sites.set(op.line, op);
    }
    return { name, role, launchLines, sites: [...sites.values()] };
  });
}

function detailRow(file: string, kernel: KernelRow, op: JsonOp | undefined): string {
  const launches = kernel.launchLines.join(', ');
  if (kernel.role === 'helper') return `| ${file} | ${kernel.name} | – | – | helper: inlined in the kernels that call it | – | – | – |`;
  if (kernel.role === 'imported') return `| ${file} | ${kernel.name} | ${launches} | – | imported: its body is in another file | – | – | – |`;
  if (!op) return `| ${file} | ${kernel.name} | ${launches || 'no launch'} | – | **no op** | – | – | – |`;
  const figures = op.kernel;
  const launched = figures?.grid !== null && figures?.grid !== undefined;
  // A kernel launched in the file but priced at its def: the launch sits where the analysis did not go (a backward,
  // a branch on a size the code does not state).
  const site = launched ? `${op.line} (${op.scope})` : `def (line ${op.line})${launches ? `; launch at ${launches} not run by the analysis` : ''}`;
  const numbers = op.flops !== null && op.bytes !== null;
  const bytes = numbers ? compact(op.bytes) : cut(figures?.perProgramBytesFormula ?? '?');
  const flops = numbers ? compact(op.flops) : cut(figures?.perProgramFlopsFormula ?? '?');
  const per = figures?.pricedPer ?? 'launch';
  const unbound = figures?.unbound.length ? ` (bind ${figures.unbound.join(', ')})` : '';
  const how = per === 'program' ? `per program${numbers ? '' : ', formula'}${unbound}` : 'per launch';
  const zero = numbers && op.flops === 0 && op.bytes === 0 ? ' **at zero**' : '';
  return `| ${file} | ${kernel.name} | ${site} | ${figures?.grid ?? '–'} | ${how}${zero} | ${bytes} | ${flops} | ${numbers ? op.bound : '–'} |`;
}

/**
 * One file's counts. Kernels found: the file's @triton.jit kernels (helpers apart) and the imported kernels it
 * launches. Priced: kernels with a body here priced per launch or per program, numbers or formulas, not at zero.
 * Launches sized: the launch sites of the file priced per launch, of all its launch sites of kernels with a body here.
 */
function fileRow(file: string, kernels: readonly KernelRow[]): string {
  const own = kernels.filter((k) => k.role === 'kernel');
  const imported = kernels.filter((k) => k.role === 'imported');
  const helpers = kernels.filter((k) => k.role === 'helper');
  const priced = own.filter((k) => k.sites.some(isPricedOp));
  const launchSites = own.reduce((total, k) => total + k.launchLines.length, 0);
  const sized = own.reduce((total, k) => total + new Set(k.sites.filter((op) => op.kernel?.pricedPer === 'launch' && isPricedOp(op)).map((op) => op.line)).size, 0);
  const notPriced = own.filter((k) => !priced.includes(k)).map((k) => k.name);
  const apart = [
    helpers.length ? `${helpers.length} jit helper${helpers.length > 1 ? 's' : ''}` : '',
    imported.length ? `${imported.length} imported (${imported.map((k) => k.name).join(', ')})` : '',
  ].filter(Boolean).join('; ') || '–';
  return `| ${file} | ${own.length + imported.length} | ${priced.length} of ${own.length} | ${sized} of ${launchSites} | ${notPriced.join(', ') || '–'} | ${apart} |`;
}

function main(argv: readonly string[]): void {
  const named = argv.filter((arg) => !arg.startsWith('--'));
  const entries = readManifest(manifestArgument(argv))
    .filter((entry) => entry.kind === 'triton' && (named.length === 0 || named.includes(entry.name)) && stateOf(entry) === 'ok');
  const files = ['| file | kernels found | kernels priced | launches sized | not priced | apart |', '|---|---:|---:|---:|---|---|'];
  const details = ['| file | kernel | launch site | grid | priced | bytes | FLOPs | bound |', '|---|---|---|---|---|---:|---:|---|'];
  for (const entry of entries) {
    const kernels = kernelRows(entry);
    if (typeof kernels === 'string') {
      files.push(`| ${entry.name} | (${kernels}) | | | | |`);
      continue;
    }
    files.push(fileRow(entry.name, kernels));
    for (const kernel of kernels) {
      if (kernel.sites.length === 0 || kernel.role !== 'kernel') details.push(detailRow(entry.name, kernel, undefined));
      for (const op of kernel.role === 'kernel' ? kernel.sites : []) details.push(detailRow(entry.name, kernel, op));
    }
  }
  console.log([...files, '', ...details].join('\n'));
}

main(process.argv.slice(2));

// Reads `[tool.memwall]` from pyproject.toml text (pure: the host reads the file) into MemWall's external config.
// smol-toml ships a CommonJS build (its `require` export) beside the ESM one, but its types sit in the ESM folder, so
// TypeScript's Node16 resolution reports TS1479 for this CommonJS project; esbuild and tsx load the CJS build.
// @ts-expect-error TS1479 (see above): the types are the same for both builds.
import { parse } from 'smol-toml';
import type { ExternalConfig } from '../analyze';
import type { CustomGpu } from '../cost/hardware';
import type { DType, Severity } from '../ir/types';
import { parseDtype } from '../ir/dtypes';
import { parseEntry, parseInputDeclaration, type EntryDeclaration, type InputDeclaration } from './inputs';

export const PYPROJECT_SOURCE = 'pyproject.toml [tool.memwall]';

/**
 * What `[tool.memwall]` may say:
 * ```toml
 * [tool.memwall]
 * gpu = "a100-80gb-sxm"
 * dtype = "bf16"
 * dims = { B = 16, T = 2048 }
 * severity = { MW201 = "warning", MW301 = "off" }
 * entry = ["resnet50"]                          # or one name: entry = "GPT"
 * inputs = { x = "[1, 3, 224, 224]", idx = "[B, T]:int64" }   # or a list: ["x=[1,3,224,224]"]
 * python = ".venv/bin/python"   # whose installed packages imports are read from (never run)
 * [[tool.memwall.custom-gpus]]
 * id = "my-gpu"
 * base = "h100-sxm"
 * bandwidth = 3.0e12
 * ```
 */
export interface PyprojectConfig {
  /** The dims (and dtype/gpu) as an ExternalConfig labelled with its source, ready for `analyze`'s configs. */
  readonly external?: ExternalConfig;
  readonly gpu?: string;
  readonly dtype?: DType;
  readonly severities?: Readonly<Record<string, Severity | 'off'>>;
  readonly customGpus?: readonly CustomGpu[];
  /** Roots to analyse, as `--entry` names them. */
  readonly entries?: readonly EntryDeclaration[];
  /** Shapes of the entries' inputs, as `--input` gives them. */
  readonly inputs?: readonly InputDeclaration[];
  /** The Python interpreter or environment folder whose installed packages are read, relative to the file's folder. */
  readonly python?: string;
}

const SEVERITIES: ReadonlySet<string> = new Set(['error', 'warning', 'information', 'hint', 'off']);

/** Parses the text; throws an Error with the reason when the TOML is invalid or a value has the wrong type. */
export function readPyprojectConfig(text: string, source = PYPROJECT_SOURCE): PyprojectConfig {
  const document = parse(text) as Record<string, unknown>;
  const tool = asTable(document.tool);
  const table = asTable(tool?.memwall);
  if (!table) return {};

  const dims: Record<string, number> = {};
  const dimsTable = asTable(table.dims);
  if (table.dims !== undefined && !dimsTable) throw new Error('[tool.memwall] dims must be a table of symbol = size');
  for (const [symbol, value] of Object.entries(dimsTable ?? {})) {
    const size = typeof value === 'bigint' ? Number(value) : value;
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
      throw new Error(`[tool.memwall] dims.${symbol} must be a positive integer, not ${JSON.stringify(String(value))}`);
    }
    dims[symbol] = size;
  }

  let dtype: DType | undefined;
  if (table.dtype !== undefined) {
    dtype = typeof table.dtype === 'string' ? parseDtype(table.dtype) : undefined;
    if (!dtype) throw new Error(`[tool.memwall] dtype ${JSON.stringify(String(table.dtype))} is not one of bf16, fp16, fp32, fp8, tf32, fp64`);
  }

  let gpu: string | undefined;
  if (table.gpu !== undefined) {
    if (typeof table.gpu !== 'string') throw new Error('[tool.memwall] gpu must be a string such as "h100-sxm"');
    gpu = table.gpu;
  }

  let python: string | undefined;
  if (table.python !== undefined) {
    if (typeof table.python !== 'string' || !table.python.trim()) throw new Error('[tool.memwall] python must be the path of a Python interpreter or environment, such as ".venv/bin/python"');
    python = table.python.trim();
  }

  const severities: Record<string, Severity | 'off'> = {};
  const severityTable = asTable(table.severity ?? table.severities);
  for (const [code, value] of Object.entries(severityTable ?? {})) {
    if (typeof value !== 'string' || !SEVERITIES.has(value)) {
      throw new Error(`[tool.memwall] severity.${code} must be one of error, warning, information, hint, off`);
    }
    severities[code] = value as Severity | 'off';
  }

  const gpusValue = table['custom-gpus'] ?? table.custom_gpus ?? table.customGpus;
  let customGpus: CustomGpu[] | undefined;
  if (gpusValue !== undefined) {
    if (!Array.isArray(gpusValue)) throw new Error('[tool.memwall] custom-gpus must be an array of tables ([[tool.memwall.custom-gpus]])');
    customGpus = gpusValue.map((entry, i) => {
      const gpuTable = asTable(entry);
      if (!gpuTable || typeof gpuTable.id !== 'string') throw new Error(`[tool.memwall] custom-gpus[${i}] needs an id`);
      return { ...(normalizeNumbers(gpuTable) as unknown as CustomGpu), source: gpuTable.source as string | undefined ?? source };
    });
  }

  const entryValue = table.entry ?? table.entries;
  let entries: EntryDeclaration[] | undefined;
  if (entryValue !== undefined) {
    const names = typeof entryValue === 'string' ? [entryValue] : Array.isArray(entryValue) ? entryValue : undefined;
    if (!names || names.some((name) => typeof name !== 'string')) throw new Error('[tool.memwall] entry must be a name or a list of names such as ["resnet50"]');
    entries = (names as string[]).map((name) => parseEntry(name, `${source} entry`));
  }

  let inputs: InputDeclaration[] | undefined;
  if (table.inputs !== undefined) {
    const inputsTable = asTable(table.inputs);
    const texts = Array.isArray(table.inputs)
      ? table.inputs
      : inputsTable
        ? Object.entries(inputsTable).map(([name, shape]) => (typeof shape === 'string' ? `${name}=${shape.trim()}` : undefined))
        : undefined;
    if (!texts || texts.some((text) => typeof text !== 'string')) {
      throw new Error('[tool.memwall] inputs must be a table such as { x = "[1, 3, 224, 224]" } or a list such as ["x=[1,3,224,224]"]');
    }
    inputs = (texts as string[]).map((text) => parseInputDeclaration(text, `${source} inputs`));
  }

  const external: ExternalConfig | undefined =
    Object.keys(dims).length > 0 || dtype || gpu ? { dims, ...(dtype ? { dtype } : {}), ...(gpu ? { gpu } : {}), source } : undefined;
  return {
    ...(external ? { external } : {}),
    ...(gpu ? { gpu } : {}),
    ...(dtype ? { dtype } : {}),
    ...(Object.keys(severities).length > 0 ? { severities } : {}),
    ...(customGpus ? { customGpus } : {}),
    ...(entries ? { entries } : {}),
    ...(inputs ? { inputs } : {}),
    ...(python ? { python } : {}),
  };
}

function asTable(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) ? (value as Record<string, unknown>) : undefined;
}

/** TOML integers may arrive as bigint; GPU figures are plain numbers. */
function normalizeNumbers(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(normalizeNumbers);
  const table = asTable(value);
  if (table) return Object.fromEntries(Object.entries(table).map(([k, v]) => [k, normalizeNumbers(v)]));
  return value;
}

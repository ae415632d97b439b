// The user's MemWall settings as the server reads them (workspace/configuration): what the user set, checked, with
// nothing filled in, so that a setting equal to its default still outranks [tool.memwall]. The client sends only the
// settings the user set (see client/settings.ts); the editor's own options (inlay hints, file size) get defaults here.
import type { DType, Severity } from '../core/ir/types';
import type { CustomGpu } from '../core/cost/hardware';
import { DEFAULT_MAX_CHARS } from '../core/analyze';
import { parseEntry, parseInputDeclaration, type EntryDeclaration, type InputDeclaration } from '../core/shapes/inputs';
import type { SettingsValues } from '../workspace/configuration';

const ENTRY_SOURCE = 'setting memwall.entry';
const INPUTS_SOURCE = 'setting memwall.inputs';

export type InlayHintMode = 'off' | 'bound' | 'full';

export interface MemwallSettings {
  /** What prices and reads the analysis, as set by the user; a setting left unset is absent. */
  readonly values: SettingsValues;
  readonly inlayHints: InlayHintMode;
  /** Files longer than this many characters are analysed in part, with a note (MW904). */
  readonly maxFileSize: number;
}

export const DEFAULT_SETTINGS: MemwallSettings = {
  values: {},
  inlayHints: 'full',
  maxFileSize: DEFAULT_MAX_CHARS,
};

const DTYPES: readonly DType[] = ['bf16', 'fp16', 'fp32', 'fp8'];
const SEVERITIES: readonly (Severity | 'off')[] = ['error', 'warning', 'information', 'hint', 'off'];
const INLAY_MODES: readonly InlayHintMode[] = ['off', 'bound', 'full'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keeps what is well formed and drops the rest, so a typo in settings.json never stops the analysis. */
export function readSettings(raw: unknown): MemwallSettings {
  if (!isRecord(raw)) return DEFAULT_SETTINGS;
  const values: { -readonly [K in keyof SettingsValues]: SettingsValues[K] } = {};
  if (typeof raw.gpu === 'string' && raw.gpu.trim()) values.gpu = raw.gpu.trim();
  if (DTYPES.includes(raw.dtype as DType)) values.dtype = raw.dtype as DType;
  if (isRecord(raw.dims)) {
    const dims: Record<string, number> = {};
    for (const [symbol, size] of Object.entries(raw.dims)) {
      if (typeof size === 'number' && Number.isInteger(size) && size > 0) dims[symbol] = size;
    }
    values.dims = dims;
  }
  if (isRecord(raw.severity)) {
    const severity: Record<string, Severity | 'off'> = {};
    for (const [code, level] of Object.entries(raw.severity)) {
      if (SEVERITIES.includes(level as Severity)) severity[code] = level as Severity | 'off';
    }
    values.severities = severity;
  }
  if (Array.isArray(raw.customGpus)) values.customGpus = raw.customGpus.filter(isRecord) as unknown as CustomGpu[];
  if (typeof raw.pythonPath === 'string' && raw.pythonPath.trim()) values.python = raw.pythonPath.trim();
  // `memwall.entry`: roots to analyse, as `--entry` names them; `memwall.inputs`: their inputs' shapes, as `--input`.
  const entries = readEntries(raw.entry);
  if (entries.length) values.entries = entries;
  const inputs = readInputs(raw.inputs);
  if (inputs.length) values.inputs = inputs;
  return {
    values,
    inlayHints: INLAY_MODES.includes(raw.inlayHints as InlayHintMode) ? (raw.inlayHints as InlayHintMode) : DEFAULT_SETTINGS.inlayHints,
    maxFileSize: typeof raw.maxFileSize === 'number' && raw.maxFileSize > 0 ? raw.maxFileSize : DEFAULT_SETTINGS.maxFileSize,
  };
}

/** A name or a list of names; a malformed one is left out (VS Code's settings editor flags it by the schema). */
function readEntries(raw: unknown): EntryDeclaration[] {
  const names = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [];
  return names.flatMap((name) => {
    try {
      return typeof name === 'string' && name.trim() ? [parseEntry(name, ENTRY_SOURCE)] : [];
    } catch {
      return [];
    }
  });
}

/** `{ "x": "[1, 3, 224, 224]", "idx": "[B, T]:int64" }`; a malformed shape is left out, as other malformed settings are. */
function readInputs(raw: unknown): InputDeclaration[] {
  if (!isRecord(raw)) return [];
  return Object.entries(raw).flatMap(([name, shape]) => {
    try {
      return typeof shape === 'string' ? [parseInputDeclaration(`${name}=${shape.trim()}`, INPUTS_SOURCE)] : [];
    } catch {
      return [];
    }
  });
}

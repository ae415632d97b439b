// The user's MemWall settings as the server reads them (workspace/configuration), checked and with defaults filled in.
import type { DType, Severity } from '../core/ir/types';
import type { CustomGpu } from '../core/cost/hardware';
import { DEFAULT_MAX_CHARS } from '../core/analyze';
import { parseEntry, parseInputDeclaration, type EntryDeclaration, type InputDeclaration } from '../core/shapes/inputs';

const ENTRY_SOURCE = 'setting memwall.entry';
const INPUTS_SOURCE = 'setting memwall.inputs';

export type InlayHintMode = 'off' | 'bound' | 'full';

export interface MemwallSettings {
  readonly gpu: string;
  readonly dtype: DType;
  readonly dims: Readonly<Record<string, number>>;
  readonly customGpus: readonly CustomGpu[];
  readonly severity: Readonly<Record<string, Severity | 'off'>>;
  readonly inlayHints: InlayHintMode;
  /** Files longer than this many characters are analysed in part, with a note (MW904). */
  readonly maxFileSize: number;
  /** `memwall.entry`: roots to analyse, as `--entry` names them. */
  readonly entries: readonly EntryDeclaration[];
  /** `memwall.inputs`: shapes of the entries' inputs, as `--input` gives them (`{ "x": "[1, 3, 224, 224]" }`). */
  readonly inputs: readonly InputDeclaration[];
}

export const DEFAULT_SETTINGS: MemwallSettings = {
  gpu: 'h100-sxm',
  dtype: 'bf16',
  dims: {},
  customGpus: [],
  severity: {},
  inlayHints: 'full',
  maxFileSize: DEFAULT_MAX_CHARS,
  entries: [],
  inputs: [],
};

const DTYPES: readonly DType[] = ['bf16', 'fp16', 'fp32', 'fp8'];
const SEVERITIES: readonly (Severity | 'off')[] = ['error', 'warning', 'information', 'hint', 'off'];
const INLAY_MODES: readonly InlayHintMode[] = ['off', 'bound', 'full'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keeps what is well formed and drops the rest, so a typo in settings.json never stops the analysis. */
export function readSettings(raw: unknown): MemwallSettings {
  if (!isRecord(raw)) return DEFAULT_SETTINGS;
  const dims: Record<string, number> = {};
  if (isRecord(raw.dims)) {
    for (const [symbol, size] of Object.entries(raw.dims)) {
      if (typeof size === 'number' && Number.isInteger(size) && size > 0) dims[symbol] = size;
    }
  }
  const severity: Record<string, Severity | 'off'> = {};
  if (isRecord(raw.severity)) {
    for (const [code, level] of Object.entries(raw.severity)) {
      if (SEVERITIES.includes(level as Severity)) severity[code] = level as Severity | 'off';
    }
  }
  return {
    gpu: typeof raw.gpu === 'string' && raw.gpu ? raw.gpu : DEFAULT_SETTINGS.gpu,
    dtype: DTYPES.includes(raw.dtype as DType) ? (raw.dtype as DType) : DEFAULT_SETTINGS.dtype,
    dims,
    customGpus: Array.isArray(raw.customGpus) ? (raw.customGpus.filter(isRecord) as unknown as CustomGpu[]) : [],
    severity,
    inlayHints: INLAY_MODES.includes(raw.inlayHints as InlayHintMode) ? (raw.inlayHints as InlayHintMode) : DEFAULT_SETTINGS.inlayHints,
    maxFileSize: typeof raw.maxFileSize === 'number' && raw.maxFileSize > 0 ? raw.maxFileSize : DEFAULT_SETTINGS.maxFileSize,
    entries: readEntries(raw.entry),
    inputs: readInputs(raw.inputs),
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

// Configuration precedence, one place for the CLI and the server: a file's magic comments (applied by the core) over
// the what-if of the roofline panel, over the command line or the editor's settings, over [tool.memwall], over
// defaults found in the code (the core), over MemWall's defaults.
import { DEFAULT_DTYPE, DEFAULT_GPU, type AnalyzeOptions, type ExternalConfig, type ExtractOptions } from '../core/analyze';
import type { CustomGpu } from '../core/cost/hardware';
import type { DType, Severity } from '../core/ir/types';
import type { EntryDeclaration, InputDeclaration } from '../core/shapes/inputs';
import { PYPROJECT_SOURCE, type PyprojectConfig } from '../core/shapes/pyproject';

/** The settings a layer may set. A field left out is unset; a value equal to MemWall's default is set all the same. */
export interface SettingsValues {
  readonly gpu?: string;
  readonly dtype?: DType;
  readonly dims?: Readonly<Record<string, number>>;
  readonly customGpus?: readonly CustomGpu[];
  readonly severities?: Readonly<Record<string, Severity | 'off'>>;
  /** A Python interpreter or environment folder whose installed packages imports are read from. */
  readonly python?: string;
  /** Roots to analyse (`--entry`, `memwall.entry`, `[tool.memwall] entry`): the highest layer that names some wins. */
  readonly entries?: readonly EntryDeclaration[];
  /** Shapes of the roots' inputs (`--input`, `memwall.inputs`, `[tool.memwall] inputs`), merged by name. */
  readonly inputs?: readonly InputDeclaration[];
}

export type SettingName = keyof SettingsValues;

/** One source of settings: its values and how each is named to the user (`--gpu`, `setting memwall.dims`). */
export interface SettingsLayer {
  readonly values: SettingsValues;
  /** Sizes the user gave for this very run (the command line's `--dims`): one that no op uses is a mistake to report. */
  readonly strictDims?: boolean;
  readonly describe: (setting: SettingName) => string;
  /** The folder a relative `python` is taken from (the working folder, the pyproject.toml's folder). */
  readonly folder?: string;
}

/** Where a value came from, for messages and the analysis's sources. */
export interface Chosen<T> {
  readonly value: T;
  /** `--gpu`, `setting memwall.gpu`, `pyproject.toml [tool.memwall] gpu`, or `default`. */
  readonly source: string;
  readonly folder?: string;
}

/** Everything an analysis is priced and read with, after precedence. */
export interface Configuration {
  readonly gpu: Chosen<string>;
  readonly dtype: Chosen<DType>;
  /** Dims of every layer that sets some, highest first (the core's resolveBindings takes them in this order). */
  readonly configs: readonly ExternalConfig[];
  /** Custom GPUs of every layer; on the same id the higher layer wins (resolveHardware takes the last). */
  readonly customGpus: readonly CustomGpu[];
  readonly severities: Readonly<Record<string, Severity | 'off'>>;
  readonly python?: Chosen<string>;
  readonly entries: readonly EntryDeclaration[];
  /** Inputs of every layer, by name: the highest layer's shape of a name wins. */
  readonly inputs: readonly InputDeclaration[];
  /** Symbols some layer gives a size: config fields of those names that default to None or -1 take them. */
  readonly boundSymbols: readonly string[];
}

const CLI_NAMES: Readonly<Record<SettingName, string>> = {
  gpu: '--gpu', dtype: '--dtype', dims: '--dims', customGpus: 'custom GPUs', severities: 'severities', python: '--python', entries: '--entry', inputs: '--input',
};
const SETTING_NAMES: Readonly<Record<SettingName, string>> = {
  gpu: 'setting memwall.gpu', dtype: 'setting memwall.dtype', dims: 'setting memwall.dims', customGpus: 'setting memwall.customGpus',
  severities: 'setting memwall.severity', python: 'setting memwall.pythonPath', entries: 'setting memwall.entry', inputs: 'setting memwall.inputs',
};

/** The command line's flags as a layer; relative paths are the working folder's; its --dims must apply somewhere. */
export function commandLineLayer(values: SettingsValues, cwd: string): SettingsLayer {
  return { values, describe: (setting) => CLI_NAMES[setting], folder: cwd, strictDims: true };
}

/** The editor's settings as a layer: only those the user set (the client sends no defaults). */
export function editorLayer(values: SettingsValues, folder?: string): SettingsLayer {
  return { values, describe: (setting) => SETTING_NAMES[setting], ...(folder ? { folder } : {}) };
}

/** The roofline panel's what-if: sizes, GPU and dtype the user is trying out on this very file. */
export function whatIfLayer(values: Pick<SettingsValues, 'gpu' | 'dtype' | 'dims'>): SettingsLayer {
  return { values, describe: (setting) => (setting === 'dims' ? 'what-if (roofline panel)' : `what-if ${setting} (roofline panel)`) };
}

/** How [tool.memwall] spells each setting. */
const PYPROJECT_KEYS: Readonly<Record<SettingName, string>> = {
  gpu: 'gpu', dtype: 'dtype', dims: 'dims', customGpus: 'custom-gpus', severities: 'severity', python: 'python', entries: 'entry', inputs: 'inputs',
};

/** `[tool.memwall]` of a pyproject.toml as a layer; `shownPath` names the file in messages. */
export function pyprojectLayer(config: PyprojectConfig, folder: string, shownPath = 'pyproject.toml'): SettingsLayer {
  return {
    values: {
      ...(config.gpu !== undefined ? { gpu: config.gpu } : {}),
      ...(config.dtype !== undefined ? { dtype: config.dtype } : {}),
      ...(config.external?.dims && Object.keys(config.external.dims).length ? { dims: config.external.dims } : {}),
      ...(config.customGpus ? { customGpus: config.customGpus } : {}),
      ...(config.severities ? { severities: config.severities } : {}),
      ...(config.python !== undefined ? { python: config.python } : {}),
      ...(config.entries?.length ? { entries: config.entries } : {}),
      ...(config.inputs?.length ? { inputs: config.inputs } : {}),
    },
    // Dims keep the label the core has always shown for them (`D=4096 from pyproject.toml [tool.memwall]`).
    describe: (setting) => (setting === 'dims' ? PYPROJECT_SOURCE : `${shownPath} [tool.memwall] ${PYPROJECT_KEYS[setting]}`),
    folder,
  };
}

function first<K extends 'gpu' | 'dtype' | 'python'>(layers: readonly SettingsLayer[], setting: K): Chosen<NonNullable<SettingsValues[K]>> | undefined {
  for (const layer of layers) {
    const value = layer.values[setting];
    if (value !== undefined) return { value: value as NonNullable<SettingsValues[K]>, source: layer.describe(setting), ...(layer.folder ? { folder: layer.folder } : {}) };
  }
  return undefined;
}

/** Applies precedence to layers given highest first. */
export function resolveConfiguration(layers: readonly SettingsLayer[]): Configuration {
  const python = first(layers, 'python');
  return {
    gpu: first(layers, 'gpu') ?? { value: DEFAULT_GPU, source: 'default' },
    dtype: first(layers, 'dtype') ?? { value: DEFAULT_DTYPE, source: 'default' },
    configs: layers.flatMap((layer) =>
      layer.values.dims && Object.keys(layer.values.dims).length ? [{ dims: layer.values.dims, source: layer.describe('dims'), ...(layer.strictDims ? { strict: true } : {}) }] : [],
    ),
    customGpus: [...layers].reverse().flatMap((layer) => layer.values.customGpus ?? []),
    severities: Object.assign({}, ...[...layers].reverse().map((layer) => layer.values.severities ?? {})) as Record<string, Severity | 'off'>,
    ...(python ? { python } : {}),
    entries: layers.find((layer) => layer.values.entries?.length)?.values.entries ?? [],
    inputs: layers.flatMap((layer) => layer.values.inputs ?? []).filter((input, index, all) => all.findIndex((other) => other.name === input.name) === index),
    boundSymbols: [...new Set(layers.flatMap((layer) => Object.keys(layer.values.dims ?? {})))],
  };
}

/** What extract() takes from a configuration: the roots named, their inputs, and the symbols sized from outside. */
export function extractOptions(configuration: Configuration): Pick<ExtractOptions, 'entries' | 'inputs' | 'boundSymbols'> {
  const { entries, inputs, boundSymbols } = configuration;
  return { ...(entries.length ? { entries } : {}), ...(inputs.length ? { inputs } : {}), ...(boundSymbols.length ? { boundSymbols } : {}) };
}

/** What price() takes from a configuration; the file's magic comments still outrank the GPU and dtype here. */
export function pricingOptions(configuration: Configuration): Omit<AnalyzeOptions, 'parser' | 'modules'> {
  return {
    gpu: configuration.gpu.value,
    dtype: configuration.dtype.value,
    configs: configuration.configs,
    customGpus: configuration.customGpus,
    severities: configuration.severities,
  };
}

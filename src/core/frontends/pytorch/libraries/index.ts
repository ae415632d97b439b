// Library layers that run several kernels, described as the Python their forward passes run (at the library's
// defaults), for the interpreter to follow when the library's own source is not in the workspace.
//
// The op catalog prices a layer that is one kernel (flash-attn, apex's fused norms, TransformerEngine's modules). A
// layer that runs several kernels (timm's Mlp: fc1, GELU, fc2; transformers' sdpa_attention_forward: KV-head repeat,
// SDPA, transpose) is written here as a short Python model, so that each of its kernels is an op priced by the catalog
// and the rules see them as they run. Each model says which library modules it stands for; a name a model does not
// define stays a library reference, as before.
import { collectFile, type FileContext } from '../files';
import type { Interpreter } from '../interpreter';
import type { Value } from '../values';
import { CONFIG_MODELS } from './configs';
import { EINOPS_MODEL } from './einops';
import { TIMM_MODEL } from './timm';
import { TRANSFORMERS_MODELS } from './transformers';

/** A Python model of part of a library: the module names it answers for and its text. */
export interface LibraryModel {
  /** A name for the model's file, shown nowhere but in the interpreter's file table. */
  readonly name: string;
  /** Every dotted module name the library exports these names from, including the relative spellings of its own files. */
  readonly modules: readonly string[];
  readonly text: string;
}

const MODELS: readonly LibraryModel[] = [TIMM_MODEL, EINOPS_MODEL, ...TRANSFORMERS_MODELS, ...CONFIG_MODELS];

const BY_MODULE: ReadonlyMap<string, LibraryModel> = new Map(MODELS.flatMap((model) => model.modules.map((module) => [module, model] as const)));

/** The file of a model, parsed and run once per interpreter (its top level only defines names). */
function modelFile(it: Interpreter, model: LibraryModel): FileContext {
  const key = `<memwall library model ${model.name}>`;
  let file = it.openFiles.get(key);
  if (!file) {
    file = collectFile(key, model.text, it.parser.parse(model.text));
    it.openFiles.set(key, file);
    it.runModule(file, false);
  }
  return file;
}

/**
 * Library modules that a config model reads classes from by name (litgpt's Config answers `mlp_class` with
 * `getattr(litgpt.model, self.mlp_class_name)`). Fetched alone, litgpt's model.py is that module: when the workspace
 * does not hold it, a class of that name in the analysed file is the one the library would find.
 */
const ANALYSED_FILE_MODULES: ReadonlySet<string> = new Set(['litgpt.model']);

/** `module.name` from a library model (`timm.layers`, `Mlp`), or undefined when no model defines it. */
export function libraryMember(it: Interpreter, module: string, name: string): Value | undefined {
  const model = BY_MODULE.get(module);
  if (!model) {
    const cls = ANALYSED_FILE_MODULES.has(module) ? it.main.classes.get(name) : undefined;
    return cls ? { kind: 'class', cls } : undefined;
  }
  const file = modelFile(it, model);
  const value = file.globals.get(name);
  if (value) return value;
  const cls = file.classes.get(name);
  if (cls) return { kind: 'class', cls };
  const fn = file.functions.get(name);
  return fn ? { kind: 'function', fn } : undefined;
}

/** Every model, for the tests that parse them. */
export function libraryModels(): readonly LibraryModel[] {
  return MODELS;
}

// The op catalog: qualified op name → entry. One table for every frontend; new ops are data, not code.
// Families live in their own files; a later family overrides an earlier one only where both define a name.
//
// Naming: nn modules `torch.nn.<Class>`, functional `torch.nn.functional.<name>`, functions `torch.<name>`, tensor
// methods `torch.Tensor.<name>` (kept as methods, not normalised to the torch function, so hovers name what was
// written; both names share one entry), Python operators the torch function they dispatch to (`@` → torch.matmul).
// Indexing is `torch.Tensor.__getitem__` (a view) or `torch.Tensor.index` (advanced indexing, a gather that copies);
// a reshape, flatten or einops.rearrange that cannot be a view is emitted as `torch.Tensor.contiguous` (the copy it
// makes) with the reshaped shape. Names outside torch keep their import path (`einops.rearrange`).
import type { OpSpec } from '../opspec';
import { COMPOSITE_OPS } from './attention';
import { CONTRACTION_OPS } from './contraction';
import { CONV_OPS } from './conv';
import { EINOPS_OPS } from './einops';
import { COPY_OPS } from './copy';
import type { CatalogEntry } from './entry';
import { FUSED_LAYER_OPS } from './fused-layers';
import { ATTENTION_BIAS_CONSTRUCTORS, DISTINCTIVE_LIBRARY_FUNCTIONS, FUSED_ATTENTION_OPS } from './fused-attention';
import { INPUT_SHAPES } from './inputs';
import { NORMALIZATION_OPS } from './normalization';
import { PARALLEL_OPS, PARALLEL_STATE } from './parallel';
import { POINTWISE_OPS } from './pointwise';
import { REDUCTION_OPS } from './reduction';
import { TIMM_OPS } from './timm';
import { TRAINING_OPS } from './training';
import { VIEW_OPS } from './view';

export type { CatalogEntry, ModuleSpec } from './entry';
export type { DimRole, InputShape, InputTemplate } from './inputs';

const FAMILIES: readonly Readonly<Record<string, CatalogEntry>>[] = [
  CONTRACTION_OPS,
  POINTWISE_OPS,
  NORMALIZATION_OPS,
  REDUCTION_OPS,
  VIEW_OPS,
  COPY_OPS,
  CONV_OPS,
  COMPOSITE_OPS,
  EINOPS_OPS,
  FUSED_ATTENTION_OPS,
  PARALLEL_OPS,
  FUSED_LAYER_OPS,
  TIMM_OPS,
  TRAINING_OPS,
];

/** Library functions that are a torch op under another name: they share its entry. */
const ALIASES: Readonly<Record<string, string>> = {
  // xformers' unbind returns torch.unbind's views (it only saves a copy in the backward).
  'xformers.ops.unbind': 'torch.unbind',
};

function buildCatalog(): Map<string, CatalogEntry> {
  const catalog = new Map<string, CatalogEntry>();
  for (const family of FAMILIES) for (const [name, entry] of Object.entries(family)) catalog.set(name, entry);
  // Input templates are kept in one table of their own: one layer's template is the same whichever family prices it.
  for (const [name, inputShape] of Object.entries(INPUT_SHAPES)) {
    const entry = catalog.get(name);
    if (entry) catalog.set(name, { ...entry, inputShape });
  }
  for (const [alias, name] of Object.entries(ALIASES)) {
    const entry = catalog.get(name);
    if (entry) catalog.set(alias, entry);
  }
  return catalog;
}

const CATALOG: ReadonlyMap<string, CatalogEntry> = buildCatalog();

/** The spec for a qualified op name (`torch.nn.functional.gelu`), or undefined for an op MemWall does not know. */
export function lookupOp(op: string): OpSpec | undefined {
  return CATALOG.get(op);
}

/** The full entry, with the call signature and nn-module constructor the frontends need. */
export function lookupEntry(op: string): CatalogEntry | undefined {
  return CATALOG.get(op);
}

export function catalogSize(): number {
  return CATALOG.size;
}

export function catalogNames(): string[] {
  return [...CATALOG.keys()];
}

/**
 * The catalog name a library reference stands for when only its last name is distinctive (a project's own wrapper of
 * flash-attn that MemWall cannot read), or undefined.
 */
export function distinctiveLibraryFunction(qualified: string): string | undefined {
  const name = qualified.slice(qualified.lastIndexOf('.') + 1);
  const target = Object.hasOwn(DISTINCTIVE_LIBRARY_FUNCTIONS, name) ? DISTINCTIVE_LIBRARY_FUNCTIONS[name] : undefined;
  return target !== undefined && target !== qualified && CATALOG.has(target) ? target : undefined;
}

/**
 * What calling a library function that only answers a constant gives: xformers' LowerTriangularMask() as the attribute
 * the attention entry reads, and the tensor-parallel world size and rank as 1 and 0, the assumption the parallel
 * layers are priced under (parallel.ts).
 */
export function libraryConstant(qualified: string): string | number | undefined {
  if (Object.hasOwn(ATTENTION_BIAS_CONSTRUCTORS, qualified)) return ATTENTION_BIAS_CONSTRUCTORS[qualified];
  return Object.hasOwn(PARALLEL_STATE, qualified) ? PARALLEL_STATE[qualified] : undefined;
}

/**
 * Libraries the frontends know by name rather than by their source: those of the catalog (`torch`, `torch.nn`,
 * `einops`), Triton (its own frontend) and numpy (host-side sizes, read as numbers). A host never hands their source
 * to the analysis: `torch.nn.Linear` read from torch's own files would be a Python class, not the catalog's GEMM.
 */
const LIBRARIES_BY_NAME: ReadonlySet<string> = new Set([...CATALOG.keys()].map((name) => name.slice(0, name.lastIndexOf('.'))).filter(Boolean).concat(['triton', 'numpy']));

/** Whether a module (`torch.nn.modules.linear`, `einops`) belongs to a library the frontends know by name. */
export function isKnownByName(module: string): boolean {
  for (let end = module.length; end > 0; end = module.lastIndexOf('.', end - 1)) {
    if (LIBRARIES_BY_NAME.has(module.slice(0, end))) return true;
  }
  return false;
}

// What a catalog entry adds to OpSpec for the frontends (call signature, nn-module constructor), and entry builders.
import type { Dim } from '../dims';
import type { ByteCount, CostContext, InferContext, OpSpec } from '../opspec';
import type { AttrValue, Category, DType } from '../types';
import { compulsoryBytes, elements } from './helpers';
import type { InputShape } from './inputs';

/**
 * An nn.Module type: its constructor's parameter names (bound from the call, kept as attributes) and the
 * parameters/buffers it creates. Parameters are op inputs so that weight bytes count.
 */
export interface ModuleSpec {
  readonly init: readonly string[];
  /** forward's parameters after self; default `input`. */
  readonly forward?: readonly string[];
  /** The weights the constructor creates, in the order they follow the forward inputs. */
  readonly params?: (args: Readonly<Record<string, AttrValue>>) => readonly ModuleParam[];
  /** Constructor defaults that formulas need when the call leaves them out (`bias: true`). */
  readonly defaults?: Readonly<Record<string, AttrValue>>;
  /** How the layer treats the parameter named `bias`, when not simply as one more input of its op. */
  readonly bias?: BiasHandling;
}

/**
 * Library linears that do not add their bias inside the GEMM. `separate`: an add of its own after the op (Megatron's
 * parallel linears, fairscale's RowParallelLinear). `skip`: a constructor argument that, when true, leaves the bias
 * out and hands it back for the caller to fuse (Megatron's skip_bias_add, TransformerEngine's return_bias).
 * `tuple`: forward returns `(output, bias or None)` always (Megatron) or only when the bias was skipped (TE).
 */
export interface BiasHandling {
  /** The parameter that is the bias; default `bias`. */
  readonly name?: string;
  readonly separate?: boolean;
  readonly skip?: string;
  readonly tuple?: 'always' | 'when-skipped';
}

export interface ModuleParam {
  readonly name: string;
  readonly shape: readonly Dim[] | null;
  /** A buffer (BatchNorm's running statistics): an input of the op, never given a gradient or updated by an optimizer. */
  readonly buffer?: boolean;
}

/** How an op's output dtype follows from its inputs and attributes. */
export type DtypeRule =
  | 'promote' // the first floating input (weights follow the analysis dtype), else the first input's
  | 'bool'
  | 'int64'
  | 'complex' // view_as_complex: complex128 from fp64 parts, complex64 from any other
  | 'real' // view_as_real: the dtype of a complex input's parts
  | { readonly attr: string; readonly otherwise?: DType } // a dtype attribute (`dtype=`, `.to(torch.bfloat16)`)
  | { readonly fixed: DType }
  | { readonly fromInput: number }; // type_as, where: the dtype of that input

export interface CatalogEntry extends OpSpec {
  /** Python parameter names of the call; `*name` takes the remaining positionals (`x.view(B, T, C)`). */
  readonly signature: readonly string[];
  readonly module?: ModuleSpec;
  readonly dtype?: DtypeRule;
  /** Several outputs (split, topk, max with dim): `infer` returns one shape per output. */
  readonly multiOutput?: boolean;
  /** What the op says about the shape of its first input when that is unknown (inputs.ts INPUT_SHAPES). */
  readonly inputShape?: InputShape;
}

export type Formula = (context: CostContext) => number | null;

/** Output elements times a constant: the FLOP count of a pointwise op. */
export function perElement(count: number): Formula {
  return (context) => {
    const n = elements(context.outputs[0]);
    return n === null ? null : count * n;
  };
}

/** Elements of the first input times a constant: the FLOP count of reductions and normalizations. */
export function perInputElement(count: number): Formula {
  return (context) => {
    const n = elements(context.inputs[0]);
    return n === null ? null : count * n;
  };
}

export const zeroFlops: Formula = () => 0;

export const COMPULSORY_TEXT = 'each input read once, each output written once';

/** A pointwise op: output shape broadcast from the inputs, FLOPs per output element, compulsory bytes. */
export function pointwiseEntry(
  flopsPerElement: number,
  flopsFormula: string,
  signature: readonly string[],
  extra: Partial<CatalogEntry> = {},
): CatalogEntry {
  return {
    category: 'pointwise',
    unit: 'vector',
    signature,
    flops: perElement(flopsPerElement),
    flopsFormula,
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
    ...extra,
  };
}

/** A view: carries a shape, moves no bytes and does no arithmetic. */
export function viewEntry(signature: readonly string[], infer: OpSpec['infer'], extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    category: 'view',
    unit: 'none',
    signature,
    infer,
    flops: zeroFlops,
    flopsFormula: 'none (a view moves no data)',
    bytes: () => ({ read: 0, written: 0 }),
    bytesFormula: 'none (metadata only)',
    ...extra,
  };
}

/** A data-movement op (cat, clone, gather): no arithmetic, compulsory bytes unless `bytes` says otherwise. */
export function copyEntry(signature: readonly string[], infer: OpSpec['infer'], extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    category: 'copy',
    unit: 'vector',
    signature,
    infer,
    flops: zeroFlops,
    flopsFormula: '0 (data movement only)',
    bytes: compulsoryBytes,
    bytesFormula: COMPULSORY_TEXT,
    ...extra,
  };
}

/** Writes only: creation ops read nothing. */
export function writeOnlyBytes(context: CostContext): ByteCount | null {
  const n = elements(context.outputs[0]);
  return n === null ? null : { read: 0, written: n * (context.outputElementBytes[0] ?? 0) };
}

/** Reads only the first `count` inputs (the activations), not index/mask side inputs counted elsewhere. */
export function firstInputsBytes(count: number): (context: CostContext) => ByteCount | null {
  return (context) => {
    const full = compulsoryBytes({ ...context, inputs: context.inputs.slice(0, count), inputElementBytes: context.inputElementBytes.slice(0, count) });
    return full;
  };
}

export function entry(category: Category, unit: OpSpec['unit'], fields: Omit<CatalogEntry, 'category' | 'unit'>): CatalogEntry {
  return { category, unit, ...fields };
}

export type InferFunction = (context: InferContext) => (readonly Dim[] | null)[];

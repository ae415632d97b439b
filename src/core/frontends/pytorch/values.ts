// The abstract values the PyTorch frontend computes with: tensors, sizes, modules, configs and references.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { Dim } from '../../ir/dims';
import type { CatalogEntry } from '../../ir/catalog';
import type { AttrValue, DType, TensorValue } from '../../ir/types';
import type { FileContext } from './files';

export interface ClassInfo {
  readonly name: string;
  readonly node: SyntaxNode;
  readonly file: FileContext;
  /** Base classes as evaluated (user classes or qualified torch names). */
  bases: Value[];
  readonly methods: Map<string, FunctionInfo>;
  /** Class-level `name: type = default` and `name = default` statements (dataclass fields and class constants). */
  readonly fields: Map<string, SyntaxNode | null>;
  readonly isDataclass: boolean;
  compiled: boolean;
  /** `torch.compile(mode=...)`: `max-autotune` decides whether GEMM epilogues fuse; undefined for the default mode. */
  compileMode?: string;
}

export interface FunctionInfo {
  readonly name: string;
  /** `MLP.forward`, `helper`. */
  readonly qualifiedName: string;
  readonly node: SyntaxNode;
  /** The statement the definition is: its `decorated_definition` when it has decorators, else `node`. */
  readonly statement: SyntaxNode;
  readonly file: FileContext;
  readonly owner?: ClassInfo;
  readonly decorators: readonly string[];
  readonly tritonKernel: boolean;
  compiled: boolean;
  /** `torch.compile(mode=...)`: `max-autotune` decides whether GEMM epilogues fuse; undefined for the default mode. */
  compileMode?: string;
}

export interface ModuleInstance {
  readonly cls: ClassInfo;
  readonly attrs: Map<string, Value>;
  compiled: boolean;
  /** `torch.compile(mode=...)`: `max-autotune` decides whether GEMM epilogues fuse; undefined for the default mode. */
  compileMode?: string;
}

export interface LayerInstance {
  /** `torch.nn.Linear`. */
  readonly op: string;
  readonly entry: CatalogEntry | undefined;
  readonly args: Record<string, AttrValue>;
  readonly params: Map<string, TensorValue>;
  /** Where the constructor call is, for labels. */
  readonly label: string;
}

export type Value =
  | { readonly kind: 'tensor'; readonly tensor: TensorValue }
  | { readonly kind: 'dim'; readonly dim: Dim }
  /** A float (or a number of unknown kind); `expr` is its formula over size symbols (`planes * (base_width / 64.0)`). */
  | { readonly kind: 'scalar'; readonly value?: number; readonly expr?: Dim }
  | { readonly kind: 'str'; readonly value: string }
  /** `number`: the comparison as 0 or 1 when code adds it to a size (`div + (mod != 0)`), when known as a formula. */
  | { readonly kind: 'bool'; readonly value?: boolean; readonly flash?: boolean; readonly number?: Dim }
  | { readonly kind: 'none' }
  | { readonly kind: 'dtype'; readonly dtype: DType | 'default' }
  /** A tuple or list; `repeated` stands for `count` copies of one item (a comprehension over range(n_layer)). */
  | { readonly kind: 'list'; readonly items: readonly Value[]; readonly repeated?: { readonly item: Value; readonly count: Dim } }
  | { readonly kind: 'dict'; readonly entries: Map<string, Value>; readonly path?: string }
  | { readonly kind: 'module'; readonly instance: ModuleInstance; readonly path: string }
  | { readonly kind: 'layer'; readonly layer: LayerInstance; readonly path: string }
  /** nn.ModuleList or nn.Sequential; `names` are the layers' names where the code gives them (`OrderedDict`, `add_module`). */
  | { readonly kind: 'modlist'; readonly list: Extract<Value, { kind: 'list' }>; readonly path: string; readonly sequential: boolean; readonly names?: readonly string[] }
  /** A plain object: a config instance or another user class's instance. */
  | { readonly kind: 'object'; readonly cls?: ClassInfo; readonly attrs: Map<string, Value> }
  /** A value the code does not define here (a root's parameter): used as a size it is a symbol, its attributes are symbols. */
  | { readonly kind: 'free'; readonly name: string }
  /** A dotted name outside the file: `torch.nn.functional`, `math.sqrt`, `builtins.range`. */
  | { readonly kind: 'ref'; readonly name: string }
  /** A user function; `closure` holds the enclosing function's variables of a nested `def`. */
  | { readonly kind: 'function'; readonly fn: FunctionInfo; readonly self?: Value; readonly closure?: ReadonlyMap<string, Value> }
  /** `lambda meta: (...)`: its parameters and body, with the variables of the code that made it (read when called). */
  | { readonly kind: 'lambda'; readonly node: SyntaxNode; readonly env: ReadonlyMap<string, Value>; readonly file: FileContext }
  /** `functools.partial(nn.BatchNorm2d, eps=1e-3)`: a callable with some arguments given already. */
  | { readonly kind: 'partial'; readonly callee: Value; readonly positional: readonly Value[]; readonly keywords: ReadonlyMap<string, Value> }
  | { readonly kind: 'class'; readonly cls: ClassInfo }
  /** A bound method of a tensor or layer not called yet: `x.view` in `f = x.view`. */
  | { readonly kind: 'method'; readonly receiver: Value; readonly name: string }
  | { readonly kind: 'usermodule'; readonly file: FileContext }
  | { readonly kind: 'super'; readonly self: Value; readonly cls: ClassInfo }
  /** `range(start, stop, step)`: iterating repeats the body `count` times; item i is start + i·step (0 and 1 if absent). */
  | { readonly kind: 'range'; readonly count: Dim; readonly start?: Dim; readonly step?: Dim }
  /** A @triton.jit kernel with what wraps it: `@triton.autotune` configs, `@triton.heuristics` tables. */
  | { readonly kind: 'triton_kernel'; readonly kernel: TritonKernel }
  /** `kernel[grid]`: calling it launches the kernel (the Triton frontend prices the launch). */
  | { readonly kind: 'triton_launch'; readonly kernel: TritonKernel; readonly grid: Value }
  /** `triton.autotune(...)`, `triton.heuristics(...)`, `triton.jit(...)` before they are applied to a function. */
  | { readonly kind: 'triton_decorator'; readonly wrap: (kernel: TritonKernel) => TritonKernel }
  /** `triton.Config({...}, num_warps=4, num_stages=3)`. */
  | { readonly kind: 'triton_config'; readonly values: ReadonlyMap<string, Value>; readonly numWarps?: Value; readonly numStages?: Value }
  | { readonly kind: 'unknown'; readonly why?: string };

/** A Triton kernel as the host code holds it: the function, then the autotuner and heuristics around it. */
export interface TritonKernel {
  readonly fn: FunctionInfo;
  /** `@triton.autotune(configs=..., key=..., prune_configs_by=...)`. */
  readonly autotune?: { readonly configs: Value; readonly key?: Value; readonly prune?: Value };
  /** `@triton.heuristics({...})` tables, innermost first: each maps a parameter to a function of the arguments. */
  readonly heuristics: readonly Value[];
}

export const NONE: Value = { kind: 'none' };
export const UNKNOWN: Value = { kind: 'unknown' };

export function isTensor(value: Value): value is Extract<Value, { kind: 'tensor' }> {
  return value.kind === 'tensor';
}

export function listOf(items: readonly Value[]): Value {
  return { kind: 'list', items };
}

// Prices one launch of a @triton.jit kernel (or one program of a kernel nobody launches) from its bound arguments.
import { formatDim, num, product, sym, type Dim } from '../../ir/dims';
import { DTYPE_BYTES, type AttrValue, type DType, type OpNode, type TensorValue } from '../../ir/types';
import { add, atFirstIteration, DTYPE_BYTES_SYMBOL, mul, sub, sumDims } from './dimtools';
import { interpretKernel, kernelScalar, type Access, type ElementType, type KernelDefinition, type KernelValue } from './kernel';

/** What the host code passes for one kernel parameter, as the PyTorch interpreter evaluated it. */
export type LaunchArgument =
  | { readonly kind: 'tensor'; readonly tensor: TensorValue }
  /** An integer size (a literal, a symbol, an expression): `n_elements`, `BLOCK_SIZE=1024`. */
  | { readonly kind: 'size'; readonly dim: Dim }
  /** A float (`eps`, `p`), a string, a bool or None: constexpr branches read them. */
  | { readonly kind: 'const'; readonly value: string | boolean | number | null }
  | { readonly kind: 'dtype'; readonly dtype: DType }
  | { readonly kind: 'tuple'; readonly items: readonly LaunchArgument[] }
  /**
   * A host value of unknown type (a parameter nobody passed): a tensor of unknown size where the kernel addresses
   * memory with it, else the size of that name.
   */
  | { readonly kind: 'free'; readonly name: string }
  /** A value the host code does not determine: a pointer parameter gets a tensor of unknown size, a scalar its name. */
  | { readonly kind: 'unknown' };

/** Where the constexprs came from: the first @triton.autotune config, or the launch site and defaults. */
export interface KernelConfiguration {
  readonly label: 'first autotune config' | 'launch-site constexprs';
  /** `BLOCK_SIZE_M 32–128` across the autotune configs, for the description. */
  readonly ranges: readonly string[];
  readonly count: number;
}

export interface KernelLaunch {
  readonly kernel: KernelDefinition;
  /** Every @triton.jit function of the kernel's file, for the helpers it calls. */
  readonly kernels: ReadonlyMap<string, KernelDefinition>;
  /** Each parameter's value after autotune configs, heuristics and defaults. */
  readonly arguments: ReadonlyMap<string, LaunchArgument>;
  /** Programs along each grid axis; undefined for a kernel priced without a launch (one program). */
  readonly grid?: readonly Dim[];
  readonly configuration: KernelConfiguration;
  /** What a name the kernel does not define means in its file (constants, imported functions). */
  readonly globals?: (name: string) => KernelValue | undefined;
  /** `num_warps=` and `num_stages=` of the launch or of the config used. */
  readonly numWarps?: Dim;
  readonly numStages?: Dim;
  readonly notes: readonly string[];
}

/** The op of one launch, without where it sits (the caller adds span, scope, module path and repeat). */
export interface PricedLaunch {
  readonly op: Omit<OpNode, 'id' | 'outputs' | 'span' | 'scope' | 'modulePath' | 'repeat' | 'fusedBy'>;
  readonly outputs: readonly { readonly shape: readonly Dim[] | null; readonly dtype: DType | 'default' | null }[];
  /** The tensor each output was stored into (same order): after the launch it holds the kernel's result. */
  readonly written: readonly (TensorValue | undefined)[];
}

/**
 * Runs the kernel body for this launch and builds its op: FLOPs of all programs, compulsory bytes (each tensor's
 * elements once when its size is known), requested bytes (what every program loads and stores), per-program figures.
 * `placeholder` makes the tensor of a pointer parameter the host code does not give one for.
 */
export function priceKernel(launch: KernelLaunch, placeholder: (parameter: string) => TensorValue): PricedLaunch {
  const { kernel } = launch;
  const kernelArguments = new Map<string, KernelValue>();
  const pointerTypes = new Map<string, ElementType>();
  const tensors = new Map<string, TensorValue>();
  for (const parameter of kernel.parameters) {
    const value = launch.arguments.get(parameter.name);
    if (!value && !kernel.pointerParameters.has(parameter.name)) continue;
    // `weight=None` for an optional tensor: the kernel's `if W is None:` takes the branch without it.
    if (value?.kind === 'const' && value.value === null) {
      kernelArguments.set(parameter.name, { kind: 'const', value: null });
      continue;
    }
    // The host's value decides what a parameter is; the kernel's use of it (reaching an address) only when the host
    // code does not say (an offset added to a pointer reaches the address too).
    const pointer = value?.kind === 'tensor' || (kernel.pointerParameters.has(parameter.name) && (value === undefined || value.kind === 'unknown' || value.kind === 'free'));
    if (pointer) {
      const tensor = value?.kind === 'tensor' ? value.tensor : launch.grid ? placeholder(parameter.name) : undefined;
      if (tensor) tensors.set(parameter.name, tensor);
      pointerTypes.set(parameter.name, tensor?.dtype ?? 'default');
      kernelArguments.set(parameter.name, { kind: 'pointer', base: parameter.name, shape: [], sig: parameter.name });
    } else if (value) {
      kernelArguments.set(parameter.name, toKernelValue(value, parameter.name));
    }
  }
  for (const name of kernel.pointerParameters) if (!pointerTypes.has(name) && !kernelArguments.has(name)) pointerTypes.set(name, 'default');
  const run = interpretKernel(kernel, launch.kernels, { arguments: kernelArguments, pointerTypes, grid: launch.grid, globals: launch.globals });
  // A host-built TMA descriptor is a 128-byte buffer, not the tensor it describes: neither its size nor its dtype is
  // the data's. The kernel's own element type stands, and the tensor's size is unknown.
  for (const pointer of run.hostDescriptors) {
    tensors.delete(pointer);
    pointerTypes.set(pointer, run.loadedPointerTypes.get(pointer) ?? 'default');
  }
  // Element types the kernel itself states (a loaded pointer's cast, a descriptor load's dtype) for what the host left unknown.
  for (const [pointer, type] of run.loadedPointerTypes) if (!pointerTypes.get(pointer) || pointerTypes.get(pointer) === 'default') pointerTypes.set(pointer, type);
  const launched = launch.grid !== undefined;
  const programs = launch.grid ? product(launch.grid) : num(1);

  const elementBytes = (pointer: string): Dim => {
    const dtype = pointerTypes.get(pointer);
    return dtype && dtype !== 'default' ? num(DTYPE_BYTES[dtype]) : sym(DTYPE_BYTES_SYMBOL);
  };
  // Masked-off lanes move no bytes; without a launch the mask's sizes are unknown, so every lane counts.
  const active = (access: Access): Dim => (launched ? mul(access.lanes, access.fraction) : access.lanes);
  const notes = [...launch.notes, ...run.notes];
  if (launched && run.accesses.some((a) => !(a.fraction.kind === 'num' && a.fraction.value === 1))) {
    notes.push('masked loads and stores: bytes count the active lanes only; FLOPs count every lane of each block, as the GPU runs them');
  }

  // The parameters in order, then the tensors reached through tables of pointers (`group_a_ptrs[*]`).
  const pointers = [...new Set([...kernel.parameters.map((p) => p.name), ...run.accesses.map((a) => a.pointer)])]
    .filter((p) => run.accesses.some((a) => a.pointer === p));
  const figures = (kind: 'load' | 'store') => {
    let requested: Dim = num(0);
    let compulsory: Dim = num(0);
    const touched: string[] = [];
    // Per tensor, in `touched` order: what all programs request of it and its compulsory bytes (passes over it).
    const requestedEach: Dim[] = [];
    const compulsoryEach: Dim[] = [];
    // Tensors whose size the host code does not give: their compulsory bytes are what the kernel requests.
    const unsized: string[] = [];
    for (const pointer of pointers) {
      const accesses = run.accesses.filter((a) => a.pointer === pointer && a.kind === kind);
      if (!accesses.length) continue;
      touched.push(pointer);
      const bytes = elementBytes(pointer);
      const requestedHere = mul(mul(sumDims(accesses.map(active)), programs), bytes);
      requested = add(requested, requestedHere);
      requestedEach.push(final(requestedHere));
      const before = compulsory;
      const shape = tensors.get(pointer)?.shape;
      if (shape && shape.every((d) => d.kind !== 'unknown')) {
        compulsory = add(compulsory, mul(product(shape), bytes));
      } else {
        unsized.push(pointer);
        // Without the tensor's size, each distinct address expression is taken to touch distinct bytes once.
        // Programs whose addresses do not depend on a grid axis share the bytes along it (W in a layer norm).
        const distinct = new Map<string, Access>();
        for (const access of accesses) if (!distinct.has(access.signature)) distinct.set(access.signature, access);
        const perAxis = (access: Access): Dim => programAxes(access.signature)
          .reduce<Dim>((acc, axis) => mul(acc, launch.grid?.[axis] ?? num(1)), num(1));
        compulsory = add(compulsory, mul(sumDims([...distinct.values()].map((a) => mul(active(a), perAxis(a)))), bytes));
        if (launched && run.hostDescriptors.has(pointer)) {
          notes.push(`${pointer} is a TMA descriptor built on the host: the tensor it describes is not followed, so its compulsory bytes are the bytes the kernel requests (an upper bound: tiles re-read across programs count each time)`);
        } else if (launched) {
          notes.push(`size of ${pointer} unknown: its compulsory bytes are the bytes the kernel requests`);
        }
      }
      compulsoryEach.push(final(sub(compulsory, before)));
    }
    return { requested: final(requested), compulsory: final(compulsory), touched, requestedEach, compulsoryEach, unsized };
  };
  const reads = figures('load');
  const writes = figures('store');
  // One program as it runs when its tiles are whole: the masks of a row count, the tails of tiled ranges do not.
  const perProgram = (kind: 'load' | 'store'): Dim => final(sumDims(run.accesses.filter((a) => a.kind === kind)
    .map((a) => mul(launched ? mul(a.lanes, a.programFraction) : a.lanes, elementBytes(a.pointer)))));
  const perProgramBytesRead = perProgram('load');
  const perProgramBytesWritten = perProgram('store');
  const perProgramBytes = final(add(perProgramBytesRead, perProgramBytesWritten));
  const perProgramFlops = final(run.flops);

  // Loads of one address expression at several sites re-read the same bytes (a multi-pass kernel).
  const rereads = new Map<string, Dim>();
  const seen = new Set<string>();
  for (const access of run.accesses) {
    if (access.kind !== 'load') continue;
    const key = `${access.pointer}|${access.signature}`;
    if (seen.has(key)) rereads.set(access.pointer, add(rereads.get(access.pointer) ?? num(0), mul(mul(active(access), programs), elementBytes(access.pointer))));
    seen.add(key);
  }

  const attrs: Record<string, AttrValue> = {
    kernel: kernel.name,
    flops: final(mul(perProgramFlops, programs)),
    bytesRead: reads.compulsory,
    bytesWritten: writes.compulsory,
    requestedBytes: final(add(reads.requested, writes.requested)),
    requestedBytesRead: reads.requested,
    requestedBytesWritten: writes.requested,
    programs: final(programs),
    perProgramFlops,
    perProgramBytes,
    perProgramBytesRead,
    perProgramBytesWritten,
    // The tensors read and written, with each one's requested and compulsory bytes (MW408 says how many passes).
    readTensors: reads.touched.join(','),
    unsizedTensors: [...new Set([...reads.unsized, ...writes.unsized])].join(','),
    writeTensors: writes.touched.join(','),
    readRequested: reads.requestedEach,
    readCompulsory: reads.compulsoryEach,
    writeRequested: writes.requestedEach,
    writeCompulsory: writes.compulsoryEach,
    pricedConfig: launch.configuration.label,
    launched,
    reductions: run.reductions,
  };
  if (launch.grid) {
    attrs.grid = `(${launch.grid.map((d) => formatDim(d)).join(', ')})`;
    attrs.gridDims = launch.grid;
  }
  if (launch.numWarps) attrs.numWarps = launch.numWarps;
  if (launch.numStages) attrs.numStages = launch.numStages;
  const blockSizes: string[] = [];
  for (const parameter of kernel.parameters) {
    const value = kernelArguments.get(parameter.name);
    if (parameter.constexpr && value?.kind === 'scalar') {
      attrs[parameter.name] = value.dim;
      const shown = formatDim(value.dim);
      blockSizes.push(shown === parameter.name ? shown : `${parameter.name}=${shown}`);
    }
  }
  // Constexpr flags and strings (`EVEN_N=True`, `ACT="gelu"`): the branches the kernel was priced with.
  const flags = kernel.parameters.flatMap((p) => {
    const value = kernelArguments.get(p.name);
    if (!p.constexpr || value?.kind !== 'const' || value.value === null) return [];
    return [`${p.name}=${typeof value.value === 'string' ? JSON.stringify(value.value) : value.value ? 'True' : 'False'}`];
  });
  if (flags.length) attrs.constexprFlags = flags.join(', ');
  let description = [...blockSizes, ...flags].join(', ');
  if (launch.configuration.label === 'first autotune config') {
    const autotune = `first of ${launch.configuration.count} autotune configs${launch.configuration.ranges.length ? `; range ${launch.configuration.ranges.join(', ')}` : ''}`;
    description += ` (${autotune})`;
    attrs.autotune = autotune;
  }
  attrs.blockSizes = description;
  attrs.constexprs = kernel.parameters.filter((p) => p.constexpr && kernelArguments.get(p.name)?.kind === 'scalar').map((p) => p.name).join(',');
  if (rereads.size) {
    attrs.rereadTensors = [...rereads.keys()].join(', ');
    attrs.rereadBytes = final(sumDims([...rereads.values()]));
  }
  const row = run.accesses.find((a) => a.rows.length > 0)?.rows[0];
  if (row) {
    attrs.rowLength = final(add(row.limit, mul(num(-1), row.start)));
    attrs.rowBlock = row.length;
  }
  const dot = run.dots[0];
  if (dot) {
    attrs.dotM = dot.m;
    attrs.dotN = dot.n;
    attrs.dotK = dot.k;
    attrs.dotCount = run.dots.length;
    const types = dot.operandTypes;
    attrs.dotOperandDtype = types.includes('fp32') ? 'fp32' : types.every((t) => t === 'default') ? 'default' : types.find((t) => t && t !== 'default') ?? 'default';
    attrs.dotInputPrecision = dot.inputPrecision;
    // fp32 operands with input_precision="ieee" run on the FMA units, not the tensor cores.
    attrs.unit = attrs.dotOperandDtype === 'fp32' && dot.inputPrecision === 'ieee' ? 'vector' : 'tensor';
    attrs.usesDot = attrs.unit === 'tensor';
    attrs.dotBlocks = run.dots.map((d) => `${formatDim(d.m)}x${formatDim(d.n)}x${formatDim(d.k)}`).join(', ');
  }

  const inputs: TensorValue[] = [];
  for (const pointer of reads.touched) inputs.push(tensors.get(pointer) ?? placeholder(pointer));
  const outputs = writes.touched.map((pointer) => {
    const tensor = tensors.get(pointer);
    return { shape: tensor?.shape ?? null, dtype: tensor ? tensor.dtype : 'default' as const };
  });
  return {
    op: { op: 'triton.kernel', label: kernel.name, category: 'triton_kernel', inputs, attrs, notes: [...new Set(notes)] },
    outputs,
    written: writes.touched.map((pointer) => tensors.get(pointer)),
  };
}

/** The grid axes an address expression depends on: its signature names `pid0`, `pid1`... */
function programAxes(signature: string): number[] {
  return [...new Set([...signature.matchAll(/pid(\d)/g)].map((m) => Number(m[1])))];
}

/** Program ids and loop variables must not survive into a launch's figures. */
function final(dim: Dim): Dim {
  return atFirstIteration(dim);
}

function toKernelValue(value: LaunchArgument, name: string): KernelValue {
  switch (value.kind) {
    case 'size': return kernelScalar(value.dim);
    case 'const': return typeof value.value === 'number' ? kernelScalar(num(value.value)) : { kind: 'const', value: value.value };
    case 'dtype': return { kind: 'dtype', dtype: value.dtype };
    case 'tuple': return { kind: 'tuple', items: value.items.map((item) => toKernelValue(item, name)) };
    case 'tensor': return { kind: 'pointer', base: name, shape: [], sig: name };
    case 'free': return kernelScalar(sym(value.name));
    default: return kernelScalar(sym(name));
  }
}

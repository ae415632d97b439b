// Emission: one OpNode per tensor op, with inferred shapes and dtypes, and the layouts that decide copies.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { lookupEntry, type CatalogEntry } from '../../../ir/catalog';
import { unknownDim, type Dim } from '../../../ir/dims';
import { isDType } from '../../../ir/dtypes';
import type { AttrValue, DType, HostSync, Span, TensorValue, ValueUse } from '../../../ir/types';
import { normalizeIndex, simplify } from '../../../shapes/infer';
import { permuteLayout, pieceLayout, reshapeLayout, type Layout } from '../layout';
import { field } from '../syntax';
import { UNKNOWN, type Value } from '../values';
import type { Frame } from './frame';
import { ASSUMED_SHAPE_NOTE } from '../../../ir/types';
import { buildsConfiguration, foldElements } from './constants';
import type { Interpreter } from './index';
import { nonzeroForm, trackOnes } from './nonzero';
import { learnFromOp, learnSameShape, learnThroughPattern } from './learning';

/** The dtype of a complex dtype's real and imaginary parts (torch.view_as_real). */
const COMPLEX_PARTS: Readonly<Record<string, DType>> = { complex64: 'fp32', complex128: 'fp64' };

/** Categories whose outputs take the autocast dtype (PyTorch's autocast "lower precision" op list). */
const AUTOCAST_CATEGORIES = new Set(['matmul', 'conv', 'attention']);

export function shapeOf(value: TensorValue): readonly Dim[] | null {
  return value.shape;
}

export function outputDtype(entry: CatalogEntry | undefined, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, frame: Frame, category: string): DType | 'default' | null {
  if (frame.autocast && AUTOCAST_CATEGORIES.has(category)) return frame.autocast;
  const rule = entry?.dtype ?? 'promote';
  if (rule === 'bool') return 'bool';
  if (rule === 'int64') return 'int64';
  if (rule === 'complex') return inputs[0]?.dtype === 'fp64' ? 'complex128' : 'complex64';
  if (rule === 'real') return COMPLEX_PARTS[inputs[0]?.dtype ?? ''] ?? inputs[0]?.dtype ?? null;
  if (typeof rule === 'object' && 'fixed' in rule) return rule.fixed;
  if (typeof rule === 'object' && 'attr' in rule) {
    const value = attrs[rule.attr];
    // `dtype=x.dtype` of a tensor of the analysis dtype names that dtype.
    if (typeof value === 'string' && (isDType(value) || value === 'default')) return value;
    if (rule.otherwise) {
      const floatArgument = Object.values(attrs).some((v) => typeof v === 'number' && !Number.isInteger(v));
      return floatArgument ? 'default' : rule.otherwise;
    }
    if (entry?.category === 'creation') return 'default';
    return promote(inputs);
  }
  if (typeof rule === 'object' && 'fromInput' in rule) return inputs[rule.fromInput]?.dtype ?? promote(inputs);
  // A layer's call and its functional form both hand the weight in second: [input, weight, bias].
  const weight = entry?.module?.params && LAYER_CATEGORIES.has(category) ? inputs[1] : undefined;
  const input = inputs[0];
  const weightRank = weight ? floatRank(weight.dtype) : undefined;
  const inputRank = input ? floatRank(input.dtype) : undefined;
  if (weight && weightRank !== undefined && inputRank !== undefined && inputRank > weightRank) return weight.dtype;
  return promote(inputs);
}

/**
 * A linear or convolution given an input wider than its weights computes in the weights' dtype: PyTorch refuses an
 * fp32 input with bf16 weights unless autocast casts the input down, so an fp32 timestep embedding entering a bf16
 * model's Linear (DiT's t_embedder) comes out in the weights' dtype, never fp32.
 */
const LAYER_CATEGORIES = new Set(['matmul', 'conv']);

/**
 * Floating dtypes by rank in PyTorch's promotion: the higher wins, the first of a tie. 'default' is the analysis dtype
 * (the weights'), a 16-bit one in the analyses this matters to, so it ties with an explicit bf16 or fp16 tensor.
 */
const FLOAT_RANK: Readonly<Record<string, number>> = { fp8: 0, bf16: 1, fp16: 1, default: 1, tf32: 2, fp32: 2, fp64: 3 };

function floatRank(dtype: DType | 'default' | null): number | undefined {
  return dtype === null ? undefined : FLOAT_RANK[dtype];
}

/**
 * The dtype PyTorch's type promotion gives (torch.result_type): a complex input wins; else the widest floating dtype
 * among the inputs that have dims (a zero-dim tensor decides only when no input with dims is floating), bf16 with
 * fp16 giving fp32, as torch.promote_types does; else the first input's. So `q * cos` of a bf16 activation and an
 * fp32 cos table is fp32, as it runs (transformers#24261: GPT-NeoX's attention ran in fp32 for this reason).
 */
export function promote(inputs: readonly TensorValue[]): DType | 'default' | null {
  // One pass, nothing allocated (it runs for every op): the first complex input, and for the floating inputs with dims
  // and for all floating inputs, the widest one and which halves (bit 1 bf16, bit 2 fp16) they hold.
  let complex: TensorValue | undefined;
  let widest128 = false;
  let widestDimensioned: TensorValue | undefined;
  let widestFloating: TensorValue | undefined;
  let halvesDimensioned = 0;
  let halvesFloating = 0;
  for (const input of inputs) {
    const dtype = input.dtype;
    if ((dtype === 'complex64' || dtype === 'complex128') && !complex) complex = input;
    if (dtype === 'complex128' || dtype === 'fp64') widest128 = true;
    const rank = floatRank(dtype);
    if (rank === undefined) continue;
    const half = dtype === 'bf16' ? 1 : dtype === 'fp16' ? 2 : 0;
    if (!widestFloating || rank > (floatRank(widestFloating.dtype) as number)) widestFloating = input;
    halvesFloating |= half;
    if (input.shape !== null && input.shape.length === 0) continue;
    if (!widestDimensioned || rank > (floatRank(widestDimensioned.dtype) as number)) widestDimensioned = input;
    halvesDimensioned |= half;
  }
  if (complex) return widest128 ? 'complex128' : complex.dtype;
  const widest = widestDimensioned ?? widestFloating;
  if (!widest) return inputs[0]?.dtype ?? 'default';
  const halves = widestDimensioned ? halvesDimensioned : halvesFloating;
  if (halves === 3 && (widest.dtype === 'bf16' || widest.dtype === 'fp16')) return 'fp32';
  return widest.dtype;
}

/** Records which outputs are not contiguous, so that a later `.contiguous()` or `.reshape()` knows whether it copies. */
export function trackLayout(it: Interpreter, op: string, entry: CatalogEntry | undefined, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, outputs: readonly TensorValue[], strided: boolean): void {
  const input = inputs[0];
  if (!input || entry?.category !== 'view') {
    if (strided) for (const v of outputs) it.state.layouts.set(v.id, { kind: 'strided' });
    return;
  }
  const layout = it.state.layouts.get(input.id);
  const shape = input.shape;
  const sizeOf = (d: Dim): number | undefined => it.state.currentValue(d);
  const set = (value: Layout | undefined): void => {
    for (const v of outputs) {
      if (value) it.state.layouts.set(v.id, value);
    }
  };
  const method = op.replace(/^torch\.(Tensor\.)?/, '');
  const rank = shape?.length ?? 0;
  const perm = (order: number[]): void => {
    const out = outputs[0]?.shape;
    set(shape && out ? permuteLayout(layout, order, out, sizeOf) : { kind: 'strided' });
  };
  const index = (value: AttrValue | undefined, of: number): number | undefined => normalizeIndex(typeof value === 'number' ? value : undefined, of);
  switch (method) {
    case 'transpose':
    case 'swapaxes':
    case 'swapdims': {
      const a = index(attrs.dim0, rank);
      const b = index(attrs.dim1, rank);
      if (a === undefined || b === undefined) return set({ kind: 'strided' });
      const order = Array.from({ length: rank }, (_, i) => i);
      [order[a], order[b]] = [b, a];
      return perm(order);
    }
    case 'permute': {
      const dims = Array.isArray(attrs.dims) ? (attrs.dims as readonly Dim[]).map((d) => index(d.kind === 'num' ? d.value : undefined, rank)) : [];
      if (dims.length !== rank || dims.some((d) => d === undefined)) return set({ kind: 'strided' });
      return perm(dims as number[]);
    }
    case 't':
    case 'T':
      return perm(Array.from({ length: rank }, (_, i) => rank - 1 - i));
    case 'mT': {
      const order = Array.from({ length: rank }, (_, i) => i);
      if (rank >= 2) [order[rank - 2], order[rank - 1]] = [rank - 1, rank - 2];
      return perm(order);
    }
    case 'expand':
    case 'expand_as':
    case 'broadcast_to':
    case 'unfold':
    case 'movedim':
      return set({ kind: 'strided' });
    case 'split':
    case 'chunk':
    case 'unbind':
    case 'narrow':
    case 'select': {
      const dim = index(attrs.dim ?? 0, rank) ?? 0;
      // Pieces along the outermost dim in memory stay contiguous; along any other dim they leave a gap that a
      // reshape merging across it must copy (pieceLayout). Each piece has its own size along the dim.
      const removes = method === 'unbind' || method === 'select';
      for (const v of outputs) {
        const piece = shape && v.shape ? pieceLayout(layout, shape, v.shape, dim, removes, sizeOf) : { kind: 'strided' as const };
        if (piece) it.state.layouts.set(v.id, piece);
      }
      return;
    }
    case '__getitem__':
      return set(strided ? { kind: 'strided' } : layout);
    default: {
      if (!layout || !shape) return;
      const out = outputs[0]?.shape;
      if (!out) return set({ kind: 'strided' });
      return set(reshapeLayout(layout, shape, out, sizeOf).layout ?? undefined);
    }
  }
}

export function sourceSpan(node: SyntaxNode, frame: Frame): Span {
  if (frame.callSite) return frame.callSite;
  // Each position is read from the tree once (a call into its wasm).
  const start = node.startPosition;
  const end = node.endPosition;
  return { start: node.startIndex, end: node.endIndex, startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column };
}

/**
 * The declared fallback for a call MemWall cannot resolve, in words for the hover and the JSON: its output is taken to
 * have the shape and dtype of its first tensor input, so the rest of the forward stays priced; its own cost stays
 * unknown. Most unresolved callables in model code (activations chosen by a config string, norms and attention
 * kernels from libraries that are not installed, hooks) keep their input's shape, and the hover says it was assumed.
 */
export function assumedOutput(firstArgument: SyntaxNode | undefined): string {
  const name = firstArgument && firstArgument.text.length <= 40 ? ` \`${firstArgument.text}\`` : '';
  return `Its output is assumed shaped like its first tensor input${name} (same dtype), so the ops after it stay priced.`;
}

/**
 * Ops whose output size depends on the data (`torch.nonzero`, `torch.where(mask)` with one argument, `unique`): PyTorch
 * copies the count to the host to allocate the output, so each is a host sync. The value: how many tensor inputs the
 * op has when it is the data-dependent form.
 */
const DATA_DEPENDENT: Readonly<Record<string, number>> = {
  'torch.nonzero': 1, 'torch.Tensor.nonzero': 1, 'torch.argwhere': 1, 'torch.Tensor.argwhere': 1, 'torch.where': 1,
  'torch.unique': 1, 'torch.Tensor.unique': 1, 'torch.masked_select': 2, 'torch.Tensor.masked_select': 2,
};

/** True for the data-dependent form of an op: its tensor inputs, or for `torch.where` its one argument, say so. */
function isDataDependent(op: string, inputs: readonly TensorValue[], node: SyntaxNode): boolean {
  const count = DATA_DEPENDENT[op];
  if (count === undefined) return false;
  // `torch.where(mask)` is `nonzero` whatever MemWall knows of `mask`; `torch.where(c, x, y)` is elementwise.
  if (op === 'torch.where') return node.type === 'call' && field(node, 'arguments')?.namedChildren.length === 1;
  return inputs.length === count;
}

/**
 * Adds one op: looks up its entry, infers output shapes and dtype, and writes what was missing into notes. In
 * `__init__` (emit false) nothing is added, but the outputs still carry shapes for what follows.
 */
export function emit(
  it: Interpreter,
  op: string,
  label: string,
  node: SyntaxNode,
  inputs: TensorValue[],
  attrs: Record<string, AttrValue>,
  frame: Frame,
  options: {
    entry?: CatalogEntry;
    shapes?: (readonly Dim[] | null)[];
    dtype?: DType | 'default' | null;
    argumentNodes?: (SyntaxNode | undefined)[];
    modulePath?: string;
    strided?: boolean;
    createOnly?: boolean;
    /** A call MemWall cannot resolve: the output takes the first input's shape and dtype (see assumedOutput). */
    assumed?: boolean;
    /** Where the catalog entry came from when it is not the op's own name, for the hover. */
    notes?: readonly string[];
  } = {},
): Value {
  const unresolved = op.startsWith('unresolved:');
  const called = unresolved ? op.slice('unresolved:'.length) : op;
  const dataDependent = !options.createOnly && isDataDependent(called, inputs, node);
  if (dataDependent) {
    recordHostSync(it, `${label}(...) (its output size depends on the data, so PyTorch reads the count back)`, node, frame, inputs[0]);
  }
  // `torch.where(mask)` and `nonzero`: the indices of the mask's nonzero elements, as many as a one-hot mask holds.
  // `torch.where(mask)` is `torch.nonzero(mask, as_tuple=True)` (PyTorch's docs say so), and is priced as that op.
  const selection = dataDependent ? nonzeroForm(it, called, inputs, attrs, node) : undefined;
  const qualifiedOp = selection ? 'torch.nonzero' : called;
  const entry = selection?.entry ?? options.entry ?? (unresolved ? undefined : lookupEntry(op));
  const notes: string[] = options.notes ? [...options.notes] : [];
  // The declared fallback never replaces what the catalog knows: an op it prices keeps its own shapes.
  const assumed = options.assumed === true && !entry && inputs.length > 0 ? assumedOutput(options.argumentNodes?.[0]) : undefined;
  const learner = it.learner;
  if (learner) {
    // A trial run of a root (see entries.ts): what this op says about the root's undeclared inputs.
    for (const input of inputs) learner.read(input.id);
    learnFromOp(learner, op, entry, label, inputs, attrs, node, frame);
  }
  let inferred: readonly (readonly Dim[] | null)[];
  if (options.shapes) inferred = options.shapes;
  else if (selection) inferred = selection.shapes;
  else if (assumed) inferred = [(inputs[0] as TensorValue).shape];
  else if (!entry) inferred = [null];
  else {
    try {
      inferred = entry.infer ? entry.infer({ inputs: inputs.map(shapeOf), attrs }) : [inputs[0]?.shape ?? null];
    } catch {
      inferred = [null];
    }
  }
  if (!entry && !options.createOnly) {
    notes.push(`MemWall does not know \`${qualifiedOp}\`; it is listed as unknown and not priced.`);
  }
  if (assumed) notes.push(assumed);
  // Ops after an assumed output are priced from a guess: each says so, and the reports count them (cost/coverage.ts).
  let assumedVia = assumed ? `\`${label || qualifiedOp}\` (line ${sourceSpan(node, frame).startLine + 1})` : undefined;
  if (!assumedVia && it.assumedShapeOf.size > 0) {
    for (const input of inputs) {
      assumedVia = it.assumedShapeOf.get(input.id);
      if (assumedVia) break;
    }
    if (assumedVia) notes.push(`${ASSUMED_SHAPE_NOTE} ${assumedVia}, a call MemWall does not know whose output was taken to be shaped like its input.`);
  }
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i] as TensorValue;
    if (input.shape !== null) continue;
    const argument = options.argumentNodes?.[i];
    const name = argument?.type === 'identifier' ? argument.text : input.origin?.replace(/^param /, '') ?? argument?.text ?? `input ${i + 1}`;
    notes.push(`Shape of \`${name}\` unknown: declare it with \`# memwall: shape ${/^[A-Za-z_]\w*$/.test(name) ? name : 'x'}=[B, T, C]\` above the function.`);
  }
  const category = entry?.category ?? 'unknown';
  const dtype = assumed ? (inputs[0] as TensorValue).dtype : options.dtype !== undefined ? options.dtype : outputDtype(entry, inputs, attrs, frame, category);
  const outputs: { shape: readonly Dim[] | null; dtype: DType | 'default' | null }[] = [];
  for (const shape of inferred) outputs.push({ shape: shape ? shape.map(simplify) : shape, dtype });
  if (outputs.length === 0) outputs.push({ shape: null, dtype });
  let values: readonly TensorValue[];
  // Numbers computed with torch while the model is built (constants.ts): folded, not listed as ops.
  const folded = foldElements(it, qualifiedOp, inputs, attrs);
  if (frame.emit && !(folded && buildsConfiguration(it, frame))) {
    const span = sourceSpan(node, frame);
    const modulePath = options.modulePath ?? frame.path;
    // Two plain literals rather than a conditional spread: ops then share two hidden classes in V8, not one each.
    const opNode = it.builder.addOp(
      frame.fusedBy
        ? { op: qualifiedOp, label, category, inputs, attrs: frame.compileMode ? { ...attrs, compileMode: frame.compileMode } : attrs, span, scope: frame.scope, modulePath, repeat: frame.repeat, fusedBy: frame.fusedBy, notes }
        : { op: qualifiedOp, label, category, inputs, attrs, span, scope: frame.scope, modulePath, repeat: frame.repeat, notes },
      outputs,
    );
    if (assumed) (opNode as { assumed?: string }).assumed = assumed;
    values = opNode.outputs;
    // Set after the node is made, so that the few harness ops alone take another shape in V8.
    if (frame.harness) (opNode as { harness?: string }).harness = frame.harness;
    if (frame.onlyWhenGiven) (opNode as { onlyWhenGiven?: string }).onlyWhenGiven = frame.onlyWhenGiven;
    if (frame.noGrad) (opNode as { noGrad?: boolean }).noGrad = true;
  } else {
    // An op evaluated but not listed (in a condition) still reads the graph's tensors it is given.
    for (const input of inputs) {
      if (input.producer !== undefined) it.builder.valueUses.push({ value: input.id, kind: 'unpriced-read', span: sourceSpan(node, frame), scope: frame.scope });
    }
    const made: TensorValue[] = [];
    for (const o of outputs) made.push(it.builder.value(o.shape, o.dtype, qualifiedOp));
    values = made;
  }
  if (assumed) for (const value of values) it.assumedValues.set(value.id, inputs);
  if (assumedVia) for (const value of values) it.assumedShapeOf.set(value.id, assumedVia);
  trackLayout(it, qualifiedOp, entry, inputs, attrs, values, options.strided === true);
  trackOnes(it, qualifiedOp, inputs, values);
  if (folded && values.length === 1) it.state.elements.set((values[0] as TensorValue).id, folded);
  if (learner && !options.shapes) learnSameShape(learner, entry, inputs, attrs, values, node);
  if (learner) learnThroughPattern(learner, inputs, attrs, values);
  // `x.max()` without a dim is one tensor; with one, (values, indices). Splits with one piece inferred stand for many.
  if (entry?.multiOutput && !(entry.category === 'reduction' && values.length === 1)) {
    const tensors: Value[] = values.map((tensor) => ({ kind: 'tensor', tensor }));
    if (tensors.length === 1) return { kind: 'list', items: [], repeated: { item: tensors[0] as Value, count: unknownDim('pieces') } };
    return { kind: 'list', items: tensors };
  }
  const first = values[0];
  return first ? { kind: 'tensor', tensor: first } : UNKNOWN;
}

/** Every tensor a value holds, through tuples, lists, dicts and objects: what a return or a store hands on. */
export function tensorsWithin(value: Value, depth = 0): TensorValue[] {
  if (value.kind === 'tensor') return [value.tensor];
  if (depth > 4) return [];
  const items = value.kind === 'list' ? (value.repeated ? [value.repeated.item] : value.items) : value.kind === 'dict' || value.kind === 'object' ? [...(value.kind === 'dict' ? value.entries : value.attrs).values()] : [];
  const out: TensorValue[] = [];
  for (const item of items) out.push(...tensorsWithin(item, depth + 1));
  return out;
}

/** Records that code other than an op reads the tensors of a value (see ValueUse): rules then know they are materialised. */
export function recordUse(it: Interpreter, value: Value, kind: ValueUse['kind'], node: SyntaxNode, frame: Frame): void {
  const tensors = tensorsWithin(value);
  if (tensors.length === 0) return;
  const span = sourceSpan(node, frame);
  for (const tensor of tensors) it.builder.valueUses.push({ value: tensor.id, kind, span, scope: frame.scope });
}

/** Records a host sync where the code runs it (`.item()`, `print(tensor)`, `if tensor`...); `tensor` is what it copies. */
export function recordHostSync(it: Interpreter, call: string, node: SyntaxNode, frame: Frame, tensor?: TensorValue): void {
  const span = sourceSpan(node, frame);
  const inForward = it.callStack.some((fn) => fn.name === 'forward' && fn.owner !== undefined);
  const sync: HostSync = { call, span, scope: frame.scope, inForward, inHotLoop: false, ...(tensor ? { value: tensor.id } : {}), ...(frame.harness ? { harness: frame.harness } : {}) };
  it.builder.hostSyncs.push(sync);
  if (tensor) it.builder.valueUses.push({ value: tensor.id, kind: 'host-sync', span, scope: frame.scope });
}

/**
 * Runs a loop: host syncs recorded inside it are marked as stalling every iteration when its body issued tensor ops
 * (a nested loop marks its own; the outer one marks them again, which changes nothing).
 */
export function runLoop(it: Interpreter, run: () => void): void {
  const ops = it.builder.opCount;
  const syncs = it.builder.hostSyncs.length;
  run();
  if (it.builder.opCount === ops) return;
  const recorded = it.builder.hostSyncs;
  for (let i = syncs; i < recorded.length; i++) {
    const sync = recorded[i] as HostSync;
    if (!sync.inHotLoop) recorded[i] = { ...sync, inHotLoop: true };
  }
}

// Sizes read from tensors whose shape the code never states: each is a symbol named after what the code calls it.
//
// `n_elements = x.numel()`, `N = x.shape[-1]`, `kernel[grid](..., N_CTX=q.shape[2])` on a parameter of unknown shape
// give the symbols `n_elements`, `N` and `N_CTX`: the names a user binds with a magic comment or --dims, and the
// same symbol every time the code reads the same size of the same tensor.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { sym, type Dim } from '../../../ir/dims';
import { field } from '../syntax';
import type { FunctionInfo, Value } from '../values';
import { numericDim } from './conversions';
import { evaluate, lookup } from './expressions';
import type { Frame } from './frame';
import type { Interpreter } from './index';

/** The size of `tensor` at `key` (an index as written, or `numel`), the first time read named `name`. */
function learnedSize(it: Interpreter, tensor: number, key: string, name: string): Dim {
  let sizes = it.learnedSizes.get(tensor);
  if (!sizes) {
    sizes = new Map();
    it.learnedSizes.set(tensor, sizes);
  }
  let dim = sizes.get(key);
  if (!dim) {
    dim = sym(name);
    sizes.set(key, dim);
  }
  return dim;
}

/** A tensor of unknown shape the name holds (a free parameter used as one becomes one), or undefined. */
function unsizedTensor(it: Interpreter, objectNode: SyntaxNode, frame: Frame): Extract<Value, { kind: 'tensor' }> | undefined {
  if (objectNode.type !== 'identifier') return undefined;
  const name = it.names.identifier(objectNode);
  let value = lookup(name, frame);
  if (value.kind === 'free') {
    value = { kind: 'tensor', tensor: it.builder.value(null, 'default', `param ${name}`) };
    frame.env.set(name, value);
  }
  return value.kind === 'tensor' && value.tensor.shape === null ? value : undefined;
}

/**
 * `x.numel()`, `x.size(i)`, `x.shape[i]` on a tensor of unknown shape: the symbol `hint` (the name assigned), or the
 * kernel parameter the expression feeds, or `x_numel` / `x_dim{i}`. A numel also gives the tensor its shape `[n]`,
 * so that the tensors made from it (`torch.empty_like(x)` after it) have a size. Undefined for any other expression.
 */
export function namedSize(it: Interpreter, node: SyntaxNode, frame: Frame, hint?: string): Value | undefined {
  let objectNode: SyntaxNode | null = null;
  let key: string | undefined;
  // Every assignment of a call or subscript asks: the method's or attribute's name is read first, from the text
  // where that is certain, so that the others cost no more.
  const type = node.type;
  if (type === 'call') {
    const callee = field(node, 'function');
    if (callee?.type !== 'attribute') return undefined;
    const method = it.names.trailing(callee) ?? field(callee, 'attribute')?.text;
    if (method !== 'numel' && method !== 'size') return undefined;
    const args = field(node, 'arguments')?.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment') ?? [];
    if (method === 'numel' && args.length === 0) key = 'numel';
    else if (method === 'size' && args.length === 1 && args[0]?.type !== 'keyword_argument') key = sizeKey(it, args[0] as SyntaxNode, frame);
    objectNode = field(callee, 'object');
  } else if (type === 'subscript') {
    const value = field(node, 'value');
    if (value?.type !== 'attribute' || (it.names.trailing(value) ?? field(value, 'attribute')?.text) !== 'shape') return undefined;
    const index = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== value.id && c.type !== 'comment');
    if (index.length === 1) {
      key = sizeKey(it, index[0] as SyntaxNode, frame);
      objectNode = field(value, 'object');
    }
  }
  if (!objectNode || key === undefined) return undefined;
  const tensor = unsizedTensor(it, objectNode, frame);
  if (!tensor) return undefined;
  const objectName = objectNode.text;
  const fn = it.callStack[it.callStack.length - 1];
  const preferred = fn ? launchNames(it, fn).get(`${objectName}[${key}]`) : undefined;
  const name = hint ?? preferred ?? (key === 'numel' ? `${objectName}_numel` : `${objectName}_dim${key.replace(/^-/, 'm')}`);
  const dim = learnedSize(it, tensor.tensor.id, key, name);
  if (key === 'numel') {
    // A flat view of the tensor's elements: `[n]` (a tensor used as a flat array, as elementwise kernels do).
    const sized: Value = { kind: 'tensor', tensor: { ...tensor.tensor, shape: [dim] } };
    for (const [variable, value] of frame.env) if (value === tensor) frame.env.set(variable, sized);
  }
  return { kind: 'dim', dim };
}

/** The index of `x.shape[i]` as a key: the literal integer it evaluates to, else its text. */
function sizeKey(it: Interpreter, index: SyntaxNode, frame: Frame): string {
  const value = numericDim(evaluate(it, index, frame));
  return value?.kind === 'num' ? String(value.value) : index.text;
}

/**
 * In one function, which kernel parameter each `x.shape[i]` / `x.size(i)` / `x.numel()` argument of a launch feeds:
 * `_attn_fwd[grid](..., q.shape[0], q.shape[1], N_CTX=q.shape[2])` names q's sizes Z, H and N_CTX everywhere in it.
 */
function launchNames(it: Interpreter, fn: FunctionInfo): ReadonlyMap<string, string> {
  let names = it.launchSizeNames.get(fn);
  if (names) return names;
  names = new Map();
  it.launchSizeNames.set(fn, names);
  const body = field(fn.node, 'body');
  const text = body ? fn.file.text.slice(body.startIndex, body.endIndex) : '';
  // A launch is `name[grid](`: a body without `](` has none.
  if (!body || !text.includes('](')) return names;
  for (const call of body.descendantsOfType('call')) {
    const callee = call ? field(call, 'function') : null;
    const kernelNode = callee?.type === 'subscript' ? field(callee, 'value') : null;
    if (!call || kernelNode?.type !== 'identifier') continue;
    const kernel = fn.file.functions.get(kernelNode.text);
    if (!kernel?.tritonKernel) continue;
    const parameters = (field(kernel.node, 'parameters')?.namedChildren ?? []).filter((p): p is SyntaxNode => p !== null)
      .map((p) => (p.type === 'identifier' ? p.text : field(p, 'name')?.text ?? p.namedChildren.find((c) => c?.type === 'identifier')?.text ?? ''));
    let position = 0;
    for (const argument of field(call, 'arguments')?.namedChildren ?? []) {
      if (!argument || argument.type === 'comment') continue;
      const keyword = argument.type === 'keyword_argument';
      const parameter = keyword ? field(argument, 'name')?.text : parameters[position++];
      const value = keyword ? field(argument, 'value') : argument;
      const key = value ? sizeExpressionKey(value) : undefined;
      if (parameter && key && !names.has(key)) names.set(key, parameter);
    }
  }
  return names;
}

/** `q.shape[2]` → `q[2]`, `x.size(0)` → `x[0]`, `x.numel()` → `x[numel]`, written with literal indices. */
function sizeExpressionKey(node: SyntaxNode): string | undefined {
  const match = /^([A-Za-z_]\w*)\s*(?:\.shape\s*\[\s*(-?\d+)\s*\]|\.size\(\s*(-?\d+)\s*\)|\.(numel)\(\s*\))$/.exec(node.text);
  if (!match) return undefined;
  return `${match[1]}[${match[2] ?? match[3] ?? match[4]}]`;
}

// torch.autograd.Function subclasses: `.apply(...)` runs their `forward(ctx, ...)`; one nobody applies is a root.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { NONE, UNKNOWN, type ClassInfo, type Value } from '../values';
import { findMethod } from './attributes';
import { baseClass } from './conversions';
import type { Frame } from './frame';
import { callFunction } from './functions';
import type { Interpreter } from './index';

/** The names `torch.autograd.Function` is reached by. */
const AUTOGRAD_FUNCTION = /^torch\.autograd\.(function\.)?Function$/;

/** Methods of `ctx` that record what backward needs and move no data. */
const CONTEXT_METHODS: ReadonlySet<string> = new Set([
  'save_for_backward', 'mark_dirty', 'mark_non_differentiable', 'set_materialize_grads', 'save_for_forward',
]);

export function isAutogradFunction(cls: ClassInfo): boolean {
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
    if (current.bases.some((base) => base.kind === 'ref' && AUTOGRAD_FUNCTION.test(base.name))) return true;
  }
  return false;
}

/** A fresh `ctx`: attributes forward sets are read back by backward; `saved_tensors` holds what it saved. */
export function autogradContext(): Extract<Value, { kind: 'object' }> {
  const attrs = new Map<string, Value>();
  const ctx: Extract<Value, { kind: 'object' }> = { kind: 'object', attrs };
  for (const name of CONTEXT_METHODS) attrs.set(name, { kind: 'method', receiver: ctx, name });
  attrs.set('saved_tensors', { kind: 'list', items: [] });
  attrs.set('needs_input_grad', { kind: 'list', items: [], repeated: { item: { kind: 'bool' }, count: { kind: 'unknown', why: 'number of inputs' } } });
  return ctx;
}

/** `ctx.save_for_backward(a, b)` and the other recording methods of ctx: undefined for any other call. */
export function contextMethod(receiver: Extract<Value, { kind: 'object' }>, name: string, positional: readonly Value[]): Value | undefined {
  if (!CONTEXT_METHODS.has(name) || receiver.attrs.get(name)?.kind !== 'method') return undefined;
  if (name === 'save_for_backward') receiver.attrs.set('saved_tensors', { kind: 'list', items: [...positional] });
  return NONE;
}

/** `MyFunction.apply(x, ...)`: its forward with a fresh ctx, in the caller's scope chain. */
export function applyAutograd(
  it: Interpreter,
  cls: ClassInfo,
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  node: SyntaxNode,
  frame: Frame,
): Value {
  const forward = findMethod(cls, 'forward');
  if (!forward) return UNKNOWN;
  it.state.covered.add(cls);
  const ctx = autogradContext();
  return callFunction(it, forward, takesContext(forward.node) ? [ctx, ...positional] : [...positional], keywords, frame, undefined, node, false);
}

/**
 * An autograd.Function nobody applies in the file (a kernel library's): its forward runs with symbolic inputs, then
 * its backward with the same ctx, so the sizes forward saved reach the kernels backward launches.
 */
export function runAutogradRoot(it: Interpreter, cls: ClassInfo): void {
  const ctx = autogradContext();
  const frame = it.moduleFrame(cls.file);
  it.state.covered.add(cls);
  for (const name of ['forward', 'backward']) {
    const method = findMethod(cls, name);
    if (!method) continue;
    callFunction(it, method, takesContext(method.node) ? [ctx] : [], new Map(), frame, undefined, method.node, true);
  }
}

/** forward(ctx, ...) takes the context first; the newer style (a separate setup_context) does not. */
function takesContext(functionNode: SyntaxNode): boolean {
  const first = functionNode.childForFieldName('parameters')?.namedChildren.find((c) => c !== null && c.type !== 'comment');
  return first?.text === 'ctx';
}

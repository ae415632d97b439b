// Statements: blocks, assignments and unpacking, if/for/with, definitions.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, sym, unknownDim, type Dim } from '../../../ir/dims';
import { defaultSize, defaultSource } from '../../../shapes/bindings';
import { simplify } from '../../../shapes/infer';
import { dtypeNamed } from '../../../ir/dtypes';
import type { TensorValue } from '../../../ir/types';
import { classInfo, functionInfo } from '../files';
import { field } from '../syntax';
import { NONE, UNKNOWN, type Value } from '../values';
import { numericDim, truthiness, withPath } from './conversions';
import { emit, recordHostSync, recordUse, runLoop, sourceSpan } from './emit';
import { MAX_EXPRESSION_DEPTH, evaluate, lookup } from './expressions';
import { quiet, type Frame } from './frame';
import { annotationValue } from './functions';
import { containerKind, containerList, listMethod, modlistMethod } from './modules';
import { runImport } from './imports';
import { learnFromUnpack } from './learning';
import { loaderBatches } from './scripts';
import type { Interpreter } from './index';
import { binary } from './operators';
import { MAX_UNROLLED_PASSES, passCount, rangeItem, runPasses } from './repeats';
import { namedSize } from './sizes';
import { keyOf, subscriptValue } from './subscripts';
import { holdsLayers, indexPicks } from './picks';
import { companionsVary, zipElement, zipOperands, type Zipped } from './zip';
import { trackItemOnes } from './nonzero';

/** `i` in `for i, block in enumerate(...)`: the loop index stands for itself as a symbol. */
export function enumerateIndexName(left: SyntaxNode): string | undefined {
  if (left.type !== 'pattern_list' && left.type !== 'tuple_pattern') return undefined;
  const first = left.namedChildren[0];
  return first?.type === 'identifier' ? first.text : undefined;
}

/** `x.size()`, `x.shape`, `x.shape[:3]`: the name of x, when the right side of an unpacking reads a shape. */
export function shapeSource(right: SyntaxNode): string | undefined {
  let node: SyntaxNode | null = right;
  if (node.type === 'subscript') node = field(node, 'value');
  if (node?.type === 'call' && (field(node, 'arguments')?.namedChildren.length ?? 0) === 0) node = field(node, 'function');
  if (node?.type !== 'attribute') return undefined;
  const attribute = field(node, 'attribute')?.text;
  const object = field(node, 'object');
  if ((attribute !== 'shape' && attribute !== 'size') || object?.type !== 'identifier') return undefined;
  if (attribute === 'size' && right.type !== 'call') return undefined;
  return object.text;
}

export function runBlock(it: Interpreter, block: SyntaxNode, frame: Frame): void {
  for (const statement of block.namedChildren) {
    if (!statement || frame.returned) continue;
    runStatement(it, statement, frame);
  }
}

/** Runs one statement; `decorated` is the `decorated_definition` a definition sits in, if any. */
export function runStatement(it: Interpreter, node: SyntaxNode, frame: Frame, decorated?: SyntaxNode): void {
  switch (node.type) {
    case 'expression_statement': {
      for (const child of node.namedChildren) if (child) runExpressionStatement(it, child, frame);
      return;
    }
    case 'return_statement': {
      const value = node.namedChildren[0];
      frame.returned = value ? evaluate(it, value, frame) : NONE;
      return;
    }
    case 'if_statement':
      return runIf(it, node, frame);
    case 'for_statement':
      return runLoop(it, () => runFor(it, node, frame));
    case 'while_statement': {
      const condition = field(node, 'condition');
      if (condition) syncIfTensor(it, 'while tensor', condition, evaluate(it, condition, quiet(frame)), frame);
      const body = field(node, 'body');
      if (body) runLoop(it, () => runBlock(it, body, frame));
      return;
    }
    case 'assert_statement': {
      const condition = node.namedChildren[0];
      if (condition) syncIfTensor(it, 'assert tensor', condition, evaluate(it, condition, quiet(frame)), frame);
      return;
    }
    case 'with_statement':
      return runWith(it, node, frame);
    case 'try_statement': {
      const body = field(node, 'body');
      if (body) runBlock(it, body, frame);
      for (const clause of node.namedChildren) {
        if (clause?.type === 'finally_clause' || clause?.type === 'else_clause') {
          const inner = clause.namedChildren.find((c) => c?.type === 'block');
          if (inner) runBlock(it, inner, frame);
        }
      }
      return;
    }
    case 'import_statement':
    case 'import_from_statement':
      return runImport(it, node, frame);
    case 'decorated_definition': {
      const definition = field(node, 'definition');
      if (definition) runStatement(it, definition, frame, node);
      return;
    }
    case 'function_definition': {
      const name = field(node, 'name')?.text ?? '';
      const known = frame.scope === '<module>' ? frame.file.functions.get(name) : undefined;
      const fn = known ?? functionInfo(node, frame.file, undefined, frame.scope, decorated);
      // A `def` inside a function (a grid function, a closure) reads that function's variables when it runs.
      frame.env.set(name, frame.scope === '<module>' ? { kind: 'function', fn } : { kind: 'function', fn, closure: frame.env });
      return;
    }
    case 'class_definition': {
      const name = field(node, 'name')?.text ?? '';
      const cls = (frame.scope === '<module>' ? frame.file.classes.get(name) : undefined) ?? classInfo(node, frame.file, decorated);
      const superclasses = field(node, 'superclasses');
      cls.bases = (superclasses?.namedChildren ?? [])
        .filter((b): b is SyntaxNode => b !== null && b.type !== 'keyword_argument')
        .map((b) => evaluate(it, b, quiet(frame)));
      frame.env.set(name, { kind: 'class', cls });
      return;
    }
    default:
      return;
  }
}

export function runExpressionStatement(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  // Each `type` read crosses into wasm: read once, handed on to evaluate.
  const type = node.type;
  if (type === 'assignment') return runAssignment(it, node, frame);
  if (type === 'augmented_assignment') {
    const left = field(node, 'left');
    const right = field(node, 'right');
    const operator = field(node, 'operator')?.text.replace('=', '') ?? '+';
    if (!left || !right) return;
    const target = evaluate(it, left, frame);
    const added = evaluate(it, right, frame);
    // `layers += [block]` extends a list or an nn.ModuleList in place (its __iadd__), keeping every alias to it.
    if (operator === '+' && (target.kind === 'list' || target.kind === 'modlist') && extendInPlace(target, added)) {
      it.writes++;
      return;
    }
    const result = binary(it, operator, target, added, node, frame, left, right);
    assign(it, left, result, frame, node);
    return;
  }
  evaluate(it, node, frame, type);
}

/** The variables a loop's target binds (`block`, `i, (a, b)`); attributes and items it sets are writes (it.writes). */
function targetNames(target: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const visit = (node: SyntaxNode): void => {
    if (node.type === 'identifier') names.add(node.text);
    else if (node.type === 'pattern_list' || node.type === 'tuple_pattern' || node.type === 'list_pattern' || node.type === 'list_splat_pattern') {
      for (const child of node.namedChildren) if (child) visit(child);
    }
  };
  visit(target);
  return names;
}

/** `list += items` / `module_list += items`: true when the items were appended to the target's own list. */
function extendInPlace(target: Extract<Value, { kind: 'list' | 'modlist' }>, added: Value): boolean {
  if (target.kind === 'modlist') return modlistMethod(target, 'extend', [added]) !== undefined;
  return listMethod(target, 'extend', [added]) !== undefined;
}

export function runAssignment(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  const left = field(node, 'left');
  const right = field(node, 'right');
  if (!left) return;
  const leftType = left.type;
  const rightType = right?.type;
  // `allow_tf32 = True` switches fp32 matmuls to TF32 tensor cores. (Only a `true` node, or an identifier, can read
  // `True`: the types are known already, the texts are not.)
  if ((rightType === 'true' || rightType === 'identifier') && right?.text === 'True' && /allow_tf32$/.test(left.text)) it.builder.tf32Enabled = true;
  if (!right) {
    // `x: Float[Tensor, "b t d"]` without a value declares a shape for what follows.
    const type = field(node, 'type');
    if (leftType === 'identifier' && type) {
      const declared = annotationValue(it, type, left.text, frame);
      if (declared) frame.env.set(left.text, declared);
    }
    return;
  }
  // `B, T, C = x.size()` on a tensor of unknown shape gives it the shape [B, T, C].
  if ((leftType === 'pattern_list' || leftType === 'tuple_pattern') && declareFromUnpack(it, left, right, frame)) {
    // Shape declared; fall through to bind the names.
  }
  // `n_elements = x.numel()` on a tensor of unknown shape: the size is called what the code calls it.
  const named = leftType === 'identifier' && (rightType === 'call' || rightType === 'subscript') ? namedSize(it, right, frame, it.names.identifier(left)) : undefined;
  const value = named ?? (rightType === 'assignment' ? evaluateChainedAssignment(it, right, frame) : evaluate(it, right, frame, rightType));
  assign(it, left, value, frame, node, leftType);
}

export function evaluateChainedAssignment(it: Interpreter, node: SyntaxNode, frame: Frame): Value {
  const right = field(node, 'right');
  const left = field(node, 'left');
  const value = right ? (right.type === 'assignment' ? evaluateChainedAssignment(it, right, frame) : evaluate(it, right, frame)) : UNKNOWN;
  if (left) assign(it, left, value, frame, node);
  return value;
}

export function assign(it: Interpreter, target: SyntaxNode, value: Value, frame: Frame, statement: SyntaxNode, type = target.type): void {
  switch (type) {
    case 'identifier': {
      const name = it.names.identifier(target);
      frame.env.set(name, hostLength(it, value, name, statement));
      return;
    }
    case 'attribute': {
      let object: Value;
      let name: string;
      // `self.proj = ...`: both names read from the text (evaluating a name is a lookup), no node made for either.
      const simple = it.expressionDepth < MAX_EXPRESSION_DEPTH ? it.names.nameDotName(target) : undefined;
      if (simple) {
        object = lookup(simple.object, frame);
        name = simple.name;
      } else {
        const objectNode = field(target, 'object');
        name = it.names.trailing(target) ?? field(target, 'attribute')?.text ?? '';
        if (!objectNode) return;
        object = evaluate(it, objectNode, quiet(frame));
      }
      setAttribute(it, object, name, value, statement, frame);
      return;
    }
    case 'subscript': {
      const objectNode = field(target, 'value');
      if (!objectNode) return;
      const object = evaluate(it, objectNode, frame);
      if (object.kind === 'tensor') {
        const region = subscriptValue(it, object, target, frame, false);
        const inputs = [object.tensor, ...(value.kind === 'tensor' ? [value.tensor] : [])];
        const written = region.kind === 'tensor' && value.kind !== 'tensor' ? [object.tensor, region.tensor] : inputs;
        emit(it, 'torch.Tensor.__setitem__', `${objectNode.text}[...] =`, statement, written, {}, frame, { shapes: [object.tensor.shape] });
      } else if (object.kind === 'dict') {
        const key = keyOf(it, target, frame);
        it.writes++;
        if (key !== undefined) object.entries.set(key, value);
      } else if (object.kind === 'list' && !object.repeated) {
        // `shift_size[0] = 0`: the list holds the new item, so later reads (sum(shift_size) > 0) see it.
        const indexNode = field(target, 'subscript');
        const index = indexNode ? numericDim(evaluate(it, indexNode, frame)) : undefined;
        const items = object.items as Value[];
        it.writes++;
        const position = index?.kind === 'num' && Number.isInteger(index.value) ? (index.value < 0 ? items.length + index.value : index.value) : -1;
        if (position >= 0 && position < items.length) items[position] = value;
      }
      return;
    }
    case 'pattern_list':
    case 'tuple_pattern':
    case 'list_pattern': {
      const targets = target.namedChildren.filter((c): c is SyntaxNode => c !== null);
      const items = unpack(it, value, targets.length);
      targets.forEach((t, i) => {
        if (t.type === 'list_splat_pattern') return;
        assign(it, t, items[i] ?? UNKNOWN, frame, statement);
      });
      return;
    }
    default:
      return;
  }
}

/** `object.name = value`, and `setattr(object, name, value)` with a known name. */
export function setAttribute(it: Interpreter, object: Value, name: string, value: Value, statement: SyntaxNode, frame: Frame): void {
  it.writes++;
  // A tensor kept on an object while the forward runs (`self.cache = k`) outlives the ops that read it.
  if (frame.emit && (object.kind === 'module' || object.kind === 'object')) recordUse(it, value, 'stored', statement, frame);
  const attrs = object.kind === 'module' ? object.instance.attrs : object.kind === 'object' ? object.attrs : undefined;
  if (attrs && it.attributeUndo) it.attributeUndo.push([attrs, name, attrs.get(name)]);
  if (object.kind === 'module') object.instance.attrs.set(name, adoptParameter(value, name));
  else if (object.kind === 'object') object.attrs.set(name, value);
  else if (object.kind === 'layer' && value.kind === 'tensor') object.layer.params.set(name, value.tensor);
}

/** Parameters keep their attribute name as origin, so hovers say `self.weight`. */
export function adoptParameter(value: Value, name: string): Value {
  if (value.kind !== 'tensor' || value.tensor.producer !== undefined) return value;
  const origin = value.tensor.origin;
  const named = origin === undefined || origin === 'parameter' || origin.startsWith('torch.') ? `self.${name}` : origin;
  return { kind: 'tensor', tensor: { ...value.tensor, origin: named } };
}

/** Splits a value into `count` items for tuple unpacking. */
export function unpack(it: Interpreter, value: Value, count: number): Value[] {
  if (value.kind === 'list') {
    if (value.repeated) return Array.from({ length: count }, () => (value.repeated as { item: Value }).item);
    if (value.items.length === 1 && count > 1 && value.items[0]?.kind === 'tensor') {
      return Array.from({ length: count }, () => value.items[0] as Value);
    }
    return value.items.slice(0, count);
  }
  if (value.kind === 'modlist' && !value.list.repeated) {
    // `for attn, ff in self.layers:` over a ModuleList of ModuleLists (lucidrains' ViT): each name is that layer.
    return value.list.items.slice(0, count).map((item, index) => withPath(item, `${value.path}[${index}]`));
  }
  const assumedInputs = value.kind === 'tensor' ? it.assumedValues.get(value.tensor.id) : undefined;
  if (assumedInputs) return unpackAssumed(it, value as Extract<Value, { kind: 'tensor' }>, assumedInputs, count);
  if (value.kind === 'tensor') {
    // Unpacking a tensor iterates its first dim: each item drops it.
    const shape = value.tensor.shape;
    const item: Value = { kind: 'tensor', tensor: it.builder.value(shape ? shape.slice(1) : null, value.tensor.dtype, value.tensor.origin) };
    return Array.from({ length: count }, () => item);
  }
  return Array.from({ length: count }, () => UNKNOWN);
}

/**
 * The result of a call MemWall could not resolve (the declared fallback), unpacked. Unpacked into as many names as
 * the call took tensors, each name takes the matching input's shape, as transforms of several tensors do
 * (`q, k = rotary(q, k)`, `k, v = cache.update(k, v, i)`); otherwise the first name is the assumed output and the
 * others stay unknown (`out, weights = attention(q, k, v)`).
 */
function unpackAssumed(it: Interpreter, value: Extract<Value, { kind: 'tensor' }>, inputs: readonly TensorValue[], count: number): Value[] {
  if (inputs.length !== count) return Array.from({ length: count }, (_, index) => (index === 0 ? value : UNKNOWN));
  return inputs.map((input, index): Value => (index === 0 ? value : { kind: 'tensor', tensor: it.builder.value(input.shape, input.dtype, `assumed like ${input.origin ?? 'input'}`) }));
}

export function declareFromUnpack(it: Interpreter, left: SyntaxNode, right: SyntaxNode, frame: Frame): boolean {
  const source = shapeSource(right);
  if (!source) return false;
  const current = frame.env.get(source);
  if (!current || (current.kind === 'tensor' && current.tensor.shape !== null)) return false;
  if (current.kind !== 'tensor' && current.kind !== 'free' && current.kind !== 'unknown') return false;
  const names = left.namedChildren.filter((c): c is SyntaxNode => c !== null).map((c) => c.text);
  if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) return false;
  if (it.learner && current.kind === 'tensor') {
    // A trial run (entries.ts): the unpacking teaches the input's rank, and its dims reach the learner.
    const learned = learnFromUnpack(it, current.tensor, names, `${left.text} = ${right.text}`, right, frame);
    if (learned) {
      frame.env.set(source, { kind: 'tensor', tensor: learned });
      return true;
    }
  }
  const shape = names.map((n) => (n === '_' ? unknownDim(`unnamed dim of ${source}`) : sym(n)));
  const dtype = current.kind === 'tensor' ? current.tensor.dtype : 'default';
  frame.env.set(source, { kind: 'tensor', tensor: it.builder.value(shape, dtype, `param ${source}`) });
  return true;
}

export function runIf(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  const condition = field(node, 'condition');
  const consequence = field(node, 'consequence');
  const alternatives = node.namedChildren.filter((c): c is SyntaxNode => c !== null && (c.type === 'elif_clause' || c.type === 'else_clause'));
  const value = condition ? evaluate(it, condition, quiet(frame)) : UNKNOWN;
  if (condition) syncIfTensor(it, 'if tensor', condition, value, frame);
  if (condition && isMainGuard(condition) && consequence) {
    // `if __name__ == "__main__":` builds example inputs and runs the model: harness code, not the model.
    runBlock(it, consequence, { ...frame, harness: 'a `__main__` block' });
    return;
  }
  if (value.kind === 'bool' && value.flash !== undefined) {
    // `if self.flash:` (hasattr(F, 'scaled_dot_product_attention')): both paths are real code; the manual one is
    // the fallback that the fused kernel replaces, so its ops are marked rather than dropped.
    const fastFirst = value.flash;
    if (consequence) runBlock(it, consequence, fastFirst ? frame : { ...frame, fusedBy: frame.fusedBy ?? 'fallback' });
    const otherwise = alternatives[0];
    const otherBody = (otherwise ? field(otherwise, otherwise.type === 'elif_clause' ? 'consequence' : 'body') : undefined) ?? otherwise?.namedChildren.find((c) => c?.type === 'block');
    if (otherBody) {
      const otherFrame = fastFirst ? { ...frame, fusedBy: frame.fusedBy ?? ('fallback' as const) } : frame;
      runBlock(it, otherBody, otherFrame);
      if (otherFrame !== frame && otherFrame.returned) frame.returned = otherFrame.returned;
    }
    return;
  }
  const given = lossTargetBranch(condition, frame);
  if (given && consequence) runLossBranch(it, consequence, frame, given);
  const truth = truthiness(value, (dim) => it.state.currentValue(dim));
  if (truth !== false) {
    // An unknown condition follows the first branch: the usual path, and never both (that would double-count).
    if (consequence) runBlock(it, consequence, frame);
    return;
  }
  for (const alternative of alternatives) {
    if (alternative.type === 'else_clause') {
      const body = field(alternative, 'body') ?? alternative.namedChildren.find((c) => c?.type === 'block');
      if (body) runBlock(it, body, frame);
      return;
    }
    const elifCondition = field(alternative, 'condition');
    const elifValue = elifCondition ? evaluate(it, elifCondition, quiet(frame)) : UNKNOWN;
    if (elifCondition) syncIfTensor(it, 'if tensor', elifCondition, elifValue, frame);
    if (truthiness(elifValue, (dim) => it.state.currentValue(dim)) !== false) {
      const body = field(alternative, 'consequence');
      if (body) runBlock(it, body, frame);
      return;
    }
  }
}

/** The names a forward gives the targets of its loss: with them given, it computes the loss (training). */
const LOSS_TARGET = /^(labels?|targets?)$/;

/**
 * `if labels is not None:` where labels is None (a forward called without them, as MemWall runs a root): the name,
 * else undefined. The branch is the training loss, which a forward computes whenever labels are given.
 */
function lossTargetBranch(condition: SyntaxNode | null, frame: Frame): string | undefined {
  if (!condition || condition.type !== 'comparison_operator') return undefined;
  const match = /^([A-Za-z_]\w*)\s+is\s+not\s+None$/.exec(condition.text);
  const name = match?.[1];
  if (!name || !LOSS_TARGET.test(name) || frame.env.get(name)?.kind !== 'none') return undefined;
  return name;
}

/**
 * Runs the loss branch that labels would take, beside the path taken: its ops are marked as running only when the
 * labels are given (OpNode.onlyWhenGiven), so the totals leave them out as they leave out a fallback path, while the
 * rules see the logits reach the loss (MW209). The branch runs on a copy of the frame, with the labels a tensor of
 * unknown shape: what it binds or returns does not flow on into the path taken.
 */
function runLossBranch(it: Interpreter, consequence: SyntaxNode, frame: Frame, name: string): void {
  if (!frame.emit) return;
  const env = new Map(frame.env);
  env.set(name, { kind: 'tensor', tensor: it.builder.value(tokenIdsShape(frame), 'int64', `param ${name}`) });
  const branch: Frame = { ...frame, env, returned: undefined, onlyWhenGiven: name };
  runBlock(it, consequence, branch);
}

/**
 * The shape labels take: a language model's labels are its token ids (`labels = input_ids`, shifted inside), so they
 * have the shape of the token ids the forward takes: its int64 tensor parameter (input_ids), else its one [B, T]
 * tensor parameter (nanoGPT's idx, declared by `B, T = idx.size()`); null (unpriced, never guessed) otherwise.
 */
function tokenIdsShape(frame: Frame): readonly Dim[] | null {
  const parameters: TensorValue[] = [];
  for (const value of frame.env.values()) {
    if (value.kind === 'tensor' && value.tensor.shape && value.tensor.origin?.startsWith('param ')) parameters.push(value.tensor);
  }
  const ids = parameters.find((tensor) => tensor.dtype === 'int64');
  if (ids) return ids.shape;
  const pairs = parameters.filter((tensor) => tensor.shape?.length === 2);
  return pairs.length === 1 ? (pairs[0] as TensorValue).shape : null;
}

/** `if tensor:`, `while tensor:`, `assert tensor`: Python asks the tensor for its truth, which copies it to the host. */
function syncIfTensor(it: Interpreter, call: string, condition: SyntaxNode, value: Value, frame: Frame): void {
  if (value.kind === 'tensor') recordHostSync(it, call, condition, frame, value.tensor);
}

/** `__name__ == "__main__"` (either side, either quote). */
function isMainGuard(condition: SyntaxNode): boolean {
  return condition.type === 'comparison_operator' && /^__name__\s*==\s*["']__main__["']$|^["']__main__["']\s*==\s*__name__$/.test(condition.text);
}

export function runFor(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  const left = field(node, 'left');
  const right = field(node, 'right');
  const body = field(node, 'body');
  if (!left || !right || !body) return;
  // `zip(...)`, also inside `enumerate(...)`: the loop walks one operand and reads the others at its index (zip.ts).
  const enumerated = right.type === 'call' && /^enumerate$/.test(field(right, 'function')?.text ?? '') ? field(right, 'arguments')?.namedChildren[0] : undefined;
  const zipped = zipOperands(it, enumerated ?? right, frame);
  let iterable = zipped ? (zipped.operands[zipped.driver] ?? UNKNOWN) : evaluate(it, right, frame);
  let enumerateIndex = zipped !== undefined && enumerated !== undefined;
  if (!zipped && iterable.kind === 'list' && right.type === 'call' && /^enumerate$/.test(field(right, 'function')?.text ?? '')) {
    enumerateIndex = true;
    iterable = iterable.items[0] ?? UNKNOWN;
  }
  // A pass that repeats the one before stands for those after it only when the loop binds the same values each pass.
  const indexVaries = enumerateIndex || (zipped !== undefined && companionsVary(zipped));
  // Iterating a subclass of nn.ModuleList or nn.Sequential walks its layers.
  if (iterable.kind === 'module') {
    const kind = containerKind(iterable.instance.cls);
    if (kind) iterable = containerList(iterable, kind);
  }
  const bindTarget = (driven: Value, index: Dim): void => {
    const item = zipped ? zipElement(it, zipped, driven, index) : driven;
    if (enumerateIndex && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
      const [indexTarget, itemTarget] = left.namedChildren;
      if (indexTarget) assign(it, indexTarget, { kind: 'dim', dim: index }, frame, node);
      if (itemTarget) assign(it, itemTarget, item, frame, node);
    } else assign(it, left, item, frame, node);
  };
  const loop = (item: Value, count: Dim, index: Dim): void => {
    const inner: Frame = { ...frame, repeat: simplify(bin('*', frame.repeat, count)) };
    bindTarget(item, index);
    runBlock(it, body, inner);
    if (inner.returned) frame.returned = inner.returned;
  };
  const indexName = left.type === 'identifier' ? left.text : undefined;
  if (iterable.kind === 'range') {
    // While building a model (`__init__`), a loop of known length is unrolled: each pass may build a different layer.
    const count = frame.emit ? undefined : it.state.currentValue(iterable.count);
    if (!frame.emit) {
      // Lists the loop fills (`layers.append(Block(...))`) stand for as many layers as the range has, even where
      // the count is a symbol the code sizes (`range(config.n_layer)`) or too large to unroll.
      const filling = emptyLists(frame);
      if (count !== undefined && count >= 0 && count <= MAX_UNROLLED_PASSES) {
        for (let i = 0; i < count; i++) {
          bindTarget({ kind: 'dim', dim: rangeItem(iterable, i) }, num(i));
          runBlock(it, body, frame);
          if (frame.returned) break;
        }
        for (const items of filling) if (items.length === count && iterable.count.kind !== 'num') it.state.listLengths.set(items, iterable.count);
        return;
      }
      loop({ kind: 'dim', dim: sym(indexName ?? '_loop') }, iterable.count, sym(indexName ?? '_loop'));
      for (const items of filling) if (items.length === 1) it.state.listLengths.set(items, iterable.count);
      return;
    }
    // `for i in range(len(self.layers)): layer = self.layers[i]`: one pass per layer of a list built layer by layer,
    // as iterating the list itself would, so that `self.layers[i]` is that layer; alike passes fold.
    const indexed = indexedList(it, right, frame);
    if (indexed) {
      const items = indexed.list.items;
      const picks = indexName ? indexPicks(it, body, indexName, frame, items) : undefined;
      // `layer = self.layers[i]` binds the pass's layer as the loop's own target would: a pass counted unrun binds it.
      const picked = picks && indexName ? pickAssignments(body, indexName) : [];
      const targets = new Set([...targetNames(left), ...picked.map(({ name }) => name.text)]);
      const bind = (i: number, unrun = false): void => {
        bindTarget({ kind: 'dim', dim: num(i) }, num(i));
        if (unrun) for (const { name, pick } of picked) assign(it, name, evaluate(it, pick, quiet(frame)), frame, node);
      };
      return runPasses(it, frame, items.length, (i) => {
        bind(i);
        runBlock(it, body, frame);
      }, {
        length: it.state.listLengths.get(items),
        ...(picks ? { distinct: { item: (i: number) => pickedItems(picks(i)), itemPath: (i: number) => `${indexed.path}[${i}]`, targets, bind: (i: number) => bind(i, true) } } : {}),
      });
    }
    // Lists the pass fills (`kv_caches.append((k_cache, v_cache))`) stand for one item per pass, as in `__init__`.
    const filling = emptyLists(frame);
    loop({ kind: 'dim', dim: sym(indexName ?? '_loop') }, iterable.count, sym(indexName ?? '_loop'));
    for (const items of filling) if (items.length === 1) it.state.listLengths.set(items, iterable.count);
    return;
  }
  if (iterable.kind === 'modlist') {
    const list = iterable.list;
    const path = iterable.path;
    if (list.repeated) {
      // `[Block(config) for _ in range(n_layer)]`: one pass per layer where the count is known, so that layers whose
      // shapes change (a strided stack) are priced each at its size; identical passes fold back into one row.
      const { item, count } = list.repeated;
      const passes = passCount(it, count);
      if (passes === undefined) return loop(withPath(item, `${path}[*]`), count, sym(enumerateIndexName(left) ?? '_loop'));
      const itemPath = (i: number): string => `${path}[${i}]`;
      const bind = (i: number): void => bindTarget(withPath(item, itemPath(i)), num(i));
      const seen = indexVaries ? seenPerPass(it, body, left, enumerateIndex, zipped, () => item, frame) : undefined;
      return runPasses(it, frame, passes, (i) => {
        bind(i);
        runBlock(it, body, frame);
      }, {
        length: count,
        ...(indexVaries
          ? seen ? { distinct: { item: (i: number) => pickedItems(seen(i)), itemPath, targets: targetNames(left), bind } } : {}
          : { sameItem: { itemPath, unrun: { targets: targetNames(left), bind } } }),
      });
    }
    const itemPath = (i: number): string => `${path}[${i}]`;
    const bind = (i: number): void => bindTarget(withPath(list.items[i] as Value, itemPath(i)), num(i));
    // A pass that sees its index, or items of other lists beside its layer, is alike to another where all it picks is.
    const seen = indexVaries ? seenPerPass(it, body, left, enumerateIndex, zipped, (i) => list.items[i] as Value, frame, list.items) : undefined;
    const item = indexVaries ? (seen ? (i: number) => pickedItems(seen(i)) : undefined) : (i: number) => list.items[i] as Value;
    runPasses(it, frame, list.items.length, (i) => {
      bind(i);
      runBlock(it, body, frame);
    }, {
      length: it.state.listLengths.get(list.items),
      ...(item ? { distinct: { item, itemPath, targets: targetNames(left), bind } } : {}),
    });
    return;
  }
  if (iterable.kind === 'list') {
    if (iterable.repeated) {
      const { item, count } = iterable.repeated;
      const passes = passCount(it, count);
      if (passes === undefined) return loop(item, count, sym(enumerateIndexName(left) ?? '_loop'));
      const bind = (i: number): void => bindTarget(item, num(i));
      return runPasses(it, frame, passes, (i) => {
        bind(i);
        runBlock(it, body, frame);
      }, { length: count, sameItem: indexVaries ? undefined : { itemPath: () => '', unrun: { targets: targetNames(left), bind } } });
    }
    const items = iterable.items;
    runPasses(it, frame, items.length, (i) => {
      bindTarget(items[i] as Value, num(i));
      runBlock(it, body, frame);
    }, { length: it.state.listLengths.get(items) });
    return;
  }
  if (iterable.kind === 'dict') {
    for (const [key] of iterable.entries) {
      bindTarget({ kind: 'str', value: key }, num(0));
      runBlock(it, body, frame);
    }
    return;
  }
  // A DataLoader yields batches of its dataset's items, as many per epoch as its length gives (scripts.ts).
  const batches = loaderBatches(it, iterable, frame);
  if (batches) return loop(batches.batch, batches.count, unknownDim('batch index'));
  if (iterable.kind === 'tensor') {
    const shape = iterable.tensor.shape;
    const first = shape?.[0] ?? unknownDim('iterations');
    const item = it.builder.value(shape ? shape.slice(1) : null, iterable.tensor.dtype);
    trackItemOnes(it, iterable.tensor, item);
    return loop({ kind: 'tensor', tensor: item }, first, unknownDim('loop index'));
  }
  // An iterable MemWall cannot size: run the body once so its ops are still listed, and say so (only where ops are
  // counted: a loop over `self.modules()` in `__init__` costs nothing at run time).
  if (frame.emit) it.builder.notes.push({ code: 'MW903', message: `Loop over \`${right.text.slice(0, 60)}\` has an unknown trip count; its body is counted once.`, span: sourceSpan(right, frame) });
  bindTarget(UNKNOWN, unknownDim('loop index'));
  runBlock(it, body, frame);
}

/**
 * A count read from host data MemWall cannot see (`batch_size = len(prompts)`, `min_prompt_len = min(len(p) for p
 * in prompt_tokens)`) becomes a symbol named after the variable, where that name has a size by role (shapes/bindings.ts
 * ROLE_DEFAULTS): the tensors built from it are then priced at that size, listed as an assumption. Other unknown counts
 * stay unknown: a symbol of no known size would leave them unpriced all the same.
 */
function hostLength(it: Interpreter, value: Value, name: string, statement: SyntaxNode): Value {
  const size = value.kind === 'dim' && value.dim.kind === 'unknown' && value.dim.why === 'len' ? defaultSize(name) : undefined;
  if (size === undefined) return value;
  if (!it.state.codeBindings.some((binding) => binding.symbol === name)) {
    const text = statement.text.replace(/\s+/g, ' ').slice(0, 60);
    const source = `${defaultSource(name)}, for \`${text}\` at line ${statement.startPosition.row + 1} (a count of host data MemWall cannot see)`;
    it.state.codeBindings.push({ symbol: name, value: size, source, priority: 3 });
  }
  return { kind: 'dim', dim: sym(name) };
}

/**
 * The empty lists a loop in `__init__` may fill: names of the frame and attributes of `self`. Only lists empty before
 * the loop are followed, so that their length is the loop's count.
 */
function emptyLists(frame: Frame): (readonly Value[])[] {
  const found: (readonly Value[])[] = [];
  const add = (value: Value): void => {
    const list = value.kind === 'list' ? value : value.kind === 'modlist' ? value.list : undefined;
    if (list && !list.repeated && list.items.length === 0) found.push(list.items);
  };
  for (const value of frame.env.values()) add(value);
  const self = frame.env.get('self');
  if (self?.kind === 'module') for (const value of self.instance.attrs.values()) add(value);
  return found;
}

/** Context managers and decorators under which autograd records nothing. */
export const NO_GRAD = /\bno_grad\b|\binference_mode\b|\bset_grad_enabled\(\s*False\b/;

export function runWith(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  let inner: Frame = frame;
  for (const item of node.descendantsOfType('with_item')) {
    const value = item ? field(item, 'value') : undefined;
    if (!value) continue;
    const call = value.type === 'as_pattern' ? value.namedChildren[0] : value;
    const text = call?.text ?? '';
    if (/autocast/.test(text)) {
      const dtypeMatch = /dtype\s*=\s*(?:torch\.)?(\w+)/.exec(text);
      const dtype = dtypeMatch ? dtypeNamed(dtypeMatch[1] as string) : /cuda|amp/.test(text) ? 'fp16' : 'bf16';
      if (!/enabled\s*=\s*False/.test(text)) inner = { ...inner, autocast: dtype ?? 'bf16' };
    }
    if (NO_GRAD.test(text)) inner = { ...inner, noGrad: true };
    else if (/\benable_grad\b|\bset_grad_enabled\(\s*True\b/.test(text)) inner = { ...inner, noGrad: false };
    if (value.type === 'as_pattern') {
      const alias = value.namedChildren[1];
      if (alias && call) assign(it, alias.type === 'as_pattern_target' ? (alias.namedChildren[0] ?? alias) : alias, evaluate(it, call, frame), frame, node);
    }
  }
  const body = field(node, 'body');
  if (body) runBlock(it, body, inner);
  if (inner !== frame && inner.returned) frame.returned = inner.returned;
}

/** The list of layers `range(len(x))` walks, when x is a module list built item by item (not a repeated one). */
function indexedList(it: Interpreter, right: SyntaxNode, frame: Frame): Extract<Value, { kind: 'modlist' }> | undefined {
  if (right.type !== 'call' || field(right, 'function')?.text !== 'range') return undefined;
  const args = field(right, 'arguments')?.namedChildren.filter((node): node is SyntaxNode => node !== null && node.type !== 'comment') ?? [];
  const inner = args.length === 1 && args[0]?.type === 'call' && field(args[0], 'function')?.text === 'len' ? field(args[0], 'arguments')?.namedChildren[0] : undefined;
  if (!inner) return undefined;
  let value = evaluate(it, inner, quiet(frame));
  if (value.kind === 'module') {
    const kind = containerKind(value.instance.cls);
    if (kind) value = containerList(value, kind);
  }
  const list = value.kind === 'modlist' ? value.list : undefined;
  return list && !list.repeated && list.items.length > 0 && list.items.length <= MAX_UNROLLED_PASSES ? (value as Extract<Value, { kind: 'modlist' }>) : undefined;
}

/**
 * What a pass over a module list sees that varies with the pass, where it sees its index (`enumerate`) or other lists
 * beside its layer (`zip`): the layer, the other operands' items at the pass (of lists and ranges; not of a tensor,
 * whose items are made anew, nor layers, named after their own list), and what the index picks (picks.ts). Undefined
 * when passes cannot be compared so.
 */
function seenPerPass(
  it: Interpreter,
  body: SyntaxNode,
  left: SyntaxNode,
  enumerated: boolean,
  zipped: Zipped | undefined,
  layer: (pass: number) => Value,
  frame: Frame,
  layers?: readonly Value[],
): ((pass: number) => Value[] | undefined) | undefined {
  const indexTarget = enumerated && (left.type === 'pattern_list' || left.type === 'tuple_pattern') ? left.namedChildren[0] : undefined;
  if (enumerated && indexTarget?.type !== 'identifier') return undefined;
  const picks = indexTarget ? indexPicks(it, body, indexTarget.text, frame, layers) : () => [];
  if (!picks) return undefined;
  const companions = zipped ? zipped.operands.filter((_, position) => position !== zipped.driver) : [];
  if (companions.some((operand) => !(operand.kind === 'range' || operand.kind === 'unknown' || (operand.kind === 'list' && !holdsLayers(operand))))) return undefined;
  return (pass) => {
    const picked = picks(pass);
    const element = zipped ? zipElement(it, zipped, layer(pass), num(pass)) : layer(pass);
    return picked ? [element, ...picked] : undefined;
  };
}

/** The body's own statements `name = list[index]`: the names each pass binds to what it picks. */
function pickAssignments(body: SyntaxNode, index: string): { name: SyntaxNode; pick: SyntaxNode }[] {
  const found: { name: SyntaxNode; pick: SyntaxNode }[] = [];
  for (const statement of body.namedChildren) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const name = field(assignment, 'left');
    const pick = field(assignment, 'right');
    if (name?.type === 'identifier' && pick?.type === 'subscript' && field(pick, 'subscript')?.text === index) found.push({ name, pick });
  }
  return found;
}

/** What one pass sees, as one value that reads.ts compares; a pass whose items cannot be read is alike to none. */
function pickedItems(items: Value[] | undefined): Value {
  return items ? { kind: 'list', items } : { kind: 'unknown', why: 'picked items' };
}

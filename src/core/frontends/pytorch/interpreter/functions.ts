// User functions: binding arguments to parameters, declared shapes, running bodies, recording scopes.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { sym, unknownDim, type Dim } from '../../../ir/dims';
import type { DType } from '../../../ir/types';
import { parameterDefault } from '../../../shapes/bindings';
import { parseDimText, type ShapeDeclaration } from '../../../shapes/magic';
import { harnessReason } from '../../harness';
import { field } from '../syntax';
import { NONE, UNKNOWN, type ClassInfo, type FunctionInfo, type Value } from '../values';
import { baseClass, formatValue } from './conversions';
import { recordUse, sourceSpan } from './emit';
import { evaluate } from './expressions';
import { quiet, type Frame } from './frame';
import type { Interpreter } from './index';
import { learnFromDeclaration } from './learning';
import { instantiate, isConfigLike, rootConfigClasses, symbolFor } from './modules';
import { watchForwardCall } from './drivers';
import { describeParameter } from './signatures';
import { NO_GRAD, runBlock, shapeSource } from './statements';

const MAX_DEPTH = 24;

const JAXTYPING_DTYPES: Readonly<Record<string, DType | 'default'>> = {
  Float: 'default', Shaped: 'default', Num: 'default', Inexact: 'default', Real: 'default',
  Float32: 'fp32', Float16: 'fp16', BFloat16: 'bf16', Float64: 'fp64',
  Int: 'int64', Int64: 'int64', Int32: 'int32', Int8: 'int8', UInt8: 'uint8', Integer: 'int64', Bool: 'bool',
};

/**
 * Runs a function body with its arguments bound. Parameters without an argument take, in order: a magic-comment
 * shape, a jaxtyping annotation, a shape unpacked from them in the body, their default, or a free symbol.
 */
export function callFunction(
  it: Interpreter,
  fn: FunctionInfo,
  positional: Value[],
  keywords: ReadonlyMap<string, Value>,
  caller: Frame,
  self: Value | undefined,
  node: SyntaxNode,
  root: boolean,
  constructing = false,
  closure?: ReadonlyMap<string, Value>,
): Value {
  if (fn.tritonKernel) return NONE;
  if (caller.depth >= MAX_DEPTH || it.callStack.includes(fn)) {
    it.builder.notes.push({ code: 'MW903', message: `Call to ${fn.qualifiedName} not followed (recursion or nesting deeper than ${MAX_DEPTH}).`, span: sourceSpan(node, caller) });
    for (const argument of [...positional, ...keywords.values()]) recordUse(it, argument, 'unknown-call', node, caller);
    return UNKNOWN;
  }
  it.state.covered.add(fn);
  // A nested function sees the variables of the function it was defined in.
  const env = new Map<string, Value>(closure ?? []);
  const { parameters, body } = partsOf(it, fn);
  const declared = declaredShapes(it, fn);
  let index = 0;
  const remaining = [...positional];
  const isMethod = fn.owner !== undefined && !fn.decorators.some((d) => d === 'staticmethod');
  for (const parameter of parameters?.namedChildren ?? []) {
    if (!parameter) continue;
    const { name, defaultNode, typeNode, splat } = describeParameter(parameter, it.names);
    if (!name) continue;
    if (isMethod && index === 0 && (name === 'self' || name === 'cls')) {
      env.set(name, self ?? UNKNOWN);
      index++;
      continue;
    }
    index++;
    if (splat === '*') {
      env.set(name, { kind: 'list', items: remaining.splice(0) });
      continue;
    }
    if (splat === '**') {
      env.set(name, { kind: 'dict', entries: new Map(keywords) });
      continue;
    }
    let value = remaining.length > 0 ? remaining.shift() : keywords.get(name);
    const declaredShape = declared.get(name) ?? (typeNode ? annotationValue(it, typeNode, name, caller) : undefined);
    if (value && value.kind === 'tensor' && declaredShape?.kind === 'tensor' && declaredShape.tensor.shape) {
      // In a trial run (entries.ts), a helper's declaration of a root input's shape teaches the root's input.
      const learned = it.learner && !value.tensor.shape ? learnFromDeclaration(it, value.tensor, declaredShape.tensor.shape, declaredShapesOf(it, fn).get(name)) : undefined;
      if (learned) value = { kind: 'tensor', tensor: learned };
      else if (!value.tensor.shape) value = { kind: 'tensor', tensor: { ...value.tensor, shape: declaredShape.tensor.shape } };
      else unifyShapes(it, declaredShape.tensor.shape, value.tensor.shape, node, caller);
    }
    if (!value || value.kind === 'free') {
      if (declaredShape) value = declaredShape;
      else if (defaultNode) {
        const defaultValue = evaluate(it, defaultNode, { ...caller, file: fn.file, env: fn.file.globals, emit: false });
        value = constructing ? symbolFor(it, name, undefined, defaultValue, `${fn.qualifiedName}(${name}=${defaultNode.text})`, 2) : defaultValue;
      } else if (value === undefined) value = parameterValue(it, name, typeNode, fn, root, caller);
    } else if (constructing && value.kind === 'dim') {
      value = symbolFor(it, name, value, undefined, `${fn.owner?.name ?? fn.name}(${name}=${formatValue(value)}) (line ${node.startPosition.row + 1})`, 1);
    }
    env.set(name, value);
  }
  if (!body) return UNKNOWN;
  const quietCall = it.driverWatch !== undefined && watchForwardCall(it, fn, self, env, node);
  recordScope(it, fn);
  const inOtherFile = fn.file !== it.main;
  const frame: Frame = {
    env,
    file: fn.file,
    scope: fn.qualifiedName,
    path: self && (self.kind === 'module') ? self.path : caller.path,
    repeat: caller.repeat,
    fusedBy: caller.fusedBy ?? (fn.compiled ? 'torch.compile' : undefined),
    compileMode: caller.fusedBy ? caller.compileMode : fn.compiled ? fn.compileMode : undefined,
    emit: caller.emit && !constructing && !quietCall,
    autocast: caller.autocast,
    noGrad: caller.noGrad === true || fn.decorators.some((decorator) => NO_GRAD.test(decorator)),
    callSite: caller.callSite ?? (inOtherFile && caller.file === it.main ? sourceSpan(node, caller) : undefined),
    depth: caller.depth + 1,
    harness: harnessOf(fn),
  };
  // `B, T, C = x.size()` declares x's shape before the body runs, so ops above the unpacking see it too.
  it.callStack.push(fn);
  try {
    runBlock(it, body, frame);
  } finally {
    it.callStack.pop();
  }
  // What a root returns leaves the analysed code, and so does what a function returns to a script or a test (which
  // stands for the code that uses the function): it is materialised whatever the ops inside read of it.
  const toOutside = root || caller.harness !== undefined || caller.scope === '<module>';
  if (toOutside && frame.emit && frame.returned) recordUse(it, frame.returned, 'returned', field(fn.node, 'name') ?? fn.node, frame);
  return frame.returned ?? NONE;
}

/** Why a function is harness code (harness.ts), found once per function: its name and decorators never change. */
const harnessReasons = new WeakMap<FunctionInfo, { readonly reason: string | undefined }>();

function harnessOf(fn: FunctionInfo): string | undefined {
  let known = harnessReasons.get(fn);
  if (!known) {
    known = { reason: harnessReason(fn.qualifiedName, fn.decorators) };
    harnessReasons.set(fn, known);
  }
  return known.reason;
}

/**
 * A function's parameters and body, fetched once: later runs and the shape scan then share the same Node objects,
 * which keep the children they were asked for (each fetch would make new ones).
 */
export function partsOf(it: Interpreter, fn: FunctionInfo): { readonly parameters: SyntaxNode | null; readonly body: SyntaxNode | null } {
  let parts = it.functionParts.get(fn);
  if (!parts) {
    parts = { parameters: field(fn.node, 'parameters'), body: field(fn.node, 'body') };
    it.functionParts.set(fn, parts);
  }
  return parts;
}

/** What a parameter nobody passed stands for: a tensor of unknown shape if annotated so, else a free name. */
export function parameterValue(it: Interpreter, name: string, typeNode: SyntaxNode | undefined, fn: FunctionInfo, root: boolean, caller: Frame): Value {
  const annotation = typeNode?.text ?? '';
  if (/Tensor/.test(annotation)) return { kind: 'tensor', tensor: it.builder.value(null, 'default', `param ${name}`) };
  const configClass = typeNode ? annotatedClass(it, typeNode, fn, caller) : undefined;
  if (configClass && isConfigLike(it, configClass)) return instantiate(it, configClass, [], new Map(), caller, fn.node);
  if (root && /config|cfg|args|params|hparams/i.test(name)) {
    // A root module's config: the class its `config_class` names (transformers' PreTrainedModel subclasses say which
    // config they are built from), else the file's only class named and built like a config, else symbols named by
    // attribute.
    const declared = fn.owner ? declaredConfigClass(it, fn.owner) : undefined;
    if (declared) return instantiate(it, declared, [], new Map(), caller, fn.node);
    // A class that names a config MemWall cannot read is built from that one, not from another class of the file.
    if (declared === null) return { kind: 'free', name };
    const configs = rootConfigClasses(it, fn.file);
    if (configs.length === 1) return instantiate(it, configs[0] as ClassInfo, [], new Map(), caller, fn.node);
  }
  // A root's size that no code gives (`def __init__(self, dim, num_heads=8)` built by no one in the file) takes its
  // role's default, the lowest binding: a call site or a setting still wins, and the assumption says why.
  // It is a size, not some other object: `pair(image_size)` tests it for a tuple.
  const fallback = root ? parameterDefault(name, fn.name === '__init__' && fn.owner !== undefined) : undefined;
  if (fallback) {
    if (!it.state.codeBindings.some((binding) => binding.symbol === name)) {
      it.state.codeBindings.push({ symbol: name, value: fallback.size, source: fallback.source, priority: MODEL_DEFAULT_PRIORITY });
    }
    return { kind: 'dim', dim: sym(name) };
  }
  return { kind: 'free', name };
}

/** Below every binding the code makes (1: a call site's argument, 2: a parameter's default, 3: a learned role). */
export const MODEL_DEFAULT_PRIORITY = 4;

/**
 * The class a parameter's annotation names: a class of the caller's or the function's file, or one imported into the
 * function's file (`config: Qwen2Config` from `.configuration_qwen2`, `config: gemma_config.GemmaConfig`).
 */
function annotatedClass(it: Interpreter, typeNode: SyntaxNode, fn: FunctionInfo, caller: Frame): ClassInfo | undefined {
  const annotation = typeNode.text;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(annotation)) {
    const local = caller.file.classes.get(annotation) ?? fn.file.classes.get(annotation);
    if (local) return local;
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(annotation)) return undefined;
  const value = evaluate(it, typeNode.namedChildren[0] ?? typeNode, quiet(it.moduleFrame(fn.file)));
  return value.kind === 'class' ? value.cls : undefined;
}

/**
 * The config class a model class declares on itself or a base: `config_class = GPTNeoXConfig` (transformers
 * before 4.5x) or the annotation `config: Qwen2Config` (after); null when it declares one MemWall cannot read.
 */
function declaredConfigClass(it: Interpreter, cls: ClassInfo): ClassInfo | null | undefined {
  for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
    const node = current.fields.get('config_class') ?? classAnnotation(current, 'config');
    if (!node) continue;
    const value = evaluate(it, node, quiet(it.moduleFrame(current.file)));
    return value.kind === 'class' && isConfigLike(it, value.cls) ? value.cls : null;
  }
  return undefined;
}

/** The type of a class-level annotation without a value (`config: Qwen2Config`). */
function classAnnotation(cls: ClassInfo, name: string): SyntaxNode | undefined {
  for (const statement of field(cls.node, 'body')?.namedChildren ?? []) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment' || field(assignment, 'left')?.text !== name || field(assignment, 'right')) continue;
    const type = field(assignment, 'type');
    return type ? (type.namedChildren[0] ?? type) : undefined;
  }
  return undefined;
}

/** A shape the code declares for a parameter, and where: `magic comment (line 12)`, `unpacking at line 14`. */
export interface DeclaredShape {
  readonly shape: readonly Dim[];
  readonly dtype?: DType;
  readonly source: string;
  /** The names of an unpacking (`n, c, h, w = x.shape`); `_` for a dim left unnamed. */
  readonly unpacked?: readonly string[];
}

/** `# memwall: shape x=[...]` in the function or just above it, and `B, T, C = x.size()` unpacking in its body. */
export function declaredShapes(it: Interpreter, fn: FunctionInfo): Map<string, Value> {
  const declared = new Map<string, Value>();
  for (const [name, { shape, dtype }] of declaredShapesOf(it, fn)) declared.set(name, { kind: 'tensor', tensor: it.builder.value(shape, dtype ?? 'default', `param ${name}`) });
  return declared;
}

/** The declared shapes of a function's parameters, read once per function. */
export function declaredShapesOf(it: Interpreter, fn: FunctionInfo): ReadonlyMap<string, DeclaredShape> {
  let shapes = it.declaredShapeCache.get(fn);
  if (!shapes) {
    shapes = findDeclaredShapes(it, fn);
    it.declaredShapeCache.set(fn, shapes);
  }
  return shapes;
}

export function findDeclaredShapes(it: Interpreter, fn: FunctionInfo): Map<string, DeclaredShape> {
  const declared = new Map<string, DeclaredShape>();
  // From the statement's first line: the def line itself may carry the comment (`def forward(self, x):  # memwall:
  // shape x=[B, T, 768]`), as may a decorator's line.
  const startLine = fn.statement.startPosition.row;
  const endLine = fn.node.endPosition.row;
  const lines = fn.file.lines;
  if (fn.file.shapes.length > 0) {
    // Above the def: only the comment block that touches it (blank and comment lines, walked upwards).
    let top = startLine;
    while (top > 0) {
      const text = (lines[top - 1] ?? '').trim();
      if (text !== '' && !text.startsWith('#')) break;
      top--;
    }
    // Declarations come in line order: only those from `top` to the function's last line can apply.
    const shapes = fn.file.shapes;
    let low = 0;
    let high = shapes.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((shapes[middle] as ShapeDeclaration).line < top) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < shapes.length && (shapes[i] as ShapeDeclaration).line <= endLine; i++) {
      const declaration = shapes[i] as ShapeDeclaration;
      const inside = declaration.line >= startLine && declaration.line <= endLine;
      const above = declaration.line >= top && declaration.line < startLine && declaration.standalone;
      if (inside || above) declared.set(declaration.name, { shape: declaration.shape, ...(declaration.dtype ? { dtype: declaration.dtype } : {}), source: `magic comment (line ${declaration.line + 1})` });
    }
  }
  const { body } = partsOf(it, fn);
  // An unpacking reads `.shape` or `.size`: a body without either word has none, and its statements need no visit.
  const bodyText = body ? fn.file.text.slice(body.startIndex, body.endIndex) : '';
  const statements = /\b(shape|size)\b/.test(bodyText) ? (body as SyntaxNode).namedChildren : [];
  for (const statement of statements) {
    const assignment = statement?.type === 'expression_statement' ? statement.namedChildren[0] : undefined;
    if (assignment?.type !== 'assignment') continue;
    const left = field(assignment, 'left');
    const right = field(assignment, 'right');
    const leftType = left?.type;
    if (!left || !right || (leftType !== 'pattern_list' && leftType !== 'tuple_pattern')) continue;
    const source = shapeSource(right);
    if (!source || declared.has(source)) continue;
    const names = left.namedChildren.filter((c): c is SyntaxNode => c !== null).map((c) => c.text);
    if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) continue;
    declared.set(source, {
      shape: names.map((n) => (n === '_' ? unknownDim(`unnamed dim of ${source}`) : sym(n))),
      source: `\`${left.text} = ${right.text.slice(0, 40)}\` at line ${statement.startPosition.row + 1}`,
      unpacked: names,
    });
  }
  return declared;
}

/** jaxtyping: `Float[Tensor, "batch seq dim"]` declares the shape; the dtype family sets the dtype. */
export function annotationValue(it: Interpreter, typeNode: SyntaxNode, name: string, _frame: Frame): Value | undefined {
  const match = /^(\w+)\s*\[\s*[\w.]+\s*,\s*["']([^"']*)["']\s*\]$/.exec(typeNode.text.trim());
  if (!match) return undefined;
  const family = match[1] as string;
  const dtype = JAXTYPING_DTYPES[family];
  if (dtype === undefined) return undefined;
  const tokens = (match[2] as string).trim().split(/\s+/).filter(Boolean);
  if (tokens.some((t) => t.startsWith('*') || t === '...' || t.startsWith('#'))) {
    return { kind: 'tensor', tensor: it.builder.value(null, dtype, `param ${name}`) };
  }
  const shape = tokens.map((t) => parseDimText(t.replace(/^_/, '').replace(/=.*$/, '')));
  return { kind: 'tensor', tensor: it.builder.value(shape, dtype, `param ${name}`) };
}

/** A call with concrete sizes into a function with declared symbols binds them: `randn(8, 1024, 768)` → B=8... */
export function unifyShapes(it: Interpreter, declared: readonly Dim[], actual: readonly Dim[], node: SyntaxNode, frame: Frame): void {
  if (declared.length !== actual.length) return;
  declared.forEach((d, i) => {
    const a = actual[i];
    if (d.kind === 'sym' && a?.kind === 'num' && !it.state.codeBindings.some((b) => b.symbol === d.name)) {
      it.state.codeBindings.push({ symbol: d.name, value: a.value, source: `call at line ${sourceSpan(node, frame).startLine + 1}`, priority: 1 });
    }
  });
}

export function recordScope(it: Interpreter, fn: FunctionInfo): void {
  if (fn.file !== it.main || it.state.scopesSeen.has(fn.qualifiedName)) return;
  it.state.scopesSeen.add(fn.qualifiedName);
  const nameNode = field(fn.node, 'name') ?? fn.node;
  const parameters = field(fn.node, 'parameters');
  const start = nameNode.startPosition;
  const end = (parameters ?? nameNode).endPosition;
  it.builder.scopes.push({
    name: fn.qualifiedName,
    kind: fn.name === 'forward' && fn.owner ? 'forward' : 'function',
    span: { start: nameNode.startIndex, end: (parameters ?? nameNode).endIndex, startLine: start.row, startColumn: start.column, endLine: end.row, endColumn: end.column },
  });
}

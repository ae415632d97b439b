// Runs Python code abstractly: statements and expressions over symbolic tensors, emitting one OpNode per tensor op.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, evalDim, num, product, sym, unknownDim, type Dim } from '../../ir/dims';
import type { GraphBuilder } from '../../ir/graph';
import { lookupEntry, type CatalogEntry } from '../../ir/catalog';
import { rearrangeCopies } from '../../ir/catalog/einops';
import type { AttrValue, DType, OpNode, Span, TensorValue } from '../../ir/types';
import { normalizeIndex, simplify } from '../../shapes/infer';
import { DTYPE_ALIASES, parseDimText, type ShapeDeclaration } from '../../shapes/magic';
import type { PythonParser } from '../../parse/parser';
import { classInfo, collectFile, functionInfo, type FileContext } from './files';
import { BINARY_OPERATORS, BUILTINS, COMPARISON_OPERATORS, TORCH_DTYPES } from './tables';
import { permuteLayout, reshapeLayout, type Layout } from './layout';
import { field, NameReader } from './syntax';
import { NONE, UNKNOWN, type ClassInfo, type FunctionInfo, type LayerInstance, type ModuleInstance, type Value } from './values';

/** Where code runs: its variables, the scope and module path it reports, and what multiplies or marks its ops. */
export interface Frame {
  readonly env: Map<string, Value>;
  readonly file: FileContext;
  readonly scope: string;
  /** Module path of `self` (`transformer.h[*]`), empty for plain code. */
  readonly path: string;
  readonly repeat: Dim;
  readonly fusedBy?: OpNode['fusedBy'];
  /** The `mode=` of the torch.compile that covers this code, recorded on its ops as `attrs.compileMode`. */
  readonly compileMode?: string;
  /** False in `__init__`: building parameters is not part of the forward pass. */
  readonly emit: boolean;
  /** `torch.autocast(dtype=...)` in force. */
  readonly autocast?: DType;
  /** Ops of code in another file are reported at the call site in the analysed file. */
  readonly callSite?: Span;
  readonly depth: number;
  returned?: Value;
}

/** A binding found in the code, with a priority: explicit arguments (1) outrank defaults (2). */
export interface CodeBinding {
  readonly symbol: string;
  readonly value: number;
  readonly source: string;
  readonly priority: number;
}

const MAX_DEPTH = 24;

/** The keywords of a call that passes none. */
const NO_KEYWORDS: ReadonlyMap<string, Value> = new Map();

/**
 * Expressions nested deeper than this are not evaluated: CPython itself refuses more than 200 nested parentheses, and
 * each level costs several JavaScript frames, so 1,000 nested calls would otherwise overflow the stack.
 */
const MAX_EXPRESSION_DEPTH = 200;

/** Shape changes that copy when their input is not contiguous (view would fail instead). */
const COPYING_RESHAPES = new Set(['torch.Tensor.reshape', 'torch.reshape', 'torch.Tensor.flatten', 'torch.flatten', 'torch.Tensor.reshape_as']);

/** Attributes only tensors have: reading them marks a free parameter as a tensor. */
const TENSOR_ONLY_ATTRIBUTES = new Set(['shape', 'size', 'dtype', 'device', 'ndim', 'dim', 'T', 'mT', 'numel', 'contiguous']);

/** Categories whose outputs take the autocast dtype (PyTorch's autocast "lower precision" op list). */
const AUTOCAST_CATEGORIES = new Set(['matmul', 'conv', 'attention']);


export class Interpreter {
  /** Read and extended by the root cache (roots.ts) as well. */
  readonly codeBindings: CodeBinding[] = [];
  /** Layouts of tensors that are not contiguous (absent means contiguous). */
  private readonly layouts = new Map<number, Layout>();
  /** The code's bindings as numbers, rebuilt when a binding is added; magic-comment values come first. */
  private bindingCache: { count: number; values: Map<string, number> } | undefined;
  private readonly callStack: FunctionInfo[] = [];
  private readonly declaredShapeCache = new Map<FunctionInfo, Map<string, readonly Dim[]>>();
  private readonly functionParts = new Map<FunctionInfo, { readonly parameters: SyntaxNode | null; readonly body: SyntaxNode | null }>();
  /** The first instance of each module class built by plain code (a script, `main()`), with its real arguments. */
  readonly instances = new Map<ClassInfo, Value>();
  /** Classes whose forward ran and functions that ran: they are not analysed again as roots. */
  readonly covered = new Set<ClassInfo | FunctionInfo>();
  private readonly openFiles = new Map<string, FileContext>();
  readonly scopesSeen = new Set<string>();
  /** Identifiers read from the source text rather than the tree, where that is certain to agree. */
  private readonly names = new NameReader();
  private expressionDepth = 0;
  expressionTooDeepNoted = false;

  constructor(
    private readonly builder: GraphBuilder,
    readonly main: FileContext,
    private readonly modules: ReadonlyMap<string, string>,
    private readonly parser: PythonParser,
    private readonly magicBindings: ReadonlyMap<string, number> = new Map(),
  ) {}

  // ───────────────────────────── entry points ─────────────────────────────

  /** Runs the file's top-level statements (imports, definitions, scripts, `__main__` blocks). */
  runModule(file: FileContext, emit = true): Frame {
    this.names.add(file.tree, file.text);
    const frame: Frame = { env: file.globals, file, scope: '<module>', path: '', repeat: num(1), emit, depth: 0 };
    this.runBlock(file.root, frame);
    return frame;
  }

  /** Analyses an outermost module: builds an instance with symbolic constructor arguments and runs its forward. */
  runRootClass(cls: ClassInfo, existing?: Value): void {
    const instance = existing ?? this.instantiate(cls, [], new Map(), this.moduleFrame(cls.file), cls.node);
    if (instance.kind !== 'module') return;
    const forward = this.findMethod(cls, 'forward');
    if (!forward) return;
    this.callFunction(forward, [], new Map(), this.moduleFrame(cls.file), { ...instance, path: '' }, forward.node, true);
  }

  /** Analyses a function nobody calls (a snippet's function, a training step) with declared or unknown arguments. */
  runRootFunction(fn: FunctionInfo): void {
    this.callFunction(fn, [], new Map(), this.moduleFrame(fn.file), undefined, fn.node, true);
  }

  /** Publishes the code bindings, explicit arguments before defaults, each symbol once. */
  flushBindings(): void {
    const ordered = [...this.codeBindings].sort((a, b) => a.priority - b.priority);
    for (const binding of ordered) this.builder.bindFromCode({ symbol: binding.symbol, value: binding.value, source: binding.source });
  }

  deleteTrees(): void {
    for (const file of this.openFiles.values()) file.tree.delete();
  }

  private moduleFrame(file: FileContext): Frame {
    return { env: file.globals, file, scope: '<module>', path: '', repeat: num(1), emit: true, depth: 0 };
  }

  // ───────────────────────────── statements ─────────────────────────────

  private runBlock(block: SyntaxNode, frame: Frame): void {
    for (const statement of block.namedChildren) {
      if (!statement || frame.returned) continue;
      this.runStatement(statement, frame);
    }
  }

  /** Runs one statement; `decorated` is the `decorated_definition` a definition sits in, if any. */
  private runStatement(node: SyntaxNode, frame: Frame, decorated?: SyntaxNode): void {
    switch (node.type) {
      case 'expression_statement': {
        for (const child of node.namedChildren) if (child) this.runExpressionStatement(child, frame);
        return;
      }
      case 'return_statement': {
        const value = node.namedChildren[0];
        frame.returned = value ? this.evaluate(value, frame) : NONE;
        return;
      }
      case 'if_statement':
        return this.runIf(node, frame);
      case 'for_statement':
        return this.runFor(node, frame);
      case 'while_statement': {
        const body = field(node, 'body');
        if (body) this.runBlock(body, frame);
        return;
      }
      case 'with_statement':
        return this.runWith(node, frame);
      case 'try_statement': {
        const body = field(node, 'body');
        if (body) this.runBlock(body, frame);
        for (const clause of node.namedChildren) {
          if (clause?.type === 'finally_clause' || clause?.type === 'else_clause') {
            const inner = clause.namedChildren.find((c) => c?.type === 'block');
            if (inner) this.runBlock(inner, frame);
          }
        }
        return;
      }
      case 'import_statement':
      case 'import_from_statement':
        return this.runImport(node, frame);
      case 'decorated_definition': {
        const definition = field(node, 'definition');
        if (definition) this.runStatement(definition, frame, node);
        return;
      }
      case 'function_definition': {
        const name = field(node, 'name')?.text ?? '';
        const known = frame.scope === '<module>' ? frame.file.functions.get(name) : undefined;
        const fn = known ?? functionInfo(node, frame.file, undefined, frame.scope, decorated);
        frame.env.set(name, { kind: 'function', fn });
        return;
      }
      case 'class_definition': {
        const name = field(node, 'name')?.text ?? '';
        const cls = (frame.scope === '<module>' ? frame.file.classes.get(name) : undefined) ?? classInfo(node, frame.file, decorated);
        const superclasses = field(node, 'superclasses');
        cls.bases = (superclasses?.namedChildren ?? [])
          .filter((b): b is SyntaxNode => b !== null && b.type !== 'keyword_argument')
          .map((b) => this.evaluate(b, quiet(frame)));
        frame.env.set(name, { kind: 'class', cls });
        return;
      }
      default:
        return;
    }
  }

  private runExpressionStatement(node: SyntaxNode, frame: Frame): void {
    // Each `type` read crosses into wasm: read once, handed on to evaluate.
    const type = node.type;
    if (type === 'assignment') return this.runAssignment(node, frame);
    if (type === 'augmented_assignment') {
      const left = field(node, 'left');
      const right = field(node, 'right');
      const operator = field(node, 'operator')?.text.replace('=', '') ?? '+';
      if (!left || !right) return;
      const result = this.binary(operator, this.evaluate(left, frame), this.evaluate(right, frame), node, frame, left, right);
      this.assign(left, result, frame, node);
      return;
    }
    this.evaluate(node, frame, type);
  }

  private runAssignment(node: SyntaxNode, frame: Frame): void {
    const left = field(node, 'left');
    const right = field(node, 'right');
    if (!left) return;
    const leftType = left.type;
    const rightType = right?.type;
    // `allow_tf32 = True` switches fp32 matmuls to TF32 tensor cores. (Only a `true` node, or an identifier, can read
    // `True`: the types are known already, the texts are not.)
    if ((rightType === 'true' || rightType === 'identifier') && right?.text === 'True' && /allow_tf32$/.test(left.text)) this.builder.tf32Enabled = true;
    if (!right) {
      // `x: Float[Tensor, "b t d"]` without a value declares a shape for what follows.
      const type = field(node, 'type');
      if (leftType === 'identifier' && type) {
        const declared = this.annotationValue(type, left.text, frame);
        if (declared) frame.env.set(left.text, declared);
      }
      return;
    }
    // `B, T, C = x.size()` on a tensor of unknown shape gives it the shape [B, T, C].
    if ((leftType === 'pattern_list' || leftType === 'tuple_pattern') && this.declareFromUnpack(left, right, frame)) {
      // Shape declared; fall through to bind the names.
    }
    const value = rightType === 'assignment' ? this.evaluateChainedAssignment(right, frame) : this.evaluate(right, frame, rightType);
    this.assign(left, value, frame, node, leftType);
  }

  private evaluateChainedAssignment(node: SyntaxNode, frame: Frame): Value {
    const right = field(node, 'right');
    const left = field(node, 'left');
    const value = right ? (right.type === 'assignment' ? this.evaluateChainedAssignment(right, frame) : this.evaluate(right, frame)) : UNKNOWN;
    if (left) this.assign(left, value, frame, node);
    return value;
  }

  private assign(target: SyntaxNode, value: Value, frame: Frame, statement: SyntaxNode, type = target.type): void {
    switch (type) {
      case 'identifier':
        frame.env.set(this.names.identifier(target), value);
        return;
      case 'attribute': {
        let object: Value;
        let name: string;
        // `self.proj = ...`: both names read from the text (evaluating a name is a lookup), no node made for either.
        const simple = this.expressionDepth < MAX_EXPRESSION_DEPTH ? this.names.nameDotName(target) : undefined;
        if (simple) {
          object = this.lookup(simple.object, frame);
          name = simple.name;
        } else {
          const objectNode = field(target, 'object');
          name = this.names.trailing(target) ?? field(target, 'attribute')?.text ?? '';
          if (!objectNode) return;
          object = this.evaluate(objectNode, quiet(frame));
        }
        if (object.kind === 'module') object.instance.attrs.set(name, this.adoptParameter(value, name));
        else if (object.kind === 'object') object.attrs.set(name, value);
        else if (object.kind === 'layer' && value.kind === 'tensor') object.layer.params.set(name, value.tensor);
        return;
      }
      case 'subscript': {
        const objectNode = field(target, 'value');
        if (!objectNode) return;
        const object = this.evaluate(objectNode, frame);
        if (object.kind === 'tensor') {
          const region = this.subscriptValue(object, target, frame, false);
          const inputs = [object.tensor, ...(value.kind === 'tensor' ? [value.tensor] : [])];
          const written = region.kind === 'tensor' && value.kind !== 'tensor' ? [object.tensor, region.tensor] : inputs;
          this.emit('torch.Tensor.__setitem__', `${objectNode.text}[...] =`, statement, written, {}, frame, { shapes: [object.tensor.shape] });
        } else if (object.kind === 'dict') {
          const key = this.keyOf(target, frame);
          if (key !== undefined) object.entries.set(key, value);
        }
        return;
      }
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern': {
        const targets = target.namedChildren.filter((c): c is SyntaxNode => c !== null);
        const items = this.unpack(value, targets.length);
        targets.forEach((t, i) => {
          if (t.type === 'list_splat_pattern') return;
          this.assign(t, items[i] ?? UNKNOWN, frame, statement);
        });
        return;
      }
      default:
        return;
    }
  }

  /** Parameters keep their attribute name as origin, so hovers say `self.weight`. */
  private adoptParameter(value: Value, name: string): Value {
    if (value.kind !== 'tensor' || value.tensor.producer !== undefined) return value;
    const origin = value.tensor.origin;
    const named = origin === undefined || origin === 'parameter' || origin.startsWith('torch.') ? `self.${name}` : origin;
    return { kind: 'tensor', tensor: { ...value.tensor, origin: named } };
  }

  /** Splits a value into `count` items for tuple unpacking. */
  private unpack(value: Value, count: number): Value[] {
    if (value.kind === 'list') {
      if (value.repeated) return Array.from({ length: count }, () => (value.repeated as { item: Value }).item);
      if (value.items.length === 1 && count > 1 && value.items[0]?.kind === 'tensor') {
        return Array.from({ length: count }, () => value.items[0] as Value);
      }
      return value.items.slice(0, count);
    }
    if (value.kind === 'tensor') {
      // Unpacking a tensor iterates its first dim: each item drops it.
      const shape = value.tensor.shape;
      const item: Value = { kind: 'tensor', tensor: this.builder.value(shape ? shape.slice(1) : null, value.tensor.dtype, value.tensor.origin) };
      return Array.from({ length: count }, () => item);
    }
    return Array.from({ length: count }, () => UNKNOWN);
  }

  private declareFromUnpack(left: SyntaxNode, right: SyntaxNode, frame: Frame): boolean {
    const source = shapeSource(right);
    if (!source) return false;
    const current = frame.env.get(source);
    if (!current || (current.kind === 'tensor' && current.tensor.shape !== null)) return false;
    if (current.kind !== 'tensor' && current.kind !== 'free' && current.kind !== 'unknown') return false;
    const names = left.namedChildren.filter((c): c is SyntaxNode => c !== null).map((c) => c.text);
    if (names.some((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n))) return false;
    const shape = names.map((n) => (n === '_' ? unknownDim(`unnamed dim of ${source}`) : sym(n)));
    const dtype = current.kind === 'tensor' ? current.tensor.dtype : 'default';
    frame.env.set(source, { kind: 'tensor', tensor: this.builder.value(shape, dtype, `param ${source}`) });
    return true;
  }

  private runIf(node: SyntaxNode, frame: Frame): void {
    const condition = field(node, 'condition');
    const consequence = field(node, 'consequence');
    const alternatives = node.namedChildren.filter((c): c is SyntaxNode => c !== null && (c.type === 'elif_clause' || c.type === 'else_clause'));
    const value = condition ? this.evaluate(condition, quiet(frame)) : UNKNOWN;
    if (value.kind === 'bool' && value.flash !== undefined) {
      // `if self.flash:` (hasattr(F, 'scaled_dot_product_attention')): both paths are real code; the manual one is
      // the fallback that the fused kernel replaces, so its ops are marked rather than dropped.
      const fastFirst = value.flash;
      if (consequence) this.runBlock(consequence, fastFirst ? frame : { ...frame, fusedBy: frame.fusedBy ?? 'fallback' });
      const otherwise = alternatives[0];
      const otherBody = (otherwise ? field(otherwise, otherwise.type === 'elif_clause' ? 'consequence' : 'body') : undefined) ?? otherwise?.namedChildren.find((c) => c?.type === 'block');
      if (otherBody) {
        const otherFrame = fastFirst ? { ...frame, fusedBy: frame.fusedBy ?? ('fallback' as const) } : frame;
        this.runBlock(otherBody, otherFrame);
        if (otherFrame !== frame && otherFrame.returned) frame.returned = otherFrame.returned;
      }
      return;
    }
    const truth = truthiness(value);
    if (truth !== false) {
      // An unknown condition follows the first branch: the usual path, and never both (that would double-count).
      if (consequence) this.runBlock(consequence, frame);
      return;
    }
    for (const alternative of alternatives) {
      if (alternative.type === 'else_clause') {
        const body = field(alternative, 'body') ?? alternative.namedChildren.find((c) => c?.type === 'block');
        if (body) this.runBlock(body, frame);
        return;
      }
      const elifCondition = field(alternative, 'condition');
      const elifValue = elifCondition ? this.evaluate(elifCondition, quiet(frame)) : UNKNOWN;
      if (truthiness(elifValue) !== false) {
        const body = field(alternative, 'consequence');
        if (body) this.runBlock(body, frame);
        return;
      }
    }
  }

  private runFor(node: SyntaxNode, frame: Frame): void {
    const left = field(node, 'left');
    const right = field(node, 'right');
    const body = field(node, 'body');
    if (!left || !right || !body) return;
    let iterable = this.evaluate(right, frame);
    let enumerateIndex = false;
    if (iterable.kind === 'list' && right.type === 'call' && /^enumerate$/.test(field(right, 'function')?.text ?? '')) {
      enumerateIndex = true;
    }
    if (enumerateIndex && iterable.kind === 'list') iterable = iterable.items[0] ?? UNKNOWN;
    const bindTarget = (item: Value, index: Dim): void => {
      if (enumerateIndex && (left.type === 'pattern_list' || left.type === 'tuple_pattern')) {
        const [indexTarget, itemTarget] = left.namedChildren;
        if (indexTarget) this.assign(indexTarget, { kind: 'dim', dim: index }, frame, node);
        if (itemTarget) this.assign(itemTarget, item, frame, node);
      } else this.assign(left, item, frame, node);
    };
    const loop = (item: Value, count: Dim, index: Dim): void => {
      const inner: Frame = { ...frame, repeat: simplify(bin('*', frame.repeat, count)) };
      bindTarget(item, index);
      this.runBlock(body, inner);
      if (inner.returned) frame.returned = inner.returned;
    };
    const indexName = left.type === 'identifier' ? left.text : undefined;
    if (iterable.kind === 'range') {
      // While building a model (`__init__`), a loop of known length is unrolled: each pass may build a different layer.
      const count = frame.emit ? undefined : this.currentValue(iterable.count);
      if (count !== undefined && count >= 0 && count <= 64) {
        for (let i = 0; i < count; i++) {
          bindTarget({ kind: 'dim', dim: num(i) }, num(i));
          this.runBlock(body, frame);
          if (frame.returned) return;
        }
        return;
      }
      return loop({ kind: 'dim', dim: sym(indexName ?? '_loop') }, iterable.count, sym(indexName ?? '_loop'));
    }
    if (iterable.kind === 'modlist') {
      const list = iterable.list;
      if (list.repeated) {
        return loop(withPath(list.repeated.item, `${iterable.path}[*]`), list.repeated.count, sym(enumerateIndexName(left) ?? '_loop'));
      }
      list.items.forEach((item, i) => {
        bindTarget(withPath(item, `${iterable.path}[${i}]`), num(i));
        this.runBlock(body, frame);
      });
      return;
    }
    if (iterable.kind === 'list') {
      if (iterable.repeated) return loop(iterable.repeated.item, iterable.repeated.count, sym(enumerateIndexName(left) ?? '_loop'));
      iterable.items.forEach((item, i) => {
        bindTarget(item, num(i));
        this.runBlock(body, frame);
      });
      return;
    }
    if (iterable.kind === 'dict') {
      for (const [key] of iterable.entries) {
        bindTarget({ kind: 'str', value: key }, num(0));
        this.runBlock(body, frame);
      }
      return;
    }
    if (iterable.kind === 'tensor') {
      const shape = iterable.tensor.shape;
      const first = shape?.[0] ?? unknownDim('iterations');
      return loop({ kind: 'tensor', tensor: this.builder.value(shape ? shape.slice(1) : null, iterable.tensor.dtype) }, first, unknownDim('loop index'));
    }
    // An iterable MemWall cannot size: run the body once so its ops are still listed, and say so.
    this.builder.notes.push({ code: 'MW903', message: `Loop over \`${right.text.slice(0, 60)}\` has an unknown trip count; its body is counted once.`, span: this.span(right, frame) });
    bindTarget(UNKNOWN, unknownDim('loop index'));
    this.runBlock(body, frame);
  }

  private runWith(node: SyntaxNode, frame: Frame): void {
    let inner: Frame = frame;
    for (const item of node.descendantsOfType('with_item')) {
      const value = item ? field(item, 'value') : undefined;
      if (!value) continue;
      const call = value.type === 'as_pattern' ? value.namedChildren[0] : value;
      const text = call?.text ?? '';
      if (/autocast/.test(text)) {
        const dtypeMatch = /dtype\s*=\s*(?:torch\.)?(\w+)/.exec(text);
        const dtype = dtypeMatch ? DTYPE_ALIASES[dtypeMatch[1] as string] : /cuda|amp/.test(text) ? 'fp16' : 'bf16';
        if (!/enabled\s*=\s*False/.test(text)) inner = { ...inner, autocast: dtype ?? 'bf16' };
      }
      if (value.type === 'as_pattern') {
        const alias = value.namedChildren[1];
        if (alias && call) this.assign(alias.type === 'as_pattern_target' ? (alias.namedChildren[0] ?? alias) : alias, this.evaluate(call, frame), frame, node);
      }
    }
    const body = field(node, 'body');
    if (body) this.runBlock(body, inner);
    if (inner !== frame && inner.returned) frame.returned = inner.returned;
  }

  private runImport(node: SyntaxNode, frame: Frame): void {
    if (node.type === 'import_statement') {
      for (const name of node.namedChildren) {
        if (!name) continue;
        if (name.type === 'aliased_import') {
          const dotted = field(name, 'name')?.text ?? '';
          const alias = field(name, 'alias')?.text ?? dotted;
          frame.env.set(alias, this.importModule(dotted));
        } else {
          const dotted = name.text;
          // `import torch.nn` binds `torch`; attribute access then walks to torch.nn.
          const head = dotted.split('.')[0] as string;
          frame.env.set(head, this.importModule(head));
        }
      }
      return;
    }
    const moduleNode = field(node, 'module_name');
    let moduleName = moduleNode?.text ?? '';
    if (moduleName.startsWith('.')) moduleName = this.resolveRelative(moduleName, frame.file.name);
    const source = this.importModule(moduleName);
    const names = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== moduleNode?.id);
    for (const name of names) {
      if (name.type === 'wildcard_import') {
        if (source.kind === 'usermodule') for (const [key, value] of source.file.globals) frame.env.set(key, value);
        continue;
      }
      const imported = name.type === 'aliased_import' ? field(name, 'name')?.text ?? '' : name.text;
      const alias = name.type === 'aliased_import' ? field(name, 'alias')?.text ?? imported : imported;
      frame.env.set(alias, this.attribute(source, imported, frame, name));
    }
  }

  private resolveRelative(name: string, from: string): string {
    const dots = /^\.+/.exec(name)?.[0].length ?? 1;
    const parts = from === '<main>' ? [] : from.split('.');
    const base = parts.slice(0, Math.max(0, parts.length - dots));
    const rest = name.slice(dots);
    return [...base, ...(rest ? [rest] : [])].join('.');
  }

  /** A workspace module's text arrives from the host; anything else is a reference to a library name. */
  private importModule(dotted: string): Value {
    const text = this.modules.get(dotted);
    if (text === undefined) return { kind: 'ref', name: dotted };
    let file = this.openFiles.get(dotted);
    if (!file) {
      file = collectFile(dotted, text, this.parser.parse(text));
      this.openFiles.set(dotted, file);
      // Its top-level code defines its names; ops there belong to that file's own analysis, not this one.
      this.runModule(file, false);
    }
    return { kind: 'usermodule', file };
  }

  // ───────────────────────────── expressions ─────────────────────────────

  /** Evaluates an expression; `type` is the node's type when the caller has read it already (each read crosses into wasm). */
  evaluate(node: SyntaxNode, frame: Frame, type?: string): Value {
    if (this.expressionDepth >= MAX_EXPRESSION_DEPTH) {
      if (!this.expressionTooDeepNoted) {
        this.expressionTooDeepNoted = true;
        this.builder.notes.push({ code: 'MW903', message: `Expression nested deeper than ${MAX_EXPRESSION_DEPTH} levels: its inner part is not analysed.`, span: this.span(node, frame) });
      }
      return UNKNOWN;
    }
    this.expressionDepth++;
    try {
      return this.evaluateExpression(node, type ?? node.type, frame);
    } finally {
      this.expressionDepth--;
    }
  }

  private evaluateExpression(node: SyntaxNode, type: string, frame: Frame): Value {
    switch (type) {
      case 'identifier':
        return this.lookup(this.names.identifier(node), frame);
      case 'integer': {
        const value = Number(withoutUnderscores(node.text));
        return Number.isFinite(value) ? { kind: 'dim', dim: num(value) } : { kind: 'scalar' };
      }
      case 'float':
        return { kind: 'scalar', value: Number(withoutUnderscores(node.text)) };
      case 'string':
      case 'concatenated_string':
        return { kind: 'str', value: stringValue(node) };
      case 'true':
        return { kind: 'bool', value: true };
      case 'false':
        return { kind: 'bool', value: false };
      case 'none':
        return NONE;
      case 'ellipsis':
        return { kind: 'ref', name: 'builtins.Ellipsis' };
      case 'parenthesized_expression': {
        const inner = node.namedChildren.find((c) => c?.type !== 'comment');
        return inner ? this.evaluate(inner, frame) : UNKNOWN;
      }
      case 'tuple':
      case 'list':
      case 'expression_list':
        return { kind: 'list', items: this.evaluateItems(node, frame) };
      case 'dictionary': {
        const entries = new Map<string, Value>();
        for (const pair of node.namedChildren) {
          if (pair?.type !== 'pair') continue;
          const key = field(pair, 'key');
          const value = field(pair, 'value');
          if (key && value) entries.set(key.type === 'string' ? stringValue(key) : key.text, this.evaluate(value, frame));
        }
        return { kind: 'dict', entries };
      }
      case 'list_comprehension':
      case 'generator_expression':
        return this.comprehension(node, frame);
      case 'attribute': {
        // `self.proj`, `F.gelu`: both names read from the text (evaluating a name is a lookup), no node made for either.
        const simple = this.expressionDepth < MAX_EXPRESSION_DEPTH ? this.names.nameDotName(node) : undefined;
        if (simple) return this.attribute(this.lookup(simple.object, frame), simple.name, frame, node);
        const objectNode = field(node, 'object');
        const name = this.names.trailing(node) ?? field(node, 'attribute')?.text ?? '';
        if (!objectNode) return UNKNOWN;
        return this.attribute(this.evaluate(objectNode, frame), name, frame, node);
      }
      case 'call':
        return this.call(node, frame);
      case 'subscript': {
        const objectNode = field(node, 'value');
        if (!objectNode) return UNKNOWN;
        return this.subscript(this.evaluate(objectNode, frame), node, frame);
      }
      case 'binary_operator': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const operator = field(node, 'operator')?.text ?? '';
        if (!left || !right) return UNKNOWN;
        return this.binary(operator, this.evaluate(left, frame), this.evaluate(right, frame), node, frame, left, right);
      }
      case 'unary_operator': {
        const argument = field(node, 'argument');
        const operator = field(node, 'operator')?.text ?? '';
        if (!argument) return UNKNOWN;
        const value = this.evaluate(argument, frame);
        if (operator === '+') return value;
        if (value.kind === 'tensor') return this.emit(operator === '~' ? 'torch.bitwise_not' : 'torch.neg', operator, node, [value.tensor], {}, frame);
        if (value.kind === 'dim') return { kind: 'dim', dim: value.dim.kind === 'num' ? num(-value.dim.value) : bin('-', num(0), value.dim) };
        if (value.kind === 'scalar') return { kind: 'scalar', value: value.value === undefined ? undefined : -value.value };
        return UNKNOWN;
      }
      case 'not_operator': {
        const argument = field(node, 'argument');
        const value = argument ? this.evaluate(argument, frame) : UNKNOWN;
        if (value.kind === 'bool' && value.flash !== undefined) return { kind: 'bool', flash: !value.flash };
        const truth = truthiness(value);
        return { kind: 'bool', value: truth === undefined ? undefined : !truth };
      }
      case 'boolean_operator': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const operator = field(node, 'operator')?.text ?? 'and';
        const leftValue = left ? this.evaluate(left, frame) : UNKNOWN;
        const leftTruth = truthiness(leftValue);
        if (operator === 'and' && leftTruth === false) return leftValue;
        if (operator === 'or' && leftTruth === true) return leftValue;
        const rightValue = right ? this.evaluate(right, frame) : UNKNOWN;
        if (leftTruth === undefined) return truthiness(rightValue) === undefined || operator === 'or' ? { kind: 'bool' } : rightValue;
        return rightValue;
      }
      case 'comparison_operator':
        return this.comparison(node, frame);
      case 'conditional_expression': {
        const [whenTrue, condition, whenFalse] = node.namedChildren;
        const truth = condition ? truthiness(this.evaluate(condition, quiet(frame))) : undefined;
        const chosen = truth === false ? whenFalse : whenTrue;
        return chosen ? this.evaluate(chosen, frame) : UNKNOWN;
      }
      case 'keyword_argument': {
        const value = field(node, 'value');
        return value ? this.evaluate(value, frame) : UNKNOWN;
      }
      case 'await':
        return node.namedChildren[0] ? this.evaluate(node.namedChildren[0], frame) : UNKNOWN;
      case 'lambda':
        return UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  private evaluateItems(node: SyntaxNode, frame: Frame): Value[] {
    const items: Value[] = [];
    for (const child of node.namedChildren) {
      if (!child || child.type === 'comment') continue;
      if (child.type === 'list_splat') {
        const inner = child.namedChildren[0];
        const value = inner ? this.evaluate(inner, frame) : UNKNOWN;
        if (value.kind === 'list') items.push(...value.items);
        else items.push(value);
      } else items.push(this.evaluate(child, frame));
    }
    return items;
  }

  /** `[Block(config) for _ in range(config.n_layer)]`: one item evaluated once, repeated `count` times. */
  private comprehension(node: SyntaxNode, frame: Frame): Value {
    const body = field(node, 'body');
    const forClause = node.namedChildren.find((c) => c?.type === 'for_in_clause');
    if (!body || !forClause) return UNKNOWN;
    const left = field(forClause, 'left');
    const right = field(forClause, 'right');
    const iterable = right ? this.evaluate(right, quiet(frame)) : UNKNOWN;
    const inner: Frame = { ...frame, env: new Map(frame.env) };
    if (iterable.kind === 'range') {
      if (left) this.assign(left, { kind: 'dim', dim: unknownDim('comprehension index') }, inner, node);
      const item = this.evaluate(body, inner);
      const count = iterable.count;
      if (count.kind === 'num' && count.value <= 64 && item.kind !== 'module' && item.kind !== 'layer') {
        return { kind: 'list', items: Array.from({ length: count.value }, () => item) };
      }
      return { kind: 'list', items: [], repeated: { item, count } };
    }
    if (iterable.kind === 'list' && !iterable.repeated) {
      return {
        kind: 'list',
        items: iterable.items.map((element) => {
          if (left) this.assign(left, element, inner, node);
          return this.evaluate(body, inner);
        }),
      };
    }
    if (left) this.assign(left, UNKNOWN, inner, node);
    return { kind: 'list', items: [], repeated: { item: this.evaluate(body, inner), count: unknownDim('comprehension length') } };
  }

  private lookup(name: string, frame: Frame): Value {
    const local = frame.env.get(name);
    if (local) return local;
    const global = frame.file.globals.get(name);
    if (global) return global;
    const cls = frame.file.classes.get(name);
    if (cls) return { kind: 'class', cls };
    const fn = frame.file.functions.get(name);
    if (fn) return { kind: 'function', fn };
    const builtin = BUILTINS.has(name) ? `builtins.${name}` : undefined;
    if (builtin) return { kind: 'ref', name: builtin };
    if (name === 'self') return UNKNOWN;
    return { kind: 'free', name };
  }

  // ───────────────────────────── attributes ─────────────────────────────

  attribute(object: Value, name: string, frame: Frame, node: SyntaxNode): Value {
    switch (object.kind) {
      case 'ref': {
        const dtype = object.name === 'torch' ? TORCH_DTYPES.get(name) : undefined;
        if (dtype) return { kind: 'dtype', dtype };
        return { kind: 'ref', name: `${object.name}.${name}` };
      }
      case 'usermodule': {
        const file = object.file;
        const value = file.globals.get(name);
        if (value) return value;
        const cls = file.classes.get(name);
        if (cls) return { kind: 'class', cls };
        const fn = file.functions.get(name);
        if (fn) return { kind: 'function', fn };
        const sub = this.modules.has(`${file.name}.${name}`) ? this.importModule(`${file.name}.${name}`) : undefined;
        return sub ?? UNKNOWN;
      }
      case 'tensor':
        return this.tensorAttribute(object, name, frame, node);
      case 'module': {
        const value = object.instance.attrs.get(name);
        if (value) return withPath(value, joinPath(object.path, name));
        if (name === 'training') return { kind: 'bool', value: true };
        const method = this.findMethod(object.instance.cls, name);
        if (method) return { kind: 'function', fn: method, self: object };
        const field = this.classField(object.instance.cls, name, frame);
        if (field) return field;
        return { kind: 'method', receiver: object, name };
      }
      case 'layer': {
        const param = object.layer.params.get(name);
        if (param) return { kind: 'tensor', tensor: param };
        if (name in object.layer.args) return attrToValue(object.layer.args[name] as AttrValue);
        if (name === 'training') return { kind: 'bool', value: true };
        return { kind: 'method', receiver: object, name };
      }
      case 'modlist':
      case 'list':
        return { kind: 'method', receiver: object, name };
      case 'dict': {
        const value = object.entries.get(name);
        if (value) return withPath(value, joinPath(object.path ?? '', name));
        return { kind: 'method', receiver: object, name };
      }
      case 'object': {
        const value = object.attrs.get(name);
        if (value) return value;
        if (object.cls) {
          const method = this.findMethod(object.cls, name);
          if (method) return { kind: 'function', fn: method, self: object };
          const field = this.classField(object.cls, name, frame);
          if (field) return field;
        }
        return { kind: 'dim', dim: sym(name) };
      }
      case 'free': {
        // A root's parameter used like a tensor (`x.pow(2)`, `x.shape`) is a tensor whose shape nobody declared.
        if (TENSOR_ONLY_ATTRIBUTES.has(name) || lookupEntry(`torch.Tensor.${name}`)) {
          const tensor: Value = { kind: 'tensor', tensor: this.builder.value(null, 'default', `param ${object.name}`) };
          if (frame.env.get(object.name) === object) frame.env.set(object.name, tensor);
          return this.attribute(tensor, name, frame, node);
        }
        // `config.n_embd` on a config MemWall has no instance of: the attribute's name is the symbol.
        return { kind: 'free', name };
      }
      case 'class': {
        const method = this.findMethod(object.cls, name);
        if (method) return { kind: 'function', fn: method };
        return this.classField(object.cls, name, frame) ?? UNKNOWN;
      }
      case 'super': {
        const base = object.cls.bases.find((b) => b.kind === 'class' || b.kind === 'ref');
        if (base?.kind === 'class') {
          const method = this.findMethod(base.cls, name);
          if (method) return { kind: 'function', fn: method, self: object.self };
        }
        return { kind: 'method', receiver: object, name };
      }
      case 'function':
        return UNKNOWN;
      default:
        return UNKNOWN;
    }
  }

  private classField(cls: ClassInfo, name: string, frame: Frame): Value | undefined {
    for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
      if (current.fields.has(name)) {
        const node = current.fields.get(name);
        return node ? this.evaluate(node, { ...frame, env: new Map(), file: current.file, emit: false }) : UNKNOWN;
      }
    }
    return undefined;
  }

  private findMethod(cls: ClassInfo, name: string): FunctionInfo | undefined {
    for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) {
      const method = current.methods.get(name);
      if (method) return method;
    }
    return undefined;
  }

  private tensorAttribute(object: Extract<Value, { kind: 'tensor' }>, name: string, frame: Frame, node: SyntaxNode): Value {
    const shape = object.tensor.shape;
    switch (name) {
      case 'shape':
        return shape ? { kind: 'list', items: shape.map((d) => ({ kind: 'dim', dim: d })) } : UNKNOWN;
      case 'dtype':
        return object.tensor.dtype && object.tensor.dtype !== 'default' ? { kind: 'dtype', dtype: object.tensor.dtype } : UNKNOWN;
      case 'ndim':
        return shape ? { kind: 'dim', dim: num(shape.length) } : UNKNOWN;
      case 'T':
      case 'mT':
        return this.emit(`torch.Tensor.${name}`, `.${name}`, node, [object.tensor], {}, frame);
      case 'device':
      case 'is_cuda':
      case 'requires_grad':
      case 'grad':
        return UNKNOWN;
      default:
        return { kind: 'method', receiver: object, name };
    }
  }

  // ───────────────────────────── subscripts ─────────────────────────────

  private subscript(object: Value, node: SyntaxNode, frame: Frame): Value {
    if (object.kind === 'tensor') return this.subscriptValue(object, node, frame, true);
    const indices = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== field(node, 'value')?.id);
    const first = indices[0];
    if (object.kind === 'function' && object.fn.tritonKernel) return { kind: 'triton_launch' };
    if (object.kind === 'ref' && /^(triton|tl)\b/.test(object.name)) return UNKNOWN;
    if (!first) return UNKNOWN;
    if (object.kind === 'list' || object.kind === 'modlist') {
      const list = object.kind === 'list' ? object : object.list;
      const path = object.kind === 'modlist' ? object.path : undefined;
      if (first.type === 'slice') {
        const [start, stop] = this.sliceBounds(first, frame);
        if (list.repeated) return object;
        const length = list.items.length;
        const from = start === undefined ? 0 : start < 0 ? start + length : start;
        const to = stop === undefined ? length : stop < 0 ? stop + length : stop;
        const items = list.items.slice(from, to);
        return object.kind === 'modlist' ? { ...object, list: { kind: 'list', items } } : { kind: 'list', items };
      }
      const index = this.evaluate(first, frame);
      if (list.repeated) return path !== undefined ? withPath(list.repeated.item, `${path}[*]`) : list.repeated.item;
      if (index.kind === 'dim' && index.dim.kind === 'num') {
        const position = index.dim.value < 0 ? index.dim.value + list.items.length : index.dim.value;
        const item = list.items[position] ?? UNKNOWN;
        return path !== undefined ? withPath(item, `${path}[${position}]`) : item;
      }
      return UNKNOWN;
    }
    if (object.kind === 'dict') {
      const key = this.keyOf(node, frame);
      const value = key === undefined ? undefined : object.entries.get(key);
      return value ? withPath(value, joinPath(object.path ?? '', key as string)) : UNKNOWN;
    }
    if (object.kind === 'free') return UNKNOWN;
    return UNKNOWN;
  }

  private keyOf(node: SyntaxNode, frame: Frame): string | undefined {
    const index = node.namedChildren.find((c) => c !== null && c.id !== field(node, 'value')?.id);
    if (!index) return undefined;
    const value = this.evaluate(index, frame);
    return value.kind === 'str' ? value.value : undefined;
  }

  private sliceBounds(slice: SyntaxNode, frame: Frame): [number | undefined, number | undefined] {
    const parts = this.sliceParts(slice, frame);
    const literalOf = (v: Value | undefined): number | undefined => (v?.kind === 'dim' && v.dim.kind === 'num' ? v.dim.value : undefined);
    return [literalOf(parts.start), literalOf(parts.stop)];
  }

  /** Splits `a:b:c` into its parts; tree-sitter gives the slice's children around the colons. */
  private sliceParts(slice: SyntaxNode, frame: Frame): { start?: Value; stop?: Value; step?: Value } {
    const parts: (SyntaxNode | undefined)[] = [undefined];
    for (const child of slice.children) {
      if (!child) continue;
      if (child.type === ':') parts.push(undefined);
      else if (child.type !== 'comment') parts[parts.length - 1] = child;
    }
    const value = (n: SyntaxNode | undefined): Value | undefined => (n ? this.evaluate(n, frame) : undefined);
    return { start: value(parts[0]), stop: value(parts[1]), step: value(parts[2]) };
  }

  /**
   * Tensor indexing: ints drop a dim, slices shorten it, None adds one, `...` skips; a list or tensor index is advanced
   * indexing (a gather that copies), the rest is a view.
   */
  private subscriptValue(object: Extract<Value, { kind: 'tensor' }>, node: SyntaxNode, frame: Frame, emitOp: boolean): Value {
    const valueNode = field(node, 'value');
    const indices = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== valueNode?.id && c.type !== 'comment');
    const shape = object.tensor.shape;
    const gathered: TensorValue[] = [];
    let advanced = false;
    const out: Dim[] = [];
    let position = 0;
    let known = shape !== null;
    const ellipsisAt = indices.findIndex((i) => i.type === 'ellipsis');
    const consumed = indices.filter((i) => i.type !== 'ellipsis' && i.type !== 'none').length;
    for (let k = 0; k < indices.length; k++) {
      const index = indices[k] as SyntaxNode;
      if (index.type === 'ellipsis') {
        const skip = shape ? shape.length - consumed : 0;
        for (let s = 0; s < skip; s++) out.push((shape as readonly Dim[])[position++] as Dim);
        continue;
      }
      if (index.type === 'none') {
        out.push(num(1));
        continue;
      }
      const dim = shape?.[position];
      if (index.type === 'slice') {
        const parts = this.sliceParts(index, frame);
        position++;
        if (!dim) {
          known = false;
          continue;
        }
        out.push(sliceLength(dim, parts));
        continue;
      }
      const value = this.evaluate(index, frame);
      position++;
      if (value.kind === 'list' || value.kind === 'tensor') {
        advanced = true;
        if (value.kind === 'tensor') {
          gathered.push(value.tensor);
          if (value.tensor.dtype === 'bool') {
            out.push(unknownDim('number of true elements in a boolean mask'));
          } else if (value.tensor.shape) out.push(...value.tensor.shape);
          else known = false;
        } else out.push(num(value.items.length));
        continue;
      }
      // An integer index selects: the dim disappears.
    }
    if (ellipsisAt < 0 && shape) for (; position < shape.length; position++) out.push(shape[position] as Dim);
    const resultShape = known && shape ? out : null;
    if (!emitOp) return { kind: 'tensor', tensor: this.builder.value(resultShape, object.tensor.dtype) };
    const label = `${valueNode?.text ?? ''}[${indices.map((i) => i.text).join(', ')}]`.slice(0, 80);
    const op = advanced ? 'torch.Tensor.index' : 'torch.Tensor.__getitem__';
    const strided = !advanced && indices.some((index, k) => k > 0 && index.type !== 'ellipsis' && !(index.type === 'slice' && index.text.replace(/\s/g, '') === ':'));
    return this.emit(op, label, node, [object.tensor, ...gathered], resultShape ? { shape: resultShape } : {}, frame, { shapes: [resultShape], strided });
  }

  // ───────────────────────────── operators ─────────────────────────────

  binary(operator: string, left: Value, right: Value, node: SyntaxNode, frame: Frame, leftNode?: SyntaxNode, rightNode?: SyntaxNode): Value {
    if (left.kind === 'tensor' || right.kind === 'tensor') {
      const op = BINARY_OPERATORS[operator];
      if (!op) return this.emit(`operator.${operator}`, operator, node, tensorsOf([left, right]), {}, frame);
      const inputs: TensorValue[] = [];
      const attrs: Record<string, AttrValue> = {};
      if (left.kind === 'tensor') inputs.push(left.tensor);
      else attrs.self = valueToAttr(left);
      if (right.kind === 'tensor') inputs.push(right.tensor);
      else attrs.other = valueToAttr(right);
      return this.emit(op, operator, node, inputs, attrs, frame, { argumentNodes: [leftNode, rightNode] });
    }
    if (left.kind === 'list' && right.kind === 'list' && operator === '+') {
      return { kind: 'list', items: [...left.items, ...right.items] };
    }
    if (left.kind === 'list' && operator === '*' && right.kind === 'dim' && right.dim.kind === 'num') {
      return { kind: 'list', items: Array.from({ length: right.dim.value }, () => left.items).flat() };
    }
    const a = numeric(left);
    const b = numeric(right);
    if (a === undefined || b === undefined) {
      if (left.kind === 'str' && right.kind === 'str' && operator === '+') return { kind: 'str', value: left.value + right.value };
      return UNKNOWN;
    }
    if (a.kind === 'dim' && b.kind === 'dim' && operator === '**' && b.dim.kind === 'num' && Number.isInteger(b.dim.value) && b.dim.value >= 0 && b.dim.value <= 4) {
      // `(img_size // patch) ** 2`: a small integer power is a product, which stays symbolic.
      let power: Dim = num(1);
      for (let i = 0; i < b.dim.value; i++) power = bin('*', power, a.dim);
      return { kind: 'dim', dim: simplify(power) };
    }
    if (a.kind === 'dim' && b.kind === 'dim' && ['+', '-', '*', '//', '%'].includes(operator)) {
      return { kind: 'dim', dim: simplify(bin(operator as '+' | '-' | '*' | '//' | '%', a.dim, b.dim)) };
    }
    if (a.kind === 'dim' && b.kind === 'dim' && operator === '/') {
      const exact = a.dim.kind === 'num' && b.dim.kind === 'num' ? a.dim.value / b.dim.value : undefined;
      return exact !== undefined ? { kind: 'scalar', value: exact } : { kind: 'dim', dim: simplify(bin('/', a.dim, b.dim)) };
    }
    const x = a.kind === 'dim' ? (a.dim.kind === 'num' ? a.dim.value : undefined) : a.value;
    const y = b.kind === 'dim' ? (b.dim.kind === 'num' ? b.dim.value : undefined) : b.value;
    if (x === undefined || y === undefined) return { kind: 'scalar' };
    const result = applyNumber(operator, x, y);
    return result === undefined ? { kind: 'scalar' } : { kind: 'scalar', value: result };
  }

  private comparison(node: SyntaxNode, frame: Frame): Value {
    const operands = node.namedChildren.filter((c): c is SyntaxNode => c !== null);
    const operators = node.children.filter((c) => c !== null && !c.isNamed).map((c) => (c as SyntaxNode).text);
    // `is not` and `not in` arrive as two tokens.
    const joined: string[] = [];
    for (let i = 0; i < operators.length; i++) {
      const current = operators[i] as string;
      if ((current === 'is' && operators[i + 1] === 'not') || (current === 'not' && operators[i + 1] === 'in')) {
        joined.push(`${current} ${operators[i + 1]}`);
        i++;
      } else joined.push(current);
    }
    if (operands.length !== 2) return { kind: 'bool' };
    const [leftNode, rightNode] = operands as [SyntaxNode, SyntaxNode];
    const operator = joined[0] ?? '==';
    const left = this.evaluate(leftNode, frame);
    const right = this.evaluate(rightNode, frame);
    if (operator === 'is' || operator === 'is not') {
      const bothKnown = left.kind !== 'unknown' && left.kind !== 'free' && right.kind !== 'unknown' && right.kind !== 'free';
      if (!bothKnown) return { kind: 'bool' };
      const same = left.kind === right.kind && (left.kind !== 'bool' || (right.kind === 'bool' && left.value === right.value));
      return { kind: 'bool', value: operator === 'is' ? same : !same };
    }
    if (left.kind === 'tensor' || right.kind === 'tensor') {
      const op = COMPARISON_OPERATORS[operator];
      if (!op) return { kind: 'bool' };
      const inputs = tensorsOf([left, right]);
      const attrs: Record<string, AttrValue> = {};
      if (right.kind !== 'tensor') attrs.other = valueToAttr(right);
      return this.emit(op, operator, node, inputs, attrs, frame);
    }
    const a = numeric(left);
    const b = numeric(right);
    // Control flow on sizes (`if in_planes != planes:`) is decided with the values the code gives the symbols.
    const x = a?.kind === 'dim' ? this.currentValue(a.dim) : a?.value;
    const y = b?.kind === 'dim' ? this.currentValue(b.dim) : b?.value;
    if (x !== undefined && y !== undefined) {
      const table: Record<string, boolean> = { '==': x === y, '!=': x !== y, '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y };
      if (operator in table) return { kind: 'bool', value: table[operator] };
    }
    if (left.kind === 'str' && right.kind === 'str') {
      if (operator === '==') return { kind: 'bool', value: left.value === right.value };
      if (operator === '!=') return { kind: 'bool', value: left.value !== right.value };
    }
    return { kind: 'bool' };
  }

  /** A dim's value under the code's own bindings (explicit arguments first), for decisions the code makes on sizes. */
  currentValue(dim: Dim): number | undefined {
    if (dim.kind === 'num') return dim.value;
    if (!this.bindingCache || this.bindingCache.count !== this.codeBindings.length) {
      const values = new Map<string, number>(this.magicBindings);
      for (const binding of [...this.codeBindings].sort((p, q) => p.priority - q.priority)) {
        if (!values.has(binding.symbol)) values.set(binding.symbol, binding.value);
      }
      this.bindingCache = { count: this.codeBindings.length, values };
    }
    return evalDim(dim, this.bindingCache.values);
  }

  // ───────────────────────────── calls ─────────────────────────────

  private call(node: SyntaxNode, frame: Frame): Value {
    const calleeNode = field(node, 'function');
    const argumentsNode = field(node, 'arguments');
    if (!calleeNode) return UNKNOWN;
    const callee = this.evaluate(calleeNode, frame);
    if (callee.kind === 'triton_launch') return NONE;
    const { positional, keywords, nodes } = this.evaluateArguments(argumentsNode, frame);
    // Calls into user code never show the callee's text: it is read only for library calls, methods and layers.
    const labelled = callee.kind !== 'function' && callee.kind !== 'class' && callee.kind !== 'module' && callee.kind !== 'object';
    return this.apply(callee, positional, keywords, node, frame, labelled ? calleeNode.text : '', nodes);
  }

  private evaluateArguments(
    argumentsNode: SyntaxNode | null,
    frame: Frame,
  ): { positional: Value[]; keywords: ReadonlyMap<string, Value>; nodes: (SyntaxNode | undefined)[] } {
    const positional: Value[] = [];
    const nodes: (SyntaxNode | undefined)[] = [];
    // Most calls pass no keyword: they share one empty map (read-only everywhere) instead of making one each.
    let keywords: Map<string, Value> | undefined;
    if (!argumentsNode) return { positional, keywords: NO_KEYWORDS, nodes };
    if (argumentsNode.type === 'generator_expression') {
      positional.push(this.comprehension(argumentsNode, frame));
      nodes.push(argumentsNode);
      return { positional, keywords: NO_KEYWORDS, nodes };
    }
    for (const argument of argumentsNode.namedChildren) {
      if (!argument) continue;
      const type = argument.type;
      if (type === 'comment') continue;
      if (type === 'keyword_argument') {
        const name = this.names.leading(argument) ?? field(argument, 'name')?.text ?? '';
        const value = field(argument, 'value');
        (keywords ??= new Map()).set(name, value ? this.evaluate(value, frame) : UNKNOWN);
      } else if (type === 'list_splat') {
        const inner = argument.namedChildren[0];
        const value = inner ? this.evaluate(inner, frame) : UNKNOWN;
        if (value.kind === 'list' && !value.repeated) {
          positional.push(...value.items);
          value.items.forEach(() => nodes.push(undefined));
        } else {
          positional.push(value);
          nodes.push(inner ?? undefined);
        }
      } else if (type === 'dictionary_splat') {
        const inner = argument.namedChildren[0];
        const value = inner ? this.evaluate(inner, frame) : UNKNOWN;
        if (value.kind === 'dict') for (const [key, entry] of value.entries) (keywords ??= new Map()).set(key, entry);
      } else {
        positional.push(this.evaluate(argument, frame, type));
        nodes.push(argument);
      }
    }
    return { positional, keywords: keywords ?? NO_KEYWORDS, nodes };
  }

  apply(
    callee: Value,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    label: string,
    argumentNodes: (SyntaxNode | undefined)[] = [],
  ): Value {
    switch (callee.kind) {
      case 'ref':
        return this.callLibrary(callee.name, positional, keywords, node, frame, label, argumentNodes);
      case 'method':
        return this.callMethod(callee.receiver, callee.name, positional, keywords, node, frame, label, argumentNodes);
      case 'function': {
        if (callee.fn.tritonKernel) return NONE;
        return this.callFunction(callee.fn, positional, keywords, frame, callee.self, node, false);
      }
      case 'class':
        return this.instantiate(callee.cls, positional, keywords, frame, node);
      case 'module':
        return this.callModule(callee, positional, keywords, node, frame);
      case 'layer':
        return this.callLayer(callee, positional, keywords, node, frame, label, argumentNodes);
      case 'modlist':
        if (callee.sequential) return this.callSequential(callee, positional, keywords, node, frame);
        return UNKNOWN;
      case 'object': {
        const call = callee.cls ? this.findMethod(callee.cls, '__call__') : undefined;
        if (call) return this.callFunction(call, positional, keywords, frame, callee, node, false);
        return UNKNOWN;
      }
      default: {
        // A call MemWall cannot resolve: if tensors go in, it is still an op (unknown, unpriced), never dropped.
        const tensors = tensorsOf([...positional, ...keywords.values()]);
        if (tensors.length === 0) return UNKNOWN;
        return this.emit(`unresolved:${label}`, label, node, tensors, {}, frame, { argumentNodes });
      }
    }
  }

  /** torch.*, torch.nn.*, F.*, math.*, builtins: the catalog where it knows the op, small built-in rules otherwise. */
  private callLibrary(
    name: string,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    label: string,
    argumentNodes: (SyntaxNode | undefined)[],
  ): Value {
    const special = this.libraryBuiltin(name, positional, keywords, node, frame);
    if (special !== undefined) return special;
    const qualified = canonicalName(name);
    const entry = lookupEntry(qualified);
    // Module classes (`torch.nn.Linear`) construct a layer; functions that share the entry (`F.gelu`) are ops.
    if (entry?.module && /^torch\.nn\.[A-Z]/.test(qualified)) return this.constructLayer(qualified, entry, positional, keywords, node, frame);
    if (entry) return this.callOp(qualified, entry, label, positional, keywords, node, frame, argumentNodes);
    const tensors = tensorsOf([...positional, ...keywords.values()]);
    if (/^torch\.nn\.[A-Z]/.test(qualified)) {
      // An nn module MemWall does not know: still a layer, so its calls are listed as unknown ops.
      return this.constructLayer(qualified, undefined, positional, keywords, node, frame);
    }
    if (/^torch\b/.test(qualified) || tensors.length > 0) {
      if (tensors.length === 0 && !/^torch\.(nn\.functional|Tensor)\b|^torch\.[a-z_0-9]+$/.test(qualified)) return UNKNOWN;
      return this.emit(qualified, label, node, tensors, {}, frame, { argumentNodes });
    }
    return UNKNOWN;
  }

  /** Built-in Python and torch helpers that are not ops: sizes, ranges, config plumbing, compile wrappers. */
  private libraryBuiltin(name: string, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value | undefined {
    const first = positional[0];
    switch (name) {
      case 'builtins.range': {
        const [a, b, step] = positional.map((p) => numericDim(p));
        if (positional.length === 1) return a ? { kind: 'range', count: a } : { kind: 'range', count: unknownDim('range length') };
        if (a && b) {
          const span = simplify(bin('-', b, a));
          if (!step || (step.kind === 'num' && step.value === 1)) return { kind: 'range', count: span };
          return { kind: 'range', count: bin('//', bin('-', bin('+', span, step), num(1)), step) };
        }
        return { kind: 'range', count: unknownDim('range length') };
      }
      case 'builtins.len': {
        if (first?.kind === 'list') return first.repeated ? { kind: 'dim', dim: first.repeated.count } : { kind: 'dim', dim: num(first.items.length) };
        if (first?.kind === 'modlist') return first.list.repeated ? { kind: 'dim', dim: first.list.repeated.count } : { kind: 'dim', dim: num(first.list.items.length) };
        if (first?.kind === 'tensor' && first.tensor.shape?.[0]) return { kind: 'dim', dim: first.tensor.shape[0] };
        return { kind: 'dim', dim: unknownDim('len') };
      }
      case 'builtins.int':
      case 'builtins.round':
        if (first?.kind === 'dim') return first;
        if (first?.kind === 'scalar') return first.value === undefined ? { kind: 'dim', dim: unknownDim('int()') } : { kind: 'dim', dim: num(Math.trunc(first.value)) };
        return { kind: 'dim', dim: unknownDim('int()') };
      case 'builtins.float':
        if (first?.kind === 'str') return { kind: 'scalar', value: Number(first.value) };
        if (first?.kind === 'dim' && first.dim.kind === 'num') return { kind: 'scalar', value: first.dim.value };
        return first?.kind === 'scalar' ? first : { kind: 'scalar' };
      case 'builtins.bool':
        return { kind: 'bool', value: first ? truthiness(first) : false };
      case 'builtins.min':
      case 'builtins.max': {
        const values = positional.length === 1 && first?.kind === 'list' ? first.items : positional;
        const dims = values.map(numericDim);
        if (dims.every((d) => d?.kind === 'num')) {
          const numbers = dims.map((d) => (d as { value: number }).value);
          return { kind: 'dim', dim: num(name === 'builtins.min' ? Math.min(...numbers) : Math.max(...numbers)) };
        }
        // min(T, block_size): the first argument is the size the code means; the other is a bound.
        return values[0] ?? UNKNOWN;
      }
      case 'builtins.isinstance':
      case 'builtins.callable':
        return { kind: 'bool' };
      case 'builtins.hasattr': {
        const attributeName = positional[1]?.kind === 'str' ? positional[1].value : '';
        if (attributeName === 'scaled_dot_product_attention') return { kind: 'bool', flash: true };
        return { kind: 'bool' };
      }
      case 'builtins.getattr': {
        const attributeName = positional[1]?.kind === 'str' ? positional[1].value : undefined;
        if (first && attributeName) return this.attribute(first, attributeName, frame, node);
        return positional[2] ?? UNKNOWN;
      }
      case 'builtins.super': {
        const self = frame.env.get('self');
        const cls = this.callStack[this.callStack.length - 1]?.owner;
        return self && cls ? { kind: 'super', self, cls } : UNKNOWN;
      }
      case 'builtins.print':
      case 'builtins.setattr':
        return NONE;
      case 'builtins.list':
      case 'builtins.tuple':
        return first?.kind === 'list' ? first : first ? { kind: 'list', items: [first] } : { kind: 'list', items: [] };
      case 'builtins.dict': {
        const entries = new Map<string, Value>(keywords);
        return { kind: 'dict', entries };
      }
      case 'builtins.enumerate':
        return { kind: 'list', items: [first ?? UNKNOWN] };
      case 'builtins.zip':
        return UNKNOWN;
      case 'builtins.sum': {
        if (first?.kind === 'list') {
          let total: Value | undefined;
          for (const item of first.items) total = total ? this.binary('+', total, item, node, frame) : item;
          return total ?? { kind: 'dim', dim: num(0) };
        }
        return UNKNOWN;
      }
      case 'builtins.Ellipsis':
        return UNKNOWN;
      case 'math.sqrt':
      case 'math.log':
      case 'math.exp':
      case 'math.log2':
      case 'math.ceil':
      case 'math.floor': {
        const value = numeric(first ?? UNKNOWN);
        const x = value?.kind === 'dim' ? (value.dim.kind === 'num' ? value.dim.value : undefined) : value?.value;
        const fn = { 'math.sqrt': Math.sqrt, 'math.log': Math.log, 'math.exp': Math.exp, 'math.log2': Math.log2, 'math.ceil': Math.ceil, 'math.floor': Math.floor }[name];
        if (name === 'math.ceil' || name === 'math.floor') {
          return x === undefined ? { kind: 'dim', dim: value?.kind === 'dim' ? value.dim : unknownDim(name) } : { kind: 'dim', dim: num((fn as (v: number) => number)(x)) };
        }
        return { kind: 'scalar', value: x === undefined ? undefined : (fn as (v: number) => number)(x) };
      }
      case 'torch.compile':
      case 'torch.jit.script':
      case 'torch.jit.trace': {
        if (name !== 'torch.compile') return first ?? UNKNOWN;
        const modeValue = keywords.get('mode');
        const mode = modeValue?.kind === 'str' ? modeValue.value : undefined;
        const target = first?.kind === 'module' ? first.instance : first?.kind === 'function' ? first.fn : first?.kind === 'class' ? first.cls : undefined;
        if (target) {
          target.compiled = true;
          target.compileMode = mode;
        }
        return first ?? UNKNOWN;
      }
      case 'torch.set_float32_matmul_precision': {
        if (first?.kind === 'str' && (first.value === 'high' || first.value === 'medium')) this.builder.tf32Enabled = true;
        return NONE;
      }
      case 'torch.no_grad':
      case 'torch.inference_mode':
      case 'torch.enable_grad':
      case 'torch.autocast':
      case 'torch.cuda.amp.autocast':
      case 'torch.amp.autocast':
      case 'torch.manual_seed':
      case 'torch.cuda.synchronize':
      case 'torch.device':
      case 'contextlib.nullcontext':
        return UNKNOWN;
      case 'torch.nn.Parameter':
      case 'torch.nn.parameter.Parameter':
      case 'torch.nn.Buffer': {
        if (first?.kind === 'tensor') return { kind: 'tensor', tensor: { ...first.tensor, producer: undefined, origin: 'parameter' } };
        return first ?? UNKNOWN;
      }
      case 'torch.nn.ModuleList':
      case 'torch.nn.ParameterList': {
        const list = first?.kind === 'list' ? first : { kind: 'list' as const, items: [] };
        return { kind: 'modlist', list, path: '', sequential: false };
      }
      case 'torch.nn.Sequential': {
        if (positional.length === 1 && first?.kind === 'dict') {
          return { kind: 'modlist', list: { kind: 'list', items: [...first.entries.values()] }, path: '', sequential: true };
        }
        const items = positional.length === 1 && first?.kind === 'list' && first.repeated ? first : { kind: 'list' as const, items: positional };
        return { kind: 'modlist', list: items, path: '', sequential: true };
      }
      case 'torch.nn.ModuleDict':
      case 'torch.nn.ParameterDict':
      case 'collections.OrderedDict': {
        if (first?.kind === 'dict') return { kind: 'dict', entries: new Map(first.entries) };
        if (first?.kind === 'list') {
          const entries = new Map<string, Value>();
          for (const pair of first.items) {
            if (pair.kind === 'list' && pair.items[0]?.kind === 'str') entries.set(pair.items[0].value, pair.items[1] ?? UNKNOWN);
          }
          return { kind: 'dict', entries };
        }
        return { kind: 'dict', entries: new Map(keywords) };
      }
      case 'torch.tensor':
      case 'torch.as_tensor': {
        const shape = first ? literalShape(first) : null;
        const dtype = keywords.get('dtype');
        return this.emit('torch.tensor', 'torch.tensor', node, [], {}, frame, { shapes: [shape], dtype: dtype?.kind === 'dtype' ? dtype.dtype : 'default', createOnly: true });
      }
      case 'torch.max':
      case 'torch.min':
        if (positional[1]?.kind === 'tensor') return this.callLibrary(name === 'torch.max' ? 'torch.maximum' : 'torch.minimum', positional, keywords, node, frame, name, []);
        return undefined;
      case 'torch.nn.init.normal_':
      case 'torch.nn.init.zeros_':
      case 'torch.nn.init.ones_':
      case 'torch.nn.init.xavier_uniform_':
      case 'torch.nn.init.kaiming_normal_':
      case 'torch.nn.init.trunc_normal_':
        return first ?? NONE;
      default:
        if (/^torch\.nn\.init\./.test(name)) return first ?? NONE;
        if (/^(math|random|numpy|np|os|sys|time|logging|warnings|inspect|dataclasses|typing|functools|itertools)\./.test(name)) return { kind: 'scalar' };
        return undefined;
    }
  }

  /** Methods called on a value: tensor methods are ops; module/list/dict helpers are plumbing. */
  private callMethod(
    receiver: Value,
    name: string,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    label: string,
    argumentNodes: (SyntaxNode | undefined)[],
  ): Value {
    if (receiver.kind === 'tensor') return this.callTensorMethod(receiver, name, positional, keywords, node, frame, label, argumentNodes);
    if (receiver.kind === 'module') {
      switch (name) {
        case 'register_buffer':
        case 'register_parameter': {
          const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
          if (key && positional[1]) receiver.instance.attrs.set(key, this.adoptParameter(positional[1], key));
          return NONE;
        }
        case 'add_module': {
          const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
          if (key && positional[1]) receiver.instance.attrs.set(key, positional[1]);
          return NONE;
        }
        case 'forward':
        case '__call__':
          return this.callModule(receiver, positional, keywords, node, frame);
        default:
          return receiver.kind === 'module' && ['to', 'cuda', 'half', 'bfloat16', 'float', 'train', 'eval', 'requires_grad_'].includes(name) ? receiver : UNKNOWN;
      }
    }
    if (receiver.kind === 'layer') {
      if (name === 'forward' || name === '__call__') return this.callLayer(receiver, positional, keywords, node, frame, label, argumentNodes);
      return ['to', 'cuda', 'half', 'bfloat16', 'float', 'train', 'eval'].includes(name) ? receiver : UNKNOWN;
    }
    if (receiver.kind === 'super') {
      if (name === '__init__') return NONE;
      if (name === 'forward' && receiver.self.kind === 'module') {
        // A subclass of an nn layer calling super().forward: the base layer's op with the instance's parameters.
        const base = receiver.cls.bases.find((b) => b.kind === 'ref');
        if (base?.kind === 'ref') {
          const qualified = canonicalName(base.name);
          const entry = lookupEntry(qualified);
          const params = new Map<string, TensorValue>();
          for (const [key, value] of receiver.self.instance.attrs) if (value.kind === 'tensor') params.set(key, value.tensor);
          const layer: Value = { kind: 'layer', layer: { op: qualified, entry, args: {}, params, label: qualified }, path: receiver.self.path };
          return this.callLayer(layer as Extract<Value, { kind: 'layer' }>, positional, keywords, node, frame, label, argumentNodes);
        }
      }
      return UNKNOWN;
    }
    if (receiver.kind === 'list') {
      if (name === 'append' && positional[0]) {
        (receiver.items as Value[]).push(positional[0]);
        return NONE;
      }
      return UNKNOWN;
    }
    if (receiver.kind === 'modlist') {
      if (name === 'append' && positional[0]) {
        (receiver.list.items as Value[]).push(positional[0]);
        return NONE;
      }
      return UNKNOWN;
    }
    if (receiver.kind === 'dict') {
      if (name === 'items') return { kind: 'list', items: [...receiver.entries].map(([k, v]) => ({ kind: 'list', items: [{ kind: 'str', value: k }, v] })) };
      if (name === 'values') return { kind: 'list', items: [...receiver.entries.values()] };
      if (name === 'keys') return { kind: 'list', items: [...receiver.entries.keys()].map((k) => ({ kind: 'str', value: k })) };
      if (name === 'get') {
        const key = positional[0]?.kind === 'str' ? positional[0].value : undefined;
        return (key ? receiver.entries.get(key) : undefined) ?? positional[1] ?? NONE;
      }
      return UNKNOWN;
    }
    const tensors = tensorsOf([...positional, ...keywords.values()]);
    if (tensors.length > 0) return this.emit(`unresolved:${label}`, label, node, tensors, {}, frame, { argumentNodes });
    return UNKNOWN;
  }

  private callTensorMethod(
    receiver: Extract<Value, { kind: 'tensor' }>,
    name: string,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    label: string,
    argumentNodes: (SyntaxNode | undefined)[],
  ): Value {
    const tensor = receiver.tensor;
    const shape = tensor.shape;
    switch (name) {
      case 'size': {
        const index = positional[0] ?? keywords.get('dim');
        if (!index) return shape ? { kind: 'list', items: shape.map((d) => ({ kind: 'dim', dim: d })) } : UNKNOWN;
        const position = shape ? normalizeIndex(numericDim(index), shape.length) : undefined;
        return position !== undefined && shape ? { kind: 'dim', dim: shape[position] as Dim } : { kind: 'dim', dim: unknownDim('size') };
      }
      case 'dim':
      case 'ndimension':
        return shape ? { kind: 'dim', dim: num(shape.length) } : UNKNOWN;
      case 'numel':
        return shape ? { kind: 'dim', dim: product(shape) } : UNKNOWN;
      case 'item':
      case 'tolist':
        return { kind: 'scalar' };
      case 'cuda':
      case 'cpu':
      case 'pin_memory':
        return receiver;
      case 'to': {
        // .to(device) moves nothing on the GPU it already sits on; .to(dtype) or .to(other) is a cast.
        const dtypeArgument = keywords.get('dtype') ?? positional.find((p) => p.kind === 'dtype' || p.kind === 'tensor');
        if (!dtypeArgument) return receiver;
        const target = dtypeArgument.kind === 'dtype' ? dtypeArgument.dtype : dtypeArgument.kind === 'tensor' ? dtypeArgument.tensor.dtype : null;
        if (target && target === tensor.dtype) return receiver;
        return this.emit('torch.Tensor.to', label, node, [tensor], { dtype: target }, frame, { dtype: target });
      }
      case 'contiguous':
        if (!this.layouts.has(tensor.id)) return receiver;
        break;
      case 'type_as': {
        const other = positional[0];
        if (other?.kind === 'tensor' && other.tensor.dtype === tensor.dtype) return receiver;
        break;
      }
      case 'float':
      case 'half':
      case 'bfloat16':
      case 'double': {
        const target = ({ float: 'fp32', half: 'fp16', bfloat16: 'bf16', double: 'fp64' } as const)[name];
        if (tensor.dtype === target) return receiver;
        break;
      }
      case 'max':
      case 'min':
        if (positional[0]?.kind === 'tensor') return this.callLibrary(name === 'max' ? 'torch.maximum' : 'torch.minimum', [receiver, ...positional], keywords, node, frame, label, argumentNodes);
        break;
      default:
        break;
    }
    const qualified = `torch.Tensor.${name}`;
    const entry = lookupEntry(qualified);
    if (!entry) return this.emit(qualified, label, node, [tensor, ...tensorsOf([...positional, ...keywords.values()])], {}, frame, { argumentNodes });
    return this.callOp(qualified, entry, label, [receiver, ...positional], keywords, node, frame, [undefined, ...argumentNodes]);
  }

  /** Binds the arguments to the entry's signature: tensors become inputs (in order), everything else attributes. */
  private callOp(
    qualified: string,
    entry: CatalogEntry,
    label: string,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    argumentNodes: (SyntaxNode | undefined)[],
    extraInputs: TensorValue[] = [],
    extraAttrs: Record<string, AttrValue> = {},
    modulePath?: string,
  ): Value {
    const inputs: TensorValue[] = [];
    const attrs: Record<string, AttrValue> = { ...extraAttrs };
    const inputNodes: (SyntaxNode | undefined)[] = [];
    const bound = bindSignature(entry.signature, positional, keywords, argumentNodes);
    for (const [parameter, value, argumentNode] of bound) {
      if (value.kind === 'tensor') {
        inputs.push(value.tensor);
        inputNodes.push(argumentNode);
      } else if (value.kind === 'list' && value.items.length > 0 && value.items.every((v) => v.kind === 'tensor')) {
        for (const item of value.items) inputs.push((item as Extract<Value, { kind: 'tensor' }>).tensor);
      } else if (value.kind === 'free' && (parameter === 'input' || parameter === 'other' || parameter === 'tensors')) {
        // A root's parameter used as an op operand is a tensor whose shape nobody declared.
        inputs.push(this.builder.value(null, 'default', `param ${value.name}`));
        inputNodes.push(argumentNode);
      } else {
        attrs[parameter] = valueToAttr(value);
      }
    }
    inputs.push(...extraInputs);
    const first = inputs[0];
    if (qualified === 'einops.rearrange' && typeof attrs.pattern === 'string' && rearrangeCopies(attrs.pattern)) {
      // A rearrange that transposes and then merges axes is a copy, like reshape of a permuted tensor.
      let shape: readonly Dim[] | null;
      try {
        shape = entry.infer?.({ inputs: inputs.map((i) => i.shape), attrs })[0] ?? null;
      } catch {
        shape = null;
      }
      return this.emit('torch.Tensor.contiguous', `${label} (copies: transposes then merges axes)`, node, inputs.slice(0, 1), attrs, frame, { shapes: [shape], modulePath });
    }
    const firstLayout = first ? this.layouts.get(first.id) : undefined;
    if (COPYING_RESHAPES.has(qualified) && first?.shape && firstLayout) {
      // reshape/flatten of a transposed or sliced tensor is a view only when the merged dims sit together in
      // memory; otherwise PyTorch copies, and the op is that copy (it writes the reshaped result).
      let target: readonly Dim[] | null;
      try {
        target = entry.infer?.({ inputs: inputs.map((i) => i.shape), attrs })[0] ?? null;
      } catch {
        target = null;
      }
      if (target && reshapeLayout(firstLayout, first.shape, target, (d) => this.currentValue(d)).copies) {
        return this.emit('torch.Tensor.contiguous', `${label} (copies: input not contiguous)`, node, [first], {}, frame, { shapes: [target], modulePath });
      }
    }
    return this.emit(qualified, label, node, inputs, attrs, frame, { argumentNodes: inputNodes, entry, modulePath });
  }

  // ───────────────────────────── modules ─────────────────────────────

  /** `nn.Linear(in, out)` and friends: a layer value holding its constructor arguments and parameters. */
  private constructLayer(qualified: string, entry: CatalogEntry | undefined, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
    const args: Record<string, AttrValue> = { ...(entry?.module?.defaults ?? {}) };
    const init = entry?.module?.init ?? [];
    for (const [parameter, value] of bindSignature(init, positional, keywords, [])) args[parameter] = valueToAttr(value);
    const params = new Map<string, TensorValue>();
    try {
      for (const param of entry?.module?.params?.(args) ?? []) params.set(param.name, this.builder.value(param.shape, 'default', param.name));
    } catch {
      // A constructor argument MemWall could not read leaves the parameters unknown; the op still appears.
    }
    const layer: LayerInstance = { op: qualified, entry, args, params, label: node.text.slice(0, 60) };
    void frame;
    return { kind: 'layer', layer, path: '' };
  }

  private callLayer(
    callee: Extract<Value, { kind: 'layer' }>,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    node: SyntaxNode,
    frame: Frame,
    label: string,
    argumentNodes: (SyntaxNode | undefined)[],
  ): Value {
    const { layer } = callee;
    if (!layer.entry) {
      return this.emit(layer.op, label, node, tensorsOf([...positional, ...keywords.values()]), {}, frame, { argumentNodes, modulePath: callee.path });
    }
    const forward = layer.entry.module?.forward ?? ['input'];
    // Forward arguments go by the forward signature, then the parameters follow as inputs.
    const forwardEntry: CatalogEntry = { ...layer.entry, signature: forward };
    return this.callOp(layer.op, forwardEntry, label, positional, keywords, node, frame, argumentNodes, [...layer.params.values()], { ...layer.args }, callee.path);
  }

  private callSequential(callee: Extract<Value, { kind: 'modlist' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
    let current = positional[0] ?? UNKNOWN;
    const list = callee.list;
    if (list.repeated) {
      const inner: Frame = { ...frame, repeat: simplify(bin('*', frame.repeat, list.repeated.count)) };
      return this.apply(withPath(list.repeated.item, `${callee.path}[*]`), [current], keywords, node, inner, `${callee.path}[*]`);
    }
    list.items.forEach((item, i) => {
      current = this.apply(withPath(item, joinPath(callee.path, String(i))), [current], new Map(), node, frame, joinPath(callee.path, String(i)));
    });
    return current;
  }

  private callModule(callee: Extract<Value, { kind: 'module' }>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
    const forward = this.findMethod(callee.instance.cls, 'forward');
    if (!forward) {
      // A subclass of an nn layer without its own forward behaves as that layer.
      const base = callee.instance.cls.bases.find((b) => b.kind === 'ref');
      if (base?.kind === 'ref') return this.callMethod({ kind: 'super', self: callee, cls: callee.instance.cls }, 'forward', positional, keywords, node, frame, base.name, []);
      return UNKNOWN;
    }
    this.covered.add(callee.instance.cls);
    const compiled = callee.instance.compiled || callee.instance.cls.compiled;
    const inner: Frame = compiled && !frame.fusedBy
      ? { ...frame, fusedBy: 'torch.compile', compileMode: callee.instance.compiled ? callee.instance.compileMode : callee.instance.cls.compileMode }
      : frame;
    return this.callFunction(forward, positional, keywords, inner, callee, node, false);
  }

  /** Instantiates a user class: runs `__init__` without emitting ops, with arguments bound like Python does. */
  instantiate(cls: ClassInfo, positional: Value[], keywords: ReadonlyMap<string, Value>, frame: Frame, node: SyntaxNode): Value {
    if (this.isConfigClass(cls)) return this.instantiateConfig(cls, positional, keywords, node, frame);
    const isModule = this.isModuleClass(cls);
    const instance: ModuleInstance = { cls, attrs: new Map(), compiled: cls.compiled, compileMode: cls.compileMode };
    const self: Value = isModule ? { kind: 'module', instance, path: '' } : { kind: 'object', cls, attrs: instance.attrs };
    const init = this.findMethod(cls, '__init__');
    if (init) this.callFunction(init, positional, keywords, quiet(frame), self, node, false, true);
    if (isModule && frame.emit && !this.instances.has(cls)) this.instances.set(cls, self);
    return self;
  }

  private isModuleClass(cls: ClassInfo, seen = new Set<ClassInfo>()): boolean {
    if (seen.has(cls)) return false;
    seen.add(cls);
    return cls.bases.some((b) => (b.kind === 'ref' && /^torch\.nn\.|^nn\./.test(b.name)) || (b.kind === 'class' && this.isModuleClass(b.cls, seen)));
  }

  /** Dataclasses and plain classes of class-level defaults (no __init__, not a module) are configs. */
  isConfigClass(cls: ClassInfo): boolean {
    if (this.isModuleClass(cls)) return false;
    return cls.isDataclass || (!cls.methods.has('__init__') && cls.fields.size > 0);
  }

  /**
   * A config instance: each integer field is the symbol of its name (`n_embd`), bound to the argument given here
   * (an explicit argument outranks the class default); floats, bools and strings keep their values.
   */
  private instantiateConfig(cls: ClassInfo, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
    const attrs = new Map<string, Value>();
    const fieldNames: string[] = [];
    const chain: ClassInfo[] = [];
    for (let current: ClassInfo | undefined = cls; current; current = baseClass(current)) chain.unshift(current);
    for (const current of chain) for (const name of current.fields.keys()) if (!fieldNames.includes(name)) fieldNames.push(name);
    fieldNames.forEach((name, i) => {
      const given = keywords.get(name) ?? positional[i];
      const owner = chain.slice().reverse().find((c) => c.fields.has(name)) as ClassInfo;
      const defaultNode = owner.fields.get(name);
      const defaultValue = defaultNode ? this.evaluate(defaultNode, { ...frame, env: new Map(), file: owner.file, emit: false }) : undefined;
      const line = node.startPosition.row + 1;
      attrs.set(name, this.symbolFor(name, given, defaultValue, given ? `${cls.name}(${name}=…) (line ${line})` : `${cls.name}.${name}`, given ? 1 : 2));
    });
    return { kind: 'object', cls, attrs };
  }

  /**
   * The value of a size-like parameter: an integer literal becomes its name as a symbol bound to that literal (so the
   * user sees `n_embd`, and what-if changes re-price), unless the name is already bound to another number.
   */
  private symbolFor(name: string, given: Value | undefined, fallback: Value | undefined, source: string, priority: number): Value {
    const value = given ?? fallback;
    if (!value) return { kind: 'free', name };
    if (value.kind === 'dim' && value.dim.kind === 'num' && Number.isInteger(value.dim.value) && value.dim.value > 1) {
      const clash = this.codeBindings.find((b) => b.symbol === name && b.priority === priority && b.value !== (value.dim as { value: number }).value);
      if (clash) return value;
      if (!this.codeBindings.some((b) => b.symbol === name && b.priority === priority)) {
        this.codeBindings.push({ symbol: name, value: value.dim.value, source, priority });
      }
      return { kind: 'dim', dim: sym(name) };
    }
    return value;
  }

  // ───────────────────────────── functions ─────────────────────────────

  /**
   * Runs a function body with its arguments bound. Parameters without an argument take, in order: a magic-comment
   * shape, a jaxtyping annotation, a shape unpacked from them in the body, their default, or a free symbol.
   */
  callFunction(
    fn: FunctionInfo,
    positional: Value[],
    keywords: ReadonlyMap<string, Value>,
    caller: Frame,
    self: Value | undefined,
    node: SyntaxNode,
    root: boolean,
    constructing = false,
  ): Value {
    if (fn.tritonKernel) return NONE;
    if (caller.depth >= MAX_DEPTH || this.callStack.includes(fn)) {
      this.builder.notes.push({ code: 'MW903', message: `Call to ${fn.qualifiedName} not followed (recursion or nesting deeper than ${MAX_DEPTH}).`, span: this.span(node, caller) });
      return UNKNOWN;
    }
    this.covered.add(fn);
    const env = new Map<string, Value>();
    const { parameters, body } = this.partsOf(fn);
    const declared = this.declaredShapes(fn);
    let index = 0;
    const remaining = [...positional];
    const isMethod = fn.owner !== undefined && !fn.decorators.some((d) => d === 'staticmethod');
    for (const parameter of parameters?.namedChildren ?? []) {
      if (!parameter) continue;
      const { name, defaultNode, typeNode, splat } = describeParameter(parameter, this.names);
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
      const declaredShape = declared.get(name) ?? (typeNode ? this.annotationValue(typeNode, name, caller) : undefined);
      if (value && value.kind === 'tensor' && declaredShape?.kind === 'tensor' && declaredShape.tensor.shape) {
        if (!value.tensor.shape) value = { kind: 'tensor', tensor: { ...value.tensor, shape: declaredShape.tensor.shape } };
        else this.unifyShapes(declaredShape.tensor.shape, value.tensor.shape, node, caller);
      }
      if (!value || value.kind === 'free') {
        if (declaredShape) value = declaredShape;
        else if (defaultNode) {
          const defaultValue = this.evaluate(defaultNode, { ...caller, file: fn.file, env: fn.file.globals, emit: false });
          value = constructing ? this.symbolFor(name, undefined, defaultValue, `${fn.qualifiedName}(${name}=${defaultNode.text})`, 2) : defaultValue;
        } else if (value === undefined) value = this.parameterValue(name, typeNode, fn, root, caller);
      } else if (constructing && value.kind === 'dim') {
        value = this.symbolFor(name, value, undefined, `${fn.owner?.name ?? fn.name}(${name}=${formatValue(value)}) (line ${node.startPosition.row + 1})`, 1);
      }
      env.set(name, value);
    }
    if (!body) return UNKNOWN;
    this.recordScope(fn);
    const inOtherFile = fn.file !== this.main;
    const frame: Frame = {
      env,
      file: fn.file,
      scope: fn.qualifiedName,
      path: self && (self.kind === 'module') ? self.path : caller.path,
      repeat: caller.repeat,
      fusedBy: caller.fusedBy ?? (fn.compiled ? 'torch.compile' : undefined),
      compileMode: caller.fusedBy ? caller.compileMode : fn.compiled ? fn.compileMode : undefined,
      emit: caller.emit && !constructing,
      autocast: caller.autocast,
      callSite: caller.callSite ?? (inOtherFile && caller.file === this.main ? this.span(node, caller) : undefined),
      depth: caller.depth + 1,
    };
    // `B, T, C = x.size()` declares x's shape before the body runs, so ops above the unpacking see it too.
    this.callStack.push(fn);
    try {
      this.runBlock(body, frame);
    } finally {
      this.callStack.pop();
    }
    return frame.returned ?? NONE;
  }

  /**
   * A function's parameters and body, fetched once: later runs and the shape scan then share the same Node objects,
   * which keep the children they were asked for (each fetch would make new ones).
   */
  private partsOf(fn: FunctionInfo): { readonly parameters: SyntaxNode | null; readonly body: SyntaxNode | null } {
    let parts = this.functionParts.get(fn);
    if (!parts) {
      parts = { parameters: field(fn.node, 'parameters'), body: field(fn.node, 'body') };
      this.functionParts.set(fn, parts);
    }
    return parts;
  }

  /** What a parameter nobody passed stands for: a tensor of unknown shape if annotated so, else a free name. */
  private parameterValue(name: string, typeNode: SyntaxNode | undefined, fn: FunctionInfo, root: boolean, caller: Frame): Value {
    const annotation = typeNode?.text ?? '';
    if (/Tensor/.test(annotation)) return { kind: 'tensor', tensor: this.builder.value(null, 'default', `param ${name}`) };
    const configClass = /^[A-Za-z_][A-Za-z0-9_]*$/.test(annotation) ? caller.file.classes.get(annotation) ?? fn.file.classes.get(annotation) : undefined;
    if (configClass && this.isConfigClass(configClass)) return this.instantiateConfig(configClass, [], new Map(), fn.node, caller);
    if (root && /config|cfg|args|params|hparams/i.test(name)) {
      // A root module's config: the file's only config class when there is one, else symbols named by attribute.
      const configs = [...fn.file.classes.values()].filter((c) => this.isConfigClass(c));
      if (configs.length === 1) return this.instantiateConfig(configs[0] as ClassInfo, [], new Map(), fn.node, caller);
    }
    return { kind: 'free', name };
  }

  /** `# memwall: shape x=[...]` in the function or just above it, and `B, T, C = x.size()` unpacking in its body. */
  private declaredShapes(fn: FunctionInfo): Map<string, Value> {
    let shapes = this.declaredShapeCache.get(fn);
    if (!shapes) {
      shapes = this.findDeclaredShapes(fn);
      this.declaredShapeCache.set(fn, shapes);
    }
    const declared = new Map<string, Value>();
    for (const [name, shape] of shapes) declared.set(name, { kind: 'tensor', tensor: this.builder.value(shape, 'default', `param ${name}`) });
    return declared;
  }

  private findDeclaredShapes(fn: FunctionInfo): Map<string, readonly Dim[]> {
    const declared = new Map<string, readonly Dim[]>();
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
        const inside = declaration.line > startLine && declaration.line <= endLine;
        const above = declaration.line >= top && declaration.line < startLine && declaration.standalone;
        if (inside || above) declared.set(declaration.name, declaration.shape);
      }
    }
    const { body } = this.partsOf(fn);
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
      declared.set(source, names.map((n) => (n === '_' ? unknownDim(`unnamed dim of ${source}`) : sym(n))));
    }
    return declared;
  }

  /** jaxtyping: `Float[Tensor, "batch seq dim"]` declares the shape; the dtype family sets the dtype. */
  private annotationValue(typeNode: SyntaxNode, name: string, _frame: Frame): Value | undefined {
    const match = /^(\w+)\s*\[\s*[\w.]+\s*,\s*["']([^"']*)["']\s*\]$/.exec(typeNode.text.trim());
    if (!match) return undefined;
    const family = match[1] as string;
    const dtype = JAXTYPING_DTYPES[family];
    if (dtype === undefined) return undefined;
    const tokens = (match[2] as string).trim().split(/\s+/).filter(Boolean);
    if (tokens.some((t) => t.startsWith('*') || t === '...' || t.startsWith('#'))) {
      return { kind: 'tensor', tensor: this.builder.value(null, dtype, `param ${name}`) };
    }
    const shape = tokens.map((t) => parseDimText(t.replace(/^_/, '').replace(/=.*$/, '')));
    return { kind: 'tensor', tensor: this.builder.value(shape, dtype, `param ${name}`) };
  }

  /** A call with concrete sizes into a function with declared symbols binds them: `randn(8, 1024, 768)` → B=8... */
  private unifyShapes(declared: readonly Dim[], actual: readonly Dim[], node: SyntaxNode, frame: Frame): void {
    if (declared.length !== actual.length) return;
    declared.forEach((d, i) => {
      const a = actual[i];
      if (d.kind === 'sym' && a?.kind === 'num' && !this.codeBindings.some((b) => b.symbol === d.name)) {
        this.codeBindings.push({ symbol: d.name, value: a.value, source: `call at line ${this.span(node, frame).startLine + 1}`, priority: 1 });
      }
    });
  }

  private recordScope(fn: FunctionInfo): void {
    if (fn.file !== this.main || this.scopesSeen.has(fn.qualifiedName)) return;
    this.scopesSeen.add(fn.qualifiedName);
    const nameNode = field(fn.node, 'name') ?? fn.node;
    const parameters = field(fn.node, 'parameters');
    const start = nameNode;
    const end = parameters ?? nameNode;
    this.builder.scopes.push({
      name: fn.qualifiedName,
      kind: fn.name === 'forward' && fn.owner ? 'forward' : 'function',
      span: {
        start: start.startIndex,
        end: end.endIndex,
        startLine: start.startPosition.row,
        startColumn: start.startPosition.column,
        endLine: end.endPosition.row,
        endColumn: end.endPosition.column,
      },
    });
  }

  /** Declares every function of the main file as a scope, including ones that emitted nothing. */
  recordAllScopes(): void {
    for (const fn of this.main.functions.values()) if (!fn.tritonKernel) this.recordScope(fn);
    for (const cls of this.main.classes.values()) for (const fn of cls.methods.values()) if (!fn.tritonKernel) this.recordScope(fn);
  }

  // ───────────────────────────── emission ─────────────────────────────

  /** Records which outputs are not contiguous, so that a later `.contiguous()` or `.reshape()` knows whether it copies. */
  private trackLayout(op: string, entry: CatalogEntry | undefined, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, outputs: readonly TensorValue[], strided: boolean): void {
    const input = inputs[0];
    if (!input || entry?.category !== 'view') {
      if (strided) for (const v of outputs) this.layouts.set(v.id, { kind: 'strided' });
      return;
    }
    const layout = this.layouts.get(input.id);
    const shape = input.shape;
    const sizeOf = (d: Dim): number | undefined => this.currentValue(d);
    const set = (value: Layout | undefined): void => {
      for (const v of outputs) {
        if (value) this.layouts.set(v.id, value);
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
        // Pieces along the outermost dim that is not of size 1 stay contiguous; any other dim leaves gaps.
        const outer = shape ? shape.findIndex((d) => sizeOf(d) !== 1) : 0;
        return set(layout ?? (dim > Math.max(outer, 0) ? { kind: 'strided' } : undefined));
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

  span(node: SyntaxNode, frame: Frame): Span {
    if (frame.callSite) return frame.callSite;
    const end = node.endPosition;
    return {
      start: node.startIndex,
      end: node.endIndex,
      startLine: node.startPosition.row,
      startColumn: node.startPosition.column,
      endLine: end.row,
      endColumn: end.column,
    };
  }

  /**
   * Adds one op: looks up its entry, infers output shapes and dtype, and writes what was missing into notes. In
   * `__init__` (emit false) nothing is added, but the outputs still carry shapes for what follows.
   */
  emit(
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
    } = {},
  ): Value {
    const unresolved = op.startsWith('unresolved:');
    const entry = options.entry ?? (unresolved ? undefined : lookupEntry(op));
    const notes: string[] = [];
    let inferred: readonly (readonly Dim[] | null)[];
    if (options.shapes) inferred = options.shapes;
    else if (!entry) inferred = [null];
    else {
      try {
        inferred = entry.infer ? entry.infer({ inputs: inputs.map(shapeOf), attrs }) : [inputs[0]?.shape ?? null];
      } catch {
        inferred = [null];
      }
    }
    const qualifiedOp = unresolved ? op.slice('unresolved:'.length) : op;
    if (!entry && !options.createOnly) {
      notes.push(`MemWall does not know \`${qualifiedOp}\`; it is listed as unknown and not priced.`);
    }
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i] as TensorValue;
      if (input.shape !== null) continue;
      const argument = options.argumentNodes?.[i];
      const name = argument?.type === 'identifier' ? argument.text : input.origin?.replace(/^param /, '') ?? argument?.text ?? `input ${i + 1}`;
      notes.push(`Shape of \`${name}\` unknown: declare it with \`# memwall: shape ${/^[A-Za-z_]\w*$/.test(name) ? name : 'x'}=[B, T, C]\` above the function.`);
    }
    const category = entry?.category ?? 'unknown';
    const dtype = options.dtype !== undefined ? options.dtype : outputDtype(entry, inputs, attrs, frame, category);
    const outputs: { shape: readonly Dim[] | null; dtype: DType | 'default' | null }[] = [];
    for (const shape of inferred) outputs.push({ shape: shape ? shape.map(simplify) : shape, dtype });
    if (outputs.length === 0) outputs.push({ shape: null, dtype });
    let values: readonly TensorValue[];
    if (frame.emit) {
      const span = this.span(node, frame);
      const modulePath = options.modulePath ?? frame.path;
      // Two plain literals rather than a conditional spread: ops then share two hidden classes in V8, not one each.
      const opNode = this.builder.addOp(
        frame.fusedBy
          ? { op: qualifiedOp, label, category, inputs, attrs: frame.compileMode ? { ...attrs, compileMode: frame.compileMode } : attrs, span, scope: frame.scope, modulePath, repeat: frame.repeat, fusedBy: frame.fusedBy, notes }
          : { op: qualifiedOp, label, category, inputs, attrs, span, scope: frame.scope, modulePath, repeat: frame.repeat, notes },
        outputs,
      );
      values = opNode.outputs;
    } else {
      const made: TensorValue[] = [];
      for (const o of outputs) made.push(this.builder.value(o.shape, o.dtype, qualifiedOp));
      values = made;
    }
    this.trackLayout(qualifiedOp, entry, inputs, attrs, values, options.strided === true);
    if (entry?.multiOutput) {
      const tensors: Value[] = values.map((tensor) => ({ kind: 'tensor', tensor }));
      if (tensors.length === 1) return { kind: 'list', items: [], repeated: { item: tensors[0] as Value, count: unknownDim('pieces') } };
      return { kind: 'list', items: tensors };
    }
    const first = values[0];
    return first ? { kind: 'tensor', tensor: first } : UNKNOWN;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/** `1_024` → `1024`; most literals have no underscore and are returned as they are. */
function withoutUnderscores(literal: string): string {
  return literal.includes('_') ? literal.replace(/_/g, '') : literal;
}

/** The frame with ops switched off; the frame itself when they are off already (in `__init__`), not a copy. */
function quiet(frame: Frame): Frame {
  return frame.emit ? { ...frame, emit: false } : frame;
}

function shapeOf(value: TensorValue): readonly Dim[] | null {
  return value.shape;
}

const JAXTYPING_DTYPES: Readonly<Record<string, DType | 'default'>> = {
  Float: 'default', Shaped: 'default', Num: 'default', Inexact: 'default', Real: 'default',
  Float32: 'fp32', Float16: 'fp16', BFloat16: 'bf16', Float64: 'fp64',
  Int: 'int64', Int64: 'int64', Int32: 'int32', Int8: 'int8', UInt8: 'uint8', Integer: 'int64', Bool: 'bool',
};

/** `i` in `for i, block in enumerate(...)`: the loop index stands for itself as a symbol. */
function enumerateIndexName(left: SyntaxNode): string | undefined {
  if (left.type !== 'pattern_list' && left.type !== 'tuple_pattern') return undefined;
  const first = left.namedChildren[0];
  return first?.type === 'identifier' ? first.text : undefined;
}

/** `x.size()`, `x.shape`, `x.shape[:3]`: the name of x, when the right side of an unpacking reads a shape. */
function shapeSource(right: SyntaxNode): string | undefined {
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

function describeParameter(parameter: SyntaxNode, names: NameReader): { name?: string; defaultNode?: SyntaxNode; typeNode?: SyntaxNode; splat?: '*' | '**' } {
  switch (parameter.type) {
    case 'identifier':
      return { name: names.identifier(parameter) };
    case 'typed_parameter': {
      const inner = parameter.namedChildren[0];
      const typeNode = field(parameter, 'type') ?? undefined;
      if (inner?.type === 'list_splat_pattern') return { name: inner.namedChildren[0]?.text, typeNode, splat: '*' };
      if (inner?.type === 'dictionary_splat_pattern') return { name: inner.namedChildren[0]?.text, typeNode, splat: '**' };
      return { name: inner?.text, typeNode };
    }
    case 'default_parameter':
      return { name: names.leading(parameter) ?? field(parameter, 'name')?.text, defaultNode: field(parameter, 'value') ?? undefined };
    case 'typed_default_parameter':
      return {
        name: field(parameter, 'name')?.text,
        defaultNode: field(parameter, 'value') ?? undefined,
        typeNode: field(parameter, 'type') ?? undefined,
      };
    case 'list_splat_pattern':
      return { name: parameter.namedChildren[0]?.text, splat: '*' };
    case 'dictionary_splat_pattern':
      return { name: parameter.namedChildren[0]?.text, splat: '**' };
    default:
      return {};
  }
}

/** Binds call arguments to signature names; `*name` collects the remaining positionals (a lone tuple is unwrapped). */
function bindSignature(
  signature: readonly string[],
  positional: readonly Value[],
  keywords: ReadonlyMap<string, Value>,
  argumentNodes: readonly (SyntaxNode | undefined)[],
): [string, Value, SyntaxNode | undefined][] {
  const bound: [string, Value, SyntaxNode | undefined][] = [];
  let index = 0;
  for (const parameter of signature) {
    if (parameter.startsWith('*')) {
      const name = parameter.slice(1);
      const rest = positional.slice(index);
      index = positional.length;
      const keyword = keywords.get(name) ?? keywords.get(name === 'shape' || name === 'sizes' ? 'size' : name);
      if (keyword) bound.push([name, keyword, undefined]);
      else if (rest.length === 1 && rest[0]?.kind === 'list') bound.push([name, rest[0], argumentNodes[index - 1]]);
      else if (rest.length > 0) bound.push([name, { kind: 'list', items: rest }, undefined]);
      continue;
    }
    const keyword = keywords.get(parameter);
    if (keyword) {
      bound.push([parameter, keyword, undefined]);
    } else if (index < positional.length) {
      bound.push([parameter, positional[index] as Value, argumentNodes[index]]);
      index++;
    }
  }
  // Keywords the signature does not name still reach the formulas as attributes (dtype=, approximate=...).
  for (const [name, value] of keywords) if (!bound.some(([p]) => p === name)) bound.push([name, value, undefined]);
  return bound;
}

function outputDtype(entry: CatalogEntry | undefined, inputs: readonly TensorValue[], attrs: Record<string, AttrValue>, frame: Frame, category: string): DType | 'default' | null {
  if (frame.autocast && AUTOCAST_CATEGORIES.has(category)) return frame.autocast;
  const rule = entry?.dtype ?? 'promote';
  if (rule === 'bool') return 'bool';
  if (rule === 'int64') return 'int64';
  if (typeof rule === 'object' && 'fixed' in rule) return rule.fixed;
  if (typeof rule === 'object' && 'attr' in rule) {
    const value = attrs[rule.attr];
    if (typeof value === 'string' && value in DTYPE_BYTES_NAMES) return value as DType;
    if (rule.otherwise) {
      const floatArgument = Object.values(attrs).some((v) => typeof v === 'number' && !Number.isInteger(v));
      return floatArgument ? 'default' : rule.otherwise;
    }
    if (entry?.category === 'creation') return 'default';
    return promote(inputs);
  }
  if (typeof rule === 'object' && 'fromInput' in rule) return inputs[rule.fromInput]?.dtype ?? promote(inputs);
  return promote(inputs);
}

const DTYPE_BYTES_NAMES: Readonly<Record<string, true>> = {
  fp64: true, fp32: true, tf32: true, bf16: true, fp16: true, fp8: true, int64: true, int32: true, int8: true, uint8: true, bool: true,
};

/** The first floating input's dtype (parameters follow the analysis dtype), else the first input's. */
function promote(inputs: readonly TensorValue[]): DType | 'default' | null {
  const floating = inputs.find((i) => i.dtype === 'default' || i.dtype === 'fp32' || i.dtype === 'bf16' || i.dtype === 'fp16' || i.dtype === 'fp64' || i.dtype === 'fp8' || i.dtype === 'tf32');
  return floating?.dtype ?? inputs[0]?.dtype ?? 'default';
}

function truthiness(value: Value): boolean | undefined {
  switch (value.kind) {
    case 'bool':
      return value.value;
    case 'none':
      return false;
    case 'dim':
      return value.dim.kind === 'num' ? value.dim.value !== 0 : undefined;
    case 'scalar':
      return value.value === undefined ? undefined : value.value !== 0;
    case 'str':
      return value.value.length > 0;
    case 'list':
      return value.repeated ? undefined : value.items.length > 0;
    case 'module':
    case 'layer':
    case 'function':
    case 'class':
    case 'object':
    case 'dtype':
      return true;
    default:
      return undefined;
  }
}

function numeric(value: Value): Extract<Value, { kind: 'dim' }> | Extract<Value, { kind: 'scalar' }> | undefined {
  if (value.kind === 'dim' || value.kind === 'scalar') return value;
  if (value.kind === 'free') return { kind: 'dim', dim: sym(value.name) };
  if (value.kind === 'bool' && value.value !== undefined) return { kind: 'dim', dim: num(value.value ? 1 : 0) };
  return undefined;
}

function numericDim(value: Value | undefined): Dim | undefined {
  if (!value) return undefined;
  const n = numeric(value);
  if (!n) return undefined;
  if (n.kind === 'dim') return n.dim;
  return n.value !== undefined && Number.isInteger(n.value) ? num(n.value) : undefined;
}

function applyNumber(operator: string, x: number, y: number): number | undefined {
  switch (operator) {
    case '+': return x + y;
    case '-': return x - y;
    case '*': return x * y;
    case '/': return y === 0 ? undefined : x / y;
    case '//': return y === 0 ? undefined : Math.floor(x / y);
    case '%': return y === 0 ? undefined : x % y;
    case '**': return x ** y;
    default: return undefined;
  }
}

function tensorsOf(values: readonly Value[]): TensorValue[] {
  const out: TensorValue[] = [];
  for (const value of values) {
    if (value.kind === 'tensor') out.push(value.tensor);
    else if (value.kind === 'list') for (const item of value.items) if (item.kind === 'tensor') out.push(item.tensor);
  }
  return out;
}

/** A value as an op attribute: ints (and symbols) as dims, lists of sizes as dim lists, dtypes by MemWall name. */
export function valueToAttr(value: Value): AttrValue {
  switch (value.kind) {
    case 'dim':
      return value.dim.kind === 'num' ? value.dim.value : value.dim;
    case 'scalar':
      return value.value ?? null;
    case 'str':
      return value.value;
    case 'bool':
      return value.value ?? null;
    case 'none':
      return null;
    case 'dtype':
      return value.dtype;
    case 'free':
      return sym(value.name);
    case 'list': {
      if (value.repeated) return null;
      const dims: Dim[] = [];
      for (const item of value.items) {
        const d = numericDim(item);
        if (!d) return null;
        dims.push(d);
      }
      return dims;
    }
    default:
      return null;
  }
}

function attrToValue(attr: AttrValue): Value {
  if (attr === null) return NONE;
  if (typeof attr === 'number') return Number.isInteger(attr) ? { kind: 'dim', dim: num(attr) } : { kind: 'scalar', value: attr };
  if (typeof attr === 'string') return { kind: 'str', value: attr };
  if (typeof attr === 'boolean') return { kind: 'bool', value: attr };
  if (Array.isArray(attr)) return { kind: 'list', items: (attr as readonly Dim[]).map((d) => ({ kind: 'dim', dim: d })) };
  return { kind: 'dim', dim: attr as Dim };
}

function formatValue(value: Value): string {
  return value.kind === 'dim' && value.dim.kind === 'num' ? String(value.dim.value) : '…';
}

function stringValue(node: SyntaxNode): string {
  const text = node.text;
  const match = /^[rbfuRBFU]*("""|'''|"|')([\s\S]*)\1$/.exec(text);
  return match ? (match[2] as string) : text;
}

/** A slice's length: `:T` → T, `a:b` → b−a, `::2` → ⌈n/2⌉, negative literals count from the end. */
function sliceLength(dim: Dim, parts: { start?: Value; stop?: Value; step?: Value }): Dim {
  const toDim = (v: Value | undefined): Dim | undefined => (v && v.kind !== 'none' ? numericDim(v) : undefined);
  let start = toDim(parts.start);
  let stop = toDim(parts.stop);
  const step = toDim(parts.step);
  // Negative bounds count from the end: `-1` literally, or `-self.trim` (0 − trim) symbolically.
  const fromEnd = (d: Dim | undefined): Dim | undefined => {
    if (d?.kind === 'num' && d.value < 0) return bin('+', dim, d);
    if (d?.kind === 'bin' && d.op === '-' && d.left.kind === 'num' && d.left.value === 0) return bin('-', dim, d.right);
    return d;
  };
  start = fromEnd(start);
  stop = fromEnd(stop);
  if (stop && dim.kind === 'num' && stop.kind === 'num') stop = num(Math.min(stop.value, dim.value));
  const end = stop ?? dim;
  let length = start ? bin('-', end, start) : end;
  if (step && !(step.kind === 'num' && step.value === 1)) length = bin('//', bin('+', length, bin('-', step, num(1))), step);
  return simplify(length);
}

function literalShape(value: Value): Dim[] | null {
  if (value.kind === 'list') {
    const inner = value.items[0];
    const rest = inner && inner.kind === 'list' ? literalShape(inner) : [];
    return rest === null ? null : [num(value.items.length), ...rest];
  }
  return value.kind === 'dim' || value.kind === 'scalar' ? [] : null;
}

function joinPath(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

function withPath(value: Value, path: string): Value {
  switch (value.kind) {
    case 'module':
    case 'layer':
    case 'modlist':
      return { ...value, path };
    case 'dict':
      return { ...value, path };
    default:
      return value;
  }
}

function baseClass(cls: ClassInfo): ClassInfo | undefined {
  const base = cls.bases.find((b) => b.kind === 'class');
  return base?.kind === 'class' ? base.cls : undefined;
}

/** `torch.nn.modules.linear.Linear` → `torch.nn.Linear`; `torch.functional.F` spellings → the public name. */
function canonicalName(name: string): string {
  return name
    .replace(/^torch\.nn\.modules\.[a-z_]+\./, 'torch.nn.')
    .replace(/^torch\.nn\.functional\.F\./, 'torch.nn.functional.')
    .replace(/^torch\.functional\./, 'torch.');
}

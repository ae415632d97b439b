// Evaluates the Python around a launch (the wrapper): tensors with shapes and dtypes, sizes, grids, autotune configs.
import type { SyntaxNode } from '../../parse/parser';
import { bin, evalDim, formatDim, num, product, sym, unknownDim, type Bindings, type Dim } from '../../ir/dims';
import { dtypeNamed } from '../../ir/dtypes';
import type { GraphBuilder } from '../../ir/graph';
import { DTYPE_BYTES, type DType, type TensorValue } from '../../ir/types';
import { cdiv, DTYPE_BYTES_SYMBOL } from './dimtools';
import { argument, callArguments, dottedName, namedChildren, stringValue, field } from './syntax';

/** A tensor in the wrapper. Shared by the names that alias it, so that a launch's output rebinding reaches them all. */
export interface TensorRef {
  name: string;
  value: TensorValue;
  shape: Dim[] | null;
  dtype: DType | 'default';
  /** Tensors made with `torch.empty_like(x)` before x's shape was known: they learn it together. */
  twins?: TensorRef[];
}

/** Fixes a tensor's shape, and that of the tensors made alike, the first time the wrapper reveals it. */
function setShape(ref: TensorRef, shape: Dim[]): void {
  const pending = [ref];
  while (pending.length) {
    const next = pending.pop()!;
    if (next.shape) continue;
    next.shape = shape;
    next.value = { ...next.value, shape };
    pending.push(...(next.twins ?? []));
  }
}

export type HostValue =
  | { readonly kind: 'tensor'; readonly ref: TensorRef }
  | { readonly kind: 'number'; readonly dim: Dim }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'none' }
  | { readonly kind: 'dtype'; readonly dtype: DType }
  | { readonly kind: 'tuple'; readonly items: readonly HostValue[] }
  | { readonly kind: 'dict'; readonly entries: ReadonlyMap<string, HostValue> }
  | { readonly kind: 'lambda'; readonly parameters: readonly string[]; readonly body: SyntaxNode; readonly closure: HostEnvironment }
  /** A wrapper parameter of unknown type: it becomes a tensor or a size symbol when used as one. */
  | { readonly kind: 'parameter'; readonly name: string }
  | { readonly kind: 'unknown' };

export type HostEnvironment = Map<string, HostValue>;

const UNKNOWN: HostValue = { kind: 'unknown' };

export class HostEvaluator {
  /** `q[2]` → `N_CTX`: names for `q.shape[2]`, from the kernel parameter the expression feeds at a launch. */
  preferredShapeNames = new Map<string, string>();
  /** One symbol per unknown dim of a tensor, so that every `q.shape[2]` of a wrapper is the same size. */
  private readonly shapeSymbols = new WeakMap<TensorRef, Map<string, Dim>>();

  constructor(
    private readonly builder: GraphBuilder,
    /** Sizes the file's `# memwall:` comments bind, to evaluate next_power_of_2 and min/max on symbols. */
    private readonly magicBindings: Bindings,
    readonly notes: Set<string>,
  ) {}

  /** Makes a wrapper parameter (or any value) a tensor, giving it a TensorValue the first time. */
  asTensor(value: HostValue, name: string, environment?: HostEnvironment): TensorRef | undefined {
    if (value.kind === 'tensor') return value.ref;
    if (value.kind !== 'parameter' && value.kind !== 'unknown') return undefined;
    const ref: TensorRef = { name, value: this.builder.value(null, 'default', `param ${name}`), shape: null, dtype: 'default' };
    if (value.kind === 'parameter' && environment) environment.set(value.name, { kind: 'tensor', ref });
    return ref;
  }

  asDim(value: HostValue, hint: string): Dim {
    if (value.kind === 'number') return value.dim;
    if (value.kind === 'parameter') return sym(value.name);
    if (value.kind === 'bool') return num(value.value ? 1 : 0);
    return sym(hint);
  }

  /** Evaluates an expression; `hint` names the symbol a size gets when the code does not fix it (the assigned name). */
  evaluate(node: SyntaxNode, environment: HostEnvironment, hint?: string): HostValue {
    switch (node.type) {
      case 'identifier': return environment.get(node.text) ?? UNKNOWN;
      case 'integer': {
        const value = Number(node.text.replace(/_/g, ''));
        return Number.isFinite(value) ? { kind: 'number', dim: num(value) } : UNKNOWN;
      }
      case 'float': return { kind: 'number', dim: num(Number(node.text)) };
      case 'true': return { kind: 'bool', value: true };
      case 'false': return { kind: 'bool', value: false };
      case 'none': return { kind: 'none' };
      case 'string': return { kind: 'string', value: stringValue(node) };
      case 'parenthesized_expression': {
        const inner = namedChildren(node)[0];
        return inner ? this.evaluate(inner, environment, hint) : UNKNOWN;
      }
      case 'tuple': case 'list': case 'expression_list':
        return { kind: 'tuple', items: namedChildren(node).map((c) => this.evaluate(c, environment)) };
      case 'dictionary': {
        const entries = new Map<string, HostValue>();
        for (const pair of namedChildren(node)) {
          const key = field(pair, 'key');
          const value = field(pair, 'value');
          if (pair.type === 'pair' && key?.type === 'string' && value) entries.set(stringValue(key), this.evaluate(value, environment, stringValue(key)));
        }
        return { kind: 'dict', entries };
      }
      case 'lambda': {
        const parameters = namedChildren(field(node, 'parameters')).map((p) => (p.type === 'identifier' ? p.text : field(p, 'name')?.text ?? p.text));
        const body = field(node, 'body');
        return body ? { kind: 'lambda', parameters, body, closure: environment } : UNKNOWN;
      }
      case 'binary_operator': {
        const left = field(node, 'left');
        const right = field(node, 'right');
        const operator = field(node, 'operator')?.text ?? '';
        if (!left || !right) return UNKNOWN;
        const a = this.evaluate(left, environment);
        const b = this.evaluate(right, environment);
        const op = ({ '+': '+', '-': '-', '*': '*', '//': '//', '/': '/', '%': '%' } as const)[operator as '+'];
        if (!op || a.kind === 'tensor' || b.kind === 'tensor' || a.kind === 'tuple' || b.kind === 'tuple') return UNKNOWN;
        if (a.kind === 'unknown' || b.kind === 'unknown') return hint ? { kind: 'number', dim: sym(hint) } : UNKNOWN;
        return { kind: 'number', dim: bin(op, this.asDim(a, '?'), this.asDim(b, '?')) };
      }
      case 'unary_operator': {
        const inner = field(node, 'argument');
        const value = inner ? this.evaluate(inner, environment) : UNKNOWN;
        return value.kind === 'number' ? { kind: 'number', dim: bin('-', num(0), value.dim) } : UNKNOWN;
      }
      case 'comparison_operator': {
        const [a, b] = namedChildren(node).map((c) => this.evaluate(c, environment));
        const operator = node.children.find((c) => c && !c.isNamed)?.text;
        const left = a && literal(a);
        const right = b && literal(b);
        if (left === undefined || right === undefined) return UNKNOWN;
        if (operator === '==') return { kind: 'bool', value: left === right };
        if (operator === '!=') return { kind: 'bool', value: left !== right };
        return UNKNOWN;
      }
      case 'conditional_expression': {
        const [whenTrue, condition, whenFalse] = namedChildren(node);
        const truth = condition ? this.evaluate(condition, environment) : UNKNOWN;
        if (truth.kind === 'bool' && !truth.value && whenFalse) return this.evaluate(whenFalse, environment, hint);
        return whenTrue ? this.evaluate(whenTrue, environment, hint) : UNKNOWN;
      }
      case 'subscript': return this.subscript(node, environment, hint);
      case 'attribute': return this.attribute(node, environment, hint);
      case 'call': return this.call(node, environment, hint);
      default: return UNKNOWN;
    }
  }

  private attribute(node: SyntaxNode, environment: HostEnvironment, hint?: string): HostValue {
    const dotted = dottedName(node);
    const torchDtype = dotted?.startsWith('torch.') ? dtypeNamed(dotted.slice(6)) : undefined;
    if (torchDtype) return { kind: 'dtype', dtype: torchDtype };
    const objectNode = field(node, 'object');
    const attribute = field(node, 'attribute')?.text;
    if (!objectNode) return UNKNOWN;
    const object = this.evaluate(objectNode, environment);
    if (attribute === 'shape') {
      const ref = this.asTensor(object, objectNode.text, objectNode.type === 'identifier' ? environment : undefined);
      if (!ref) return UNKNOWN;
      return ref.shape ? { kind: 'tuple', items: ref.shape.map((d) => ({ kind: 'number', dim: d })) } : { kind: 'unknown' };
    }
    if (attribute === 'dtype' && object.kind === 'tensor') return object.ref.dtype === 'default' ? UNKNOWN : { kind: 'dtype', dtype: object.ref.dtype };
    if (attribute === 'T' && object.kind === 'tensor') return object;
    void hint;
    return UNKNOWN;
  }

  private subscript(node: SyntaxNode, environment: HostEnvironment, hint?: string): HostValue {
    const valueNode = field(node, 'value');
    const indexNode = field(node, 'subscript');
    if (!valueNode || !indexNode) return UNKNOWN;
    // `x.shape[0]` on a tensor whose shape the wrapper has not fixed: a symbol named after the assignment.
    if (valueNode.type === 'attribute' && field(valueNode, 'attribute')?.text === 'shape') {
      const objectNode = field(valueNode, 'object')!;
      const ref = this.asTensor(this.evaluate(objectNode, environment), objectNode.text, objectNode.type === 'identifier' ? environment : undefined);
      const index = this.evaluate(indexNode, environment);
      if (ref?.shape && index.kind === 'number' && index.dim.kind === 'num') {
        const dim = ref.shape[index.dim.value < 0 ? ref.shape.length + index.dim.value : index.dim.value];
        if (dim) return { kind: 'number', dim };
      }
      const key = `${objectNode.text}[${indexNode.text}]`;
      const known = ref ? this.shapeSymbols.get(ref)?.get(indexNode.text) : undefined;
      if (known) return { kind: 'number', dim: known };
      const dim = sym(this.preferredShapeNames.get(key) ?? hint ?? `${objectNode.text}_dim${indexNode.text.replace(/\W/g, '')}`);
      if (ref) this.shapeSymbols.set(ref, new Map([...(this.shapeSymbols.get(ref) ?? []), [indexNode.text, dim]]));
      return { kind: 'number', dim };
    }
    const value = this.evaluate(valueNode, environment);
    const index = this.evaluate(indexNode, environment);
    if (value.kind === 'dict' && index.kind === 'string') return value.entries.get(index.value) ?? UNKNOWN;
    if (value.kind === 'tuple' && index.kind === 'number' && index.dim.kind === 'num') {
      const i = index.dim.value;
      return value.items[i < 0 ? value.items.length + i : i] ?? UNKNOWN;
    }
    return UNKNOWN;
  }

  /** Calls a lambda (a grid, a heuristic) with positional values. */
  callLambda(lambda: Extract<HostValue, { kind: 'lambda' }>, values: readonly HostValue[]): HostValue {
    const environment: HostEnvironment = new Map(lambda.closure);
    lambda.parameters.forEach((p, i) => environment.set(p, values[i] ?? UNKNOWN));
    if (lambda.body.type === 'block') {
      for (const statement of namedChildren(lambda.body)) {
        if (statement.type === 'return_statement') {
          const value = namedChildren(statement)[0];
          return value ? this.evaluate(value, environment) : UNKNOWN;
        }
        this.executeSimple(statement, environment);
      }
      return UNKNOWN;
    }
    return this.evaluate(lambda.body, environment);
  }

  /** Assignments only: the statements a grid function or a heuristic may hold before its return. */
  executeSimple(statement: SyntaxNode, environment: HostEnvironment): void {
    if (statement.type !== 'expression_statement') return;
    const assignment = namedChildren(statement)[0];
    if (assignment?.type === 'assignment') {
      const left = field(assignment, 'left');
      const right = field(assignment, 'right');
      if (left && right) this.assign(left, right, environment);
    }
  }

  assign(left: SyntaxNode, right: SyntaxNode, environment: HostEnvironment): void {
    if (left.type === 'identifier') {
      environment.set(left.text, this.evaluate(right, environment, left.text));
      return;
    }
    if (left.type !== 'pattern_list' && left.type !== 'tuple_pattern') return;
    const targets = namedChildren(left);
    // `M, K = a.shape` on a tensor of unknown shape: its dims become symbols named after the targets.
    const isShape = right.type === 'attribute' && field(right, 'attribute')?.text === 'shape';
    const isSize = right.type === 'call' && field(right, 'function')?.type === 'attribute'
      && field(right, 'function')?.childForFieldName('attribute')?.text === 'size' && !callArguments(right).positional.length;
    if (isShape || isSize) {
      const objectNode = (isShape ? right : field(right, 'function')!).childForFieldName('object')!;
      const ref = this.asTensor(this.evaluate(objectNode, environment), objectNode.text, objectNode.type === 'identifier' ? environment : undefined);
      if (ref && !ref.shape) {
        setShape(ref, targets.map((t) => (t.type === 'identifier' && t.text !== '_' ? sym(t.text) : unknownDim(`${objectNode.text}.shape`))));
      }
    }
    const value = this.evaluate(right, environment);
    targets.forEach((target, index) => {
      if (target.type !== 'identifier') return;
      environment.set(target.text, value.kind === 'tuple' ? value.items[index] ?? UNKNOWN : UNKNOWN);
    });
  }

  private call(node: SyntaxNode, environment: HostEnvironment, hint?: string): HostValue {
    const functionNode = field(node, 'function');
    if (!functionNode) return UNKNOWN;
    const dotted = dottedName(functionNode);
    const args = callArguments(node);
    const evaluateArgument = (index: number, keyword: string, argumentHint?: string): HostValue | undefined => {
      const argumentNode = argument(args, index, keyword);
      return argumentNode ? this.evaluate(argumentNode, environment, argumentHint) : undefined;
    };
    if (dotted === 'triton.cdiv' || dotted === 'cdiv') {
      const a = evaluateArgument(0, 'x');
      const b = evaluateArgument(1, 'y');
      return a && b ? { kind: 'number', dim: cdiv(this.asDim(a, '?'), this.asDim(b, '?')) } : UNKNOWN;
    }
    if (dotted === 'triton.next_power_of_2' || dotted === 'next_power_of_2') {
      const value = evaluateArgument(0, 'n');
      if (!value) return UNKNOWN;
      const input = this.asDim(value, '?');
      const inputValue = evalDim(input, this.magicBindings);
      const result = inputValue === undefined ? undefined : 2 ** Math.ceil(Math.log2(Math.max(1, inputValue)));
      if (input.kind === 'num' && result !== undefined) return { kind: 'number', dim: num(result) };
      return this.numericOrSymbol(result, `triton.next_power_of_2(${formatDim(input)})`, hint);
    }
    if (dotted === 'min' || dotted === 'max') {
      const dims = args.positional.map((a) => this.asDim(this.evaluate(a, environment), '?'));
      if (dims.length < 2) return UNKNOWN;
      const pick = dotted === 'min' ? Math.min : Math.max;
      const values = dims.map((d) => evalDim(d, this.magicBindings));
      const result = values.every((v) => v !== undefined) ? pick(...(values as number[])) : undefined;
      if (result !== undefined && dims.every((d) => d.kind === 'num')) return { kind: 'number', dim: num(result) };
      return this.numericOrSymbol(result, `${dotted}(${dims.map((d) => formatDim(d)).join(', ')})`, hint);
    }
    if (dotted === 'int' || dotted === 'math.ceil' || dotted === 'math.floor') return evaluateArgument(0, 'x') ?? UNKNOWN;
    if (dotted === 'len') {
      const value = evaluateArgument(0, 'x');
      return value?.kind === 'tuple' ? { kind: 'number', dim: num(value.items.length) } : UNKNOWN;
    }
    if (dotted && /^torch\.(empty|zeros|ones|randn|rand|full|empty_strided)$/.test(dotted)) {
      const positional = args.positional.map((a) => this.evaluate(a, environment));
      const shapeValues = positional.length === 1 && positional[0].kind === 'tuple' ? positional[0].items
        : dotted === 'torch.full' ? (positional[0]?.kind === 'tuple' ? positional[0].items : positional.slice(0, 1)) : positional;
      const shape = shapeValues.map((v, i) => this.asDim(v, `${hint ?? 'tensor'}_dim${i}`));
      const dtypeValue = evaluateArgument(99, 'dtype');
      return this.newTensor(hint ?? dotted, shape, dtypeValue?.kind === 'dtype' ? dtypeValue.dtype : 'default', node.text);
    }
    if (dotted && /^torch\.(empty_like|zeros_like|ones_like|randn_like|rand_like|full_like)$/.test(dotted)) {
      const like = evaluateArgument(0, 'input');
      const ref = like && this.asTensor(like, argument(args, 0, 'input')?.text ?? 'x', argument(args, 0, 'input')?.type === 'identifier' ? environment : undefined);
      const dtypeValue = evaluateArgument(99, 'dtype');
      const made = this.newTensor(hint ?? dotted, ref?.shape ?? null, dtypeValue?.kind === 'dtype' ? dtypeValue.dtype : ref?.dtype ?? 'default', node.text);
      if (ref && !ref.shape && made.kind === 'tensor') {
        ref.twins = [...(ref.twins ?? []), made.ref];
        made.ref.twins = [ref];
      }
      return made;
    }
    if (functionNode.type === 'attribute') {
      const objectNode = field(functionNode, 'object')!;
      const method = field(functionNode, 'attribute')?.text ?? '';
      const object = this.evaluate(objectNode, environment);
      const tensorEnvironment = objectNode.type === 'identifier' ? environment : undefined;
      switch (method) {
        case 'numel': {
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          if (!ref) return UNKNOWN;
          if (ref.shape) return { kind: 'number', dim: product(ref.shape) };
          const name = hint ?? `${objectNode.text}_numel`;
          setShape(ref, [sym(name)]);
          return { kind: 'number', dim: sym(name) };
        }
        case 'size': {
          const index = evaluateArgument(0, 'dim');
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          if (!index) return ref?.shape ? { kind: 'tuple', items: ref.shape.map((d) => ({ kind: 'number', dim: d })) } : UNKNOWN;
          if (ref?.shape && index.kind === 'number' && index.dim.kind === 'num') {
            const i = index.dim.value;
            const dim = ref.shape[i < 0 ? ref.shape.length + i : i];
            if (dim) return { kind: 'number', dim };
          }
          return { kind: 'number', dim: sym(hint ?? `${objectNode.text}_dim`) };
        }
        case 'element_size': {
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          return ref && ref.dtype !== 'default' ? { kind: 'number', dim: num(DTYPE_BYTES[ref.dtype]) } : { kind: 'number', dim: sym(DTYPE_BYTES_SYMBOL) };
        }
        case 'stride': return UNKNOWN;
        case 'contiguous': case 'detach': case 'cuda': case 't': return object.kind === 'parameter' ? { kind: 'tensor', ref: this.asTensor(object, objectNode.text, tensorEnvironment)! } : object;
        case 'to': case 'type': {
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          const dtypeValue = evaluateArgument(0, 'dtype');
          if (ref && dtypeValue?.kind === 'dtype') return this.newTensor(hint ?? ref.name, ref.shape, dtypeValue.dtype, node.text);
          return ref ? { kind: 'tensor', ref } : UNKNOWN;
        }
        case 'view': case 'reshape': {
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          if (!ref) return UNKNOWN;
          const values = args.positional.map((a) => this.evaluate(a, environment));
          const items = values.length === 1 && values[0].kind === 'tuple' ? values[0].items : values;
          const dims = items.map((v) => this.asDim(v, '?'));
          const known = dims.filter((d) => !(d.kind === 'num' && d.value === -1));
          const shape = dims.map((d) => (d.kind === 'num' && d.value === -1
            ? (ref.shape ? bin('//', product(ref.shape), product(known)) : sym(`${hint ?? ref.name}_rows`))
            : d));
          // A view shares storage: the same TensorValue, seen with a new shape.
          const view: TensorRef = { name: hint ?? ref.name, value: { ...ref.value, shape }, shape, dtype: ref.dtype };
          return { kind: 'tensor', ref: view };
        }
        case 'new_empty': case 'new_zeros': {
          const ref = this.asTensor(object, objectNode.text, tensorEnvironment);
          const shapeValue = evaluateArgument(0, 'size');
          const items = shapeValue?.kind === 'tuple' ? shapeValue.items : shapeValue ? [shapeValue] : [];
          return this.newTensor(hint ?? 'tensor', items.map((v, i) => this.asDim(v, `${hint ?? 'tensor'}_dim${i}`)), ref?.dtype ?? 'default', node.text);
        }
        default: break;
      }
    }
    return UNKNOWN;
  }

  private newTensor(name: string, shape: Dim[] | null, dtype: DType | 'default', origin: string): HostValue {
    return { kind: 'tensor', ref: { name, value: this.builder.value(shape, dtype, origin), shape, dtype } };
  }

  /**
   * A size that needs a function Dims cannot express (next_power_of_2, min): computed now when the file's magic comment
   * fixes its inputs, and then bound in the code bindings under the assigned name, so that it shows as an assumption.
   */
  private numericOrSymbol(value: number | undefined, expression: string, hint?: string): HostValue {
    const name = hint ?? expression;
    if (value !== undefined && Number.isFinite(value)) {
      this.builder.bindFromCode({ symbol: name, value, source: `${expression}, from the sizes in the magic comment` });
    } else {
      this.notes.add(`${name} = ${expression} needs sizes MemWall does not know: bind it with # memwall: ${name}=...`);
    }
    return { kind: 'number', dim: sym(name) };
  }
}

function literal(value: HostValue): string | number | boolean | null | undefined {
  if (value.kind === 'string' || value.kind === 'bool') return value.value;
  if (value.kind === 'none') return null;
  if (value.kind === 'number' && value.dim.kind === 'num') return value.dim.value;
  return undefined;
}

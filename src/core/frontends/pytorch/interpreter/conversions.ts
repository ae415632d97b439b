// Conversions between values, numbers, dims and op attributes, and small helpers over values.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, isIntegral, num, sym, type Dim } from '../../../ir/dims';
import type { AttrValue, TensorValue } from '../../../ir/types';
import { NONE, type ClassInfo, type Value } from '../values';
import type { Interpreter } from './index';

/**
 * Python's truth of a value, or undefined when it is not known. `valueOf` gives a size's value where the code fixed
 * it (`if dim % 2:` with dim = 256 from a constructor default): control flow on sizes follows the values, as
 * comparisons do.
 */
export function truthiness(value: Value, valueOf?: (dim: Dim) => number | undefined): boolean | undefined {
  switch (value.kind) {
    case 'bool':
      return value.value;
    case 'none':
      return false;
    case 'dim': {
      const size = value.dim.kind === 'num' ? value.dim.value : valueOf?.(value.dim);
      return size === undefined ? undefined : size !== 0;
    }
    case 'scalar':
      return value.value === undefined ? undefined : value.value !== 0;
    case 'str':
      return value.value.length > 0;
    case 'list':
      return value.repeated ? undefined : value.items.length > 0;
    case 'module':
    case 'layer':
    case 'function':
    case 'partial':
    case 'lambda':
    case 'class':
    case 'object':
    case 'dtype':
      return true;
    default:
      return undefined;
  }
}

export function numeric(value: Value): Extract<Value, { kind: 'dim' }> | Extract<Value, { kind: 'scalar' }> | undefined {
  if (value.kind === 'dim' || value.kind === 'scalar') return value;
  if (value.kind === 'free') return { kind: 'dim', dim: sym(value.name) };
  if (value.kind === 'bool' && value.value !== undefined) return { kind: 'dim', dim: num(value.value ? 1 : 0) };
  if (value.kind === 'bool' && value.number) return { kind: 'dim', dim: value.number };
  return undefined;
}

export function numericDim(value: Value | undefined): Dim | undefined {
  if (!value) return undefined;
  const n = numeric(value);
  if (!n) return undefined;
  if (n.kind === 'dim') return n.dim;
  return n.value !== undefined && Number.isInteger(n.value) ? num(n.value) : undefined;
}

/** A number as a formula: a dim as it is, a float by its formula or its value; undefined when nothing is known. */
export function formulaOf(value: Value): Dim | undefined {
  const n = numeric(value);
  if (!n) return undefined;
  if (n.kind === 'dim') return n.dim;
  return n.expr ?? (n.value !== undefined ? num(n.value) : undefined);
}

/**
 * `int(x)` of a size formula: a whole number stays as it is, `a / b` of whole numbers is `a // b` (sizes are never
 * negative, where the two differ), and anything else is floored.
 */
export function floorDim(dim: Dim): Dim {
  if (isIntegral(dim)) return dim;
  if (dim.kind === 'num') return num(Math.trunc(dim.value));
  if (dim.kind === 'bin' && dim.op === '/' && isIntegral(dim.left) && isIntegral(dim.right)) return bin('//', dim.left, dim.right);
  return bin('//', dim, num(1));
}

/** A value as Python's str() prints it, where MemWall knows it exactly; undefined otherwise. */
export function textOf(value: Value): string | undefined {
  switch (value.kind) {
    case 'str':
      return value.value;
    case 'dim':
      return value.dim.kind === 'num' ? String(value.dim.value) : undefined;
    case 'scalar':
      if (value.value === undefined) return undefined;
      // Python prints a whole float with its point: str(4.0) is '4.0'.
      return Number.isInteger(value.value) ? `${value.value}.0` : String(value.value);
    case 'bool':
      return value.value === undefined ? undefined : value.value ? 'True' : 'False';
    case 'none':
      return 'None';
    default:
      return undefined;
  }
}

/**
 * What str() prints, where a size is a symbol the code binds to a whole number (a constructor argument,
 * `stage_index=2`): the number, so that `f"block{stage_index}-{i}"` names the layer PyTorch registers.
 */
export function printedText(it: Interpreter, value: Value): string | undefined {
  const text = textOf(value);
  if (text !== undefined || value.kind !== 'dim') return text;
  const bound = it.state.currentValue(value.dim);
  return bound !== undefined && Number.isInteger(bound) ? String(bound) : undefined;
}

export function tensorsOf(values: readonly Value[]): TensorValue[] {
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

export function attrToValue(attr: AttrValue): Value {
  if (attr === null) return NONE;
  if (typeof attr === 'number') return Number.isInteger(attr) ? { kind: 'dim', dim: num(attr) } : { kind: 'scalar', value: attr };
  if (typeof attr === 'string') return { kind: 'str', value: attr };
  if (typeof attr === 'boolean') return { kind: 'bool', value: attr };
  if (Array.isArray(attr)) return { kind: 'list', items: (attr as readonly Dim[]).map((d) => ({ kind: 'dim', dim: d })) };
  return { kind: 'dim', dim: attr as Dim };
}

export function formatValue(value: Value): string {
  return value.kind === 'dim' && value.dim.kind === 'num' ? String(value.dim.value) : '…';
}

export function stringValue(node: SyntaxNode): string {
  const text = node.text;
  const match = /^[rbfuRBFU]*("""|'''|"|')([\s\S]*)\1$/.exec(text);
  return match ? (match[2] as string) : text;
}

export function literalShape(value: Value): Dim[] | null {
  // `[temperature] * batch_size`: as many copies of the item as the count says.
  if (value.kind === 'list' && value.repeated) {
    const rest = literalShape(value.repeated.item);
    return rest === null ? null : [value.repeated.count, ...rest];
  }
  if (value.kind === 'list') {
    const inner = value.items[0];
    const rest = inner && inner.kind === 'list' ? literalShape(inner) : [];
    return rest === null ? null : [num(value.items.length), ...rest];
  }
  return value.kind === 'dim' || value.kind === 'scalar' ? [] : null;
}

export function joinPath(base: string, name: string): string {
  return base ? `${base}.${name}` : name;
}

export function withPath(value: Value, path: string): Value {
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

export function baseClass(cls: ClassInfo): ClassInfo | undefined {
  const base = cls.bases.find((b) => b.kind === 'class');
  return base?.kind === 'class' ? base.cls : undefined;
}

/** `torch.nn.modules.linear.Linear` → `torch.nn.Linear`; `torch.functional.F` spellings → the public name. */
export function canonicalName(name: string): string {
  return name
    .replace(/^torch\.nn\.modules\.[a-z_]+\./, 'torch.nn.')
    .replace(/^torch\.nn\.functional\.F\./, 'torch.nn.functional.')
    .replace(/^torch\.functional\./, 'torch.');
}

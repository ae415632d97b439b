// Symbolic tensor dimensions: small expressions over named symbols (B, T, n_embd) that are bound to numbers late.

/** A dimension: a literal, a named symbol, an arithmetic combination, or unknown. */
export type Dim =
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'sym'; readonly name: string }
  | { readonly kind: 'bin'; readonly op: '+' | '-' | '*' | '//' | '/' | '%'; readonly left: Dim; readonly right: Dim }
  /** A size function Python code applies to sizes (`min(32768, triton.next_power_of_2(V))`), evaluated when bound. */
  | { readonly kind: 'fn'; readonly name: DimFunction; readonly args: readonly Dim[] }
  | { readonly kind: 'unknown'; readonly why: string };

/** The functions of sizes a dim can hold, each as the number it computes. */
export type DimFunction = 'min' | 'max' | 'next_power_of_2' | 'sqrt';

const DIM_FUNCTIONS: Readonly<Record<DimFunction, (values: readonly number[]) => number | undefined>> = {
  min: (values) => (values.length ? Math.min(...values) : undefined),
  max: (values) => (values.length ? Math.max(...values) : undefined),
  // triton.next_power_of_2(n): the smallest power of two at or above n (1 for n <= 1).
  next_power_of_2: ([n]) => (n === undefined ? undefined : n <= 1 ? 1 : 2 ** Math.ceil(Math.log2(n))),
  // math.sqrt of a size (`int(math.sqrt(max_seq_len))`): a float, so int() of it floors.
  sqrt: ([n]) => (n === undefined || n < 0 ? undefined : Math.sqrt(n)),
};

/** Size functions whose value may be a fraction whatever their arguments are. */
const FRACTIONAL_FUNCTIONS: ReadonlySet<DimFunction> = new Set(['sqrt']);

/** Numbers bound to symbols; a symbol missing here evaluates to undefined. */
export type Bindings = ReadonlyMap<string, number>;

export const num = (value: number): Dim => ({ kind: 'num', value });
export const sym = (name: string): Dim => ({ kind: 'sym', name });
export const unknownDim = (why: string): Dim => ({ kind: 'unknown', why });

/** Combines two dims, folding constants so that `2*3` stays `6` and `x*1` stays `x`. */
export function bin(op: '+' | '-' | '*' | '//' | '/' | '%', left: Dim, right: Dim): Dim {
  if (left.kind === 'unknown') return left;
  if (right.kind === 'unknown') return right;
  if (left.kind === 'num' && right.kind === 'num') {
    const value = applyOp(op, left.value, right.value);
    return value === undefined ? unknownDim(`${left.value} ${op} ${right.value}`) : num(value);
  }
  if (op === '*' && left.kind === 'num' && left.value === 1) return right;
  // `x // 1` is x only for whole numbers: of a float (`int(dim * 2.5)`) it is the floor that int() takes.
  if ((op === '*' || op === '/' || (op === '//' && isIntegral(left))) && right.kind === 'num' && right.value === 1) return left;
  if ((op === '+' || op === '-') && right.kind === 'num' && right.value === 0) return left;
  if (op === '+' && left.kind === 'num' && left.value === 0) return right;
  return { kind: 'bin', op, left, right };
}

function applyOp(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '//': return b === 0 ? undefined : Math.floor(a / b);
    case '/': return b === 0 ? undefined : a / b;
    case '%': return b === 0 ? undefined : ((a % b) + b) % b;
    default: return undefined;
  }
}

/** A size function of dims, folded to a number when every argument is one. */
export function dimFunction(name: DimFunction, args: readonly Dim[]): Dim {
  const unknown = args.find((a) => a.kind === 'unknown');
  if (unknown) return unknown;
  if (args.every((a) => a.kind === 'num')) {
    const value = DIM_FUNCTIONS[name](args.map((a) => (a as { value: number }).value));
    return value === undefined ? unknownDim(`${name}()`) : num(value);
  }
  return { kind: 'fn', name, args };
}

/** Whether a dim is a whole number whatever its symbols are: no true division and no fractional literal in it. */
export function isIntegral(dim: Dim): boolean {
  switch (dim.kind) {
    case 'num': return Number.isInteger(dim.value);
    case 'sym': return true;
    case 'unknown': return true;
    case 'bin': return dim.op !== '/' && isIntegral(dim.left) && isIntegral(dim.right);
    case 'fn': return !FRACTIONAL_FUNCTIONS.has(dim.name) && dim.args.every(isIntegral);
  }
}

/** Evaluates a dim with the given bindings; undefined when a symbol is unbound or the dim is unknown. */
export function evalDim(dim: Dim, bindings: Bindings): number | undefined {
  switch (dim.kind) {
    case 'num': return dim.value;
    case 'sym': return bindings.get(dim.name);
    case 'unknown': return undefined;
    case 'bin': {
      const left = evalDim(dim.left, bindings);
      const right = evalDim(dim.right, bindings);
      return left === undefined || right === undefined ? undefined : applyOp(dim.op, left, right);
    }
    case 'fn': {
      const values: number[] = [];
      for (const arg of dim.args) {
        const value = evalDim(arg, bindings);
        if (value === undefined) return undefined;
        values.push(value);
      }
      return DIM_FUNCTIONS[dim.name](values);
    }
  }
}

/** The dim with every bound symbol replaced by its number, folded: a formula over the symbols still unbound. */
export function bindDim(dim: Dim, bindings: Bindings): Dim {
  switch (dim.kind) {
    case 'sym': {
      const value = bindings.get(dim.name);
      return value === undefined ? dim : num(value);
    }
    case 'bin': return bin(dim.op, bindDim(dim.left, bindings), bindDim(dim.right, bindings));
    case 'fn': return dimFunction(dim.name, dim.args.map((arg) => bindDim(arg, bindings)));
    default: return dim;
  }
}

/** Evaluates a whole shape; undefined when any dim cannot be evaluated. */
export function evalShape(shape: readonly Dim[] | null, bindings: Bindings): number[] | undefined {
  if (!shape) return undefined;
  const out: number[] = [];
  for (const dim of shape) {
    const value = evalDim(dim, bindings);
    if (value === undefined) return undefined;
    out.push(value);
  }
  return out;
}

const PRECEDENCE: Record<string, number> = { '+': 1, '-': 1, '*': 2, '//': 2, '/': 2, '%': 2 };

/** Prints a dim as Python-like source: `4*n_embd`, `n_embd//n_head`, `?`. */
export function formatDim(dim: Dim, parentPrecedence = 0): string {
  switch (dim.kind) {
    case 'num': return String(dim.value);
    case 'sym': return dim.name;
    case 'unknown': return '?';
    case 'bin': {
      // The floor int() takes of a float: `int(dim*2.5)` reads better than `(dim*2.5)//1`.
      if (dim.op === '//' && dim.right.kind === 'num' && dim.right.value === 1) return `int(${formatDim(dim.left)})`;
      const precedence = PRECEDENCE[dim.op] ?? 3;
      const text = `${formatDim(dim.left, precedence)}${dim.op}${formatDim(dim.right, precedence + 1)}`;
      return precedence < parentPrecedence ? `(${text})` : text;
    }
    case 'fn': return `${dim.name}(${dim.args.map((a) => formatDim(a)).join(', ')})`;
  }
}

export function formatShape(shape: readonly Dim[] | null): string {
  return shape ? `[${shape.map((d) => formatDim(d)).join(', ')}]` : '[?]';
}

/** The symbols a dim depends on, in order of first appearance. */
export function dimSymbols(dim: Dim, into: Set<string> = new Set()): Set<string> {
  if (dim.kind === 'sym') into.add(dim.name);
  else if (dim.kind === 'bin') {
    dimSymbols(dim.left, into);
    dimSymbols(dim.right, into);
  } else if (dim.kind === 'fn') for (const arg of dim.args) dimSymbols(arg, into);
  return into;
}

/** Structural equality, used to match broadcast dims and to check reshape compatibility. */
export function sameDim(a: Dim, b: Dim): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'num': return a.value === (b as typeof a).value;
    case 'sym': return a.name === (b as typeof a).name;
    case 'unknown': return false;
    case 'bin': {
      const other = b as typeof a;
      return a.op === other.op && sameDim(a.left, other.left) && sameDim(a.right, other.right);
    }
    case 'fn': {
      const other = b as typeof a;
      return a.name === other.name && a.args.length === other.args.length && a.args.every((arg, i) => sameDim(arg, other.args[i] as Dim));
    }
  }
}

/** The product of dims (an element count), folded where possible. */
export function product(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => bin('*', acc, d), num(1));
}

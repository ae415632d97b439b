// Dim helpers the Triton frontend needs beyond ir/dims: ceil-division, substitution and symbol tests.
import { bin, dimFunction, num, sym, type Dim } from '../../ir/dims';

/** Symbols that stand for a program's own coordinates; they never reach a priced figure unsubstituted. */
export const PROGRAM_ID_PREFIX = '__pid';
export const LOOP_VARIABLE_PREFIX = '__loop_';
export { DTYPE_BYTES_SYMBOL } from '../../ir/symbols';

export const add = (a: Dim, b: Dim): Dim => bin('+', a, b);
export const sub = (a: Dim, b: Dim): Dim => bin('-', a, b);
export const mul = (a: Dim, b: Dim): Dim => bin('*', a, b);
export const div = (a: Dim, b: Dim): Dim => bin('/', a, b);

/** triton.cdiv(a, b) = (a + b - 1) // b, the number of tiles of b that cover a. */
export function cdiv(a: Dim, b: Dim): Dim {
  return bin('//', bin('+', a, bin('-', b, num(1))), b);
}

/** Replaces symbols by other dims; `replace` returns undefined to keep a symbol. */
export function substitute(dim: Dim, replace: (name: string) => Dim | undefined): Dim {
  switch (dim.kind) {
    case 'sym': return replace(dim.name) ?? dim;
    case 'bin': return bin(dim.op, substitute(dim.left, replace), substitute(dim.right, replace));
    case 'fn': return dimFunction(dim.name, dim.args.map((arg) => substitute(arg, replace)));
    default: return dim;
  }
}

export function hasSymbolWithPrefix(dim: Dim, prefix: string): boolean {
  switch (dim.kind) {
    case 'sym': return dim.name.startsWith(prefix);
    case 'bin': return hasSymbolWithPrefix(dim.left, prefix) || hasSymbolWithPrefix(dim.right, prefix);
    case 'fn': return dim.args.some((arg) => hasSymbolWithPrefix(arg, prefix));
    default: return false;
  }
}

/** True when the dim changes from program to program or from loop iteration to iteration. */
export function isIterationDependent(dim: Dim): boolean {
  return hasSymbolWithPrefix(dim, PROGRAM_ID_PREFIX) || hasSymbolWithPrefix(dim, LOOP_VARIABLE_PREFIX);
}

/** Sets every program id and loop variable to zero: the extent a tiled range covers from its first tile. */
export function atFirstIteration(dim: Dim): Dim {
  return substitute(dim, (name) =>
    name.startsWith(PROGRAM_ID_PREFIX) || name.startsWith(LOOP_VARIABLE_PREFIX) ? num(0) : undefined);
}

export const programIdSymbol = (axis: number): Dim => sym(`${PROGRAM_ID_PREFIX}${axis}`);
export const loopVariableSymbol = (name: string): Dim => sym(`${LOOP_VARIABLE_PREFIX}${name}`);

export function sumDims(dims: readonly Dim[]): Dim {
  return dims.reduce<Dim>((acc, d) => add(acc, d), num(0));
}

// Dims written for people: a sum of terms with like terms combined and products cancelled against quotients.
//
// A kernel's per-program figures are sums of one term per load, store and operation (`BLOCK+BLOCK+BLOCK`), and masks
// divide by the block they cover (`BLOCK*(n_cols/BLOCK)`): read as a polynomial they are `3*BLOCK` and `n_cols`.
import { formatDim, type Dim } from './dims';

/** One term: a coefficient times a product of factors (symbols or expressions kept whole), each to a power. */
interface Term {
  coefficient: number;
  readonly factors: Map<string, { readonly text: string; power: number }>;
}

/** Above this many terms a product is not expanded: the formula stays as written. */
const MAX_TERMS = 64;

function key(term: Term): string {
  return [...term.factors.entries()].filter(([, f]) => f.power !== 0).sort(([a], [b]) => a.localeCompare(b)).map(([k, f]) => `${k}^${f.power}`).join('*');
}

function combine(terms: readonly Term[]): Term[] {
  const byKey = new Map<string, Term>();
  for (const term of terms) {
    const k = key(term);
    const existing = byKey.get(k);
    if (existing) existing.coefficient += term.coefficient;
    else byKey.set(k, { coefficient: term.coefficient, factors: new Map([...term.factors].filter(([, f]) => f.power !== 0).map(([name, f]) => [name, { ...f }])) });
  }
  return [...byKey.values()].filter((term) => Math.abs(term.coefficient) > 1e-12);
}

function multiply(a: readonly Term[], b: readonly Term[]): Term[] | undefined {
  if (a.length * b.length > MAX_TERMS) return undefined;
  const out: Term[] = [];
  for (const x of a) {
    for (const y of b) {
      const factors = new Map([...x.factors].map(([name, f]) => [name, { ...f }]));
      for (const [name, f] of y.factors) {
        const existing = factors.get(name);
        if (existing) existing.power += f.power;
        else factors.set(name, { ...f });
      }
      out.push({ coefficient: x.coefficient * y.coefficient, factors });
    }
  }
  return combine(out);
}

/** A dim kept whole (a floor division, a modulo, a function), its parts written in normal form. */
function atom(dim: Dim): Term[] {
  let text: string;
  const part = (d: Dim): string => {
    const written = formatFormula(d);
    return /^[\w.]+$/.test(written) || /^\w+\([^()]*(\([^()]*\)[^()]*)*\)$/.test(written) ? written : `(${written})`;
  };
  if (dim.kind === 'bin') text = `${part(dim.left)}${dim.op}${part(dim.right)}`;
  else if (dim.kind === 'fn') text = `${dim.name}(${dim.args.map(formatFormula).join(', ')})`;
  else text = formatDim(dim);
  return [{ coefficient: 1, factors: new Map([[text, { text, power: 1 }]]) }];
}

function terms(dim: Dim): Term[] {
  switch (dim.kind) {
    case 'num': return dim.value === 0 ? [] : [{ coefficient: dim.value, factors: new Map() }];
    case 'sym': return [{ coefficient: 1, factors: new Map([[dim.name, { text: dim.name, power: 1 }]]) }];
    case 'bin': {
      const left = terms(dim.left);
      const right = terms(dim.right);
      switch (dim.op) {
        case '+': return combine([...left, ...right]);
        case '-': return combine([...left, ...right.map((t) => ({ ...t, coefficient: -t.coefficient }))]);
        case '*': return multiply(left, right) ?? atom(dim);
        case '/': {
          // Division by one term is multiplication by its inverse, so that `BLOCK*(n/BLOCK)` cancels to `n`.
          const divisor = right[0];
          if (right.length !== 1 || !divisor || divisor.coefficient === 0) return atom(dim);
          const inverse: Term = {
            coefficient: 1 / divisor.coefficient,
            factors: new Map([...divisor.factors].map(([name, f]) => [name, { ...f, power: -f.power }])),
          };
          return multiply(left, [inverse]) ?? atom(dim);
        }
        default: return atom(dim);
      }
    }
    default: return atom(dim);
  }
}

function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function formatTerm(term: Term): string {
  const factors = [...term.factors.values()].sort((a, b) => a.text.localeCompare(b.text));
  const wrap = (text: string): string => (/^[\w.]+$/.test(text) || /^\w+\(.*\)$/.test(text) ? text : `(${text})`);
  const power = (text: string, p: number): string => (p === 1 ? wrap(text) : Array.from({ length: p }, () => wrap(text)).join('*'));
  const numerator = factors.filter((f) => f.power > 0).map((f) => power(f.text, f.power));
  const denominator = factors.filter((f) => f.power < 0).map((f) => power(f.text, -f.power));
  const magnitude = Math.abs(term.coefficient);
  const parts = magnitude === 1 && numerator.length ? numerator : [formatNumber(magnitude), ...numerator];
  let text = parts.join('*');
  if (denominator.length) text += `/${denominator.length === 1 ? denominator[0] : `(${denominator.join('*')})`}`;
  return text;
}

/** `3*BLOCK + n_cols/2`: the dim as a sum of combined terms, largest degree first; as written when too large to expand. */
export function formatFormula(dim: Dim): string {
  if (dim.kind === 'num') return formatNumber(dim.value);
  if (dim.kind === 'sym' || dim.kind === 'unknown') return formatDim(dim);
  const sum = terms(dim);
  if (sum.length === 0) return '0';
  const degree = (term: Term): number => [...term.factors.values()].reduce((total, f) => total + f.power, 0);
  const ordered = [...sum].sort((a, b) => degree(b) - degree(a));
  return ordered.map((term, index) => {
    const text = formatTerm(term);
    if (index === 0) return term.coefficient < 0 ? `-${text}` : text;
    return term.coefficient < 0 ? ` - ${text}` : ` + ${text}`;
  }).join('');
}

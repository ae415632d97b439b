// How much of a graph is priced and why the rest is not: the "N of M ops priced" that every total must carry.
import { ASSUMED_SHAPE_NOTE, type CostedOp } from '../ir/types';

/** One reason ops are not priced, with how many it holds back and a few of their labels. */
export interface UnpricedCause {
  readonly cause: string;
  readonly ops: number;
  readonly examples: readonly string[];
}

export interface Coverage {
  /** Ops the totals would count (views and ops on a fallback path left out), and how many of them are priced. */
  readonly total: number;
  readonly priced: number;
  /** Priced ops whose shapes follow from an output assumed at a call MemWall does not know: priced from a guess. */
  readonly assumed: number;
  /** Why the others are not priced, the cause that holds back most ops first. */
  readonly causes: readonly UnpricedCause[];
}

/**
 * What the totals count: views move nothing, a fallback path does not run beside its fused kernel, and a loss under
 * `if labels is not None:` runs only when labels are given.
 */
function counted(cost: CostedOp): boolean {
  return cost.node.category !== 'view' && cost.node.fusedBy !== 'fallback' && cost.node.onlyWhenGiven === undefined;
}

const EXAMPLES = 3;

/**
 * Why one op is not priced, as a cause shared by the ops it holds back: a call MemWall does not know (the ops after it
 * have no shape either), a size nothing binds, a dim that is zero or negative, or a shape lost upstream.
 */
export function unpricedCause(cost: CostedOp): string {
  const { node } = cost;
  if (node.category === 'unknown') return 'calls MemWall does not know';
  if (cost.kernel?.pricedPer === 'program') {
    return `Triton kernels priced for one program only, their launch not sized${cost.kernel.unbound.length ? ` (bind ${cost.kernel.unbound.join(', ')})` : ''}`;
  }
  const why = (cost.explain[0] ?? '').replace(/^not priced: /, '');
  if (/zero or negative size/.test(why)) return 'a zero or negative size (a sentinel such as -1 or None where a size belongs)';
  // describeMissing's words (price.ts): `shape of input 1 (x): n_embd unbound, int(); shape of output 1: not known`.
  const reasons = new Set<string>();
  for (const part of why.split('; ')) {
    const colon = part.indexOf(': ');
    if (!/^shape of /.test(part) || colon < 0) continue;
    for (const reason of part.slice(colon + 2).split(', ')) reasons.add(reason);
  }
  const unbound = [...reasons].filter((reason) => / unbound$/.test(reason)).map((reason) => `\`${reason.replace(/ unbound$/, '')}\``);
  if (unbound.length > 0) return `size${unbound.length > 1 ? 's' : ''} ${unbound.join(', ')} not bound (give ${unbound.length > 1 ? 'them' : 'it'} with --dims or a magic comment)`;
  const computed = [...reasons].filter((reason) => reason !== 'not known' && reason !== 'not evaluable');
  if (computed.length > 0) return `sizes computed in a way MemWall does not follow (${computed.join(', ')})`;
  if (reasons.size > 0 || node.notes.some((note) => /^Shape of `/.test(note))) return 'a shape lost upstream (after a call MemWall does not know, or an input of unknown shape)';
  return why || 'no cost formula answered';
}

export function coverage(costs: readonly CostedOp[]): Coverage {
  let total = 0;
  let priced = 0;
  let assumed = 0;
  const causes = new Map<string, { ops: number; examples: string[] }>();
  for (const cost of costs) {
    if (!counted(cost)) continue;
    total++;
    if (cost.timeUs !== null && cost.flops !== null && cost.bytes !== null) {
      priced++;
      if (cost.node.notes.some((note) => note.startsWith(ASSUMED_SHAPE_NOTE))) assumed++;
      continue;
    }
    const cause = unpricedCause(cost);
    const entry = causes.get(cause) ?? { ops: 0, examples: [] };
    entry.ops++;
    const label = cost.node.label || cost.node.op;
    if (entry.examples.length < EXAMPLES && !entry.examples.includes(label)) entry.examples.push(label);
    causes.set(cause, entry);
  }
  return {
    total,
    priced,
    assumed,
    causes: [...causes].map(([cause, { ops, examples }]) => ({ cause, ops, examples })).sort((a, b) => b.ops - a.ops),
  };
}

/**
 * `12 of 175 ops priced: totals and shares cover those only; not priced: 150 ops (calls MemWall does not know:
 * layer1.0, layer1.1, …), 13 ops (…)`; undefined when every op is priced.
 */
export function coverageSentence(covered: Coverage): string | undefined {
  const one = covered.assumed === 1;
  const guessed = covered.assumed > 0
    ? `${covered.assumed} of the priced ops ${one ? 'has' : 'have'} shapes that follow from a call MemWall does not know (its output taken to be shaped like its input): ${one ? 'its figures are a guess' : 'their figures are guesses'}`
    : '';
  if (covered.priced === covered.total) return guessed || undefined;
  const causes = covered.causes.map(({ cause, ops, examples }) => `${ops} op${ops === 1 ? '' : 's'} (${cause}: ${examples.join(', ')}${ops > examples.length ? ', …' : ''})`);
  return `${covered.priced} of ${covered.total} ops priced: totals and shares cover those only; not priced: ${causes.join(', ')}${guessed ? `; ${guessed}` : ''}`;
}

// Learns the shapes of a root's inputs that nothing declares, from what one trial run of the root does with them.
//
// The frontend runs the root once in learning mode with each undeclared input as a tensor of unknown shape, tells the
// learner what the code does with it (the layer it meets, unpacking, a contraction or broadcast against a known
// tensor, an equality on one of its dims), then throws that run away and runs the root again with the learned shapes.
// Facts are kept per input; outputs of shape-preserving ops (dropout, activations, `.to`) join their input's class
// in a union-find, so `x = self.drop(x); x = self.conv(x)` still teaches x's shape.
import { dimSymbols, formatDim, formatShape, sym, type Dim } from '../ir/dims';
import type { DimRole, InputTemplate } from '../ir/catalog';
import type { DType } from '../ir/types';
import { defaultSize } from './bindings';

/** The symbol a dim takes when only its role is known; its default size is DEFAULT_SIZES's. `channels` has none. */
export const ROLE_SYMBOLS: Readonly<Record<DimRole, string | undefined>> = {
  batch: 'B',
  sequence: 'T',
  height: 'height',
  width: 'width',
  depth: 'frames',
  length: 'L',
  channels: undefined,
};

/** Symbols the learner hands out for dims it does not know yet start with this character, which no Python name has. */
const LEARNER_PREFIX = '\u00a7';

/** Thrown by the learner once every input it tracks is known: the trial run stops there (the root runner catches it). */
export class LearningComplete extends Error {}

/** What is known of one dim of an input. */
interface Slot {
  /** A size the code fixes: `3`, `in_features`, `image_size`. */
  value?: Dim;
  role?: DimRole;
  /** The name the code unpacks it into: `n`, `h`. */
  name?: string;
  /** Another dim of the same input it equals (`assert h == w`). */
  sameAs?: number;
}

/** One undeclared input of the root and what the trial run taught about it. */
interface Learning {
  readonly name: string;
  slots?: Slot[];
  /** The rank is a fact (unpacking, a layer of fixed rank), not a layer's default for any leading dims. */
  rankCertain: boolean;
  dtype?: DType;
  /** An op read it (it is a tensor), whether or not anything taught its shape. */
  read?: boolean;
  /** A method no tensor has was called on it (`cache.update(h)`): an object, not a tensor, unless a layer taught a shape. */
  object?: boolean;
  /** What taught it, in order: `self.conv1 (Conv2d, in_channels=3) at line 12`. */
  readonly reasons: string[];
}

/** A learned input, as the root's real run declares it. */
export interface LearnedShape {
  readonly name: string;
  /** Null for an input the code reads as a tensor without saying anything about its shape. */
  readonly shape: readonly Dim[] | null;
  readonly dtype?: DType;
  /** Where it came from: `from self.conv1 (Conv2d, in_channels=3) at line 12; B, height, width by default`. */
  readonly source: string;
  /**
   * Role symbols renamed because the code uses their name for something else (`x_width`), with their default size,
   * and names whose usual role is not the one the layers give them (`N` of `B, N, C = x.shape` before a Linear is the
   * sequence, not the batch), with their role's size and the source that says so.
   */
  readonly renamed: readonly { readonly symbol: string; readonly value: number; readonly source?: string }[];
}

/** Roles whose symbol gives way to the code's own symbol of that name: `width` is as often a layer's width. */
const YIELDING_ROLES: ReadonlySet<DimRole> = new Set(['height', 'width', 'depth', 'length']);

/**
 * How a fact about an op's output maps back to its input: `rearrange(img, 'b c (h p1) (w p2) -> b (h w) (p1 p2 c)')`
 * then `LayerNorm(patch_dim)` says the last output group, p1·p2·c, is patch_dim, so c is patch_dim / (p1·p2).
 */
export type TemplateBack = (template: InputTemplate) => InputTemplate | null;

export class ShapeLearner {
  private readonly parent = new Map<number, number>();
  /** Outputs of ops whose input a later fact about the output teaches (einops patterns), by output id. */
  private readonly derived = new Map<number, { readonly input: number; readonly back: TemplateBack }>();
  private readonly learnings = new Map<number, Learning>();
  private readonly order: Learning[] = [];

  /** Starts tracking the tensor (by value id) that stands for the input `name`. */
  track(id: number, name: string): void {
    const learning: Learning = { name, rankCertain: false, reasons: [] };
    this.learnings.set(id, learning);
    this.order.push(learning);
  }

  /** Whether the value is an input the learner tracks (or shares a shape with one) and still has something to learn. */
  tracks(id: number): boolean {
    return this.learningOf(id) !== undefined || this.derivedOf(id) !== undefined;
  }

  /** An op's output whose later facts teach its tracked input, through `back`. */
  derive(output: number, input: number, back: TemplateBack): void {
    if (this.tracks(input)) this.derived.set(output, { input, back });
  }

  /** The output of a shape-preserving op has its input's shape: facts about either teach the input. */
  same(output: number, input: number): void {
    const root = this.find(input);
    if (this.learnings.has(root) && this.find(output) !== root) this.parent.set(this.find(output), root);
  }

  /** An op read the value: an input that an op reads is a tensor, even when nothing teaches its shape. */
  read(id: number): void {
    const learning = this.learnings.get(this.find(id));
    if (learning) learning.read = true;
  }

  /** A method no tensor has was called on the value: the input is another kind of object, unless a layer says otherwise. */
  notATensor(id: number): void {
    const learning = this.learnings.get(this.find(id));
    if (learning) learning.object = true;
  }

  /** A layer's template for its input: the dims it fixes and the roles of the others; `where` says which layer. */
  template(id: number, template: InputTemplate, where: string): void {
    const learning = this.learningOf(id);
    if (!learning) {
      const derived = this.derivedOf(id);
      const back = derived?.back(template);
      if (derived && back) this.template(derived.input, back, where);
      return;
    }
    const before = describe(learning);
    // A size written with the input's own unpacked dims (`x.view(B * T, C)` after `B, T, C = x.size()`) says nothing
    // new about them, and would define a dim by itself.
    const own = `${LEARNER_PREFIX}${this.order.indexOf(learning)}.`;
    const circular = (d: Dim): boolean => [...dimSymbols(d)].some((symbol) => symbol.startsWith(own));
    this.merge(learning, template.dims.map((d) => (typeof d === 'string' ? { role: d } : circular(d) ? {} : { value: d })), !template.leading);
    if (template.dtype && !learning.dtype) learning.dtype = template.dtype;
    if (describe(learning) !== before) learning.reasons.push(where);
    this.stopIfDone();
  }

  /**
   * `n, c, h, w = x.shape`: the rank is a fact and the names are the code's. Returns the dims the unpacked names
   * stand for during the trial run (symbols only the learner knows), so later equalities on them reach the input.
   */
  unpack(id: number, names: readonly string[], where: string): Dim[] | undefined {
    const root = this.find(id);
    const learning = this.learnings.get(root);
    if (!learning) return undefined;
    const before = describe(learning);
    this.merge(learning, names.map((name) => (name === '_' ? {} : { name })), true);
    if (describe(learning) !== before) learning.reasons.push(where);
    const index = this.order.indexOf(learning);
    return (learning.slots ?? []).map((_, position) => sym(`${LEARNER_PREFIX}${index}.${position}`));
  }

  /** `x @ W` with W of shape [K, N]: x's last dim is K; its leading dims are a batch and a sequence by default. */
  contraction(id: number, size: Dim, where: string): void {
    this.template(id, { dims: ['batch', 'sequence', size], leading: true, why: `contracted with a dim of size ${formatDim(size)}` }, where);
  }

  /** `x + self.pos_embedding` with a known shape of rank 2 or more: x has that shape, a 1 there being a free dim. */
  broadcast(id: number, other: readonly Dim[], where: string): void {
    const dims = other.map((d, position): Dim | DimRole => (d.kind === 'num' && d.value === 1 ? (position === 0 ? 'batch' : 'sequence') : d));
    this.template(id, { dims, leading: true, why: `broadcast against ${formatShape(other)}` }, where);
  }

  /** `torch._assert(h == self.image_size)`, `assert h == w`: a dim the learner handed out equals another dim. */
  equal(left: Dim, right: Dim, where: string): void {
    const a = this.slotOf(left);
    const b = this.slotOf(right);
    if (a && b) {
      if (a.learning === b.learning && a.position !== b.position && b.slot.sameAs === undefined && b.slot.value === undefined) {
        b.slot.sameAs = a.position;
        a.learning.reasons.push(where);
      }
    } else if (a || b) {
      const target = (a ?? b) as NonNullable<typeof a>;
      const value = a ? right : left;
      if (target.slot.value !== undefined || [...dimSymbols(value)].some((s) => s.startsWith(LEARNER_PREFIX)) || value.kind === 'unknown') return;
      target.slot.value = value;
      target.learning.reasons.push(where);
    } else return;
    this.stopIfDone();
  }

  /**
   * The learned shapes, for the inputs the trial run taught something, and a null shape for those ops read without
   * learning anything; inputs no op read are left out (they may be sizes or flags).
   */
  solve(taken: (symbol: string) => boolean = () => false): LearnedShape[] {
    const learned: LearnedShape[] = [];
    for (const learning of this.order) {
      if (!learning.slots) {
        if (learning.read && !learning.object) learned.push({ name: learning.name, shape: null, source: 'nothing in the code says its shape', renamed: [] });
        continue;
      }
      const renamed: { symbol: string; value: number; source?: string }[] = [];
      // When the code uses one role's name (`width`), the input's height and width both take its name (`x_height`).
      const yielding = learning.slots.filter((slot) => slot.value === undefined && slot.role && YIELDING_ROLES.has(slot.role));
      const clash = yielding.some((slot) => taken(ROLE_SYMBOLS[slot.role as DimRole] as string));
      const rename = (dim: Dim, slot: Slot): Dim => {
        if (dim.kind !== 'sym' || !slot.role || !YIELDING_ROLES.has(slot.role) || !clash || defaultSize(dim.name) === undefined) return dim;
        const symbol = `${learning.name}_${dim.name}`;
        if (!renamed.some((r) => r.symbol === symbol)) renamed.push({ symbol, value: defaultSize(dim.name) as number });
        return sym(symbol);
      };
      const shape = learning.slots.map((slot, position) => {
        const target = slot.sameAs !== undefined ? learning.slots?.[slot.sameAs] ?? slot : slot;
        const dim = this.resolve(finalDim(learning, slot, position));
        return target.value === undefined ? rename(dim, target) : dim;
      });
      // A name whose default is another role's (`N`: a batch in `N, C, H, W`, the tokens in `B, N, C`) takes the size
      // of the role the layers give its dim.
      learning.slots.forEach((slot, position) => {
        const dim = shape[position];
        const roleSymbol = slot.role ? ROLE_SYMBOLS[slot.role] : undefined;
        if (slot.value !== undefined || slot.sameAs !== undefined || !slot.name || !roleSymbol || dim?.kind !== 'sym' || dim.name !== slot.name) return;
        const byName = defaultSize(slot.name);
        const byRole = defaultSize(roleSymbol);
        if (byName === undefined || byRole === undefined || byName === byRole || renamed.some((r) => r.symbol === slot.name)) return;
        renamed.push({ symbol: slot.name, value: byRole, source: `default: the ${slot.role} dim of ${learning.name}, as the layers read it` });
      });
      // The dims nothing fixed, which take MemWall's default sizes by their role or name.
      const defaults = shape
        .filter((_dim, position) => learning.slots?.[position]?.value === undefined && learning.slots?.[position]?.sameAs === undefined)
        .filter((dim) => dim.kind === 'sym' && (defaultSize(dim.name) !== undefined || renamed.some((r) => r.symbol === dim.name)))
        .map((dim) => formatDim(dim));
      const parts = [`from ${learning.reasons.join(', then ')}`];
      if (defaults.length > 0) parts.push(`${[...new Set(defaults)].join(', ')} by default`);
      learned.push({ name: learning.name, shape, ...(learning.dtype ? { dtype: learning.dtype } : {}), source: parts.join('; '), renamed });
    }
    return learned;
  }

  /**
   * A dim with the learner's own symbols, which stand for another input's dims during the trial run (a mask broadcast
   * against `B, T, _ = x.shape`), replaced by the dims those became.
   */
  private resolve(dim: Dim, depth = 0): Dim {
    if (depth > 4) return dim;
    switch (dim.kind) {
      case 'sym': {
        const found = this.slotOf(dim);
        return found ? this.resolve(finalDim(found.learning, found.slot, found.position), depth + 1) : dim;
      }
      case 'bin':
        return { ...dim, left: this.resolve(dim.left, depth), right: this.resolve(dim.right, depth) };
      case 'fn':
        return { ...dim, args: dim.args.map((arg) => this.resolve(arg, depth)) };
      default:
        return dim;
    }
  }

  /** Throws LearningComplete when every tracked input is fully known. */
  private stopIfDone(): void {
    if (this.order.every((learning) => complete(learning))) throw new LearningComplete('every input is known');
  }

  private derivedOf(id: number): { readonly input: number; readonly back: TemplateBack } | undefined {
    const derived = this.derived.get(id);
    return derived && this.learningOf(derived.input) ? derived : undefined;
  }

  private learningOf(id: number): Learning | undefined {
    const learning = this.learnings.get(this.find(id));
    return learning && !complete(learning) ? learning : undefined;
  }

  private find(id: number): number {
    let root = id;
    for (let next = this.parent.get(root); next !== undefined; next = this.parent.get(root)) root = next;
    return root;
  }

  private slotOf(dim: Dim): { learning: Learning; slot: Slot; position: number } | undefined {
    if (dim.kind !== 'sym' || !dim.name.startsWith(LEARNER_PREFIX)) return undefined;
    const [index, position] = dim.name.slice(LEARNER_PREFIX.length).split('.').map(Number);
    const learning = this.order[index as number];
    const slot = learning?.slots?.[position as number];
    return learning && slot ? { learning, slot, position: position as number } : undefined;
  }

  /**
   * Adds what a fact says to what is known, dim by dim. A fact of certain rank replaces a default rank (the dims are
   * aligned from the right, where layers read their features); a fact whose rank contradicts a certain one is left out.
   */
  private merge(learning: Learning, facts: readonly Slot[], certain: boolean): void {
    const slots = learning.slots;
    if (!slots) {
      learning.slots = facts.map((fact) => ({ ...fact }));
      learning.rankCertain = certain;
      return;
    }
    if (slots.length !== facts.length) {
      if (learning.rankCertain && certain) return;
      if (certain) {
        // The certain rank wins; what was known is kept where the two line up from the right.
        const resized: Slot[] = facts.map(() => ({}));
        for (let k = 1; k <= Math.min(slots.length, resized.length); k++) resized[resized.length - k] = { ...slots[slots.length - k] };
        learning.slots = resized;
        learning.rankCertain = true;
      }
    } else if (certain) learning.rankCertain = true;
    const target = learning.slots as Slot[];
    for (let k = 1; k <= Math.min(target.length, facts.length); k++) {
      const slot = target[target.length - k] as Slot;
      const fact = facts[facts.length - k] as Slot;
      if (fact.value !== undefined && slot.value === undefined) slot.value = fact.value;
      if (fact.role !== undefined && slot.role === undefined) slot.role = fact.role;
      if (fact.name !== undefined && slot.name === undefined) slot.name = fact.name;
    }
  }
}

/** A dim is known when the code fixes it or equates it to another, or when its role or name has a default size. */
function known(learning: Learning, slot: Slot): boolean {
  if (slot.value !== undefined || slot.sameAs !== undefined) return true;
  if (slot.role !== undefined && ROLE_SYMBOLS[slot.role] !== undefined) return true;
  return slot.name !== undefined && defaultSize(slot.name) !== undefined && learning.rankCertain;
}

function complete(learning: Learning): boolean {
  return learning.slots !== undefined && learning.slots.every((slot) => known(learning, slot));
}

/** The dim an input's slot becomes in the real run: its value, the dim it equals, its role's symbol, or its name. */
function finalDim(learning: Learning, slot: Slot, position: number, depth = 0): Dim {
  if (slot.value !== undefined) return slot.value;
  const other = slot.sameAs !== undefined ? learning.slots?.[slot.sameAs] : undefined;
  if (other && depth < 4) return finalDim(learning, other, slot.sameAs as number, depth + 1);
  const roleSymbol = slot.role ? ROLE_SYMBOLS[slot.role] : undefined;
  if (slot.name !== undefined && (defaultSize(slot.name) !== undefined || !roleSymbol)) return sym(slot.name);
  if (roleSymbol) return sym(roleSymbol);
  return sym(`${slot.role === 'channels' ? 'C' : 'd'}_${learning.name}_${position}`);
}

/** A fingerprint of what is known, to tell whether a fact taught anything. */
function describe(learning: Learning): string {
  return JSON.stringify([learning.slots, learning.rankCertain, learning.dtype]);
}

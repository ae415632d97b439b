// What a pass over one layer read of it, so that a pass over another layer built alike can be counted unrun.
//
// A loop over layers built one by one (`nn.ModuleList([DecoderLayer(config, i) for i in range(n)])`) runs one pass per
// layer, and passes that make the same ops fold (repeats.ts). Two layers are rarely equal in every attribute (each
// keeps its own index, `self.layer_idx`), but a pass reads only some of them: while a pass runs, the attribute maps
// of its layer and of every module inside it record which attributes were read (a Map whose prototype is swapped for
// the pass, so that every read is seen, whichever code reads). The next layer is alike for that pass when each
// attribute read holds an alike value there: the same numbers and texts, tensors of the same shape and dtype, layers
// built with the same arguments, modules of the same class (whose own reads are compared in turn).
import { sameDim } from '../../../ir/dims';
import type { TensorValue } from '../../../ir/types';
import type { Value } from '../values';

/** A place in a layer: the attribute names and list indices that lead from the layer to a module inside it. */
type Path = readonly (string | number)[];

/**
 * The attributes read from one module of the layer, by its path; `*` when the whole map was read (iterated, sized).
 * `written` holds, for each attribute the pass set (`self.cache_k = ...`), what it held before the first set.
 */
interface Reads {
  readonly path: Path;
  readonly names: Set<string>;
  readonly written: Map<string, Value | undefined>;
  /** Every set into the layer's maps during the pass, for the pass as a whole. */
  readonly sets: { count: number };
}

/** The records a map's reads go to: a loop inside a pass over a layer records its own layers' reads too. */
const recording = new WeakMap<Map<string, Value>, Reads[]>();

/** A map's own reads, which record nothing (this file reads the maps it records; a pass's reads are the pass's). */
const quietly = {
  get: (map: Map<string, Value>, key: string): Value | undefined => Map.prototype.get.call(map, key) as Value | undefined,
  size: (map: Map<string, Value>): number => Reflect.get(Map.prototype, 'size', map) as number,
  entries: (map: Map<string, Value>): MapIterator<[string, Value]> => Map.prototype.entries.call(map) as MapIterator<[string, Value]>,
};

function note(map: Map<string, Value>, name: string): void {
  for (const reads of recording.get(map) ?? []) reads.names.add(name);
}

/** A Map that notes each read, and each set with what it replaces, into the Reads its map is recorded under. */
class RecordingMap extends Map<string, Value> {
  override set(key: string, value: Value): this {
    const records = recording.get(this);
    if (records) {
      const previous = quietly.get(this, key);
      for (const reads of records) {
        if (!reads.written.has(key)) reads.written.set(key, previous);
        reads.sets.count++;
      }
    }
    return super.set(key, value);
  }

  override get(key: string): Value | undefined {
    note(this, key);
    return super.get(key);
  }

  override has(key: string): boolean {
    note(this, key);
    return super.has(key);
  }

  override get size(): number {
    note(this, '*');
    return super.size;
  }

  override entries(): MapIterator<[string, Value]> {
    note(this, '*');
    return super.entries();
  }

  override keys(): MapIterator<string> {
    note(this, '*');
    return super.keys();
  }

  override values(): MapIterator<Value> {
    note(this, '*');
    return super.values();
  }

  override forEach(callback: (value: Value, key: string, map: Map<string, Value>) => void, thisArg?: unknown): void {
    note(this, '*');
    super.forEach(callback, thisArg);
  }

  override [Symbol.iterator](): MapIterator<[string, Value]> {
    note(this, '*');
    return super[Symbol.iterator]();
  }
}

/** The reads of one pass over a layer: start before the pass, stop after it. */
export class LayerReads {
  private readonly reads: Reads[] = [];
  private readonly maps: Map<string, Value>[] = [];
  private readonly sets = { count: 0 };

  constructor(layer: Value) {
    this.watch(layer, [], new Set(), 0);
  }

  /** Stops recording: the maps are plain Maps again. */
  stop(): void {
    for (const map of this.maps) {
      const records = (recording.get(map) ?? []).filter((reads) => !this.reads.includes(reads));
      if (records.length > 0) recording.set(map, records);
      else {
        recording.delete(map);
        Object.setPrototypeOf(map, Map.prototype);
      }
    }
    this.maps.length = 0;
  }

  /**
   * How many times the pass set an attribute of the layer or of a module inside it: writes the pass made there alone
   * leave a pass over another layer what it read (repeats.ts), once `replay` makes them there too.
   */
  get writes(): number {
    return this.sets.count;
  }

  /**
   * Whether a pass over `other` would read what the pass over `layer` read, alike: each attribute read as it was
   * before the pass set it. A layer whose pass set a value other than a tensor, number, text or None, or set it in a
   * module the other layer shares, is alike to none (replay could not make the same writes there).
   */
  alike(layer: Value, other: Value, tensors: TensorsAlike): boolean {
    if (!sameValue(layer, other, false, tensors)) return false;
    for (const { path, names, written } of this.reads) {
      const mine = at(layer, path);
      const theirs = at(other, path);
      if (mine?.kind !== 'module' || theirs?.kind !== 'module') return false;
      const a = mine.instance.attrs;
      const b = theirs.instance.attrs;
      if (written.size > 0 && (a === b || [...written.keys()].some((name) => !replayable(quietly.get(a, name))))) return false;
      const before = (name: string): Value | undefined => (written.has(name) ? written.get(name) : quietly.get(a, name));
      if (names.has('*')) {
        if (written.size > 0 || quietly.size(a) !== quietly.size(b)) return false;
        for (const [key, value] of quietly.entries(a)) if (!sameValue(value, quietly.get(b, key), false, tensors)) return false;
        continue;
      }
      for (const name of names) {
        const value = before(name);
        const otherValue = quietly.get(b, name);
        if (value === undefined ? otherValue !== undefined : !sameValue(value, otherValue, false, tensors)) return false;
      }
    }
    return true;
  }

  /**
   * Makes in `other` the sets the pass made in `layer`: each attribute the pass changed holds what it holds in `layer`
   * now (one set back to what it held, `self.cache = self.cache.to(x)` where no cast was needed, leaves `other`'s own).
   * The sets are seen by the pass of an outer loop over layers that holds `other`, which then runs its next pass (they
   * are not writes the interpreter counted, so that pass's count of its own layer's writes no longer matches).
   */
  replay(layer: Value, other: Value): void {
    for (const { path, written } of this.reads) {
      if (written.size === 0) continue;
      const mine = at(layer, path);
      const theirs = at(other, path);
      if (mine?.kind !== 'module' || theirs?.kind !== 'module') continue;
      for (const [name, previous] of written) {
        const value = quietly.get(mine.instance.attrs, name);
        if (value && value !== previous) theirs.instance.attrs.set(name, value);
      }
    }
  }

  private watch(value: Value, path: Path, seen: Set<object>, depth: number): void {
    if (depth > 16) return;
    if (value.kind === 'module') {
      const attrs = value.instance.attrs;
      if (seen.has(attrs)) return;
      seen.add(attrs);
      const reads: Reads = { path, names: new Set(), written: new Map(), sets: this.sets };
      this.reads.push(reads);
      for (const [key, item] of quietly.entries(attrs)) this.watch(item, [...path, key], seen, depth + 1);
      // Swapped last: walking the attributes above is not a read of the pass.
      recording.set(attrs, [...(recording.get(attrs) ?? []), reads]);
      Object.setPrototypeOf(attrs, RecordingMap.prototype);
      this.maps.push(attrs);
    } else if (value.kind === 'modlist') {
      value.list.items.forEach((item, i) => this.watch(item, [...path, i], seen, depth + 1));
    } else if (value.kind === 'list' && !value.repeated) {
      value.items.forEach((item, i) => this.watch(item, [...path, i], seen, depth + 1));
    }
  }
}

/** Values a pass may set in its layer and replay make in another: tensors, numbers, texts, None. */
function replayable(value: Value | undefined): boolean {
  return value !== undefined && (value.kind === 'tensor' || value.kind === 'dim' || value.kind === 'scalar' || value.kind === 'str' || value.kind === 'bool' || value.kind === 'none');
}

/**
 * Whether a pass over `other` may read alike to a pass over `layer` at all: the same kind of module or layer, alike at
 * the top (LayerReads.alike compares what a pass read). A Sequential of a Linear and a Dropout is not worth recording.
 */
export function mayBeAlike(layer: Value, other: Value, tensors: TensorsAlike): boolean {
  return sameValue(layer, other, false, tensors);
}

/** The module (or other value) a path leads to from a layer. */
function at(layer: Value, path: Path): Value | undefined {
  let value: Value | undefined = layer;
  for (const step of path) {
    if (!value) return undefined;
    if (typeof step === 'number') value = value.kind === 'modlist' ? value.list.items[step] : value.kind === 'list' ? value.items[step] : undefined;
    else value = value.kind === 'module' ? quietly.get(value.instance.attrs, step) : undefined;
  }
  return value;
}

/**
 * Whether two values read alike by a pass: modules of the same class (their attributes are compared where read),
 * layers built alike, tensors of the same shape and dtype, equal numbers and texts, lists of alike items. Functions,
 * lambdas and other objects only when they are the same object.
 */
function sameValue(a: Value, b: Value | undefined, deep: boolean, tensors: TensorsAlike): boolean {
  if (a === b) return true;
  if (!b || a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'module': {
      const other = (b as typeof a).instance;
      return a.instance.cls === other.cls && a.instance.compiled === other.compiled && a.instance.compileMode === other.compileMode && (!deep || a.instance === other);
    }
    case 'layer': {
      const x = a.layer;
      const y = (b as typeof a).layer;
      if (x.op !== y.op || x.entry !== y.entry || x.label !== y.label || JSON.stringify(x.args) !== JSON.stringify(y.args) || x.params.size !== y.params.size) return false;
      for (const [name, tensor] of x.params) {
        const other = y.params.get(name);
        if (!other || !tensors(tensor, other)) return false;
      }
      return true;
    }
    case 'tensor':
      return tensors(a.tensor, (b as typeof a).tensor);
    case 'dim':
      return sameDim(a.dim, (b as typeof a).dim);
    case 'modlist': {
      const other = b as typeof a;
      return a.sequential === other.sequential && JSON.stringify(a.names) === JSON.stringify(other.names) && sameValue(a.list, other.list, deep, tensors);
    }
    case 'list': {
      const other = b as typeof a;
      if (a.repeated || other.repeated) return false;
      return a.items.length === other.items.length && a.items.every((item, i) => sameValue(item, other.items[i], deep, tensors));
    }
    case 'dict': {
      const other = b as typeof a;
      if (a.entries.size !== other.entries.size) return false;
      for (const [key, item] of a.entries) if (!sameValue(item, other.entries.get(key), true, tensors)) return false;
      return true;
    }
    case 'scalar':
    case 'str':
    case 'bool':
    case 'none':
    case 'dtype':
      return JSON.stringify(a) === JSON.stringify(b);
    default:
      return false;
  }
}

/** Whether a pass reads two tensors alike (repeats.ts: shape, dtype, origin, layout, known elements). */
export type TensorsAlike = (a: TensorValue, b: TensorValue) => boolean;

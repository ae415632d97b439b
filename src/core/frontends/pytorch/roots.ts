// Reuses a root's ops from the previous analysis of the same document when nothing that root reads has changed.
//
// The PyTorch frontend runs the module-level code, then each root (a function nobody calls, an outermost nn.Module).
// After a keystroke in a file with several models, most roots read only unchanged code. A root's run reads: the
// module-level state (the same when the module-level code, the definitions it reaches by name, the config classes,
// the magic comments and the imported modules are the same), the definitions it reaches by name from its own text, and
// the state that earlier roots left (the code's symbol bindings, the scopes already recorded). All of that is the
// root's key; when the key matches, the ops, notes, scopes and bindings it produced are replayed with their ids and
// offsets moved, and the graph is the one a full run gives (test/core/roots.test.ts checks that on random edits).
// A root whose run leaves state that later roots read in other ways (a module-level name rebound, a class compiled,
// a value of an earlier root without a record) is never reused; a root that must run while the instance it starts
// from was built by a replayed root makes the whole extraction run again without reuse (RootCacheMiss).
import type { GraphBuilder } from '../../ir/graph';
import type { AnalysisNote, HostSync, OpNode, RootInput, ScopeInfo, Span, TensorValue, ValueUse } from '../../ir/types';
import type { FileContext, TopLevelStatement } from './files';
import type { OwnerCodeCache } from './index';
import type { CodeBinding, Interpreter } from './interpreter';
import type { ClassInfo, FunctionInfo } from './values';

/** What one root's run produced, with what it read, kept between two analyses of one document. */
interface RootRecord {
  /** The definitions it reads (id, row, text) and the state earlier roots left, as compared on the next analysis. */
  readonly definitions: readonly Segment[];
  readonly state: string;
  readonly ops: readonly OpNode[];
  readonly notes: readonly AnalysisNote[];
  readonly scopes: readonly ScopeInfo[];
  readonly valueUses: readonly ValueUse[];
  readonly hostSyncs: readonly HostSync[];
  readonly inputs: readonly RootInput[];
  readonly bindings: readonly CodeBinding[];
  /** Classes and top-level functions the run covered, by name. */
  readonly coveredClasses: readonly string[];
  readonly coveredFunctions: readonly string[];
  /** Id ranges handed out during the run: [first, end). */
  readonly values: readonly [number, number];
  readonly opIds: readonly [number, number];
  /** Where the segments that hold its spans started in the text it was recorded from, by segment id, in order. */
  readonly anchors: readonly (readonly [string, number])[];
  /** Classes whose first instance this run built (a harness that builds a model and returns it). */
  readonly instancesBuilt: readonly string[];
  /** Earlier roots whose values its ops use, with the record they had. */
  readonly dependsOn: ReadonlyMap<string, RootRecord>;
  readonly setTf32: boolean;
  readonly setExpressionTooDeep: boolean;
}

/** The records of one document's last analysis; the server keeps one per open document. */
export class RootCache {
  /** The shared key (see sharedKey) the records were made under: when it changes, no record is reused. */
  shared = '';
  records = new Map<string, RootRecord>();
  /** The words of each definition's text, by text: most definitions are unchanged from one keystroke to the next. */
  words = new Map<string, readonly string[]>();
  /** What the roots' order read of each definition's code (index.ts CodeNames), by definition text. */
  readonly ownerCode: OwnerCodeCache = { definitions: '', byText: new Map() };
  /** How many roots the last analysis reused and ran, for the log and the tests. */
  reused = 0;
  ran = 0;

  /** Forgets every record: the next analysis runs all roots (after a miss, see RootCacheMiss). */
  clear(): void {
    this.shared = '';
    this.records = new Map();
  }
}

/** A top-level statement; a definition with the comments and blank lines above it (where shape declarations sit). */
interface Segment {
  /** `name#k` for the k-th definition of a name, `#i` for other statements. */
  readonly id: string;
  readonly name?: string;
  readonly start: number;
  readonly row: number;
  readonly text: string;
}

const sameSegments = (a: readonly Segment[], b: readonly Segment[]): boolean =>
  a.length === b.length && a.every((segment, index) => segment.id === b[index]?.id && segment.row === b[index]?.row && segment.text === b[index]?.text);

const segmentsKey = (segments: readonly Segment[]): string => segments.map((s) => `${s.id}@${s.row}\u0000${s.text}`).join('\u0001');

/** The file's top-level statements as segments, and which definitions each one names. */
export class FileSegments {
  readonly segments: Segment[] = [];
  private readonly byName = new Map<string, Segment[]>();
  private readonly byId = new Map<string, Segment>();
  private readonly references = new Map<Segment, Set<string>>();

  constructor(
    text: string,
    statements: readonly TopLevelStatement[],
    private readonly words: Map<string, readonly string[]>,
  ) {
    let previousEnd = 0;
    // The row of `rowAt`, moved forward as segments are found.
    let rowAt = 0;
    let row = 0;
    let index = 0;
    const counts = new Map<string, number>();
    for (const { node: statement, name } of statements) {
      if (statement.type === 'comment') continue;
      // A string alone (a module's docstring, a block of text between definitions) does nothing when run: editing it
      // changes nothing that roots read. It belongs to no segment, not even the definition below it.
      if (!name && isBareString(statement)) {
        previousEnd = statement.endIndex;
        continue;
      }
      const end = statement.endIndex;
      const count = name ? (counts.get(name) ?? 0) : 0;
      if (name) counts.set(name, count + 1);
      // A definition keeps the comments above it (shape declarations sit there); other code starts at itself, so that
      // editing a comment between module-level statements changes nothing that roots read.
      const start = name ? previousEnd : statement.startIndex;
      for (let at = text.indexOf('\n', rowAt); at >= 0 && at < start; at = text.indexOf('\n', at + 1)) row++;
      rowAt = start;
      const segment: Segment = { id: name ? `${name}#${count}` : `#${index}`, name, start, row, text: text.slice(start, end) };
      this.segments.push(segment);
      this.byId.set(segment.id, segment);
      if (name) this.byName.set(name, [...(this.byName.get(name) ?? []), segment]);
      // Module-level code is read through its identifiers: a comment naming a class does not make it module state.
      else this.references.set(segment, new Set(statement.descendantsOfType('identifier').map((identifier) => identifier?.text ?? '')));
      previousEnd = end;
      index++;
    }
  }

  /** The definitions of the names and every definition they name, transitively, in text order. */
  closure(names: Iterable<string>): Segment[] {
    const seen = new Set<Segment>();
    const pending = [...names];
    for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
      for (const segment of this.byName.get(name) ?? []) {
        if (seen.has(segment)) continue;
        seen.add(segment);
        for (const reference of this.referencesOf(segment)) pending.push(reference);
      }
    }
    return [...seen].sort((a, b) => a.start - b.start);
  }

  /** The module-level statements that are not definitions. */
  moduleCode(): Segment[] {
    return this.segments.filter((segment) => !segment.name);
  }

  /**
   * Definitions that a segment names: for a definition, any word of its text that names one (in code, strings or
   * comments alike: a safe excess); for module-level code, its identifiers.
   */
  referencesOf(segment: Segment): Set<string> {
    let names = this.references.get(segment);
    if (!names) {
      let words = this.words.get(segment.text);
      if (!words) this.words.set(segment.text, (words = [...new Set(segment.text.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [])]));
      names = new Set(words.filter((word) => this.byName.has(word)));
      this.references.set(segment, names);
    }
    return names;
  }

  segment(id: string): Segment | undefined {
    return this.byId.get(id);
  }
}

/** A statement that is a string literal alone: `"""docstring"""`, or implicitly concatenated strings. */
function isBareString(statement: TopLevelStatement['node']): boolean {
  if (statement.type !== 'expression_statement' || statement.namedChildCount !== 1) return false;
  const type = statement.namedChild(0)?.type;
  return type === 'string' || type === 'concatenated_string';
}

/** The `# memwall:` comments with their rows (shape declarations apply to the definition below them). */
function magicLines(text: string): string {
  const lines: string[] = [];
  let row = 0;
  let rowAt = 0;
  for (let at = text.indexOf('memwall:'); at >= 0; at = text.indexOf('memwall:', at + 1)) {
    for (let newline = text.indexOf('\n', rowAt); newline >= 0 && newline < at; newline = text.indexOf('\n', newline + 1)) row++;
    rowAt = at;
    const lineStart = text.lastIndexOf('\n', at) + 1;
    const lineEnd = text.indexOf('\n', at);
    lines.push(`${row}:${text.slice(lineStart, lineEnd < 0 ? text.length : lineEnd).trimEnd()}`);
  }
  return lines.join('\n');
}

/**
 * What every root reads from outside its own definitions: the module-level code and what it reaches, the file's only
 * config class if it has one, the magic comments and the imported modules' texts. Taken after the module-level run,
 * with the state it left.
 */
function sharedKey(
  file: FileContext,
  segments: FileSegments,
  interpreter: Interpreter,
  builder: GraphBuilder,
  modules: ReadonlyMap<string, string>,
  overrides: string,
): { readonly key: string; readonly segments: readonly Segment[] } {
  const moduleCode = segments.moduleCode();
  const reached = segments.closure(moduleCode.flatMap((segment) => [...segments.referencesOf(segment)]));
  // A root module's `config` argument is built from the file's config class when there is exactly one.
  const configs = interpreter.rootConfigClasses(file);
  const config = configs.length === 1 ? segments.closure([(configs[0] as ClassInfo).name]) : [];
  const key = [
    segmentsKey(moduleCode),
    segmentsKey(reached),
    `${configs.length}\u0000${segmentsKey(config)}`,
    magicLines(file.text),
    [...modules].map(([name, text]) => `${name}\u0000${text}`).join('\u0001'),
    `${builder.valueCount},${builder.opCount}`,
    interpreter.state.coverageKey(),
    overrides,
  ].join('\u0002');
  return { key, segments: [...new Set([...moduleCode, ...reached, ...config])] };
}

/** What a root is: a function nobody calls, an outermost module class, or a method named as an entry. */
export type RootKind = 'class' | 'function' | 'method';

/** Thrown when a root must run but needs an instance that a replayed root would have built: extract() runs again, in full. */
export class RootCacheMiss extends Error {}

/** A root's id ranges in this analysis, and the record it came from (replayed or just made). */
interface Placed {
  readonly record: RootRecord;
  readonly valueShift: number;
  readonly opShift: number;
}

/** What the roots of one analysis share: the cache, the records for the next analysis, the file, the module run. */
export interface RootContext {
  readonly cache: RootCache;
  readonly next: Map<string, RootRecord>;
  readonly segments: FileSegments;
  readonly shared: ReturnType<typeof sharedKey>;
  /** The shared key equals the one the cache's records were made under. */
  readonly sharedMatches: boolean;
  /** Ids below these counts belong to the module-level run, the same in the next analysis when the shared key is. */
  readonly moduleValues: number;
  /** The roots of this analysis so far that have a record, with how their ids moved. */
  readonly placed: Map<string, Placed>;
  /** Classes whose instance a replayed root would have built. */
  readonly instancesReplayed: Set<string>;
}

/**
 * Starts the roots of one analysis, after the module-level run. `overrides` are the entries and input shapes the user
 * gave, as a key: when they change, no root is reused.
 */
export function startRoots(cache: RootCache, file: FileContext, interpreter: Interpreter, builder: GraphBuilder, modules: ReadonlyMap<string, string>, overrides = ''): RootContext {
  const segments = new FileSegments(file.text, file.statements, cache.words);
  const shared = sharedKey(file, segments, interpreter, builder, modules, overrides);
  cache.reused = 0;
  cache.ran = 0;
  return {
    cache,
    next: new Map(),
    segments,
    shared,
    sharedMatches: shared.key === cache.shared,
    moduleValues: builder.valueCount,
    placed: new Map(),
    instancesReplayed: new Set(),
  };
}

/** Keeps this analysis's records for the next one, and the words of the definitions it has. */
export function finishRoots(context: RootContext): void {
  context.cache.records = context.next;
  context.cache.shared = context.shared.key;
  const texts = new Set(context.segments.segments.map((segment) => segment.text));
  for (const text of context.cache.words.keys()) if (!texts.has(text)) context.cache.words.delete(text);
}

/**
 * Runs one root, or replays its record when what it reads is unchanged (and the roots whose values it uses were
 * replayed too), and records it for the next analysis. `run` is the root's real run.
 */
export function runRoot(context: RootContext, interpreter: Interpreter, builder: GraphBuilder, root: ClassInfo | FunctionInfo, kind: RootKind, run: () => void): void {
  const { cache, next, segments } = context;
  // A method named as an entry (`Block.forward`) reads its class's definition.
  const method = kind === 'method' && 'qualifiedName' in root ? root : undefined;
  const rootId = `${kind}:${method ? method.qualifiedName : root.name}`;
  const own = segments.closure([method?.owner ? method.owner.name : root.name]);
  const state = interpreter.state.bindingsKey();
  const previous = context.sharedMatches ? cache.records.get(rootId) : undefined;
  if (
    previous &&
    previous.state === state &&
    sameSegments(previous.definitions, own) &&
    [...previous.dependsOn].every(([id, record]) => context.placed.get(id)?.record === record)
  ) {
    context.placed.set(rootId, replay(previous, interpreter, builder, segments, context.placed));
    for (const name of previous.instancesBuilt) context.instancesReplayed.add(name);
    next.set(rootId, previous);
    cache.reused++;
    return;
  }
  // The instance a replayed root built for this class is not there (or another one is): only a full run gives the right one.
  if (kind === 'class' && context.instancesReplayed.has(root.name)) throw new RootCacheMiss();
  cache.ran++;
  const before = snapshot(interpreter, builder);
  run();
  const record = recordOf(context, interpreter, builder, own, state, before);
  if (!record) return;
  next.set(rootId, record);
  context.placed.set(rootId, { record, valueShift: 0, opShift: 0 });
}

/** What a root's run may change, taken before it, to tell what the run added. */
function snapshot(interpreter: Interpreter, builder: GraphBuilder) {
  return {
    ops: builder.ops.length,
    notes: builder.notes.length,
    scopes: builder.scopes.length,
    valueUses: builder.valueUses.length,
    hostSyncs: builder.hostSyncs.length,
    inputs: builder.inputs.length,
    values: builder.valueCount,
    opIds: builder.opCount,
    state: interpreter.state.snapshot(builder.valueCount),
    globals: new Map(interpreter.main.globals),
    compiled: compiledFlags(interpreter.main),
    tf32: builder.tf32Enabled,
  };
}

/** The record of a root that just ran, or undefined when its run cannot be replayed (see the file's header). */
function recordOf(
  context: RootContext,
  interpreter: Interpreter,
  builder: GraphBuilder,
  own: readonly Segment[],
  state: string,
  before: ReturnType<typeof snapshot>,
): RootRecord | undefined {
  const globals = interpreter.main.globals;
  if (globals.size !== before.globals.size || [...before.globals].some(([name, value]) => globals.get(name) !== value)) return undefined;
  if (compiledFlags(interpreter.main) !== before.compiled) return undefined;
  const ops = builder.ops.slice(before.ops);
  const notes = builder.notes.slice(before.notes);
  const scopes = builder.scopes.slice(before.scopes);
  const valueUses = builder.valueUses.slice(before.valueUses);
  const hostSyncs = builder.hostSyncs.slice(before.hostSyncs);
  const inputs = builder.inputs.slice(before.inputs);
  // Every span must lie in a segment whose text and row the keys cover: the root's own, or the shared ones.
  const covering = [...new Set([...own, ...context.shared.segments])].sort((a, b) => a.start - b.start);
  const anchors = new Map<string, number>();
  const inCovered = (span: Span | undefined): boolean => {
    if (!span) return true;
    const segment = segmentAt(covering, span.start);
    if (!segment || span.end > segment.start + segment.text.length) return false;
    anchors.set(segment.id, segment.start);
    return true;
  };
  // Values of this run, of the module-level run, or of an earlier root that has a record (the instance its code built).
  const dependsOn = new Map<string, RootRecord>();
  const known = (value: TensorValue): boolean => {
    if (value.id >= before.values || value.id < context.moduleValues) return true;
    for (const [id, placed] of context.placed) {
      if (value.id >= placed.record.values[0] + placed.valueShift && value.id < placed.record.values[1] + placed.valueShift) {
        dependsOn.set(id, placed.record);
        return true;
      }
    }
    return false;
  };
  const reusable =
    ops.every((op) => inCovered(op.span) && op.inputs.every(known) && op.outputs.every(known)) &&
    notes.every((note) => inCovered(note.span)) &&
    scopes.every((scope) => inCovered(scope.span)) &&
    valueUses.every((use) => inCovered(use.span) && known({ id: use.value } as TensorValue)) &&
    hostSyncs.every((sync) => inCovered(sync.span) && (sync.value === undefined || known({ id: sync.value } as TensorValue)));
  if (!reusable) return undefined;
  const changes = interpreter.state.changesSince(before.state);
  const covered = changes.covered;
  return {
    definitions: own,
    state,
    ops,
    notes,
    scopes,
    valueUses,
    hostSyncs,
    inputs,
    bindings: changes.bindings,
    coveredClasses: covered.filter((item): item is ClassInfo => 'methods' in item).map((cls) => cls.name),
    coveredFunctions: covered.filter((item): item is FunctionInfo => 'qualifiedName' in item && interpreter.main.functions.get(item.name) === item).map((fn) => fn.name),
    instancesBuilt: changes.instances.map((cls) => cls.name),
    dependsOn,
    values: [before.values, builder.valueCount],
    opIds: [before.opIds, builder.opCount],
    anchors: [...anchors].sort((a, b) => a[1] - b[1]),
    setTf32: !before.tf32 && builder.tf32Enabled,
    setExpressionTooDeep: changes.expressionTooDeepNoted,
  };
}

/** The last segment (of segments in text order) that starts at or before an offset. */
function segmentAt<T extends { readonly start: number }>(sorted: readonly T[], offset: number): T | undefined {
  let low = 0;
  let high = sorted.length - 1;
  let found: T | undefined;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const item = sorted[middle] as T;
    if (item.start <= offset) {
      found = item;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** torch.compile(cls) or torch.compile(fn) at run time marks the definition: a run that does so is not replayed. */
function compiledFlags(file: FileContext): string {
  let flags = '';
  for (const cls of file.classes.values()) flags += cls.compiled ? '1' : '0';
  for (const fn of file.functions.values()) flags += fn.compiled ? '1' : '0';
  return flags;
}

/**
 * Adds a record's output to the graph as its run would have: ids after the current ones, spans where the code now
 * is. Ops whose ids, values and span do not move are shared with the previous graph (they are never mutated).
 */
/**
 * An op of a record with its id, values and span moved. One literal with every field of OpNode (those the op lacks
 * undefined): every replayed op then has one shape in V8, where a spread of ops made at many places was the slowest
 * step of a replay. A field added to OpNode and not here does not compile (`satisfies`).
 */
function movedOp(op: OpNode, id: number, inputs: readonly TensorValue[], outputs: readonly TensorValue[], span: Span, carried: OpNode['carried']): OpNode {
  return {
    id,
    op: op.op,
    label: op.label,
    category: op.category,
    inputs,
    outputs,
    attrs: op.attrs,
    span,
    scope: op.scope,
    modulePath: op.modulePath,
    repeat: op.repeat,
    fusedBy: op.fusedBy,
    notes: op.notes,
    assumed: op.assumed,
    harness: op.harness,
    onlyWhenGiven: op.onlyWhenGiven,
    carried,
    noGrad: op.noGrad,
  } satisfies Record<keyof OpNode, unknown>;
}

function replay(record: RootRecord, interpreter: Interpreter, builder: GraphBuilder, segments: FileSegments, placed: ReadonlyMap<string, Placed>): Placed {
  const valueShift = builder.valueCount - record.values[0];
  const opShift = builder.opCount - record.opIds[0];
  // Old start → shift of each segment that holds spans; the keys guarantee their texts and rows are unchanged.
  const moves = record.anchors.map(([id, start]) => ({ start, shift: (segments.segment(id)?.start ?? start) - start }));
  const move = (span: Span): Span => {
    const shift = segmentAt(moves, span.start)?.shift ?? 0;
    return shift === 0 ? span : { ...span, start: span.start + shift, end: span.end + shift };
  };
  // Id ranges of this record and of the roots it used values of, each with its move.
  const ranges = [{ record, valueShift, opShift }, ...[...record.dependsOn.keys()].map((id) => placed.get(id) as Placed)].filter(
    (range) => range.valueShift !== 0 || range.opShift !== 0,
  );
  const values = new Map<TensorValue, TensorValue>();
  const valueOf = (value: TensorValue): TensorValue => {
    const range = ranges.find((r) => value.id >= r.record.values[0] && value.id < r.record.values[1]);
    if (!range) return value;
    let moved = values.get(value);
    if (!moved) {
      moved = { ...value, id: value.id + range.valueShift };
      if (value.producer !== undefined) (moved as { producer?: number }).producer = value.producer + range.opShift;
      values.set(value, moved);
    }
    return moved;
  };
  for (const op of record.ops) {
    const span = move(op.span);
    if (ranges.length === 0 && span === op.span) {
      builder.ops.push(op);
      continue;
    }
    const carried = op.carried?.map((value) => (value ? valueOf(value) : undefined));
    builder.replayedFrom[builder.ops.length] = op;
    builder.ops.push(movedOp(op, op.id + opShift, op.inputs.map(valueOf), op.outputs.map(valueOf), span, carried));
  }
  for (const note of record.notes) builder.notes.push(note.span ? { ...note, span: move(note.span) } : note);
  for (const scope of record.scopes) builder.scopes.push({ ...scope, span: move(scope.span) });
  const idOf = (id: number): number => {
    const range = ranges.find((r) => id >= r.record.values[0] && id < r.record.values[1]);
    return range ? id + range.valueShift : id;
  };
  for (const use of record.valueUses) builder.valueUses.push({ ...use, value: idOf(use.value), span: move(use.span) });
  for (const sync of record.hostSyncs) builder.hostSyncs.push(sync.value === undefined ? { ...sync, span: move(sync.span) } : { ...sync, value: idOf(sync.value), span: move(sync.span) });
  builder.inputs.push(...record.inputs);
  const covered: (ClassInfo | FunctionInfo)[] = [];
  for (const name of record.coveredClasses) {
    const cls = interpreter.main.classes.get(name);
    if (cls) covered.push(cls);
  }
  for (const name of record.coveredFunctions) {
    const fn = interpreter.main.functions.get(name);
    if (fn) covered.push(fn);
  }
  interpreter.state.apply({
    bindings: record.bindings,
    covered,
    instances: [],
    scopes: record.scopes.map((scope) => scope.name),
    expressionTooDeepNoted: record.setExpressionTooDeep,
  });
  builder.advance(record.values[1] - record.values[0], record.opIds[1] - record.opIds[0]);
  if (record.setTf32) builder.tf32Enabled = true;
  return { record, valueShift, opShift };
}

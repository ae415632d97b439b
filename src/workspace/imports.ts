// Resolves imports as Python does (search roots, packages, namespace packages, relative imports, re-exports through a
// package's __init__) and reads the modules an analysis needs through the file view: the workspace's own modules and,
// within a budget, the sources of installed packages. Nothing is ever run.
import path from 'node:path';
import { isKnownByName } from '../core/ir/catalog';
import type { PythonParser, SyntaxNode, Tree } from '../core/parse/parser';
import type { FileView } from './file-view';

/** One import as written: its dotted module (leading dots kept for relative imports) and the names it takes. */
export interface ImportedModule {
  /** `model.layers`, `.layers`, `..utils.norm`, or `.` for `from . import x`. */
  readonly module: string;
  /** Names after `import` in a `from` import (`X` in `from .layers import X`); empty for `import a.b`. */
  readonly names: readonly string[];
}

/** One name an import binds: `import a.b` binds `a`, `import a.b as c` binds `c`, `from m import x as y` binds `y`. */
export interface ImportStatement {
  /** As written: `a.b`, `.layers`, `..`, `.` */
  readonly module: string;
  /** True for `from module import ...`. */
  readonly from: boolean;
  /** A from-import's names as `[taken, bound]` pairs; `*` for a star import. Empty for a plain import. */
  readonly names: readonly (readonly [string, string])[];
  /** The alias of `import a.b as c`. */
  readonly alias?: string;
  /** Where the statement is, for a note on an import left unread. */
  readonly start: number;
  readonly end: number;
}

/** Lists the imports of a Python text, wherever they sit (top level, inside `try`, inside functions). */
export function listImports(text: string, parser: PythonParser): ImportedModule[] {
  const tree = parser.parse(text);
  try {
    return importsIn(tree, text);
  } finally {
    tree.delete();
  }
}

/** The imports of a parsed text, one entry per module named. */
export function importsIn(tree: Tree, text: string): ImportedModule[] {
  return importStatements(tree, text).map((statement) => ({
    module: statement.module,
    names: statement.names.filter(([taken]) => taken !== '*').map(([taken]) => taken),
  }));
}

/**
 * The import statements of a parsed text. Every import statement holds the keyword `import`, so the statements are
 * found from the keyword's occurrences in the text (those in comments, strings and names are told apart by the tree)
 * rather than by walking the whole tree: a few node lookups instead of tens of thousands per keystroke in a
 * 2,000-line file.
 */
export function importStatements(tree: Tree, text: string): ImportStatement[] {
  const statements: ImportStatement[] = [];
  for (const match of text.matchAll(/\bimport\b/g)) {
    const keyword = tree.rootNode.descendantForIndex(match.index, match.index + 'import'.length);
    const statement = keyword?.type === 'import' ? keyword.parent : null;
    if (!statement) continue;
    const place = { start: statement.startIndex, end: statement.endIndex };
    if (statement.type === 'import_statement') {
      for (const name of statement.childrenForFieldName('name')) {
        const [dotted, alias] = nameAndAlias(name);
        if (dotted) statements.push({ module: dotted, from: false, names: [], ...(alias !== dotted ? { alias } : {}), ...place });
      }
    } else if (statement.type === 'import_from_statement') {
      const moduleNode = statement.childForFieldName('module_name');
      if (!moduleNode) continue;
      const names: [string, string][] = statement
        .childrenForFieldName('name')
        .map((name) => nameAndAlias(name))
        .filter((pair): pair is [string, string] => !!pair[0]);
      if (statement.namedChildren.some((child) => child?.type === 'wildcard_import')) names.push(['*', '*']);
      statements.push({ module: moduleNode.text.replace(/\s+/g, ''), from: true, names, ...place });
    }
  }
  return statements;
}

/** `[a.b, a.b]` from `a.b`, `[a.b, c]` from `a.b as c`. */
function nameAndAlias(node: SyntaxNode | null): [string | undefined, string | undefined] {
  if (!node) return [undefined, undefined];
  if (node.type === 'aliased_import') {
    const name = node.childForFieldName('name')?.text;
    return [name, node.childForFieldName('alias')?.text ?? name];
  }
  return [node.text, node.text];
}

/**
 * The absolute name a relative import names, as Python's importlib computes it: from module `a.b.c` (or package
 * `a.b.c`, its `__init__`), `..x` is `a.x` (`a.b.x`). A file outside any package resolves `.x` to the top-level `x`,
 * as MemWall always has (Python itself refuses it), so that a folder of loose scripts still finds its neighbours.
 */
export function absoluteModule(module: string, importer: string, importerIsPackage: boolean): string | undefined {
  const dots = /^\.*/.exec(module)![0].length;
  if (dots === 0) return module;
  const packageParts = importer.split('.');
  if (!importerIsPackage) packageParts.pop();
  const up = dots - 1;
  if (up > packageParts.length) return undefined;
  const base = packageParts.slice(0, packageParts.length - up);
  const rest = module.slice(dots);
  const joined = [...base, ...(rest ? [rest] : [])].join('.');
  return joined || undefined;
}

/** A folder modules are imported from, as on Python's sys.path. */
export interface SearchRoot {
  readonly folder: string;
  /** A packages folder of the Python environment: what is read there counts against the installed-package budget. */
  readonly installed: boolean;
}

/** Where a dotted module lives. */
export interface Located {
  readonly name: string;
  /** The module's file (`b.py` or `b/__init__.py`); undefined for a namespace package (folders, no `__init__.py`). */
  readonly file?: string;
  readonly isPackage: boolean;
  /** The package's folders, where its submodules are looked up. */
  readonly folders: readonly string[];
  readonly installed: boolean;
}

/** The dotted name of the analysed file and the folder its top-level package sits in. */
export interface ModuleName {
  readonly name: string;
  readonly isPackage: boolean;
  /** The folder above the file's top-level package (the file's own folder for a loose script): the first search root. */
  readonly packageRoot: string;
}

export interface ReadLimits {
  /** Import hops followed from the analysed file (re-exports through a package's `__init__` are not a hop). */
  readonly depth: number;
  /** Workspace modules read at most. */
  readonly maxFiles: number;
  /** A workspace module longer than this many characters is left out. */
  readonly maxChars: number;
  /** Modules of installed packages read at most, and their characters in all. */
  readonly maxInstalledFiles: number;
  readonly maxInstalledChars: number;
}

export const DEFAULT_READ_LIMITS: ReadLimits = { depth: 2, maxFiles: 50, maxChars: 500_000, maxInstalledFiles: 40, maxInstalledChars: 1_500_000 };

/** A place in the analysed file's text. */
export interface Place {
  readonly start: number;
  readonly end: number;
}

/** A module left unread, and the limit that stopped it. */
export interface CutModule {
  readonly module: string;
  readonly reason: 'installed files' | 'installed characters' | 'workspace files' | 'module too long';
  /** The import statement of the analysed file that led to it. */
  readonly statement?: Place;
}

/** What one analysis reads: texts by dotted name for the core, and what it cost. */
export interface ModuleSet {
  /** Module texts by dotted name (analyze()'s `modules`); a namespace package's text is empty. */
  readonly modules: Map<string, string>;
  /** Names whose text is a package's `__init__.py`, or a namespace package: relative imports there start from it. */
  readonly packages: Set<string>;
  /** Files read, in the order they were reached. */
  readonly files: string[];
  /** Modules of installed packages read, and their characters in all. */
  installedFiles: number;
  installedChars: number;
  readonly cut: CutModule[];
}

/** The file being analysed, as the resolver needs it. */
export interface ImportingFile {
  readonly name: ModuleName;
  readonly text: string;
  /** Its tree, when the caller parsed it already (the server keeps one per document). */
  readonly tree?: Tree;
}

/**
 * What a statement asks for: a module and the names wanted from it: a set, `all` for `*`, or the name the module is
 * bound to in the importer's text (`import a.b as c` wants what `c.` is followed by), read only when the module turns
 * out to be a package (a plain module's imports are all followed anyway, and most imports are not in the workspace).
 */
interface Target {
  readonly module: string;
  readonly wanted: ReadonlySet<string> | 'all' | { readonly bound: string; readonly text: string };
  /** The statement it comes from. */
  readonly statement: ImportStatement;
}

interface ModuleRecord {
  readonly text: string;
  readonly statements: readonly ImportStatement[];
}

/** Names used as `bound.name` in a text: what `import a.b as c` is wanted for (`c.Block` → `Block`). */
function attributesUsed(text: string, bound: string): Set<string> {
  const names = new Set<string>();
  const pattern = new RegExp(`(?<![\\w.])${bound.replace(/\./g, '\\.')}\\s*\\.\\s*([A-Za-z_]\\w*)`, 'g');
  for (const match of text.matchAll(pattern)) names.add(match[1]!);
  return names;
}

/** The modules a statement of `importer` asks for (Python imports every parent package of `a.b.c` too). */
function targetsOf(statement: ImportStatement, importer: string, importerIsPackage: boolean, text: string): Target[] {
  if (!statement.from) {
    if (statement.alias) return [{ module: statement.module, wanted: { bound: statement.alias, text }, statement }];
    const parts = statement.module.split('.');
    return parts.map((_, index) => {
      const module = parts.slice(0, index + 1).join('.');
      return { module, wanted: { bound: module, text }, statement };
    });
  }
  const module = absoluteModule(statement.module, importer, importerIsPackage);
  if (!module) return [];
  const taken = statement.names.map(([name]) => name);
  return fromTargets(statement, module, taken, text);
}

/** `from module import taken...`: the module, and each name as a possible submodule (need() looks whether it is one). */
function fromTargets(statement: ImportStatement, module: string, taken: readonly string[], text: string): Target[] {
  const star = taken.includes('*');
  const targets: Target[] = [{ module, wanted: star ? 'all' : new Set(taken), statement }];
  for (const [name, bound] of statement.names) {
    if (name !== '*' && taken.includes(name)) targets.push({ module: `${module}.${name}`, wanted: { bound, text }, statement });
  }
  return targets;
}

function wantedNames(wanted: Target['wanted']): ReadonlySet<string> | 'all' {
  return wanted !== 'all' && 'bound' in wanted ? attributesUsed(wanted.text, wanted.bound) : wanted;
}

/**
 * The statements of an `__init__` that bind a name: `from .mlp import Mlp`, `import a.b as Mlp`; when none does by
 * name, its star imports (`from .mlp import *`), one of which may.
 */
function bindingsOf(statements: readonly ImportStatement[], name: string): ImportStatement[] {
  const explicit = statements.filter((statement) =>
    statement.from ? statement.names.some(([, bound]) => bound === name) : (statement.alias ?? statement.module.split('.')[0]) === name,
  );
  return explicit.length ? explicit : statements.filter((statement) => statement.names.some(([taken]) => taken === '*'));
}

export class ImportResolver {
  private readonly located = new Map<string, Promise<Located | undefined>>();
  private readonly records = new Map<string, ModuleRecord>();
  private generation = -1;

  constructor(
    private readonly files: FileView,
    private readonly parser: PythonParser,
  ) {}

  /** Caches that follow from folder listings are dropped when the file view saw a file come or go. */
  private fresh(): void {
    if (this.generation === this.files.generation) return;
    this.generation = this.files.generation;
    this.located.clear();
  }

  /**
   * The dotted name of a file: up through the folders that hold an `__init__.py` (regular packages), as mypy and
   * pyright name a file. `torchvision/models/mobilenetv2.py` in dist-packages is `torchvision.models.mobilenetv2`;
   * `src/mylib/layers/__init__.py` is `mylib.layers`, a package; a script in a folder without `__init__.py` is its
   * own name, and its folder is where Python would look first (sys.path[0]).
   */
  async moduleNameOf(file: string): Promise<ModuleName> {
    const absolute = path.resolve(file);
    const base = path.basename(absolute).replace(/\.py$/, '');
    const isPackage = base === '__init__';
    const parts = isPackage ? [] : [base];
    let folder = path.dirname(absolute);
    while (/^[A-Za-z_]\w*$/.test(path.basename(folder)) && (await this.files.has(folder, '__init__.py', 'file'))) {
      parts.unshift(path.basename(folder));
      folder = path.dirname(folder);
    }
    if (parts.length === 0) parts.push(path.basename(folder));
    return { name: parts.join('.'), isPackage, packageRoot: folder };
  }

  /**
   * Finds a module as Python's path finder does: the first root with a regular package (`a/__init__.py`) or module
   * (`a.py`) for the top-level name wins; folders without `__init__.py` are portions of a namespace package, used
   * only when no root has a regular one. Submodules are looked up in the package's folders.
   */
  locate(dotted: string, roots: readonly SearchRoot[]): Promise<Located | undefined> {
    this.fresh();
    const key = `${roots.map((root) => root.folder).join('\0')}\n${dotted}`;
    let found = this.located.get(key);
    if (!found) {
      found = this.find(dotted, roots);
      this.located.set(key, found);
    }
    return found;
  }

  private async find(dotted: string, roots: readonly SearchRoot[]): Promise<Located | undefined> {
    const parts = dotted.split('.');
    if (parts.some((part) => !/^[A-Za-z_]\w*$/.test(part))) return undefined;
    let searched: { folder: string; installed: boolean }[] = roots.map((root) => ({ folder: root.folder, installed: root.installed }));
    for (const [index, part] of parts.entries()) {
      const last = index === parts.length - 1;
      const portions: { folder: string; installed: boolean }[] = [];
      let hit: Located | undefined;
      for (const { folder, installed } of searched) {
        const listing = await this.files.list(folder);
        const sub = path.join(folder, part);
        if (listing.get(part) === 'folder') {
          if (await this.files.has(sub, '__init__.py', 'file')) {
            hit = { name: dotted, file: path.join(sub, '__init__.py'), isPackage: true, folders: [sub], installed };
            break;
          }
        }
        if (listing.get(`${part}.py`) === 'file') {
          hit = { name: dotted, file: `${sub}.py`, isPackage: false, folders: [], installed };
          break;
        }
        if (listing.get(part) === 'folder') portions.push({ folder: sub, installed });
      }
      if (!hit && portions.length) hit = { name: dotted, isPackage: true, folders: portions.map((p) => p.folder), installed: portions[0]!.installed };
      if (!hit) return undefined;
      if (last) return hit;
      if (!hit.isPackage) return undefined;
      searched = hit.file ? [{ folder: hit.folders[0]!, installed: hit.installed }] : portions;
    }
    return undefined;
  }

  /** A module's import statements, parsed once per text. */
  private async record(file: string, text: string): Promise<ModuleRecord> {
    const cached = this.records.get(file);
    if (cached && cached.text === text) return cached;
    const tree = this.parser.parse(text);
    let statements: ImportStatement[];
    try {
      statements = importStatements(tree, text);
    } finally {
      tree.delete();
    }
    const record = { text, statements };
    this.records.set(file, record);
    return record;
  }

  /**
   * Reads the modules the file needs: what it imports, what those import up to `depth` hops, and the modules a
   * package's `__init__` re-exports a wanted name from (at the same hop). Libraries the frontends know by name (torch,
   * einops, triton, numpy) are never read. Limits stop the reading, and what they cut is listed.
   */
  async read(importing: ImportingFile, roots: readonly SearchRoot[], limits: ReadLimits = DEFAULT_READ_LIMITS): Promise<ModuleSet> {
    const set: ModuleSet = { modules: new Map(), packages: new Set(), files: [], installedFiles: 0, installedChars: 0, cut: [] };
    const { name } = importing;
    if (name.isPackage) set.packages.add(name.name);
    /** Per module read: its hop, its text and statements, and which wanted names were followed already. */
    /** Per module read: its hop, its text and statements, which wanted names were followed already, and the analysed file's import that led to it. */
    type Reached = { hop: number; record?: ModuleRecord; isPackage: boolean; followedAll: boolean; followed: Set<string>; origin?: Place };
    const reached = new Map<string, Reached>();
    reached.set(name.name, { hop: 0, isPackage: name.isPackage, followedAll: true, followed: new Set() });
    const cutNames = new Set<string>();

    const need = async (target: Target, hop: number, origin: Place | undefined): Promise<void> => {
      const { module } = target;
      if (isKnownByName(module)) return;
      let state = reached.get(module);
      if (!state) {
        if (cutNames.has(module)) return;
        const located = await this.locate(module, roots);
        if (!located) return;
        if (!located.file) {
          // A namespace package: no code, but `import a.b` must still find `a` to reach `a.b`.
          set.modules.set(module, '');
          set.packages.add(module);
          reached.set(module, { hop, isPackage: true, followedAll: true, followed: new Set() });
          return;
        }
        const text = await this.files.read(located.file);
        if (text === undefined) return;
        const cut = (reason: CutModule['reason']): void => {
          cutNames.add(module);
          set.cut.push({ module, reason, ...(origin ? { statement: origin } : {}) });
        };
        if (located.installed) {
          if (set.installedFiles >= limits.maxInstalledFiles) return cut('installed files');
          if (set.installedChars + text.length > limits.maxInstalledChars) return cut('installed characters');
          set.installedFiles++;
          set.installedChars += text.length;
        } else {
          if (text.length > limits.maxChars) return cut('module too long');
          if (set.files.length - set.installedFiles >= limits.maxFiles) return cut('workspace files');
        }
        set.modules.set(module, text);
        if (located.isPackage) set.packages.add(module);
        set.files.push(located.file);
        state = { hop, record: await this.record(located.file, text), isPackage: located.isPackage, followedAll: false, followed: new Set(), ...(origin ? { origin } : {}) };
        reached.set(module, state);
      }
      await follow(module, state, state.isPackage ? wantedNames(target.wanted) : 'all');
    };

    const follow = async (
      module: string,
      state: Reached,
      wanted: ReadonlySet<string> | 'all',
    ): Promise<void> => {
      if (state.followedAll || !state.record) return;
      const { statements, text } = state.record;
      const fresh = wanted === 'all' ? 'all' : [...wanted].filter((each) => !state.followed.has(each));
      if (fresh !== 'all' && fresh.length === 0) return;
      if (state.isPackage && fresh !== 'all') {
        // A package's `__init__` re-exports: follow only what binds the wanted names, at the same hop. A name it does
        // not import is defined there (or is a submodule, which need() finds); its code then needs its imports.
        for (const each of fresh) state.followed.add(each);
        let definesItself = false;
        for (const each of fresh) {
          const binding = bindingsOf(statements, each);
          if (binding.length === 0 && !(await this.locate(`${module}.${each}`, roots))) definesItself = true;
          for (const statement of binding) {
            const targets = statement.from ? reexportTargets(statement, module, each, text) : targetsOf(statement, module, true, text);
            for (const target of targets) await need(target, state.hop, state.origin);
          }
        }
        if (!definesItself) return;
      }
      state.followedAll = true;
      if (state.hop >= limits.depth) return;
      for (const statement of statements) {
        for (const target of targetsOf(statement, module, state.isPackage, text)) await need(target, state.hop + 1, state.origin);
      }
    };

    const statements = importing.tree ? importStatements(importing.tree, importing.text) : (await this.recordOfText(importing.text)).statements;
    for (const statement of statements) {
      for (const target of targetsOf(statement, name.name, name.isPackage, importing.text)) await need(target, 1, { start: statement.start, end: statement.end });
    }
    return set;
  }

  private async recordOfText(text: string): Promise<ModuleRecord> {
    const tree = this.parser.parse(text);
    try {
      return { text, statements: importStatements(tree, text) };
    } finally {
      tree.delete();
    }
  }
}

/**
 * What an `__init__`'s from-import is followed for when one name it binds is wanted: the module it takes the name
 * from (wanting that name, under its own spelling: `Mlp as M` wanted as `M` wants `Mlp`), or the submodule so named.
 */
function reexportTargets(statement: ImportStatement, importer: string, bound: string, text: string): Target[] {
  const source = absoluteModule(statement.module, importer, true);
  if (!source) return [];
  const taken = statement.names.filter(([, alias]) => alias === bound).map(([name]) => name);
  // A star import may be where the name comes from: the source is asked for the name itself.
  if (taken.length === 0) return [{ module: source, wanted: new Set([bound]), statement }];
  return fromTargets(statement, source, taken, text);
}

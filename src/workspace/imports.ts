// Resolves a file's `import` statements to workspace files and reads their text, for analyze()'s options.modules.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PythonParser, SyntaxNode, Tree } from '../core/parse/parser';

/** One import as written: its dotted module (leading dots kept for relative imports) and the names it takes. */
export interface ImportedModule {
  /** `model.layers`, `.layers`, `..utils.norm`, or `.` for `from . import x`. */
  readonly module: string;
  /** Names after `import` in a `from` import (`X` in `from .layers import X`); empty for `import a.b`. */
  readonly names: readonly string[];
}

export interface ResolveOptions {
  readonly parser: PythonParser;
  /** The analysed file's tree, when the caller has parsed it already (the server keeps one per document). */
  readonly tree?: Tree;
  /** Folders that absolute imports are looked up from, besides the file's own folder (the pyproject.toml folder). */
  readonly roots?: readonly string[];
  /** How many import hops to follow from the analysed file; the frontends use what the file and its layers import. */
  readonly depth?: number;
  /** A cap on files read, so that one file importing a large package stays fast. */
  readonly maxFiles?: number;
  /** A cap on characters read per module. */
  readonly maxChars?: number;
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

/**
 * The imports of a parsed text. Every import statement holds the keyword `import`, so the statements are found from
 * the keyword's occurrences in the text (those in comments, strings and names are told apart by the tree) rather than
 * by walking the whole tree: a few node lookups instead of tens of thousands per keystroke in a 2,000-line file.
 */
export function importsIn(tree: Tree, text: string): ImportedModule[] {
  const imports: ImportedModule[] = [];
  for (const match of text.matchAll(/\bimport\b/g)) {
    const keyword = tree.rootNode.descendantForIndex(match.index, match.index + 'import'.length);
    const statement = keyword?.type === 'import' ? keyword.parent : null;
    if (statement?.type === 'import_statement') {
      for (const name of statement.childrenForFieldName('name')) {
        const dotted = dottedName(name);
        if (dotted) imports.push({ module: dotted, names: [] });
      }
    } else if (statement?.type === 'import_from_statement') {
      const moduleNode = statement.childForFieldName('module_name');
      if (!moduleNode) continue;
      const names = statement
        .childrenForFieldName('name')
        .map((name) => dottedName(name))
        .filter((name): name is string => !!name);
      imports.push({ module: moduleNode.text.replace(/\s+/g, ''), names });
    }
  }
  return imports;
}

/** `a.b` from `a.b` or from `a.b as c`. */
function dottedName(node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  if (node.type === 'aliased_import') return node.childForFieldName('name')?.text;
  return node.text;
}

/** The file a dotted module path names under a folder: `a/b.py` or `a/b/__init__.py`. */
function moduleFile(folder: string, parts: readonly string[]): string | undefined {
  const base = path.join(folder, ...parts);
  for (const candidate of [`${base}.py`, path.join(base, '__init__.py')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** The dotted name of a file relative to a root: `model/layers.py` → `model.layers`, `model/__init__.py` → `model`. */
function dottedFromRoot(file: string, root: string): string | undefined {
  const relative = path.relative(root, file);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  const parts = relative.replace(/\.py$/, '').split(path.sep);
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.length ? parts.join('.') : undefined;
}

interface Candidate {
  /** Keys the module is stored under in the map: its dotted name, and for the analysed file also the spelling used. */
  readonly keys: string[];
  readonly file: string;
}

/** Where one import statement's modules live on disk, if they are workspace files. */
function locate(imported: ImportedModule, fromFile: string, roots: readonly string[]): Candidate[] {
  const folder = path.dirname(fromFile);
  const found: Candidate[] = [];
  const leadingDots = /^\.*/.exec(imported.module)![0].length;
  const rest = imported.module.slice(leadingDots).split('.').filter(Boolean);

  // Relative imports count folders up from the importing file's package; absolute ones search the roots in order.
  let bases: string[];
  if (leadingDots > 0) {
    let base = folder;
    for (let level = 1; level < leadingDots; level++) base = path.dirname(base);
    bases = [base];
  } else {
    bases = [folder, ...roots];
  }

  for (const base of bases) {
    const named = rest.length ? moduleFile(base, rest) : undefined;
    if (named) found.push({ keys: [imported.module], file: named });
    // `from pkg import layers` may name a submodule rather than a value defined in pkg/__init__.py.
    for (const name of imported.names) {
      const submodule = moduleFile(base, [...rest, name]);
      if (submodule) {
        const spelled = leadingDots > 0 && rest.length === 0 ? `${imported.module}${name}` : `${imported.module}.${name}`;
        found.push({ keys: [spelled], file: submodule });
      }
    }
    if (found.length) break;
  }
  return found;
}

/**
 * Reads the workspace modules a file imports, following imports of imports up to `depth` hops. Each module is keyed
 * by its dotted name from the nearest root (`model.layers`) and, for the analysed file's own imports, also as
 * written (`.layers`), so that a frontend can look it up either way. Modules outside the workspace (torch, numpy)
 * have no file under the roots and are left out.
 */
export function readImportedModules(file: string, text: string, options: ResolveOptions): Map<string, string> {
  const roots = (options.roots ?? []).map((root) => path.resolve(root));
  const maxFiles = options.maxFiles ?? 50;
  const maxChars = options.maxChars ?? 500_000;
  const modules = new Map<string, string>();
  const readFiles = new Set<string>([path.resolve(file)]);
  let frontier: { file: string; text: string; keepSpelling: boolean }[] = [{ file: path.resolve(file), text, keepSpelling: true }];

  for (let hop = 0; hop < (options.depth ?? 2) && frontier.length; hop++) {
    const next: typeof frontier = [];
    for (const current of frontier) {
      const imports = hop === 0 && options.tree ? importsIn(options.tree, current.text) : listImports(current.text, options.parser);
      for (const imported of imports) {
        for (const candidate of locate(imported, current.file, roots)) {
          if (readFiles.size > maxFiles) return modules;
          let moduleText: string;
          try {
            moduleText = readFileSync(candidate.file, 'utf8');
          } catch {
            continue; // An unreadable imported module is left out; the frontend notes the unresolved import.
          }
          if (moduleText.length > maxChars) continue;
          const keys = new Set<string>();
          if (current.keepSpelling) candidate.keys.forEach((key) => keys.add(key));
          for (const root of [path.dirname(path.resolve(file)), ...roots]) {
            const dotted = dottedFromRoot(candidate.file, root);
            if (dotted) keys.add(dotted);
          }
          for (const key of keys) if (!modules.has(key)) modules.set(key, moduleText);
          if (!readFiles.has(candidate.file)) {
            readFiles.add(candidate.file);
            next.push({ file: candidate.file, text: moduleText, keepSpelling: false });
          }
        }
      }
    }
    frontier = next;
  }
  return modules;
}

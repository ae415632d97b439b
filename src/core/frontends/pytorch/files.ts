// One analysed Python file: its classes, functions, imports, magic shape declarations, and which names its code calls.
import type { Node as SyntaxNode, Tree } from 'web-tree-sitter';
import { readShapeDeclarations, type ShapeDeclaration } from '../../shapes/magic';
import { field } from './syntax';
import type { ClassInfo, FunctionInfo, Value } from './values';

export interface FileContext {
  /** Dotted module name (`model.layers`), or `<main>` for the analysed file. */
  readonly name: string;
  readonly text: string;
  readonly tree: Tree;
  readonly root: SyntaxNode;
  /** The file's global names: imports, classes, functions, module-level assignments. */
  readonly globals: Map<string, Value>;
  readonly classes: Map<string, ClassInfo>;
  readonly functions: Map<string, FunctionInfo>;
  readonly shapes: readonly ShapeDeclaration[];
  /** The text's lines, split once (shape declarations look at the lines above a def). */
  readonly lines: readonly string[];
  /** Names called or instantiated somewhere, with the class or function each call sits in (`''` for module level). */
  readonly calledFrom: Map<string, Set<string>>;
  /** The top-level statements in order, with the name each class or function definition gives (roots.ts reads them). */
  readonly statements: readonly TopLevelStatement[];
}

export interface TopLevelStatement {
  readonly node: SyntaxNode;
  /** The name a class or function definition gives; undefined for other statements (and a definition without one). */
  readonly name?: string;
}

/** Decorators that make a function a Triton kernel; MemWall's triton frontend prices those. */
const TRITON_DECORATORS = /^(triton\.)?(jit|autotune|heuristics)\b|^triton\.(language\.)?jit/;

/**
 * The decorators of a definition, read from its `decorated_definition` statement (undefined when it has none): the
 * caller found that statement already, and asking a node for its parent makes tree-sitter walk down from the root.
 */
export function decoratorNames(decorated: SyntaxNode | undefined): string[] {
  if (!decorated) return [];
  return decorated.namedChildren
    .filter((c): c is SyntaxNode => c !== null && c.type === 'decorator')
    .map((d) => d.text.replace(/^@\s*/, '').trim());
}

export function isTritonKernel(decorators: readonly string[]): boolean {
  return decorators.some((d) => TRITON_DECORATORS.test(d));
}

/** Reads the file's top-level definitions; nested functions are found when their enclosing code runs. */
export function collectFile(name: string, text: string, tree: Tree): FileContext {
  const root = tree.rootNode;
  let lines: string[] | undefined;
  const file: FileContext = {
    name,
    text,
    tree,
    root,
    globals: new Map(),
    classes: new Map(),
    functions: new Map(),
    shapes: readShapeDeclarations(text),
    // Split on first use: only files with shape declarations look at lines.
    get lines(): readonly string[] {
      return (lines ??= text.split('\n'));
    },
    calledFrom: new Map(),
    statements: [],
  };
  const statements = file.statements as TopLevelStatement[];
  // Each definition's text range, for collectCalls; a definition without a name gets '' (no Python name has `<`).
  const ranges: DefinitionRange[] = [];
  for (const statement of root.namedChildren) {
    if (!statement) continue;
    const statementType = statement.type;
    const decorated = statementType === 'decorated_definition' ? statement : undefined;
    const definition = decorated ? field(statement, 'definition') : statement;
    const type = decorated ? definition?.type : statementType;
    let name: string | undefined;
    if (definition && type === 'class_definition') {
      const cls = classInfo(definition, file, decorated);
      file.classes.set(cls.name, cls);
      name = cls.name === '<class>' ? '' : cls.name;
    } else if (definition && type === 'function_definition') {
      const fn = functionInfo(definition, file, undefined, undefined, decorated);
      file.functions.set(fn.name, fn);
      name = fn.name === '<function>' ? '' : fn.name;
    }
    if (name !== undefined) ranges.push({ name, start: statement.startIndex, end: statement.endIndex });
    statements.push({ node: statement, name: name || undefined });
  }
  collectCalls(file, ranges);
  return file;
}

interface DefinitionRange {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** A class definition; `decorated` is its `decorated_definition` statement when it has decorators. */
export function classInfo(node: SyntaxNode, file: FileContext, decorated?: SyntaxNode): ClassInfo {
  const name = field(node, 'name')?.text ?? '<class>';
  const decorators = decoratorNames(decorated);
  const cls: ClassInfo = {
    name,
    node,
    file,
    bases: [],
    methods: new Map(),
    fields: new Map(),
    isDataclass: decorators.some((d) => /(^|\.)dataclass\b/.test(d)),
    compiled: decorators.some((d) => /(^|\.)compile\b/.test(d)),
    compileMode: compileModeOf(decorators),
  };
  const body = field(node, 'body');
  for (const statement of body?.namedChildren ?? []) {
    if (!statement) continue;
    const statementType = statement.type;
    const decoratedMethod = statementType === 'decorated_definition' ? statement : undefined;
    const definition = decoratedMethod ? field(statement, 'definition') : statement;
    const definitionType = decoratedMethod ? definition?.type : statementType;
    if (definition && definitionType === 'function_definition') {
      const fn = functionInfo(definition, file, cls, undefined, decoratedMethod);
      cls.methods.set(fn.name, fn);
    } else if (statementType === 'expression_statement') {
      const assignment = statement.namedChildren[0];
      if (assignment?.type === 'assignment') {
        const left = field(assignment, 'left');
        if (left?.type === 'identifier') cls.fields.set(left.text, field(assignment, 'right'));
      }
    }
  }
  return cls;
}

/** A function definition; `decorated` is its `decorated_definition` statement when it has decorators. */
export function functionInfo(node: SyntaxNode, file: FileContext, owner: ClassInfo | undefined, outer?: string, decorated?: SyntaxNode): FunctionInfo {
  const name = field(node, 'name')?.text ?? '<function>';
  const decorators = decoratorNames(decorated);
  return {
    name,
    qualifiedName: owner ? `${owner.name}.${name}` : outer ? `${outer}.${name}` : name,
    node,
    statement: decorated ?? node,
    file,
    owner,
    decorators,
    tritonKernel: isTritonKernel(decorators),
    compiled: decorators.some((d) => /(^|\.)compile\b/.test(d)),
    compileMode: compileModeOf(decorators),
  };
}

/**
 * Records which top-level definitions mention which names: `Block(config)` inside GPT's methods marks Block as used
 * by GPT, so only outermost modules and uncalled functions are analysed as roots (a Block inside a GPT is not counted
 * twice). A text search over definition ranges costs far less than walking every syntax node.
 */
function collectCalls(file: FileContext, ranges: readonly DefinitionRange[]): void {
  const names = [...file.classes.keys(), ...file.functions.keys()].map((n) => n.replace(/[^A-Za-z0-9_]/g, '')).filter(Boolean);
  if (names.length === 0) return;
  // One pass over the text for all names; definition ranges are sorted, so the owner is found by binary search.
  const pattern = new RegExp(`\\b(${names.join('|')})\\b`, 'g');
  for (const match of file.text.matchAll(pattern)) {
    const name = match[1] as string;
    const at = match.index ?? 0;
    let low = 0;
    let high = ranges.length - 1;
    let owner = '';
    while (low <= high) {
      const middle = (low + high) >> 1;
      const range = ranges[middle] as DefinitionRange;
      if (at < range.start) high = middle - 1;
      else if (at >= range.end) low = middle + 1;
      else {
        owner = range.name;
        break;
      }
    }
    if (owner === name) continue;
    const owners = file.calledFrom.get(name) ?? new Set<string>();
    owners.add(owner);
    file.calledFrom.set(name, owners);
  }
}

/** The `mode=` of a `@torch.compile(mode="max-autotune")` decorator, if any. */
export function compileModeOf(decorators: readonly string[]): string | undefined {
  for (const decorator of decorators) {
    if (!/(^|\.)compile\b/.test(decorator)) continue;
    const mode = /\bmode\s*=\s*["']([\w-]+)["']/.exec(decorator);
    if (mode) return mode[1];
  }
  return undefined;
}

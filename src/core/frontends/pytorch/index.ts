// The PyTorch frontend: reads nn.Module classes, functions and scripts and adds their tensor ops to the graph.
import type { Tree } from 'web-tree-sitter';
import type { GraphBuilder } from '../../ir/graph';
import type { MagicSettings } from '../../ir/types';
import type { PythonParser } from '../../parse/parser';
import { noteAssumedCalls } from './assumed';
import { isAutogradFunction, runAutogradRoot } from './interpreter/autograd';
import { priceUnlaunchedKernels } from './interpreter/triton';
import { resetSyntaxCache } from '../triton';
import { formatShape } from '../../ir/dims';
import type { EntryDeclaration } from '../../shapes/inputs';
import { collectFile, type FileContext } from './files';
import { Interpreter, findEntry, type EntryTarget, type GivenInput } from './interpreter';
import { isModuleClass } from './interpreter/modules';
import { finishRoots, runRoot, startRoots, type RootCache, type RootKind } from './roots';
import type { ClassInfo, FunctionInfo } from './values';

export type { GivenInput } from './interpreter';

export interface PytorchOptions {
  /** Texts of workspace modules the file imports, by dotted module name. */
  readonly modules: ReadonlyMap<string, string>;
  readonly parser: PythonParser;
  /** The file's `# memwall:` comments, read once by extract(). */
  readonly magic: MagicSettings;
  /** The document's roots from its previous analysis (the server keeps them per document); without it every root runs. */
  readonly roots?: RootCache;
  /** Roots the user names (`--entry GPT`, `--entry resnet50`, `--entry Block.forward`): only these are analysed. */
  readonly entries?: readonly GivenEntry[];
  /** Input shapes the user gives (`--input x=[1,3,224,224]`), by parameter name of the roots' functions. */
  readonly inputs?: readonly GivenInput[];
  /** Symbols the user gives sizes for outside the file: config fields of those names that default to None or -1 take them. */
  readonly boundSymbols?: readonly string[];
  /** The file's dotted module name, for its relative imports (see ExtractOptions). */
  readonly moduleName?: string;
  /** Modules that are packages (see ExtractOptions). */
  readonly packages?: ReadonlySet<string>;
}

/** An entry the user names, with where it was named (`--entry`, `setting memwall.entry`, `pyproject.toml [tool.memwall]`). */
export type GivenEntry = EntryDeclaration;

/** The note for an override that names nothing in the file: never silently ignored (the CLI makes it exit 2). */
export const OVERRIDE_NOTE = 'MW905';

/**
 * Runs the file abstractly. Module-level code (imports, scripts, `__main__` blocks) runs first; then every function
 * nobody calls, then every outermost nn.Module whose forward nothing ran yet, with symbolic inputs. A class or function
 * used by another definition is reached through it, so nothing is counted twice. With entries, only those run.
 */
export function extractPytorch(tree: Tree, text: string, builder: GraphBuilder, options: PytorchOptions): void {
  const file = collectFile('<main>', text, tree);
  // The Triton frontend memoises node lookups per tree; a tree edited in place may give old ids to new nodes.
  resetSyntaxCache();
  const magic = new Map<string, number>();
  for (const binding of options.magic.bindings) if (typeof binding.value === 'number') magic.set(binding.symbol, binding.value);
  const interpreter = new Interpreter(builder, file, options.modules, options.parser, magic, options.moduleName, options.packages);
  const entries = options.entries ?? [];
  const inputs = options.inputs ?? [];
  interpreter.givenInputs = new Map(inputs.map((input) => [input.name, input]));
  interpreter.boundSymbols = new Set(options.boundSymbols ?? []);
  try {
    const moduleOps = builder.ops.length;
    const moduleOpIds = builder.opCount;
    interpreter.runModule(file);
    const targets = entries.map((entry) => ({ entry, target: findEntry(interpreter, entry.name) }));
    const entryNamed = targets.some(({ target }) => target);
    // With entries, the module-level code runs for the definitions and instances it makes; its ops are not the entry's.
    if (entryNamed) builder.ops.length = moduleOps;
    else if (builder.ops.length > moduleOps) {
      builder.scopes.push({ name: '<module>', kind: 'module', span: { start: 0, end: 0, startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 } });
      builder.roots.push({ name: '<module>', firstOp: moduleOpIds, endOp: builder.opCount });
    }
    const overrides = JSON.stringify([
      entries.map((entry) => entry.name),
      inputs.map((input) => [input.name, formatShape(input.shape), input.dtype ?? '']),
      options.boundSymbols ?? [],
    ]);
    const roots = options.roots ? startRoots(options.roots, file, interpreter, builder, options.modules, overrides) : undefined;
    const runRootOf = (root: ClassInfo | FunctionInfo, kind: RootKind, run: () => void): void =>
      builder.runRoot(kind === 'method' && 'qualifiedName' in root ? root.qualifiedName : root.name, () =>
        roots ? runRoot(roots, interpreter, builder, root, kind, run) : run(),
      );
    // Entries not defined in this file are named in a note; when none is, every root runs (a project-wide entry
    // setting names one model among many files).
    for (const { entry, target } of targets) {
      if (target) continue;
      const fallback = entryNamed ? '' : ' Every root was analysed instead.';
      builder.notes.push({
        code: OVERRIDE_NOTE,
        message: `${entry.source} ${entry.name}: no function, class or \`Class.method\` of that name is defined in this file.${fallback}`,
        override: { kind: 'entry', name: entry.name, source: entry.source },
      });
    }
    if (entryNamed) runEntries(interpreter, targets, runRootOf);
    else runEveryRoot(interpreter, file, runRootOf, options.roots?.ownerCode);
    for (const input of inputs) {
      if (interpreter.givenInputsUsed.has(input.name)) continue;
      builder.notes.push({
        code: OVERRIDE_NOTE,
        message: `${input.source} ${input.name}: no function analysed here has a parameter named \`${input.name}\`${entries.length > 0 ? ` (entries: ${entries.map((entry) => entry.name).join(', ')})` : ''}.`,
        override: { kind: 'input', name: input.name, source: input.source },
      });
    }
    interpreter.recordAllScopes();
    priceUnlaunchedKernels(interpreter);
    interpreter.flushBindings();
    if (roots) finishRoots(roots);
    noteAssumedCalls(builder);
  } finally {
    interpreter.deleteTrees();
  }
  // tf32: `torch.backends.cuda.matmul.allow_tf32 = True` is found while running; a text check catches it in dead code too.
  if (/allow_tf32\s*=\s*True|set_float32_matmul_precision\(\s*["'](high|medium)["']/.test(text)) builder.tf32Enabled = true;
}

/** Whether a function's text holds a launch, `name[grid](`. */
function launchesKernels(fn: FunctionInfo): boolean {
  return /\]\s*\(/.test(fn.file.text.slice(fn.node.startIndex, fn.node.endIndex));
}

type RunRootOf = (root: ClassInfo | FunctionInfo, kind: RootKind, run: () => void) => void;

/** The roots the user named that this file defines, in the order named. */
function runEntries(interpreter: Interpreter, targets: readonly { readonly target?: EntryTarget }[], runRootOf: RunRootOf): void {
  for (const { target } of targets) {
    if (!target) continue;
    if (target.kind === 'function') runRootOf(target.fn, 'function', () => interpreter.runRootFunction(target.fn, true));
    else if (target.kind === 'method') runRootOf(target.fn, 'method', () => interpreter.runRootMethod(target.fn));
    else {
      const { cls } = target;
      runRootOf(cls, 'class', () => interpreter.runRootClass(cls, interpreter.state.instances.get(cls)));
    }
  }
}

/** Every root: functions nobody calls (builders among them), then outermost modules whose forward nothing ran. */
function runEveryRoot(interpreter: Interpreter, file: FileContext, runRootOf: RunRootOf, kept?: OwnerCodeCache): void {
  // Definitions that name this one in their code (`Block(config)` in GPT), not only in a docstring, comment or URL.
  const code = new CodeNames(file, kept);
  const referencedBy = (name: string): string[] =>
    [...(file.calledFrom.get(name) ?? [])].filter((owner) => owner !== '' && code.names(owner, name));
  // Functions first: a harness like `def main(): model(x)` runs the model with its real inputs, which then need
  // no symbolic run of their own; a builder (`def resnet50(): return ResNet(...)`) runs its model's forward.
  for (const fn of file.functions.values()) {
    if (interpreter.state.covered.has(fn) || fn.tritonKernel || referencedBy(fn.name).length > 0) continue;
    runRootOf(fn, 'function', () => interpreter.runRootFunction(fn));
  }
  // Then the outermost modules, last defined first (a GPT is usually defined after its Block): a class used inside
  // another module class, or whose forward already ran, is reached through that and not analysed again.
  const moduleClasses = [...file.classes.values()].filter((cls) => isModuleClass(interpreter, cls));
  const moduleNames = new Set(moduleClasses.map((cls) => cls.name));
  // Models that build other modules of the file, by name or through a class their config names (litgpt's
  // `config.mlp_class(config)`), run before the modules that build none: a layer a model reaches only through its
  // config is then covered by the model, not priced twice.
  // Each class is asked once, through its set of words: asking whether each class names each other is quadratic in
  // the classes of the file.
  const otherNames = [...moduleNames].filter((name) => !ASCII_NAME.test(name));
  const composite = (cls: ClassInfo): boolean => {
    const known = code.of(cls.name);
    if (known === undefined) return moduleNames.size > 1;
    if (known.callsConfigClass) return true;
    for (const word of known.words) if (word !== cls.name && moduleNames.has(word)) return true;
    return otherNames.some((name) => name !== cls.name && code.names(cls.name, name));
  };
  const reversed = [...moduleClasses].reverse();
  const composites = new Set(reversed.filter(composite));
  for (const cls of [...reversed.filter((cls) => composites.has(cls)), ...reversed.filter((cls) => !composites.has(cls))]) {
    if (interpreter.state.covered.has(cls)) continue;
    if (referencedBy(cls.name).some((owner) => moduleNames.has(owner))) continue;
    // The model as the code builds it (`model = GPT(GPTConfig(n_layer=2))`), else one with symbolic arguments.
    runRootOf(cls, 'class', () => interpreter.runRootClass(cls, interpreter.state.instances.get(cls)));
  }
  // Then the autograd.Functions nobody applies (a kernel library's wrappers): forward, then backward with its ctx.
  for (const cls of file.classes.values()) {
    if (interpreter.state.covered.has(cls) || !isAutogradFunction(cls)) continue;
    runRootOf(cls, 'class', () => runAutogradRoot(interpreter, cls));
  }
  // Last, wrappers that launch a Triton kernel and that nothing ran (a name in another definition's code keeps a
  // function from being a root): each launch is priced where it is written.
  for (const fn of file.functions.values()) {
    if (interpreter.state.covered.has(fn) || fn.tritonKernel || !launchesKernels(fn)) continue;
    runRootOf(fn, 'function', () => interpreter.runRootFunction(fn));
  }
  code.finish(kept);
}

/** A layer built from a class the config names: `config.mlp_class(config)`, `config.norm_class(config.n_embd)`. */
const CONFIG_CLASS_CALL = /\.\w+_class\s*\(/;

/** Strings and comments: a class named only in a docstring (`also known as ResNet V1.5`) is not used there. */
const STRINGS_AND_COMMENTS = /"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|#[^\n]*/g;

/** An ASCII identifier: its whole-word occurrences are the words of the text equal to it. */
const ASCII_NAME = /^[A-Za-z0-9_]+$/;

/** An owner's code without its strings and comments, and the file's definition names that are words of it. */
export interface OwnerCode {
  readonly text: string;
  readonly words: ReadonlySet<string>;
  /** Its source (strings included) builds a layer from a class its config names (CONFIG_CLASS_CALL). */
  readonly callsConfigClass: boolean;
}

/** The owners' code of a document's last analysis, by definition text, while the file defines the same names. */
export interface OwnerCodeCache {
  definitions: string;
  byText: ReadonlyMap<string, OwnerCode>;
}

/**
 * Whether a definition names another in its code, not only in its strings and comments, each definition's code read
 * once. Only the file's definition names are asked about, so only the words that are one are kept: a word (a maximal
 * run of ASCII letters, digits and underscores) is looked up only when its length and first and last letters are a
 * definition name's, so that the code's other identifiers (self, x, torch...) make no string and no set entry.
 */
class CodeNames {
  private readonly code = new Map<string, OwnerCode>();
  private readonly definitions: ReadonlySet<string>;
  private readonly shapes = new Set<number>();
  /**
   * By a word's first character: a bit for each length a definition name starting with it has (bit 31 for 31 and more).
   * Most words of the code (self, x, torch) fail this test, a lookup in an array, before the set's.
   */
  private readonly lengthsByFirst = new Uint32Array(128);
  /** The owners' code as the previous analysis of the document read it, by definition text (the server's). */
  private readonly kept: ReadonlyMap<string, OwnerCode> | undefined;
  /** What this analysis read, kept for the next one (finish); none without a cache (the command line). */
  private readonly next: Map<string, OwnerCode> | undefined;

  constructor(
    private readonly file: FileContext,
    cache?: OwnerCodeCache,
  ) {
    this.definitions = new Set([...file.classes.keys(), ...file.functions.keys()]);
    for (const name of this.definitions) {
      if (!ASCII_NAME.test(name)) continue;
      this.shapes.add(wordShape(name, 0, name.length));
      this.lengthsByFirst[name.charCodeAt(0)]! |= lengthBit(name.length);
    }
    if (cache) {
      this.next = new Map();
      // An owner's words are the definition names among its words: kept only while the file defines the same names.
      if (cache.definitions === this.definitionsKey()) this.kept = cache.byText;
    }
  }

  /** Keeps what this analysis read for the next one: only the owners it read, so nothing old piles up. */
  finish(cache: OwnerCodeCache | undefined): void {
    if (!cache || !this.next) return;
    cache.definitions = this.definitionsKey();
    cache.byText = this.next;
  }

  private definitionsKey(): string {
    return [...this.definitions].join('\u0000');
  }

  /** Whether the owner's definition names `name` in its code (true when the file defines no such owner). */
  names(owner: string, name: string): boolean {
    const known = this.of(owner);
    if (known === undefined) return true;
    if (!ASCII_NAME.test(name)) return new RegExp(`\\b${name}\\b`).test(known.text);
    // `\bname\b` for an ASCII name matches exactly a word equal to it: a set lookup, not a regex compiled per call.
    return this.definitions.has(name) ? known.words.has(name) : hasWord(known.text, name);
  }

  /** An owner's code and the definition names among its words, read once; undefined when the file defines no such owner. */
  of(owner: string): OwnerCode | undefined {
    let known = this.code.get(owner);
    if (known === undefined) {
      // A function's statement includes its decorators (`@triton.autotune(configs=get_autotune_config())`).
      const definition = this.file.functions.get(owner)?.statement ?? this.file.classes.get(owner)?.node;
      if (!definition) return undefined;
      const source = this.file.text.slice(definition.startIndex, definition.endIndex);
      known = this.kept?.get(source);
      if (known) {
        this.code.set(owner, known);
        this.next?.set(source, known);
        return known;
      }
      const text = source.replace(STRINGS_AND_COMMENTS, '');
      const words = new Set<string>();
      for (let start = 0; start < text.length; ) {
        if (!isWordCode(text.charCodeAt(start))) {
          start++;
          continue;
        }
        let end = start + 1;
        while (end < text.length && isWordCode(text.charCodeAt(end))) end++;
        if ((this.lengthsByFirst[text.charCodeAt(start)]! & lengthBit(end - start)) !== 0 && this.shapes.has(wordShape(text, start, end))) {
          const word = text.slice(start, end);
          if (this.definitions.has(word)) words.add(word);
        }
        start = end;
      }
      known = { text, words, callsConfigClass: CONFIG_CLASS_CALL.test(source) };
      this.code.set(owner, known);
      this.next?.set(source, known);
    }
    return known;
  }
}

/** A word's length with its first and last character codes, as one number (word characters are ASCII). */
function wordShape(text: string, start: number, end: number): number {
  return ((end - start) * 128 + text.charCodeAt(start)) * 128 + text.charCodeAt(end - 1);
}

/** A word length as one bit of a 32-bit mask: 1 << length, lengths of 31 and more sharing the top bit. */
function lengthBit(length: number): number {
  return (1 << Math.min(length, 31)) >>> 0;
}

/** An ASCII letter, digit or underscore: what `[A-Za-z0-9_]` and `\w` match. */
function isWordCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95;
}

/** Whether an ASCII name is a whole word of the text, as `\bname\b` finds it. */
function hasWord(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if ((at === 0 || !isWordCode(text.charCodeAt(at - 1))) && !isWordCode(text.charCodeAt(at + name.length))) return true;
  }
  return false;
}

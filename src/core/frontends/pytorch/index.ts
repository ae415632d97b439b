// The PyTorch frontend: reads nn.Module classes, functions and scripts and adds their tensor ops to the graph.
import type { Tree } from 'web-tree-sitter';
import type { GraphBuilder } from '../../ir/graph';
import type { MagicSettings } from '../../ir/types';
import type { PythonParser } from '../../parse/parser';
import { noteAssumedCalls } from './assumed';
import { collectFile } from './files';
import { Interpreter } from './interpreter';
import { isAutogradFunction, runAutogradRoot } from './interpreter/autograd';
import { priceUnlaunchedKernels } from './interpreter/triton';
import { resetSyntaxCache } from '../triton';
import { finishRoots, runRoot, startRoots, type RootCache } from './roots';
import type { ClassInfo, FunctionInfo } from './values';

export interface PytorchOptions {
  /** Texts of workspace modules the file imports, by dotted module name. */
  readonly modules: ReadonlyMap<string, string>;
  readonly parser: PythonParser;
  /** The file's `# memwall:` comments, read once by extract(). */
  readonly magic: MagicSettings;
  /** The document's roots from its previous analysis (the server keeps them per document); without it every root runs. */
  readonly roots?: RootCache;
}

/**
 * Runs the file abstractly. Module-level code (imports, scripts, `__main__` blocks) runs first; then every function
 * nobody calls, then every outermost nn.Module whose forward nothing ran yet, with symbolic inputs. A class or function
 * used by another definition is reached through it, so nothing is counted twice.
 */
export function extractPytorch(tree: Tree, text: string, builder: GraphBuilder, options: PytorchOptions): void {
  const file = collectFile('<main>', text, tree);
  // The Triton frontend memoises node lookups per tree; a tree edited in place may give old ids to new nodes.
  resetSyntaxCache();
  const magic = new Map<string, number>();
  for (const binding of options.magic.bindings) if (typeof binding.value === 'number') magic.set(binding.symbol, binding.value);
  const interpreter = new Interpreter(builder, file, options.modules, options.parser, magic);
  try {
    const moduleOps = builder.ops.length;
    interpreter.runModule(file);
    if (builder.ops.length > moduleOps) {
      builder.scopes.push({ name: '<module>', kind: 'module', span: { start: 0, end: 0, startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 } });
    }
    const referencedBy = (name: string): string[] => [...(file.calledFrom.get(name) ?? [])].filter((owner) => owner !== '');
    const roots = options.roots ? startRoots(options.roots, file, interpreter, builder, options.modules) : undefined;
    const runRootOf = (root: ClassInfo | FunctionInfo, kind: 'class' | 'function', run: () => void): void =>
      roots ? runRoot(roots, interpreter, builder, root, kind, run) : run();
    // Functions first: a harness like `def main(): model(x)` runs the model with its real inputs, which then need
    // no symbolic run of their own.
    for (const fn of file.functions.values()) {
      if (interpreter.state.covered.has(fn) || fn.tritonKernel || referencedBy(fn.name).length > 0) continue;
      runRootOf(fn, 'function', () => interpreter.runRootFunction(fn));
    }
    // Then the outermost modules, last defined first (a GPT is usually defined after its Block): a class used inside
    // another module class, or whose forward already ran, is reached through that and not analysed again.
    const moduleClasses = [...file.classes.values()].filter((cls) => isModule(cls));
    const moduleNames = new Set(moduleClasses.map((cls) => cls.name));
    for (const cls of [...moduleClasses].reverse()) {
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
    // Last, wrappers that launch a Triton kernel and that nothing ran (a name mentioned in a comment elsewhere keeps a
    // function from being a root): each launch is priced where it is written.
    for (const fn of file.functions.values()) {
      if (interpreter.state.covered.has(fn) || fn.tritonKernel || !launchesKernels(fn)) continue;
      runRootOf(fn, 'function', () => interpreter.runRootFunction(fn));
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

function isModule(cls: ClassInfo, seen = new Set<ClassInfo>()): boolean {
  if (seen.has(cls)) return false;
  seen.add(cls);
  return cls.bases.some((b) => (b.kind === 'ref' && /^torch\.nn\./.test(b.name)) || (b.kind === 'class' && isModule(b.cls, seen)));
}

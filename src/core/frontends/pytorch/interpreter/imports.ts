// Imports: workspace modules arrive as text from the host; anything else is a reference to a library name.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { collectFile } from '../files';
import { field } from '../syntax';
import type { Value } from '../values';
import { attribute } from './attributes';
import type { Frame } from './frame';
import type { Interpreter } from './index';

export function runImport(it: Interpreter, node: SyntaxNode, frame: Frame): void {
  if (node.type === 'import_statement') {
    for (const name of node.namedChildren) {
      if (!name) continue;
      if (name.type === 'aliased_import') {
        const dotted = field(name, 'name')?.text ?? '';
        const alias = field(name, 'alias')?.text ?? dotted;
        frame.env.set(alias, importModule(it, dotted));
      } else {
        const dotted = name.text;
        // `import torch.nn` binds `torch`; attribute access then walks to torch.nn.
        const head = dotted.split('.')[0] as string;
        frame.env.set(head, importModule(it, head));
      }
    }
    return;
  }
  const moduleNode = field(node, 'module_name');
  let moduleName = moduleNode?.text ?? '';
  if (moduleName.startsWith('.')) moduleName = resolveRelative(it, moduleName, frame.file.name);
  const source = importModule(it, moduleName);
  const names = node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.id !== moduleNode?.id);
  for (const name of names) {
    if (name.type === 'wildcard_import') {
      if (source.kind === 'usermodule') for (const [key, value] of source.file.globals) frame.env.set(key, value);
      continue;
    }
    const imported = name.type === 'aliased_import' ? field(name, 'name')?.text ?? '' : name.text;
    const alias = name.type === 'aliased_import' ? field(name, 'alias')?.text ?? imported : imported;
    // `from package import submodule` imports the submodule when the package itself is not read (the file being
    // analysed is the package, or a namespace package has no code).
    const submodule = `${moduleName}.${imported}`;
    frame.env.set(alias, source.kind !== 'usermodule' && it.modules.has(submodule) ? importModule(it, submodule) : attribute(it, source, imported, frame, name));
  }
}

/**
 * The absolute name of a relative import, as Python computes it from the importing module's package: `.x` in module
 * `a.b` is `a.x`, in package `a.b` (its `__init__`) `a.b.x`. The analysed file is `<main>`; its dotted name comes from
 * the host (without one, `.x` is the top-level `x`).
 */
export function resolveRelative(it: Interpreter, name: string, from: string): string {
  const dots = /^\.+/.exec(name)?.[0].length ?? 1;
  const module = from === '<main>' ? it.moduleName ?? '' : from;
  const parts = module ? module.split('.') : [];
  if (!it.packages.has(module)) parts.pop();
  const base = parts.slice(0, Math.max(0, parts.length - (dots - 1)));
  const rest = name.slice(dots);
  return [...base, ...(rest ? [rest] : [])].join('.');
}

/** A workspace module's text arrives from the host; anything else is a reference to a library name. */
export function importModule(it: Interpreter, dotted: string): Value {
  const text = it.modules.get(dotted);
  if (text === undefined) return { kind: 'ref', name: dotted };
  let file = it.openFiles.get(dotted);
  if (!file) {
    file = collectFile(dotted, text, it.parser.parse(text));
    it.openFiles.set(dotted, file);
    // Its top-level code defines its names; ops there belong to that file's own analysis, not this one.
    it.runModule(file, false);
  }
  return { kind: 'usermodule', file };
}

// Loads tree-sitter and the Python grammar from wasm bytes handed in by the host, so the core never touches the disk.
import { Language, Parser, type Tree } from 'web-tree-sitter';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

export interface PythonParser {
  /**
   * Parses text into a tree; the caller must `delete()` the tree when done, or its wasm memory leaks. With `oldTree`
   * (the previous version's tree, already `edit()`ed to the change), tree-sitter re-parses only what changed.
   */
  parse(text: string, oldTree?: Tree): Tree;
}

export interface ParserWasm {
  /** Bytes of `web-tree-sitter.wasm`. */
  readonly runtime: Uint8Array;
  /** Bytes of `tree-sitter-python.wasm` from `@vscode/tree-sitter-wasm`. */
  readonly grammar: Uint8Array;
}

let initialised: Promise<void> | undefined;

export async function createPythonParser(wasm: ParserWasm): Promise<PythonParser> {
  initialised ??= Parser.init({ wasmBinary: wasm.runtime } as object);
  await initialised;
  const language = await Language.load(wasm.grammar);
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    parse(text: string, oldTree?: Tree): Tree {
      const tree = parser.parse(text, oldTree);
      if (!tree) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}

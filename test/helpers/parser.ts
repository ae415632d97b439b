// Loads the real tree-sitter parser for tests, from the same wasm files the bundles ship.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createPythonParser, type PythonParser } from '../../src/core/parse/parser';

const root = path.join(__dirname, '..', '..');
let parser: Promise<PythonParser> | undefined;

export function testParser(): Promise<PythonParser> {
  parser ??= createPythonParser({
    runtime: readFileSync(path.join(root, 'node_modules/web-tree-sitter/web-tree-sitter.wasm')),
    grammar: readFileSync(path.join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm/tree-sitter-python.wasm')),
  });
  return parser;
}

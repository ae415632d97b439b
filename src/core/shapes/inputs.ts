// Reads input shapes and entries the user gives without editing the file: `--input x=[1,3,224,224]`, settings, pyproject.
import type { Dim } from '../ir/dims';
import { parseDtype } from '../ir/dtypes';
import type { DType } from '../ir/types';
import { parseDimText } from './magic';

/** An input shape given from outside the file, for the parameter `name` of the analysed entries' functions. */
export interface InputDeclaration {
  readonly name: string;
  readonly shape: readonly Dim[];
  readonly dtype?: DType;
  /** `--input`, `setting memwall.inputs`, `pyproject.toml [tool.memwall]`. */
  readonly source: string;
}

const DECLARATION = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*\[([^\]]*)\]\s*(?::\s*([A-Za-z0-9_.]+))?\s*$/;

/**
 * `x=[1,3,224,224]`, `idx=[B,T]:int64`, `h=[B, T, 4*n_embd]:bf16`: the dims as in magic comments (numbers, symbols,
 * expressions), the dtype by any of its names. Throws an Error saying what is wrong, naming the text.
 */
export function parseInputDeclaration(text: string, source: string): InputDeclaration {
  const match = DECLARATION.exec(text);
  if (!match) throw new Error(`${source}: expected NAME=[dims] or NAME=[dims]:dtype such as x=[1,3,224,224] or idx=[B,T]:int64, got '${text}'`);
  const [, name, dimsText, dtypeText] = match as unknown as [string, string, string, string | undefined];
  const parts = dimsText.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => part === '')) throw new Error(`${source} ${name}: every dim needs a size or a symbol, got [${dimsText}]`);
  const shape = parts.map((part) => {
    const dim = parseDimText(part);
    if (dim.kind === 'unknown') throw new Error(`${source} ${name}: cannot read the dim '${part}' (a number, a symbol, or an expression such as 4*n_embd)`);
    if (dim.kind === 'num' && (!Number.isSafeInteger(dim.value) || dim.value <= 0)) throw new Error(`${source} ${name}: the size ${part} must be a positive integer`);
    return dim;
  });
  let dtype: DType | undefined;
  if (dtypeText !== undefined) {
    dtype = parseDtype(dtypeText);
    if (!dtype) throw new Error(`${source} ${name}: '${dtypeText}' is not a dtype (bf16, fp16, fp32, fp8, int64, int32, bool, ...)`);
  }
  return { name, shape, ...(dtype ? { dtype } : {}), source };
}

/** A root the user names: a function, a class or `Class.method`, with where it was named. */
export interface EntryDeclaration {
  readonly name: string;
  /** `--entry`, `setting memwall.entry`, `pyproject.toml [tool.memwall]`. */
  readonly source: string;
}

/** `resnet50`, `GPT`, `Block.forward`. Throws an Error naming the text when it is not such a name. */
export function parseEntry(text: string, source: string): EntryDeclaration {
  const name = text.trim();
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) {
    throw new Error(`${source}: expected a function, class or Class.method name such as resnet50 or GPT.forward, got '${text}'`);
  }
  return { name, source };
}

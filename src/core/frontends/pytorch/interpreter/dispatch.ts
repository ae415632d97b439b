// Dispatch tables whose key the code does not state: `ALL_ATTENTION_FUNCTIONS[config._attn_implementation]`,
// `self.value_embeds[str(i)]`. The interpreter follows one entry, said in a note, rather than losing the call.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import type { Value } from '../values';
import { sourceSpan } from './emit';
import type { Frame } from './frame';
import type { Interpreter } from './index';

/**
 * Keys that name a table's default, best first: an explicit default, the eager (reference) implementation, then
 * PyTorch's fused attention, which is what transformers' ALL_ATTENTION_FUNCTIONS gives when the config names no
 * implementation (`sdpa`, its default on PyTorch 2; the table has no `eager` entry, the modeling file keeps that).
 */
const DEFAULT_KEYS = ['default', 'eager', 'sdpa'];

/** The identity of a callable or layer, to tell whether all entries of a table are the same thing. */
function identity(value: Value): unknown {
  switch (value.kind) {
    case 'layer':
      return value.layer.op;
    case 'module':
      return value.instance.cls;
    case 'function':
      return value.fn;
    case 'class':
      return value.cls;
    case 'ref':
      return value.name;
    default:
      return undefined;
  }
}

/**
 * The entry to follow in a table of callables or layers indexed by a key the code does not state: the default by name
 * (DEFAULT_KEYS), else the first when every entry is the same callable or layer type (a ModuleDict of alike layers),
 * else none (the call then takes the declared fallback). Tables of plain values are never guessed.
 */
export function defaultEntry(it: Interpreter, entries: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): [string, Value] | undefined {
  const values = [...entries.values()];
  if (values.length === 0 || values.some((value) => identity(value) === undefined)) return undefined;
  const named = DEFAULT_KEYS.find((key) => entries.has(key));
  let chosen: [string, Value] | undefined;
  let why: string;
  if (named !== undefined) {
    chosen = [named, entries.get(named) as Value];
    why = named === 'sdpa' ? 'the `sdpa` entry (PyTorch\'s fused attention, transformers\' default implementation)' : `the \`${named}\` entry`;
  } else {
    const first = identity(values[0] as Value);
    if (!values.every((value) => identity(value) === first)) return undefined;
    chosen = [...entries][0] as [string, Value];
    why = `the first entry, \`${chosen[0]}\` (all ${values.length} entries are the same kind)`;
  }
  const span = sourceSpan(node, frame);
  const message = `\`${node.text.slice(0, 80)}\`: the key is not known here; MemWall followed ${why}.`;
  if (!it.builder.notes.some((note) => note.code === 'MW907' && note.message === message && note.span?.start === span.start)) {
    it.builder.notes.push({ code: 'MW907', message, span });
  }
  return chosen;
}

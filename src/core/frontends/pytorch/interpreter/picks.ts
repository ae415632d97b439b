// Loops that see their index only to pick items: what a pass picks, so that passes over alike items count unrun.
//
// `for i in range(len(self.layers)): layer = self.layers[i]` (gemma), `for i, (layer, past) in
// enumerate(zip(self.layers, past_key_values))` with `head_mask[i]` (transformers) see their index, so a pass that
// repeats the one before does not prove that the next would. When every read of the index in the body is `name[i]`
// or `obj.attr[i]`, a pass sees of its index only the items it picks: the next pass over alike items (reads.ts
// compares them as it compares layers) does what it did, and repeats.ts counts it without running it.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { field } from '../syntax';
import { NONE, type Value } from '../values';
import { lookup } from './expressions';
import type { Frame } from './frame';
import type { Interpreter } from './index';
import { containerKind, containerList } from './modules';

/** Item `pass` of one list, as the body's `list[i]` reads it. */
type Pick = (pass: number) => Value | undefined;

/**
 * What a loop body picks with its index, as a function of the pass: pass `k`'s items, one per list read; undefined
 * when the body reads the index any other way (`if i == 0`, `str(i)`, `layer_idx=i`, `x[:, i]`), a list is not one
 * MemWall can read without running code (a name, or an attribute of one module after another), or a
 * list other than `walked`, the one whose items the passes are named after, holds layers (their ops would be named
 * after the pass's item in that list, which repeats.ts does not rename).
 */
export function indexPicks(it: Interpreter, body: SyntaxNode, index: string, frame: Frame, walked: readonly Value[] | undefined): ((pass: number) => Value[] | undefined) | undefined {
  const picks = new Map<string, Pick>();
  for (const use of body.descendantsOfType('identifier')) {
    if (!use || use.text !== index) continue;
    const subscript = use.parent;
    if (subscript?.type !== 'subscript' || subscript.namedChildCount !== 2 || field(subscript, 'subscript')?.startIndex !== use.startIndex) return undefined;
    const object = field(subscript, 'value');
    if (!object) return undefined;
    if (picks.has(object.text)) continue;
    const value = dottedValue(object, frame);
    const pick = value ? picker(it, value, walked) : undefined;
    if (!pick) return undefined;
    picks.set(object.text, pick);
  }
  const all = [...picks.values()];
  return (pass) => {
    const items: Value[] = [];
    for (const pick of all) {
      const item = pick(pass);
      if (!item) return undefined;
      items.push(item);
    }
    return items;
  };
}

/** The value of `name` or `a.b.c`, read as names are (lookup) and from module attributes, without running code. */
function dottedValue(node: SyntaxNode, frame: Frame): Value | undefined {
  if (node.type === 'identifier') return lookup(node.text, frame);
  if (node.type !== 'attribute') return undefined;
  const object = field(node, 'object');
  const name = field(node, 'attribute')?.text;
  const owner = object && name ? dottedValue(object, frame) : undefined;
  return owner?.kind === 'module' && name ? owner.instance.attrs.get(name) : undefined;
}

/**
 * How `value[i]` reads: None stays None (code indexes it only where it is not None: `head_mask[i] if head_mask is not
 * None`), a list or module list gives its item, the one item of a list standing for every pass (a repeated item, or
 * the one item a loop appended for all its passes, as subscripts.ts reads it).
 */
function picker(it: Interpreter, value: Value, walked: readonly Value[] | undefined): Pick | undefined {
  if (value.kind === 'none') return () => NONE;
  if (value.kind === 'module') {
    const kind = containerKind(value.instance.cls);
    return kind ? picker(it, containerList(value, kind), walked) : undefined;
  }
  const list = value.kind === 'list' ? value : value.kind === 'modlist' ? value.list : undefined;
  if (!list) return undefined;
  const items = list.repeated ? [list.repeated.item] : list.items;
  if (items !== walked && items.some(holdsLayers)) return undefined;
  if (list.repeated || (items.length === 1 && it.state.listLengths.get(items) !== undefined)) return () => items[0];
  return (pass) => items[pass];
}

/** Whether a value is or holds a module, a layer or a module list. */
export function holdsLayers(value: Value): boolean {
  if (value.kind === 'module' || value.kind === 'layer' || value.kind === 'modlist') return true;
  return value.kind === 'list' && (value.repeated ? holdsLayers(value.repeated.item) : value.items.some(holdsLayers));
}

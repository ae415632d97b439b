// Training-script plumbing whose values are sizes: argparse options at their defaults, and the batches a DataLoader yields.
//
// Neither is a tensor op. `parser.add_argument('--batch_size', type=int, default=32)` makes `args.batch_size` the
// symbol `batch_size` bound to 32, as a config field's default is, with the option and its line as the source; an
// option without a default is the free symbol of its name (the command line sets it, and the defaults by role apply).
// `DataLoader(dataset, batch_size=64)` iterated yields the dataset's item with a leading batch dim, collated as
// torch's default_collate does, and the loop's body repeats once per batch.
import type { Node as SyntaxNode } from 'web-tree-sitter';
import { bin, num, sym, unknownDim, type Dim } from '../../../ir/dims';
import type { DType } from '../../../ir/types';
import { simplify } from '../../../shapes/infer';
import { NONE, UNKNOWN, type Value } from '../values';
import { findMethod } from './attributes';
import { numericDim } from './conversions';
import { sourceSpan } from './emit';
import { quiet, type Frame } from './frame';
import { callFunction } from './functions';
import type { Interpreter } from './index';
import { symbolFor } from './modules';

/** Keys no Python name can be: they mark the plain objects that stand for a parser, a dataset and a data loader. */
const PARSER = ' argparse options';
const DATASET = ' tensor dataset';
const LOADER = ' data loader';

/** One option as `add_argument` declared it: its default (undefined when it has none) and where that is written. */
interface ParserOption {
  readonly value: Value | undefined;
  readonly source: string;
}

/** The options of each parser (and of its argument groups, which share them), by the attribute map of its object. */
const PARSER_OPTIONS = new WeakMap<Map<string, Value>, Map<string, ParserOption>>();

type ScriptCall = (it: Interpreter, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame) => Value;

function marked(key: string, payload: Value = NONE): Extract<Value, { kind: 'object' }> {
  return { kind: 'object', attrs: new Map([[key, payload]]) };
}

function lineOf(node: SyntaxNode, frame: Frame): number {
  return sourceSpan(node, frame).startLine + 1;
}

const argumentParser: ScriptCall = () => {
  const parser = marked(PARSER);
  PARSER_OPTIONS.set(parser.attrs, new Map());
  return parser;
};

/** `torch.utils.data.TensorDataset(X, y)`: item i is `(X[i], y[i])`, and it has as many items as X has rows. */
const tensorDataset: ScriptCall = (_it, positional) => marked(DATASET, { kind: 'list', items: positional });

/** `DataLoader(dataset, batch_size=64, drop_last=True)`: batch_size is a size of the script, bound like a config field. */
const dataLoader: ScriptCall = (it, positional, keywords, node, frame) => {
  const dataset = keywords.get('dataset') ?? positional[0] ?? UNKNOWN;
  const given = keywords.get('batch_size') ?? positional[1];
  // DataLoader's own default is one item per batch; `batch_size=None` turns batching off (items come one by one).
  const batchSize = given?.kind === 'none' ? NONE : given ? symbolFor(it, 'batch_size', given, undefined, `DataLoader(batch_size=…) (line ${lineOf(node, frame)})`, 1) : { kind: 'dim', dim: num(1) } as Value;
  const dropLast = keywords.get('drop_last');
  return marked(LOADER, { kind: 'dict', entries: new Map<string, Value>([['dataset', dataset], ['batch_size', batchSize], ['drop_last', dropLast ?? { kind: 'bool', value: false }]]) });
};

export const SCRIPT_CALLS: ReadonlyMap<string, ScriptCall> = new Map([
  ['argparse.ArgumentParser', argumentParser],
  ['torch.utils.data.DataLoader', dataLoader],
  ['torch.utils.data.dataloader.DataLoader', dataLoader],
  ['torch.utils.data.TensorDataset', tensorDataset],
  ['torch.utils.data.dataset.TensorDataset', tensorDataset],
]);

/** Whether attribute reads on the value are its methods (a parser's `add_argument`), not config fields. */
export function isScriptObject(value: Value): boolean {
  return value.kind === 'object' && (value.attrs.has(PARSER) || value.attrs.has(LOADER) || value.attrs.has(DATASET));
}

/** `--batch-size` → `batch_size`, as argparse derives `dest`: the first long option, else the first name. */
function destination(names: readonly string[]): string | undefined {
  const long = names.find((name) => name.startsWith('--'));
  const chosen = long ?? names[0];
  return chosen?.replace(/^-+/, '').replace(/-/g, '_');
}

/** argparse passes a string default through `type` (`type=int, default='32'` gives 32). */
function converted(value: Value, type: Value | undefined): Value {
  if (value.kind !== 'str' || type?.kind !== 'ref') return value;
  const text = value.value.trim();
  if (type.name === 'builtins.int' && /^[-+]?\d+$/.test(text)) return { kind: 'dim', dim: num(Number.parseInt(text, 10)) };
  if (type.name === 'builtins.float' && text !== '' && Number.isFinite(Number(text))) return { kind: 'scalar', value: Number(text) };
  return value;
}

function addArgument(options: Map<string, ParserOption>, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value {
  const names = positional.flatMap((value) => (value.kind === 'str' ? [value.value] : []));
  const given = keywords.get('dest');
  const dest = given?.kind === 'str' ? given.value : destination(names);
  if (!dest) return NONE;
  const action = keywords.get('action');
  const flag = names.find((name) => name.startsWith('--')) ?? names[0] ?? dest;
  let value = keywords.get('default');
  // store_true and store_false options default to the opposite of what giving them stores.
  if (!value && action?.kind === 'str' && (action.value === 'store_true' || action.value === 'store_false')) value = { kind: 'bool', value: action.value === 'store_false' };
  options.set(dest, { value: value ? converted(value, keywords.get('type')) : undefined, source: `argparse default of ${flag} (line ${lineOf(node, frame)})` });
  return NONE;
}

/** The namespace `parse_args()` returns: each option its default, an integer default the symbol of its name. */
function namespace(it: Interpreter, options: ReadonlyMap<string, ParserOption>): Value {
  const attrs = new Map<string, Value>();
  for (const [dest, option] of options) attrs.set(dest, symbolFor(it, dest, undefined, option.value, option.source, 2));
  return { kind: 'object', attrs };
}

/** A method of a parser, dataset or loader object; undefined for any other receiver (the caller goes on). */
export function scriptMethod(it: Interpreter, receiver: Value, name: string, positional: Value[], keywords: ReadonlyMap<string, Value>, node: SyntaxNode, frame: Frame): Value | undefined {
  if (receiver.kind !== 'object') return undefined;
  const options = PARSER_OPTIONS.get(receiver.attrs);
  if (!options) return receiver.attrs.has(LOADER) || receiver.attrs.has(DATASET) ? UNKNOWN : undefined;
  switch (name) {
    case 'add_argument':
      return addArgument(options, positional, keywords, node, frame);
    case 'set_defaults':
      for (const [dest, value] of keywords) options.set(dest, { value, source: `parser.set_defaults(${dest}=…) (line ${lineOf(node, frame)})` });
      return NONE;
    case 'add_argument_group':
    case 'add_mutually_exclusive_group': {
      // A group adds its options to the parser it belongs to.
      const group = marked(PARSER);
      PARSER_OPTIONS.set(group.attrs, options);
      return group;
    }
    case 'parse_args':
      return namespace(it, options);
    case 'parse_known_args':
      return { kind: 'list', items: [namespace(it, options), { kind: 'list', items: [] }] };
    default:
      return UNKNOWN;
  }
}

/** The batches a loop over a DataLoader binds, and how many there are per epoch; undefined for any other value. */
export function loaderBatches(it: Interpreter, iterable: Value, frame: Frame): { readonly batch: Value; readonly count: Dim } | undefined {
  if (iterable.kind !== 'object') return undefined;
  const loader = iterable.attrs.get(LOADER);
  if (loader?.kind !== 'dict') return undefined;
  const dataset = loader.entries.get('dataset') ?? UNKNOWN;
  const batchValue = loader.entries.get('batch_size') ?? NONE;
  const batchSize = batchValue.kind === 'none' ? undefined : numericDim(batchValue);
  const { item, length } = datasetItem(it, dataset, frame);
  const batch = batchValue.kind === 'none' ? item : batchSize ? collate(it, item, batchSize) : UNKNOWN;
  let count: Dim = unknownDim('batches per epoch (the dataset length is not known)');
  if (length && batchValue.kind === 'none') count = length;
  else if (length && batchSize) {
    const dropLast = loader.entries.get('drop_last');
    count = simplify(dropLast?.kind === 'bool' && dropLast.value === true ? bin('//', length, batchSize) : bin('//', bin('+', length, bin('-', batchSize, num(1))), batchSize));
  }
  return { batch, count };
}

/** One item of the dataset and the number of items, where the code says them. */
function datasetItem(it: Interpreter, dataset: Value, frame: Frame): { readonly item: Value; readonly length?: Dim } {
  if (dataset.kind === 'object') {
    const tensors = dataset.attrs.get(DATASET);
    if (tensors?.kind === 'list') {
      const first = tensors.items[0];
      const rows = first?.kind === 'tensor' ? first.tensor.shape?.[0] : undefined;
      const items = tensors.items.map((value): Value => (value.kind === 'tensor' ? { kind: 'tensor', tensor: it.builder.value(value.tensor.shape ? value.tensor.shape.slice(1) : null, value.tensor.dtype) } : UNKNOWN));
      return { item: { kind: 'list', items }, ...(rows ? { length: rows } : {}) };
    }
    const cls = dataset.cls;
    const getItem = cls ? findMethod(cls, '__getitem__') : undefined;
    if (cls && getItem) {
      // The item as `__getitem__` builds it, run quietly: loading data is host work in the loader's workers.
      const index: Value = { kind: 'dim', dim: sym('index') };
      const item = callFunction(it, getItem, [index], new Map(), quiet(frame), dataset, getItem.node, false);
      const getLength = findMethod(cls, '__len__');
      const length = getLength ? numericDim(callFunction(it, getLength, [], new Map(), quiet(frame), dataset, getLength.node, false)) : undefined;
      return { item, ...(length ? { length } : {}) };
    }
  }
  return { item: UNKNOWN };
}

/** torch's default_collate: tensors stack along a new leading dim; Python ints and floats become int64 and float64 tensors. */
function collate(it: Interpreter, item: Value, batch: Dim): Value {
  const stacked = (shape: readonly Dim[] | null, dtype: DType | 'default' | null): Value => ({ kind: 'tensor', tensor: it.builder.value(shape ? [batch, ...shape] : null, dtype) });
  switch (item.kind) {
    case 'tensor':
      return stacked(item.tensor.shape, item.tensor.dtype);
    case 'dim':
      return stacked([], 'int64');
    case 'scalar':
      return stacked([], 'fp64');
    case 'bool':
      return stacked([], 'bool');
    case 'list':
      return item.repeated ? UNKNOWN : { kind: 'list', items: item.items.map((value) => collate(it, value, batch)) };
    case 'dict':
      return { kind: 'dict', entries: new Map([...item.entries].map(([key, value]) => [key, collate(it, value, batch)])) };
    default:
      return UNKNOWN;
  }
}

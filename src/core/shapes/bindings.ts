// Binds the graph's symbols to numbers: magic comment, then outside configs, then the code, then MemWall's defaults.
import type { ExternalConfig } from '../analyze';
import { dimSymbols, type Dim } from '../ir/dims';
import { SM_COUNT_SYMBOL } from '../ir/symbols';
import type { Assumption, AttrValue, Hardware, OpGraph } from '../ir/types';

/**
 * Sizes assumed for batch- and sequence-like symbols that nothing else binds. They are typical of training runs
 * (a batch of 8 sequences of 1,024 tokens, 224×224 images, 16-frame clips). Single letters `H`/`W` are left out on purpose:
 * in attention code `H` is as often the number of heads and always appear in the assumptions as `default`.
 */
export const DEFAULT_SIZES: Readonly<Record<string, number>> = {
  B: 8, b: 8, N: 8, batch: 8, batch_size: 8, bsz: 8, bs: 8, n_batch: 8,
  T: 1024, t: 1024, S: 1024, s: 1024, L: 1024, seq: 1024, seq_len: 1024, seqlen: 1024, sequence_length: 1024,
  n_ctx: 1024, context_length: 1024, num_tokens: 1024,
  height: 224, width: 224, img_size: 224, image_size: 224,
  // The clip length of common video models (torchvision's R3D and S3D read 16 frames), for a Conv3d input's depth.
  frames: 16,
  // Where a forward's tokens start in the key/value cache (Meta's Llama `forward(tokens, start_pos)`): 0 is the
  // forward over a whole prompt, the one a cache-less reading of the code describes.
  start_pos: 0,
};

/**
 * The default size of a symbol: its own entry, or that of its name without leading underscores, which Python uses
 * for a value it unpacks but does not read (`_bsz, seqlen = tokens.shape` in Meta's Llama).
 */
export function defaultSize(symbol: string): number | undefined {
  const name = symbol.replace(/^_+/, '');
  return Object.hasOwn(DEFAULT_SIZES, name) ? DEFAULT_SIZES[name] : undefined;
}

export const DEFAULT_SOURCE = 'default';

/**
 * The symbols of each graph already asked about. A graph is not changed once built, and the same graph is priced again
 * for another GPU, dtype or sizes (the what-if path) without re-extracting it.
 */
const SYMBOLS = new WeakMap<OpGraph, ReadonlySet<string>>();

/** The symbols every op of the graph depends on (shapes, attributes and repeat counts), in order of appearance. */
export function graphSymbols(graph: OpGraph): ReadonlySet<string> {
  let symbols = SYMBOLS.get(graph);
  if (!symbols) {
    symbols = collectSymbols(graph);
    SYMBOLS.set(graph, symbols);
  }
  return symbols;
}

function collectSymbols(graph: OpGraph): Set<string> {
  const symbols = new Set<string>();
  // A tensor's shape is shared by the op that writes it and every op that reads it: walked once, the first time,
  // which is also when its symbols first appear.
  const seen = new Set<readonly Dim[]>();
  for (const op of graph.ops) {
    for (const input of op.inputs) addShape(input.shape, symbols, seen);
    for (const output of op.outputs) addShape(output.shape, symbols, seen);
    for (const name in op.attrs) addAttr(op.attrs[name] as AttrValue, symbols);
    dimSymbols(op.repeat, symbols);
  }
  return symbols;
}

function addShape(shape: readonly Dim[] | null, symbols: Set<string>, seen: Set<readonly Dim[]>): void {
  if (shape === null || seen.has(shape)) return;
  seen.add(shape);
  for (const dim of shape) if (dim.kind !== 'num') dimSymbols(dim, symbols);
}

function addAttr(value: AttrValue, symbols: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) for (const d of value as readonly Dim[]) dimSymbols(d, symbols);
  else dimSymbols(value as Dim, symbols);
}

/**
 * Resolves every symbol the graph uses. Priority, highest first: the file's magic comments, the configs in the order
 * given (CLI `--dims`, settings, pyproject), bindings found in the code, then DEFAULT_SIZES. Assumptions list each
 * symbol the graph uses with the value and source that won, plus every magic-comment binding (the user wrote it).
 */
export function resolveBindings(
  graph: OpGraph,
  configs: readonly ExternalConfig[],
  hardware?: Hardware,
): { bindings: Map<string, number>; assumptions: Assumption[] } {
  const chosen = new Map<string, Assumption>();
  const offer = (symbol: string, value: number, source: string): void => {
    if (!chosen.has(symbol) && Number.isFinite(value)) chosen.set(symbol, { symbol, value, source });
  };
  for (const binding of graph.magic.bindings) if (typeof binding.value === 'number') offer(binding.symbol, binding.value, binding.source);
  for (const config of configs) {
    for (const [symbol, value] of Object.entries(config.dims ?? {})) offer(symbol, value, config.source);
  }
  // The SM count the code asks the device for is the selected GPU's (0 means the GPU's data does not say).
  if (hardware && hardware.smCount.value > 0) {
    offer(SM_COUNT_SYMBOL, hardware.smCount.value, `SM count of ${hardware.name} (torch.cuda.get_device_properties().multi_processor_count)`);
  }
  for (const binding of graph.codeBindings) if (typeof binding.value === 'number') offer(binding.symbol, binding.value, binding.source);

  const used = graphSymbols(graph);
  for (const symbol of used) {
    const fallback = defaultSize(symbol);
    if (fallback !== undefined) offer(symbol, fallback, DEFAULT_SOURCE);
  }

  const bindings = new Map<string, number>();
  for (const [symbol, assumption] of chosen) bindings.set(symbol, assumption.value as number);
  const magicSymbols = new Set(graph.magic.bindings.map((b) => b.symbol));
  const assumptions = [...chosen.values()].filter((a) => used.has(a.symbol) || magicSymbols.has(a.symbol));
  return { bindings, assumptions };
}

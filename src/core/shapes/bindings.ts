// Binds the graph's symbols to numbers: magic comment, then outside configs, then the code, then MemWall's defaults.
import type { ExternalConfig } from '../analyze';
import { dimSymbols, type Dim } from '../ir/dims';
import { SM_COUNT_SYMBOL } from '../ir/symbols';
import type { Assumption, AttrValue, Hardware, OpGraph } from '../ir/types';

/** The source of an assumption that a default by role gave. */
export const DEFAULT_SOURCE = 'default';

/** What a default size stands for: the role of the dim, the names code gives it, its size, and why that size. */
interface RoleDefault {
  readonly role: string;
  readonly names: readonly string[];
  readonly size: number;
  /** Said in the assumption's source after `default: `; none for the batch and sequence sizes, listed as `default`. */
  readonly why?: string;
  /**
   * The size is a model's own (width, heads, depth): it binds only a parameter that no code gives a value (a root
   * layer's `def __init__(self, dim)`, see parameterDefault), never a config's field MemWall could not read (the user's
   * config has a value: theirs to give), and only where a shape or a repeat count uses it.
   */
  readonly model?: boolean;
  /** A root's parameter of this name that nothing gives is this size (implied by `model`): `ViT(image_size)`. */
  readonly parameter?: boolean;
  /** Only a layer's constructor parameter takes it (a root function's `size` is as often a benchmark's length). */
  readonly layerOnly?: boolean;
  /**
   * What a default of 0 leaves the layer that reads this size, for a size only meaningful above 0: a config's
   * `n_expert: int = 0` (a dense model) builds a mixture-of-experts layer with no experts and routes each token to
   * none, which prices nothing. Such a default takes the role's size instead, and the assumption says so.
   */
  readonly zero?: string;
}

/**
 * Sizes assumed for symbols that nothing else binds, by role. Batch and sequence are typical of training runs (a batch
 * of 8 sequences of 1,024 tokens, 224×224 images, 16-frame clips). Single letters `H`/`W` are left out on purpose: in
 * attention code `H` is as often the number of heads. A model's own sizes (its width, heads, depth, MLP width, patch,
 * classes) that no config, default or call site gives take those of the base transformer that ViT-B/16, BERT-base
 * and GPT-2 small share (width 768, 12 heads, 12 layers, MLP 3,072; Dosovitskiy et al. 2021 table 1, Devlin et al.
 * 2019, Radford et al. 2019), so an untouched published layer is priced at a size its readers know, and says so.
 */
const ROLE_DEFAULTS: readonly RoleDefault[] = [
  { role: 'batch', names: ['B', 'b', 'N', 'batch', 'batch_size', 'bsz', 'bs', 'n_batch'], size: 8 },
  {
    role: 'sequence',
    names: ['T', 't', 'S', 's', 'L', 'seq', 'seq_len', 'seqlen', 'sequence_length', 'n_ctx', 'context_length', 'num_tokens'],
    size: 1024,
  },
  // The prompt an inference driver prefills (gemma_pytorch's generate(): `min_prompt_len = min(len(p) for p in
  // prompt_tokens)`): as long as the default sequence, so that the prefill is the forward over T tokens.
  { role: 'prompt length', names: ['prompt_len', 'prompt_length', 'min_prompt_len', 'max_prompt_len'], size: 1024, why: 'a prompt as long as the default sequence T' },
  { role: 'image', names: ['height', 'width'], size: 224 },
  { role: 'image size', names: ['img_size', 'image_size'], size: 224, parameter: true },
  // The clip length of common video models (torchvision's R3D and S3D read 16 frames), for a Conv3d input's depth.
  { role: 'frames', names: ['frames'], size: 16 },
  // Where a forward's tokens start in the key/value cache (Meta's Llama `forward(tokens, start_pos)`): 0 is the
  // forward over a whole prompt, the one a cache-less reading of the code describes.
  { role: 'cache start', names: ['start_pos'], size: 0 },
  {
    role: 'model width',
    names: ['dim', 'embed_dim', 'embedding_dim', 'hidden_size', 'd_model', 'n_embd', 'model_dim'],
    size: 768,
    why: 'model width of ViT-B/16, BERT-base and GPT-2 small',
    model: true,
  },
  {
    role: 'attention heads',
    names: ['heads', 'num_heads', 'n_head', 'n_heads', 'nhead', 'num_attention_heads'],
    size: 12,
    why: 'heads of ViT-B/16, BERT-base and GPT-2 small',
    model: true,
  },
  {
    role: 'layers',
    names: ['depth', 'n_layer', 'n_layers', 'num_layers', 'num_hidden_layers'],
    size: 12,
    why: 'layers of ViT-B/16, BERT-base and GPT-2 small',
    model: true,
  },
  {
    role: 'MLP width',
    names: ['mlp_dim', 'intermediate_size', 'ffn_dim'],
    size: 3072,
    why: 'MLP width of ViT-B/16, BERT-base and GPT-2 small (4 × 768)',
    model: true,
  },
  // A layer's own `size` is the width it normalises or projects: litgpt's RMSNorm(size), the Annotated Transformer's
  // EncoderLayer(size, ...) and SublayerConnection(size, dropout).
  {
    role: 'layer width',
    names: ['size'],
    size: 768,
    why: 'model width of ViT-B/16, BERT-base and GPT-2 small',
    model: true,
    layerOnly: true,
  },
  { role: 'patch', names: ['patch_size'], size: 16, why: 'patch size of ViT-B/16', model: true },
  { role: 'classes', names: ['num_classes'], size: 1000, why: 'ImageNet-1k classes, as torchvision and timm classifiers', model: true },
  // A mixture-of-experts layer's router and expert list (litgpt's LLaMAMoE, Mixtral's sparse MoE block) at
  // Mixtral-8x7B's sizes: 8 experts, each token routed to 2 (Jiang et al. 2024, "Mixtral of Experts", section 2).
  {
    role: 'experts',
    names: ['n_expert', 'n_experts', 'num_experts', 'num_local_experts', 'n_routed_experts'],
    size: 8,
    why: 'the experts of Mixtral-8x7B',
    model: true,
    zero: 'which leaves this layer without experts',
  },
  {
    role: 'experts per token',
    names: ['n_expert_per_token', 'num_experts_per_tok', 'num_experts_per_token'],
    size: 2,
    why: 'the experts each token is routed to in Mixtral-8x7B',
    model: true,
    zero: 'which routes each token to no expert',
  },
];

const ROLE_OF_NAME: ReadonlyMap<string, RoleDefault> = new Map(ROLE_DEFAULTS.flatMap((entry) => entry.names.map((name) => [name, entry] as const)));

/** The default size of each name, by the role it usually has. */
export const DEFAULT_SIZES: Readonly<Record<string, number>> = Object.fromEntries([...ROLE_OF_NAME].filter(([, entry]) => !entry.layerOnly).map(([name, entry]) => [name, entry.size]));

/** The role default a symbol takes: its own name's, or that of its name without leading underscores. */
function roleDefault(symbol: string): RoleDefault | undefined {
  return ROLE_OF_NAME.get(symbol) ?? ROLE_OF_NAME.get(symbol.replace(/^_+/, ''));
}

/**
 * The default size of a symbol: its own entry, or that of its name without leading underscores, which Python uses
 * for a value it unpacks but does not read (`_bsz, seqlen = tokens.shape` in Meta's Llama).
 */
export function defaultSize(symbol: string): number | undefined {
  const entry = roleDefault(symbol);
  // A layer's `size` is a width only as its constructor's parameter (parameterDefault), not wherever the name appears.
  return entry?.layerOnly ? undefined : entry?.size;
}

/**
 * The default of a size for a root's parameter that nothing gives a value (`Attention(dim, num_heads=8)` analysed on
 * its own, `ViT(*, image_size, patch_size, ...)`): the size and the assumption's source, or undefined for a name of
 * no such role.
 */
export function parameterDefault(name: string, layer = false): { readonly size: number; readonly source: string } | undefined {
  const entry = ROLE_OF_NAME.get(name);
  if (entry?.layerOnly && !layer) return undefined;
  return entry?.model || entry?.parameter ? { size: entry.size, source: defaultSource(name) } : undefined;
}

/**
 * The size for a default of 0 (or below) that a size only meaningful above 0 takes (`Config.n_expert = 0` read by a
 * mixture-of-experts layer), with the assumption's source naming where the 0 came from, why it cannot be priced and how
 * to give the real size; undefined for a name of no such role.
 */
export function zeroDefault(name: string, value: number, from: string): { readonly size: number; readonly source: string } | undefined {
  const entry = ROLE_OF_NAME.get(name);
  if (!entry?.zero || value > 0) return undefined;
  return { size: entry.size, source: `${DEFAULT_SOURCE}: ${from} defaults to ${value}, ${entry.zero}; priced at ${entry.size} (${entry.why}); set --dims ${name}=N` };
}

/** The assumption's source for a symbol bound to its role's default: `default`, or `default: <why>` where one is said. */
export function defaultSource(symbol: string): string {
  const why = roleDefault(symbol)?.why;
  return why ? `${DEFAULT_SOURCE}: ${why}` : DEFAULT_SOURCE;
}

/** The symbols a graph's ops depend on: all of them, and those a tensor's shape or a repeat count uses. */
interface GraphSymbols {
  /** Shapes, attributes and repeat counts, in order of appearance. */
  readonly all: ReadonlySet<string>;
  /** Shapes and repeat counts only: a symbol only an attribute uses may be an axis (`dim` of a softmax), not a size. */
  readonly sizes: ReadonlySet<string>;
}

/**
 * The symbols of each graph already asked about. A graph is not changed once built, and the same graph is priced again
 * for another GPU, dtype or sizes (the what-if path) without re-extracting it.
 */
const SYMBOLS = new WeakMap<OpGraph, GraphSymbols>();

function symbolsOf(graph: OpGraph): GraphSymbols {
  let symbols = SYMBOLS.get(graph);
  if (!symbols) {
    symbols = collectSymbols(graph);
    SYMBOLS.set(graph, symbols);
  }
  return symbols;
}

/** The symbols every op of the graph depends on (shapes, attributes and repeat counts), in order of appearance. */
export function graphSymbols(graph: OpGraph): ReadonlySet<string> {
  return symbolsOf(graph).all;
}

function collectSymbols(graph: OpGraph): GraphSymbols {
  const all = new Set<string>();
  const sizes = new Set<string>();
  // A tensor's shape is shared by the op that writes it and every op that reads it: walked once, the first time,
  // which is also when its symbols first appear.
  const seen = new Set<readonly Dim[]>();
  for (const op of graph.ops) {
    for (const input of op.inputs) addShape(input.shape, all, sizes, seen);
    for (const output of op.outputs) addShape(output.shape, all, sizes, seen);
    for (const name in op.attrs) addAttr(op.attrs[name] as AttrValue, all);
    dimSymbols(op.repeat, all);
    dimSymbols(op.repeat, sizes);
  }
  return { all, sizes };
}

function addShape(shape: readonly Dim[] | null, all: Set<string>, sizes: Set<string>, seen: Set<readonly Dim[]>): void {
  if (shape === null || seen.has(shape)) return;
  seen.add(shape);
  for (const dim of shape) {
    if (dim.kind === 'num') continue;
    dimSymbols(dim, all);
    dimSymbols(dim, sizes);
  }
}

function addAttr(value: AttrValue, symbols: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) for (const d of value as readonly Dim[]) dimSymbols(d, symbols);
  else dimSymbols(value as Dim, symbols);
}

/**
 * Resolves every symbol the graph uses. Priority, highest first: the file's magic comments, the configs in the order
 * given (CLI `--dims`, settings, pyproject), bindings found in the code (among them a model size's default for a
 * parameter nothing gives, parameterDefault), then the defaults by role (ROLE_DEFAULTS). Assumptions list each
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
  const { all: used, sizes } = symbolsOf(graph);
  for (const binding of graph.codeBindings) {
    if (typeof binding.value !== 'number') continue;
    // A model size's default (parameterDefault) binds a size: a symbol only an attribute uses may be an axis.
    if (roleDefault(binding.symbol)?.model && binding.source === defaultSource(binding.symbol) && !sizes.has(binding.symbol)) continue;
    offer(binding.symbol, binding.value, binding.source);
  }

  for (const symbol of used) {
    const fallback = roleDefault(symbol);
    if (fallback && !fallback.model) offer(symbol, fallback.size, defaultSource(symbol));
  }

  const bindings = new Map<string, number>();
  for (const [symbol, assumption] of chosen) bindings.set(symbol, assumption.value as number);
  const magicSymbols = new Set(graph.magic.bindings.map((b) => b.symbol));
  const assumptions = [...chosen.values()].filter((a) => used.has(a.symbol) || magicSymbols.has(a.symbol));
  return { bindings, assumptions };
}

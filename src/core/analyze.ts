// The one entry point: text in, Analysis out. Serves the server, the CLI and the tests alike.
import { RootCacheMiss, type RootCache } from './frontends/pytorch/roots';
import type { IncrementalParser } from './parse/incremental';
import type { PythonParser } from './parse/parser';
import { evalShape } from './ir/dims';
import { GraphBuilder } from './ir/graph';
import type { Analysis, AnalysisNote, DType, Hardware, OpGraph, Severity } from './ir/types';
import { readMagicComments } from './shapes/magic';
import { extractPytorch, type GivenEntry, type GivenInput } from './frontends/pytorch';
import { graphSymbols, resolveBindings } from './shapes/bindings';
import { resolveHardware, type CustomGpu } from './cost/hardware';
import { priceGraph, type PriceMemo } from './cost/price';
import { summarize } from './cost/summary';
import { runRules } from './rules';

/** Sizes and settings from outside the file, each with the label shown to the user as its source. */
export interface ExternalConfig {
  readonly dims?: Readonly<Record<string, number>>;
  readonly dtype?: DType;
  readonly gpu?: string;
  /** `setting memwall.dims`, `pyproject.toml [tool.memwall]`, `--dims`. */
  readonly source: string;
  /** The user named these sizes for this analysis (`--dims`): a symbol no op uses is a note (MW905), never ignored silently. */
  readonly strict?: boolean;
}

export interface AnalyzeOptions {
  readonly parser: PythonParser;
  /** GPU id (`h100-sxm`); a magic comment `gpu=` in the file outranks it. Default `h100-sxm`. */
  readonly gpu?: string;
  /** Storage dtype for tensors whose dtype the code does not fix. Default `bf16`. */
  readonly dtype?: DType;
  /** Highest priority first: e.g. CLI `--dims`, then settings, then `[tool.memwall]`. */
  readonly configs?: readonly ExternalConfig[];
  readonly customGpus?: readonly CustomGpu[];
  /** Texts of workspace modules the file imports, by dotted module name (`model.layers`). */
  readonly modules?: ReadonlyMap<string, string>;
  /** Per-code severity overrides from settings; `off` silences a rule. */
  readonly severities?: Readonly<Record<string, Severity | 'off'>>;
  /** Files larger than this many characters are analysed in part, with a note (MW904). Default DEFAULT_MAX_CHARS. */
  readonly maxChars?: number;
  /** The roots to analyse (`--entry`, `memwall.entry`, `[tool.memwall] entry`): only these run. Default: every root. */
  readonly entries?: readonly GivenEntry[];
  /** Shapes of the entries' inputs (`--input x=[1,3,224,224]`), by parameter name; they outrank what the code says. */
  readonly inputs?: readonly GivenInput[];
  /**
   * Symbols the configs bind (`--dims n_kv_heads=8`): a config field of that name whose default is None or a sentinel
   * such as -1 becomes the symbol, so that the given size applies.
   */
  readonly boundSymbols?: readonly string[];
}

export const DEFAULT_GPU = 'h100-sxm';
export const DEFAULT_DTYPE: DType = 'bf16';
/**
 * Longer texts are analysed in part unless the caller says otherwise: about 12,000 lines of model code, far beyond a
 * hand-written model, while a generated file of megabytes would otherwise hold the server for many seconds.
 */
export const DEFAULT_MAX_CHARS = 500_000;

/** Statements that start at column 0 with a name or a decorator: a cut before one leaves no statement half-read. */
const TOP_LEVEL_START = /[A-Za-z_@]/;

/**
 * How much of a text longer than `maxChars` is analysed: up to the start of the last top-level statement that begins
 * within the limit, or the last line break when there is none (one enormous line), or nothing.
 */
export function analysedLength(text: string, maxChars: number): number {
  if (text.length <= maxChars) return text.length;
  let lastBreak = -1;
  for (let index = text.lastIndexOf('\n', maxChars - 1); index >= 0; index = text.lastIndexOf('\n', index - 1)) {
    if (lastBreak < 0) lastBreak = index + 1;
    if (TOP_LEVEL_START.test(text.charAt(index + 1))) return index + 1;
    if (index === 0) break;
  }
  return Math.max(0, lastBreak);
}

/** The note that says where the analysis stopped, placed on the first line left out so the editor shows it there. */
function partialNote(text: string, cut: number, maxChars: number): AnalysisNote {
  const startLine = (text.slice(0, cut).match(/\n/g) ?? []).length;
  const lineEnd = text.indexOf('\n', cut);
  const end = lineEnd < 0 ? text.length : lineEnd;
  return {
    code: 'MW904',
    message: `The file has ${text.length.toLocaleString('en-US')} characters, over the limit of ${maxChars.toLocaleString('en-US')} (setting memwall.maxFileSize): MemWall analysed its first ${startLine.toLocaleString('en-US')} lines only.`,
    span: { start: cut, end, startLine, startColumn: 0, endLine: startLine, endColumn: end - cut },
  };
}

export interface ExtractOptions extends Pick<AnalyzeOptions, 'parser' | 'modules' | 'maxChars' | 'entries' | 'inputs' | 'boundSymbols'> {
  /**
   * The file's dotted module name (`torchvision.models.mobilenetv2`), from which its relative imports are resolved as
   * Python resolves them; without it `.layers` is the top-level `layers`.
   */
  readonly moduleName?: string;
  /** Modules of `modules` (and the file itself) that are packages (`__init__.py`): `.x` in package `a.b` is `a.b.x`. */
  readonly packages?: ReadonlySet<string>;
  /** Notes from the host about the file (imported modules it left unread, and why), added to the graph's. */
  readonly notes?: readonly AnalysisNote[];
  /**
   * Where the caller keeps the previous version's tree (the server, one per open document): the text is then
   * re-parsed incrementally, and the tree is left to the caller rather than deleted.
   */
  readonly incremental?: IncrementalParser;
  /** The document's PyTorch roots from its previous analysis: roots whose code did not change are not run again. */
  readonly roots?: RootCache;
}

/** Parses the text and runs the frontends: the part of the analysis that does not depend on GPU, dtype or sizes. */
export function extract(text: string, options: ExtractOptions): OpGraph {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const cut = analysedLength(text, maxChars);
  // Offsets in the analysed prefix are offsets in the whole text, so spans need no shifting.
  const analysed = cut < text.length ? text.slice(0, cut) : text;
  const tree = options.incremental ? options.incremental.parse(analysed) : options.parser.parse(analysed);
  const magic = readMagicComments(analysed);
  const build = (): OpGraph => {
    const builder = new GraphBuilder();
    if (cut < text.length) builder.notes.push(partialNote(text, cut, maxChars));
    builder.notes.push(...(options.notes ?? []));
    if (tree.rootNode.hasError) {
      builder.notes.push({
        code: 'MW902',
        message: 'The file has syntax errors; MemWall analysed what it could parse.',
      });
    }
    extractPytorch(tree, analysed, builder, {
      modules: options.modules ?? new Map(),
      parser: options.parser,
      magic,
      roots: options.roots,
      entries: options.entries,
      inputs: options.inputs,
      boundSymbols: options.boundSymbols,
      ...(options.moduleName !== undefined ? { moduleName: options.moduleName } : {}),
      ...(options.packages ? { packages: options.packages } : {}),
    });
    return builder.build(magic);
  };
  try {
    try {
      return build();
    } catch (error) {
      // A root had to run without what a reused root would have built for it: run every root (rare, see roots.ts).
      if (!(error instanceof RootCacheMiss) || !options.roots) throw error;
      options.roots.clear();
      return build();
    }
  } finally {
    if (!options.incremental) tree.delete();
  }
}

/** What pricing reads: the analysis options that do not extract, and the document's previous prices (the server's). */
export type PriceOptions = Omit<AnalyzeOptions, 'parser' | 'modules' | 'entries' | 'inputs' | 'boundSymbols'> & { readonly prices?: PriceMemo };

/** Prices an extracted graph for a GPU, dtype and sizes, and runs the rules: the what-if path, no re-parsing. */
export function price(graph: OpGraph, text: string, options: PriceOptions): Analysis {
  const configs = options.configs ?? [];
  const gpuId = graph.magic.gpu ?? options.gpu ?? configs.find((c) => c.gpu)?.gpu ?? DEFAULT_GPU;
  const dtype = graph.magic.dtype ?? options.dtype ?? configs.find((c) => c.dtype)?.dtype ?? DEFAULT_DTYPE;
  const hardware: Hardware = resolveHardware(gpuId, options.customGpus ?? []);
  const { bindings, assumptions } = resolveBindings(graph, configs, hardware);
  const costs = priceGraph(graph, hardware, dtype, bindings, options.prices);
  const summary = summarize(graph, costs);
  const findings = runRules({ graph, costs, hardware, dtype, bindings, summary, text, severities: options.severities ?? {} });
  const inputs = graph.inputs.map((input) => ({ ...input, sizes: evalShape(input.shape, bindings) ?? null }));
  const unused = unusedSizes(graph, configs);
  return { graph, hardware, dtype, costs, findings, assumptions, summary, notes: unused.length ? [...graph.notes, ...unused] : graph.notes, inputs };
}

/** The sizes the user named for this analysis (`--dims`) that no op uses: each is a note, never a silent no-op. */
function unusedSizes(graph: OpGraph, configs: readonly ExternalConfig[]): AnalysisNote[] {
  const used = graphSymbols(graph);
  const notes: AnalysisNote[] = [];
  for (const config of configs) {
    if (!config.strict) continue;
    for (const [symbol, value] of Object.entries(config.dims ?? {})) {
      if (used.has(symbol)) continue;
      notes.push({
        code: 'MW905',
        message: `${config.source} ${symbol}=${value}: no op here has a size named ${symbol} (the sizes used are ${[...used].slice(0, 12).join(', ') || 'none'}).`,
        override: { kind: 'dims', name: symbol, source: config.source },
      });
    }
  }
  return notes;
}

export function analyze(text: string, options: AnalyzeOptions): Analysis {
  return price(extract(text, options), text, options);
}

// The one entry point: text in, Analysis out. Serves the server, the CLI and the tests alike.
import type { PythonParser } from './parse/parser';
import { GraphBuilder } from './ir/graph';
import type { Analysis, DType, Hardware, OpGraph, Severity } from './ir/types';
import { readMagicComments } from './shapes/magic';
import { extractPytorch } from './frontends/pytorch';
import { extractTriton } from './frontends/triton';
import { resolveBindings } from './shapes/bindings';
import { resolveHardware, type CustomGpu } from './cost/hardware';
import { priceGraph } from './cost/price';
import { summarize } from './cost/summary';
import { runRules } from './rules';

/** Sizes and settings from outside the file, each with the label shown to the user as its source. */
export interface ExternalConfig {
  readonly dims?: Readonly<Record<string, number>>;
  readonly dtype?: DType;
  readonly gpu?: string;
  /** `setting memwall.dims`, `pyproject.toml [tool.memwall]`, `--dims`. */
  readonly source: string;
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
  /** Files larger than this many characters are analysed in part, with a note. */
  readonly maxChars?: number;
}

export const DEFAULT_GPU = 'h100-sxm';
export const DEFAULT_DTYPE: DType = 'bf16';

/** Parses the text and runs the frontends: the part of the analysis that does not depend on GPU, dtype or sizes. */
export function extract(text: string, options: Pick<AnalyzeOptions, 'parser' | 'modules'>): OpGraph {
  const tree = options.parser.parse(text);
  try {
    const builder = new GraphBuilder();
    if (tree.rootNode.hasError) {
      builder.notes.push({
        code: 'MW902',
        message: 'The file has syntax errors; MemWall analysed what it could parse.',
      });
    }
    extractPytorch(tree, text, builder, { modules: options.modules ?? new Map(), parser: options.parser });
    extractTriton(tree, text, builder);
    return builder.build(readMagicComments(text));
  } finally {
    tree.delete();
  }
}

/** Prices an extracted graph for a GPU, dtype and sizes, and runs the rules: the what-if path, no re-parsing. */
export function price(graph: OpGraph, text: string, options: Omit<AnalyzeOptions, 'parser' | 'modules'>): Analysis {
  const configs = options.configs ?? [];
  const gpuId = graph.magic.gpu ?? options.gpu ?? configs.find((c) => c.gpu)?.gpu ?? DEFAULT_GPU;
  const dtype = graph.magic.dtype ?? options.dtype ?? configs.find((c) => c.dtype)?.dtype ?? DEFAULT_DTYPE;
  const hardware: Hardware = resolveHardware(gpuId, options.customGpus ?? []);
  const { bindings, assumptions } = resolveBindings(graph, configs);
  const costs = priceGraph(graph, hardware, dtype, bindings);
  const summary = summarize(graph, costs);
  const findings = runRules({ graph, costs, hardware, dtype, bindings, summary, text, severities: options.severities ?? {} });
  return { graph, hardware, dtype, costs, findings, assumptions, summary, notes: graph.notes };
}

export function analyze(text: string, options: AnalyzeOptions): Analysis {
  return price(extract(text, options), text, options);
}

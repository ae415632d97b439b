// The analysis service the CLI and the language server share (as pyright's CLI and language server share one): it
// owns the file set, configuration precedence, import resolution and the cached, overlay-aware view of the files, and
// runs the pure core on what it gathered.
import path from 'node:path';
import { extract, price, type ExtractOptions } from '../core/analyze';
import { resolveHardware } from '../core/cost/hardware';
import type { RootCache } from '../core/frontends/pytorch/roots';
import type { PriceMemo } from '../core/cost/price';
import type { Analysis, AnalysisNote, OpGraph } from '../core/ir/types';
import { IncrementalParser } from '../core/parse/incremental';
import type { PythonParser } from '../core/parse/parser';
import { extractOptions, pricingOptions, pyprojectLayer, resolveConfiguration, type Configuration, type SettingsLayer } from './configuration';
import { findEnvironment, type PythonEnvironment } from './environment';
import { FileView } from './file-view';
import { DEFAULT_READ_LIMITS, ImportResolver, type CutModule, type ModuleName, type ModuleSet, type ReadLimits, type SearchRoot } from './imports';
import { ProjectConfigs, type ProjectConfig } from './project';
import { collectPythonFiles, type WalkResult } from './walk';

/** A mistake in the user's configuration (a broken pyproject.toml, an unknown GPU, a missing interpreter), named where it is. */
export class ConfigurationError extends Error {}

/** What one analysis needs. */
export interface AnalysisRequest {
  /** The file on disk the text belongs to: imports and pyproject.toml are found from it. Absent for unsaved buffers. */
  readonly file?: string;
  readonly text: string;
  /** Layers above [tool.memwall], highest first: the command line; or the what-if, the editor's settings, the Python extension's interpreter. */
  readonly layers: readonly SettingsLayer[];
  /** What an open document keeps between versions: the previous tree, the roots whose code did not change, their prices. */
  readonly state?: { readonly incremental: IncrementalParser; readonly roots: RootCache; readonly prices?: PriceMemo };
  readonly maxChars?: number;
  /** The workspace folder: the search for pyproject.toml stops there. */
  readonly stopAt?: string;
  /**
   * The CLI's choice: configuration mistakes throw a ConfigurationError. Otherwise (the server) they become warnings
   * and the analysis goes on without the broken part.
   */
  readonly strict?: boolean;
}

export interface AnalysisResult {
  readonly graph: OpGraph;
  /** Absent when pricing failed (not in strict mode): `pricingError` says why. */
  readonly analysis?: Analysis;
  readonly pricingError?: string;
  /** Every layer, [tool.memwall] included: a what-if re-prices the graph with one more on top. */
  readonly layers: readonly SettingsLayer[];
  readonly configuration: Configuration;
  readonly project: ProjectConfig;
  /** Files read for the analysis besides its own: a change to one of them makes the analysis stale. */
  readonly dependencies: readonly string[];
  /** Configuration problems the analysis went on without, as sentences for the user. */
  readonly warnings: readonly string[];
  /** Where the time went, for the server's log. */
  readonly timing: string;
}

const ms = (from: number, to: number): string => `${(to - from).toFixed(1)} ms`;

/** Folders named like an environment's packages folder are installed code wherever they sit. */
const PACKAGES_FOLDERS: ReadonlySet<string> = new Set(['site-packages', 'dist-packages']);

export class AnalysisService {
  readonly files: FileView;
  private readonly projects: ProjectConfigs;
  private readonly resolver: ImportResolver;
  private readonly environments = new Map<string, Promise<PythonEnvironment>>();
  /** The editor's workspace folders: absolute imports are also looked up from them. */
  workspaceRoots: readonly string[] = [];

  constructor(
    private readonly parser: PythonParser,
    options: { readonly files?: FileView; readonly limits?: ReadLimits } = {},
  ) {
    this.files = options.files ?? new FileView();
    this.projects = new ProjectConfigs(this.files);
    this.resolver = new ImportResolver(this.files, parser);
    this.limits = options.limits ?? DEFAULT_READ_LIMITS;
  }

  private readonly limits: ReadLimits;

  /** The file set: the Python files under the paths named, the same walk for the CLI and the workspace report. */
  walk(paths: readonly string[], cwd?: string): Promise<WalkResult> {
    return collectPythonFiles(paths, cwd);
  }

  /** Files changed on disk (the file watcher): their texts, listings and anything derived are read again. */
  changed(files: readonly string[]): void {
    for (const file of files) this.files.invalidate(file);
    // A packages folder may have gained a module (a `pip install` in the environment's own pyvenv.cfg folder is not
    // watched, but a change to pyvenv.cfg is); environments are cheap to find again.
    if (files.some((file) => path.basename(file) === 'pyvenv.cfg')) this.environments.clear();
  }

  /** The configuration of a file: the caller's layers over its pyproject.toml's [tool.memwall]. */
  async configure(request: Pick<AnalysisRequest, 'file' | 'layers' | 'stopAt' | 'strict'>, warnings: string[]): Promise<{ project: ProjectConfig; layers: SettingsLayer[]; configuration: Configuration }> {
    let project: ProjectConfig = {};
    if (request.file) {
      try {
        project = await this.projects.forFile(request.file, request.stopAt);
      } catch (error) {
        if (request.strict) throw new ConfigurationError((error as Error).message, { cause: error });
        warnings.push(`MemWall ignored ${(error as Error).message}`);
      }
    }
    const layers = [...request.layers];
    if (project.config && project.root) layers.push(pyprojectLayer(project.config, project.root, project.pyprojectPath ? path.relative(process.cwd(), project.pyprojectPath) || 'pyproject.toml' : undefined));
    return { project, layers, configuration: resolveConfiguration(layers) };
  }

  /** The Python environment the configuration names, found once per name (never run). */
  environment(configuration: Configuration): Promise<PythonEnvironment> | undefined {
    const python = configuration.python;
    if (!python) return undefined;
    const key = `${python.folder ?? ''}\0${python.value}`;
    let found = this.environments.get(key);
    if (!found) {
      found = findEnvironment(python.value, python.source, this.files, python.folder);
      this.environments.set(key, found);
    }
    return found;
  }

  /** The folders imports of a file are looked up in, in Python's order: its own package root, the project, the environment. */
  async searchRoots(name: ModuleName, project: ProjectConfig, environment: PythonEnvironment | undefined): Promise<SearchRoot[]> {
    const installed = new Set(environment?.sitePackages ?? []);
    const roots: SearchRoot[] = [];
    const add = (folder: string): void => {
      const absolute = path.resolve(folder);
      if (!roots.some((root) => root.folder === absolute)) {
        roots.push({ folder: absolute, installed: installed.has(absolute) || PACKAGES_FOLDERS.has(path.basename(absolute)) });
      }
    };
    add(name.packageRoot);
    for (const root of [...(project.root ? [project.root] : []), ...this.workspaceRoots]) {
      add(root);
      // A `src/` layout: the package lives in src/, which is not itself a package.
      const src = path.join(root, 'src');
      if ((await this.files.has(root, 'src', 'folder')) && !(await this.files.has(src, '__init__.py', 'file'))) add(src);
    }
    for (const site of environment?.sitePackages ?? []) add(site);
    return roots;
  }

  /** The modules an analysis of `file` reads, and its own dotted name. */
  async modulesFor(file: string, text: string, tree: ExtractTree, project: ProjectConfig, configuration: Configuration, warnings: string[], strict = false): Promise<{ name: ModuleName; modules: ModuleSet }> {
    let environment: PythonEnvironment | undefined;
    const finding = this.environment(configuration);
    if (finding) {
      environment = await finding;
      if (environment.problem) {
        if (strict) throw new ConfigurationError(environment.problem);
        warnings.push(`MemWall reads no installed packages: ${environment.problem}`);
      }
    }
    // A notebook is run as `__main__` from its folder; a Python file is named from the packages it sits in.
    const name = path.extname(file) === '.py' ? await this.resolver.moduleNameOf(file) : { name: '__main__', isPackage: false, packageRoot: path.dirname(file) };
    const roots = await this.searchRoots(name, project, environment);
    const modules = await this.resolver.read({ name, text, ...(tree ? { tree } : {}) }, roots, this.limits);
    return { name, modules };
  }

  /** Analyses one text: configuration, imports, extract, price and rules. */
  async analyse(request: AnalysisRequest): Promise<AnalysisResult> {
    const started = performance.now();
    const warnings: string[] = [];
    const { project, layers, configuration } = await this.configure(request, warnings);
    // One parse serves the import scan and the analysis: an open document's kept tree, else one for this analysis only.
    const incremental = request.state?.incremental ?? new IncrementalParser(this.parser);
    let graph: OpGraph;
    let module: { name: ModuleName; modules: ModuleSet } | undefined;
    let extractStarted: number;
    try {
      const tree = incremental.parse(request.text);
      if (request.file) module = await this.modulesFor(request.file, request.text, tree, project, configuration, warnings, request.strict);
      extractStarted = performance.now();
      const options: ExtractOptions = {
        parser: this.parser,
        incremental,
        ...(request.state ? { roots: request.state.roots } : {}),
        ...(module
          ? { modules: module.modules.modules, moduleName: module.name.name, packages: module.modules.packages, notes: cutNotes(module.modules, this.limits, request.text) }
          : {}),
        ...(request.maxChars !== undefined ? { maxChars: request.maxChars } : {}),
        ...extractOptions(configuration),
      };
      graph = extract(request.text, options);
    } finally {
      if (!request.state) incremental.dispose();
    }
    const priceStarted = performance.now();
    if (request.strict) {
      // An unknown GPU id is the user's mistake wherever it is written: say where. The magic comment outranks the rest.
      const [gpu, where] = graph.magic.gpu !== undefined ? [graph.magic.gpu, 'magic comment gpu='] : [configuration.gpu.value, configuration.gpu.source];
      try {
        resolveHardware(gpu, configuration.customGpus);
      } catch (error) {
        throw new ConfigurationError(`${where}: ${(error as Error).message}`, { cause: error });
      }
    }
    let analysis: Analysis | undefined;
    let pricingError: string | undefined;
    try {
      analysis = price(graph, request.text, { ...pricingOptions(configuration), ...(request.state?.prices ? { prices: request.state.prices } : {}) });
    } catch (error) {
      if (request.strict) throw error;
      pricingError = (error as Error).message;
    }
    const roots = request.state?.roots;
    const reuse = roots ? ` (${roots.reused} of ${roots.reused + roots.ran} roots reused)` : '';
    const read = module ? `, ${module.modules.files.length} modules read` : '';
    const prices = request.state?.prices;
    const pricesReused = prices && analysis ? ` (${prices.reused} of ${prices.reused + prices.priced} prices reused)` : '';
    const timing = `settings and imports ${ms(started, extractStarted)}${read}, extract ${ms(extractStarted, priceStarted)}${reuse}, price and rules ${ms(priceStarted, performance.now())}${pricesReused}`;
    return {
      graph,
      ...(analysis ? { analysis } : { pricingError: pricingError ?? 'no analysis' }),
      layers,
      configuration,
      project,
      dependencies: module?.modules.files ?? [],
      warnings,
      timing,
    };
  }

  /** Prices a graph again with other layers (the roofline panel's what-if): no parsing, no reading. */
  reprice(graph: OpGraph, text: string, layers: readonly SettingsLayer[]): Analysis {
    return price(graph, text, pricingOptions(resolveConfiguration(layers)));
  }
}

type ExtractTree = ReturnType<IncrementalParser['parse']> | undefined;

/** The note on an import whose modules a read limit left out (MW905 to MW907 are the frontend's notes). */
export const UNREAD_IMPORT_NOTE = 'MW908';

const REASONS: Readonly<Record<CutModule['reason'], (limits: ReadLimits) => string>> = {
  'installed files': (limits) => `MemWall reads at most ${limits.maxInstalledFiles} modules of installed packages for one file`,
  'installed characters': (limits) => `MemWall reads at most ${limits.maxInstalledChars.toLocaleString('en-US')} characters of installed packages for one file`,
  'workspace files': (limits) => `MemWall reads at most ${limits.maxFiles} workspace modules for one file`,
  'module too long': (limits) => `a module longer than ${limits.maxChars.toLocaleString('en-US')} characters is not read`,
};

/**
 * MW908 notes on the modules a limit left unread, so that nobody mistakes what they define for unpriced code: one per
 * import statement of the file (placed on it), and one for the file for modules further down the imports.
 */
function cutNotes(modules: ModuleSet, limits: ReadLimits, text: string): AnalysisNote[] {
  if (modules.cut.length === 0) return [];
  const groups = new Map<string, CutModule[]>();
  for (const cut of modules.cut) {
    const key = cut.statement ? `${cut.statement.start}:${cut.statement.end}` : '';
    groups.set(key, [...(groups.get(key) ?? []), cut]);
  }
  const notes: AnalysisNote[] = [];
  for (const [key, cuts] of groups) {
    const names = cuts.map((cut) => cut.module);
    const shown = names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ');
    const reasons = [...new Set(cuts.map((cut) => REASONS[cut.reason](limits)))].join('; ');
    const message = `Not read: ${shown} (${reasons}; read ${modules.installedFiles} installed modules, ${modules.installedChars.toLocaleString('en-US')} characters). What ${names.length === 1 ? 'it defines' : 'they define'} is not priced from source.`;
    const statement = cuts[0]!.statement;
    if (key && statement) {
      const startLine = lineOf(text, statement.start);
      const endLine = lineOf(text, statement.end);
      notes.push({
        code: UNREAD_IMPORT_NOTE,
        message,
        span: { ...statement, startLine, endLine, startColumn: statement.start - lineStart(text, statement.start), endColumn: statement.end - lineStart(text, statement.end) },
      });
    } else {
      notes.push({ code: UNREAD_IMPORT_NOTE, message });
    }
  }
  return notes;
}

const lineOf = (text: string, offset: number): number => (text.slice(0, offset).match(/\n/g) ?? []).length;
const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;

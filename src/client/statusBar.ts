// The status bar item "H100 SXM · bf16 · B=8 T=1024": what the active file is priced for; a click offers to change it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GPUS_REQUEST, ROOFLINE_REQUEST, type AnalyzedParams, type GpusResult, type RooflineResult } from '../protocol';
import type { ServerLink } from './link';

/**
 * Symbols shown first, in this order: batch and sequence sizes are the ones users change most, by the names published
 * code unpacks them into (`B, T, C = x.size()`, nanoGPT's `b, t = idx.size()`, Meta Llama's `_bsz, seqlen`).
 */
const MAIN_SYMBOLS = ['B', 'T', 'b', 't', 'bsz', '_bsz', 'seqlen', 'batch_size', 'seq_len', 'block_size', 'S', 'L', 'N'];
/** At most this many sizes in the text; the tooltip lists all of them. */
const SHOWN_SIZES = 3;

interface Assumption {
  readonly symbol: string;
  readonly value: number | string;
  readonly source: string;
}

/** The sizes worth showing: set by the user first, then the main symbols, then the rest, as `B=8 T=1024`. */
export function mainSizes(assumptions: readonly Assumption[], userDims: Readonly<Record<string, number>>): string {
  const rank = (assumption: Assumption): number => {
    if (assumption.symbol in userDims) return -1;
    const main = MAIN_SYMBOLS.indexOf(assumption.symbol);
    return main >= 0 ? main : MAIN_SYMBOLS.length;
  };
  const numeric = assumptions.filter((assumption) => typeof assumption.value === 'number');
  return [...numeric].sort((a, b) => rank(a) - rank(b)).slice(0, SHOWN_SIZES).map((a) => `${a.symbol}=${a.value}`).join(' ');
}

/** The Python file last active: a preview, panel or output view in front keeps the item on the file behind it. */
let lastPythonUri: string | undefined;
const pythonUri = (): string | undefined => {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return lastPythonUri;
  lastPythonUri = editor.document.languageId === 'python' ? editor.document.uri.toString() : undefined;
  return lastPythonUri;
};

export class GpuStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('memwall.gpu', vscode.StatusBarAlignment.Right, 100);
  private readonly listeners: vscode.Disposable[];
  /** GPU id → display name, from the server's table (which includes the user's custom GPUs). */
  private names = new Map<string, string>();
  /** What the active file's analysis was priced for (magic comments and pyproject.toml included). */
  private priced: { gpu: string; dtype: string; sizes: string; tooltip: string } | undefined;

  private readonly client: LanguageClient;

  constructor(link: ServerLink) {
    this.client = link.client;
    this.item.name = 'MemWall GPU, dtype and sizes';
    this.item.command = 'memwall.changeSettings';
    this.listeners = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('memwall')) void this.refresh();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => void this.refreshFile()),
      link.onDidAnalyze((params: AnalyzedParams) => {
        if (params.uri !== pythonUri()) return;
        if (params.priced) this.show(params.priced);
        else void this.refreshFile();
      }),
    ];
    this.update();
    this.item.show();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    try {
      const { gpus } = await this.client.sendRequest<GpusResult>(GPUS_REQUEST, {});
      this.names = new Map(gpus.map((gpu) => [gpu.id, gpu.name]));
    } catch {
      // The id is shown until the server answers.
    }
    await this.refreshFile();
  }

  /** Reads what the active file is priced for from its analysis; settings alone when no Python file is active. */
  private async refreshFile(): Promise<void> {
    const uri = pythonUri();
    this.priced = undefined;
    if (uri) {
      try {
        const { chart } = await this.client.sendRequest<RooflineResult>(ROOFLINE_REQUEST, { uri });
        if (chart && uri === pythonUri()) {
          this.show({ gpu: chart.gpu.name, dtype: chart.dtype, assumptions: chart.assumptions });
          return;
        }
      } catch {
        // Settings are shown until the server answers.
      }
    }
    this.update();
  }

  /** Shows what the active file's analysis was priced for. */
  private show(priced: NonNullable<AnalyzedParams['priced']>): void {
    const dims = vscode.workspace.getConfiguration('memwall').get<Record<string, number>>('dims', {});
    this.priced = {
      gpu: priced.gpu,
      dtype: priced.dtype,
      sizes: mainSizes(priced.assumptions, dims),
      tooltip: priced.assumptions.map((a) => `${a.symbol}=${a.value} (${a.source})`).join('\n'),
    };
    this.update();
  }

  private update(): void {
    const config = vscode.workspace.getConfiguration('memwall');
    const gpu = this.priced?.gpu ?? this.names.get(config.get<string>('gpu', 'h100-sxm')) ?? config.get<string>('gpu', 'h100-sxm');
    const dtype = this.priced?.dtype ?? config.get<string>('dtype', 'bf16');
    const sizes = this.priced?.sizes ? ` · ${this.priced.sizes}` : '';
    this.item.text = `$(pulse) ${gpu} · ${dtype}${sizes}`;
    this.item.tooltip = `MemWall prices ops for ${gpu} in ${dtype}.${this.priced?.tooltip ? `\n${this.priced.tooltip}` : ''}\nClick to change the GPU, dtype or sizes.`;
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  dispose(): void {
    for (const listener of this.listeners) listener.dispose();
    this.item.dispose();
  }
}

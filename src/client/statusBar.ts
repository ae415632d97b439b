// The status bar item "H100 SXM · bf16": the GPU and dtype MemWall prices for; a click opens Select GPU.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { GPUS_REQUEST, type GpusResult } from '../protocol';

export class GpuStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('memwall.gpu', vscode.StatusBarAlignment.Right, 100);
  private readonly listener: vscode.Disposable;
  /** GPU id → display name, from the server's table (which includes the user's custom GPUs). */
  private names = new Map<string, string>();

  constructor(private readonly client: LanguageClient) {
    this.item.name = 'MemWall GPU';
    this.item.command = 'memwall.selectGpu';
    this.listener = vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('memwall')) void this.refresh();
    });
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
    this.update();
  }

  private update(): void {
    const config = vscode.workspace.getConfiguration('memwall');
    const gpu = config.get<string>('gpu', 'h100-sxm');
    const dtype = config.get<string>('dtype', 'bf16');
    const name = this.names.get(gpu) ?? gpu;
    this.item.text = `$(pulse) ${name} · ${dtype}`;
    this.item.tooltip = `MemWall prices ops for ${name} in ${dtype}. Click to select another GPU.`;
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}

// Restarts a crashed language server a limited number of times, and tells the user once rather than in a loop.
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, type CloseHandlerResult, type ErrorHandler, type ErrorHandlerResult } from 'vscode-languageclient/node';

/** The same budget as vscode-languageclient's default: 4 restarts within 3 minutes, then the server stays down. */
export const MAX_RESTARTS = 4;
const WINDOW_MS = 3 * 60 * 1000;

export class RestartPolicy implements ErrorHandler {
  private readonly restarts: number[] = [];
  private announced = false;

  constructor(private readonly now: () => number = Date.now, private readonly notify: (message: string) => void = (message) => void vscode.window.showWarningMessage(message)) {}

  error(_error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    // A few broken messages in a row are survivable; a stream of them means the connection is gone.
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = this.now();
    while (this.restarts.length > 0 && now - (this.restarts[0] as number) > WINDOW_MS) this.restarts.shift();
    if (this.restarts.length >= MAX_RESTARTS) {
      this.notify(`MemWall's analysis server stopped ${MAX_RESTARTS + 1} times in 3 minutes and will not be restarted. Run "Developer: Reload Window" to try again, and see the "MemWall" output for the cause.`);
      return { action: CloseAction.DoNotRestart, handled: true };
    }
    this.restarts.push(now);
    if (!this.announced) {
      this.announced = true;
      this.notify('MemWall\'s analysis server stopped unexpectedly and was restarted. If it keeps happening, see the "MemWall" output.');
    }
    return { action: CloseAction.Restart, handled: true };
  }
}

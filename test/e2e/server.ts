// Starts and stops the VS Code server that code-server ships (server-main.js), in its own process group.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export interface VscodeServer {
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** Node 24 binary: code-server's VS Code needs it. */
  node: string;
  /** code-server's lib/vscode folder. */
  vscodeDir: string;
  /** A fresh folder for this run: server data, user data, extensions, logs. */
  runDir: string;
  /** Extra environment for the server; the extension host it spawns inherits it. */
  env: NodeJS.ProcessEnv;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the VS Code server exited with code ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the VS Code server did not answer ${url} within ${timeoutMs} ms`);
}

/**
 * Starts server-main.js directly, because the `code-server` command rejects --enable-smoke-test-driver, which the
 * workbench needs to hand the suite's exit code to the page. `detached` makes the server a process-group leader
 * (setsid), so stop() can signal the whole group: killing the leader alone leaves file-watcher children behind.
 */
export async function startVscodeServer(options: ServerOptions): Promise<VscodeServer> {
  const port = await freePort();
  const logFile = path.join(options.runDir, 'server.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    options.node,
    [
      path.join(options.vscodeDir, 'out', 'server-main.js'),
      '--host', '127.0.0.1',
      '--port', String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--enable-smoke-test-driver',
      '--disable-telemetry',
      '--reconnection-grace-time', '5',
      '--server-data-dir', path.join(options.runDir, 'server-data'),
      '--user-data-dir', path.join(options.runDir, 'user-data'),
      '--extensions-dir', path.join(options.runDir, 'extensions'),
    ],
    { detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...options.env } },
  );
  fs.closeSync(log);
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.pid === undefined) return;
    const group = -child.pid;
    const signal = (name: NodeJS.Signals | 0): boolean => {
      try {
        process.kill(group, name);
        return true;
      } catch {
        return false; // The group is already gone.
      }
    };
    if (!signal('SIGTERM')) return;
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && signal(0)) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    signal('SIGKILL');
  };
  try {
    await waitForHttp(`${url}/version`, child, 60_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, logFile, stop };
}

// Opens the VS Code web workbench in headless Debian Chromium (playwright-core), with a development extension loaded.
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.MEMWALL_E2E_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** A path on the server as the web workbench names it: the authority must be the literal `remote`. */
function remoteUri(absolutePath: string): string {
  return `vscode-remote://remote${absolutePath.split(path.sep).join('/')}`;
}

export interface WorkbenchOptions {
  serverUrl: string;
  workspace: string;
  extensionPath: string;
  /** Set to run an extension-host suite; its module is loaded as extensionTestsPath. */
  testsPath?: string;
}

export function workbenchUrl(options: WorkbenchOptions): string {
  const payload: [string, string][] = [
    ['extensionDevelopmentPath', remoteUri(options.extensionPath)],
    ['skipWelcome', 'true'],
  ];
  if (options.testsPath) payload.push(['extensionTestsPath', remoteUri(options.testsPath)]);
  return `${options.serverUrl}/?folder=${encodeURIComponent(options.workspace)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface SuiteRun {
  exitCode: number;
  log: string[];
}

/**
 * Runs the extension-host suite the way VS Code runs its own web integration tests: with --enable-smoke-test-driver
 * the workbench calls window.codeAutomationExit(code) when the suite ends, and codeAutomationLog with its output.
 */
export async function runSuiteInWorkbench(browser: Browser, options: WorkbenchOptions, timeoutMs: number): Promise<SuiteRun> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const log: string[] = [];
  let finish: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (finish = resolve));
  await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
    log.push(`[${type}] ${Array.isArray(args) ? args.map(String).join(' ') : String(args)}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: number) => finish(code));
  await page.goto(workbenchUrl(options), { waitUntil: 'domcontentloaded', timeout: 120_000 });
  const timeout = new Promise<number>((resolve) => setTimeout(() => resolve(-1), timeoutMs));
  const exitCode = await Promise.race([exited, timeout]);
  await context.close();
  if (exitCode === -1) log.push(`[harness] the suite did not finish within ${timeoutMs} ms`);
  return { exitCode, log };
}

/** A fresh browser context showing the workbench with the extension loaded, ready for UI checks. */
export async function openWorkbench(browser: Browser, options: WorkbenchOptions): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(workbenchUrl(options), { waitUntil: 'domcontentloaded', timeout: 120_000 });
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  // The explorer's rows appear once the remote file system answers; an empty workspace has none, so the view is enough.
  await page.locator('.explorer-folders-view').waitFor({ timeout: 60_000 });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 10_000 }).catch(() => undefined);
  return { context, page };
}

// The Playwright UI pass: checks in the real workbench what the VS Code API cannot show, and screenshots each state.
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openWorkbench, type WorkbenchOptions } from './workbench';

export interface UiOutcome {
  name: string;
  ok: boolean;
  detail?: string;
  screenshot?: string;
}

interface UiCheck {
  name: string;
  /** Screenshot file name (without folder) taken after the check, pass or fail. */
  screenshot: string;
  /** Throws when the check fails; returns a short note of what it saw. */
  run(page: Page): Promise<string | void>;
}

const EXAMPLE = 'gpt_block.py';

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active:has-text("${name}")`).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-line').first().waitFor();
}

const CHECKS: UiCheck[] = [
  {
    name: `open ${EXAMPLE} in the editor`,
    screenshot: '01-opened.png',
    async run(page) {
      await openFile(page, EXAMPLE);
    },
  },
];

export async function runUiPass(browser: Browser, options: WorkbenchOptions, screenshots: string): Promise<UiOutcome[]> {
  const outcomes: UiOutcome[] = [];
  let opened: Awaited<ReturnType<typeof openWorkbench>>;
  try {
    opened = await openWorkbench(browser, options);
  } catch (error) {
    return [{ name: 'the workbench loads', ok: false, detail: String((error as Error).message ?? error).split('\n')[0] }];
  }
  const { context, page } = opened;
  try {
    await page.screenshot({ path: path.join(screenshots, '00-workbench.png') });
    for (const check of CHECKS) {
      const screenshot = path.join(screenshots, check.screenshot);
      try {
        const detail = await check.run(page);
        outcomes.push({ name: check.name, ok: true, detail: detail || undefined, screenshot });
      } catch (error) {
        outcomes.push({ name: check.name, ok: false, detail: String((error as Error).message ?? error).split('\n')[0], screenshot });
      }
      await page.screenshot({ path: screenshot }).catch(() => undefined);
    }
  } finally {
    await context.close();
  }
  return outcomes;
}

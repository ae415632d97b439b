// The Playwright UI pass: checks in the real workbench what the VS Code API cannot show, and screenshots each state.
import * as path from 'node:path';
import type { Browser, Frame, FrameLocator, Page } from 'playwright-core';
import { openWorkbench, type WorkbenchOptions } from './workbench';

export interface UiOutcome {
  name: string;
  ok: boolean;
  detail?: string;
  screenshot?: string;
}

/** A diagnostic as the extension-host suite saw it through the API (lines are 1-based). */
export interface SeenDiagnostic {
  code: string;
  line: number;
  endLine: number;
  severity: string;
  message: string;
}

interface UiCheck {
  name: string;
  /** Screenshot file name (without folder) taken after the check, pass or fail. */
  screenshot: string;
  /** Throws when the check fails; returns a short note of what it saw. */
  run(page: Page, seen: SeenDiagnostic[]): Promise<string | void>;
}

const EXAMPLE = 'gpt_block.py';
const EDITOR = '.editor-instance .monaco-editor';
/** `self.gelu(x)` in MLP.forward: the textbook memory-bound op of the example. */
const GELU_CALL = 'self.gelu(x)';

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator(`.quick-input-list .monaco-list-row:has-text("${title.replace(/^.*?: /, '')}")`).first().waitFor();
  await page.keyboard.press('Enter');
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active:has-text("${name}")`).waitFor();
  await page.locator(`${EDITOR} .view-line`).first().waitFor();
}

/** Moves the cursor to a 1-based line with Go to Line, which also scrolls it into view. */
async function goToLine(page: Page, line: number): Promise<void> {
  // Go to Line is a workbench command: it needs no click into the editor (a click can land on the sticky scroll header).
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** The 1-based line numbers that have a squiggle of any severity, read from the line-number gutter beside them. */
async function squiggleLines(page: Page): Promise<number[]> {
  return page.evaluate((editorSelector) => {
    const editor = document.querySelector(editorSelector);
    if (!editor) return [];
    const numbers = [...editor.querySelectorAll<HTMLElement>('.margin-view-overlays .line-numbers')];
    const lines = new Set<number>();
    for (const squiggle of editor.querySelectorAll<HTMLElement>('.view-overlays [class*="squiggly-"]')) {
      const box = squiggle.getBoundingClientRect();
      const middle = box.top + box.height / 2;
      const number = numbers.find((candidate) => {
        const rect = candidate.getBoundingClientRect();
        return rect.top <= middle && middle <= rect.bottom;
      });
      if (number) lines.add(Number(number.textContent));
    }
    return [...lines].sort((a, b) => a - b);
  }, EDITOR);
}

/** The screen position of the middle of `word` inside the rendered line that contains `lineText`. */
async function wordPosition(page: Page, lineText: string, word: string): Promise<{ x: number; y: number }> {
  const position = await page.evaluate(
    ({ editorSelector, lineText, word }) => {
      const lines = [...document.querySelectorAll<HTMLElement>(`${editorSelector} .view-line`)];
      const line = lines.find((candidate) => (candidate.textContent ?? '').replace(/\u00a0/g, ' ').includes(lineText));
      if (!line) return null;
      // A text selector on the token span timed out (e2e-notes); a DOM range over the text nodes finds the word.
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const index = (node.textContent ?? '').indexOf(word);
        if (index < 0) continue;
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + word.length);
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
      return null;
    },
    { editorSelector: EDITOR, lineText, word },
  );
  assert(position, `"${word}" not found on a rendered line containing "${lineText}"`);
  return position;
}

/** The rendered text of the editor line that contains `lineText`, inlay hints included (they are real text). */
async function renderedLine(page: Page, lineText: string): Promise<string | undefined> {
  const texts = await page.locator(`${EDITOR} .view-line`).allTextContents();
  return texts.map((text) => text.replace(/\u00a0/g, ' ')).find((text) => text.includes(lineText));
}

function roofline(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('iframe#active-frame');
}

const CHECKS: UiCheck[] = [
  {
    name: `open ${EXAMPLE}; the status bar shows MemWall's GPU and dtype`,
    screenshot: '01-opened.png',
    async run(page) {
      await openFile(page, EXAMPLE);
      const item = page.locator('.statusbar-item:has-text("H100 SXM")');
      await item.waitFor({ timeout: 30_000 });
      // The sizes come with the file's analysis: GPU · dtype · main sizes, e.g. `H100 SXM · bf16 · b=8 t=1024` for
      // nanoGPT's `b, t = idx.size()`.
      await page.locator('.statusbar-item:has-text("H100 SXM"):has-text("b=")').waitFor({ timeout: 30_000 }).catch(() => undefined);
      const text = (await item.innerText()).trim();
      assert(/bf16/.test(text), `status bar item reads "${text}"`);
      assert(/ · b=\d+ t=\d+/.test(text), `status bar item shows no batch and sequence sizes first: "${text}"`);
      return `status bar: "${text}"`;
    },
  },
  {
    name: 'squiggles sit on the lines of the diagnostics the API reported',
    screenshot: '02-squiggles.png',
    async run(page, seen) {
      assert(seen.length > 0, 'the suite recorded no diagnostics to look for');
      // The GELU's finding is the one checked on screen: a memory-bound op in the MLP.
      const target = seen.find((d) => d.severity !== 'Hint' && d.message.toLowerCase().includes('gelu')) ?? seen.find((d) => d.severity !== 'Hint') ?? seen[0]!;
      await goToLine(page, target.line);
      let lines: number[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        lines = await squiggleLines(page);
        if (lines.some((line) => line >= target.line && line <= target.endLine)) break;
        await page.waitForTimeout(250);
      }
      assert(
        lines.some((line) => line >= target.line && line <= target.endLine),
        `${target.code} is on line ${target.line}, squiggles are on lines ${lines.join(', ') || 'none'}`,
      );
      // Every squiggle on screen belongs to a reported diagnostic: nothing is drawn where nothing was found.
      const stray = lines.filter((line) => !seen.some((d) => line >= d.line && line <= d.endLine));
      assert(stray.length === 0, `squiggles on lines ${stray.join(', ')} match no MemWall diagnostic`);
      return `${target.code} on line ${target.line}; squiggles on lines ${lines.join(', ')}`;
    },
  },
  {
    name: 'the hover box on self.gelu(x) shows its roofline figures',
    screenshot: '03-hover.png',
    async run(page, seen) {
      const gelu = seen.find((d) => d.message.toLowerCase().includes('gelu'));
      if (gelu) await goToLine(page, gelu.line);
      const { x, y } = await wordPosition(page, GELU_CALL, 'gelu');
      // The box of this op: on its way to the word the mouse crosses the line above, whose box (self.c_fc's) may
      // still be up when the wait begins (CI once read that one).
      const hover = page.locator('.monaco-hover:has-text("-bound"):has-text("self.gelu")').first();
      // The mouse comes onto the word as a user's would; on a loaded machine the editor sometimes misses the first
      // approach (it flaked once in CI), so the mouse leaves and comes back, three times at most.
      for (let attempt = 1; ; attempt++) {
        await page.mouse.move(x - 40, y - 30);
        await page.mouse.move(x, y, { steps: 8 });
        try {
          await hover.waitFor({ timeout: 8_000 });
          break;
        } catch (error) {
          if (attempt === 3) throw error;
        }
      }
      const text = (await hover.innerText()).replace(/\s+/g, ' ');
      for (const wanted of [/memory-bound/, /H100/, /bf16/, /FLOP/, /intensity/i, /\[8, 1024, 3072\]/]) {
        assert(wanted.test(text), `hover lacks ${wanted}: ${text.slice(0, 300)}`);
      }
      // The box holds the finding's message first, then the op's own figures: the op's headline is what is shown.
      const headline = /self\.gelu — .*?\((?:bf16|fp16|fp32|fp8)\)/.exec(text)?.[0];
      assert(headline, `no op headline in the hover: ${text.slice(0, 300)}`);
      return `"${headline}" ${text.slice(text.indexOf(headline) + headline.length, text.indexOf(headline) + headline.length + 120)}…`;
    },
  },
  {
    name: 'the inlay hint at the end of the GELU line shows bound, intensity and time',
    screenshot: '04-inlay-hint.png',
    async run(page) {
      await page.mouse.move(5, 5);
      await page.keyboard.press('Escape');
      const line = await renderedLine(page, GELU_CALL);
      assert(line, `the line ${GELU_CALL} is not on screen`);
      const hint = line.slice(line.indexOf(GELU_CALL) + GELU_CALL.length).trim();
      assert(/^mem\b/.test(hint) && /F\/B/.test(hint) && /(µs|ms)/.test(hint), `after the code the line reads "${hint}"`);
      return `"${line.trim()}"`;
    },
  },
  {
    name: 'the code lens above MLP.forward gives its time on the GPU and its memory-bound share',
    screenshot: '04b-code-lens.png',
    async run(page) {
      // Lens decorations appear before their text is filled in (the editor resolves them after the analysis): poll.
      let lenses: string[] = [];
      let forward: string | undefined;
      for (const started = Date.now(); !forward && Date.now() - started < 15_000; await page.waitForTimeout(250)) {
        lenses = (await page.locator(`${EDITOR} .codelens-decoration`).allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
        forward = lenses.find((text) => /≈ .*(µs|ms) on NVIDIA H100 SXM/.test(text));
      }
      assert(forward, `code lenses on screen: ${lenses.join(' | ') || 'none'}`);
      assert(/memory-bound/.test(forward), `lens "${forward}"`);
      return `"${forward}"`;
    },
  },
  {
    name: 'the Problems panel lists the findings with their codes',
    screenshot: '05-problems.png',
    async run(page, seen) {
      await page.keyboard.press('Control+Shift+M');
      const target = seen.find((d) => d.severity !== 'Hint' && d.message.toLowerCase().includes('gelu')) ?? seen.find((d) => d.severity !== 'Hint') ?? seen[0]!;
      const row = page.locator(`.markers-panel .monaco-list-row:has-text("${target.code}")`).first();
      await row.waitFor({ timeout: 15_000 });
      const rows = await page.locator('.markers-panel .monaco-list-row').allInnerTexts();
      const text = rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ');
      assert(/memwall/.test(text), `no row names the source memwall: ${text.slice(0, 300)}`);
      // VS Code's Problems panel lists errors, warnings and information; hints show only in the editor.
      const listed = seen.filter((diagnostic) => diagnostic.severity !== 'Hint');
      assert(listed.length > 0, 'no finding above a hint to look for in the Problems panel');
      for (const diagnostic of listed) {
        assert(text.includes(diagnostic.code), `${diagnostic.code} (line ${diagnostic.line}) is not in the Problems panel`);
        assert(text.includes(`[Ln ${diagnostic.line}`), `no Problems row at line ${diagnostic.line}`);
      }
      await page.screenshot({ path: path.join(screenshotsFolder, '05a-problems-panel.png') });
      await page.keyboard.press('Control+Shift+M');
      return `${rows.length} rows; first: ${rows[1]?.replace(/\s+/g, ' ').slice(0, 140) ?? rows[0]}`;
    },
  },
  {
    name: 'MemWall: Show Roofline draws the chart, the op table and the summary in the webview',
    screenshot: '06-roofline.png',
    async run(page) {
      await runCommand(page, 'MemWall: Show Roofline');
      const frame = roofline(page);
      const title = frame.locator('h1');
      await title.waitFor({ timeout: 30_000 });
      const heading = await title.innerText();
      assert(/gpt_block\.py/.test(heading) && /H100/.test(heading) && /bf16/.test(heading), `panel title "${heading}"`);
      const points = await frame.locator('.chart svg .point').count();
      const rows = await frame.locator('tr[data-node]').count();
      assert(points >= 3, `${points} points on the chart`);
      assert(rows >= 3, `${rows} rows in the op table`);
      const summary = await frame.locator('.summary').innerText();
      assert(/memory-bound/.test(summary), `summary "${summary}"`);
      // The shares of time by bound are parts of one whole: together they cannot pass 100%.
      const shares = [...summary.matchAll(/(\d+(?:\.\d+)?)% of the time memory-bound, (\d+(?:\.\d+)?)% compute-bound, <?(\d+(?:\.\d+)?)% overhead-bound/g)][0];
      assert(shares, `summary "${summary}" does not give the three shares`);
      const total = Number(shares[1]) + Number(shares[2]) + Number(shares[3]);
      assert(total <= 101, `the shares of time add up to ${total}%: "${summary}"`);
      return `"${heading}"; ${points} points, ${rows} rows; ${summary}`;
    },
  },
  {
    name: 'clicking an op row in the roofline panel reveals its line in the editor',
    screenshot: '07-roofline-click.png',
    async run(page) {
      const frame = roofline(page);
      const rows = frame.locator('tr[data-node]');
      const texts = await rows.allInnerTexts();
      // The GELU row: its first cell is its 1-based line.
      const index = Math.max(0, texts.findIndex((text) => /gelu/i.test(text)));
      const line = Number(texts[index]!.trim().split(/\s+/)[0]);
      assert(Number.isInteger(line), `row text "${texts[index]}"`);
      await rows.nth(index).click();
      const cursor = page.locator(`.statusbar-item:has-text("Ln ${line},")`);
      await cursor.waitFor({ timeout: 10_000 });
      return `clicked the row of line ${line}; the cursor is on Ln ${line}`;
    },
  },
  {
    name: 'MemWall: Select GPU lists GPUs with their figures, and the status bar follows the pick',
    screenshot: '08-select-gpu.png',
    async run(page) {
      await runCommand(page, 'MemWall: Select GPU');
      const input = page.locator('.quick-input-widget input');
      await page.locator('.quick-input-list .monaco-list-row:has-text("A100")').first().waitFor({ timeout: 15_000 });
      const rowCount = await page.locator('.quick-input-list .monaco-list-row').count();
      const firstRow = (await page.locator('.quick-input-list .monaco-list-row').first().innerText()).replace(/\s+/g, ' ');
      await input.fill('a100-80gb');
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(screenshotsFolder, '08a-gpu-quick-pick.png') });
      await page.keyboard.press('Enter');
      const item = page.locator('.statusbar-item:has-text("A100")');
      await item.waitFor({ timeout: 15_000 });
      return `${rowCount} rows (first: "${firstRow.slice(0, 100)}"); status bar now "${(await item.innerText()).trim()}"`;
    },
  },
  {
    name: 'the roofline panel re-draws for the selected GPU',
    screenshot: '09-roofline-a100.png',
    async run(page) {
      const title = roofline(page).locator('h1:has-text("A100")');
      await title.waitFor({ timeout: 15_000 });
      return `"${await title.innerText()}"`;
    },
  },
  {
    name: 'MemWall: Set Sizes validates what is typed',
    screenshot: '10-set-sizes.png',
    async run(page) {
      await runCommand(page, 'MemWall: Set Sizes');
      const input = page.locator('.quick-input-widget input');
      await input.fill('B=eight');
      const message = page.locator('.quick-input-widget .quick-input-message');
      await page.waitForFunction(
        (selector) => /SYMBOL=positive integer/.test(document.querySelector(selector)?.textContent ?? ''),
        '.quick-input-widget .quick-input-message',
        { timeout: 10_000 },
      );
      const text = (await message.innerText()).trim();
      await page.screenshot({ path: path.join(screenshotsFolder, '10a-set-sizes-message.png') });
      await page.keyboard.press('Escape');
      return `message: "${text}"`;
    },
  },
  {
    name: 'MemWall: Report for Current File opens the rendered report beside the file',
    screenshot: '11-report.png',
    async run(page) {
      await openFile(page, EXAMPLE);
      await runCommand(page, 'MemWall: Report for Current File');
      // The Markdown preview is a webview: find the frame whose rendered heading names the file.
      const deadline = Date.now() + 20_000;
      let report: Frame | undefined;
      while (!report && Date.now() < deadline) {
        for (const frame of page.frames()) {
          const headings = await frame.locator('h1').allInnerTexts().catch(() => [] as string[]);
          if (headings.some((heading) => /MemWall: gpt_block/.test(heading))) report = frame;
        }
        if (!report) await page.waitForTimeout(500);
      }
      assert(report, 'no rendered report (an h1 naming gpt_block) in any webview');
      const rows = await report.locator('table tr').count();
      assert(rows > 0, 'no table rows in the rendered report');
      const codes = (await report.locator('table a').allInnerTexts()).filter((text) => /^MW\d{3}$/.test(text.trim()));
      // Each finding's code links to its rule page (a vscode://file link: the preview drops file: links).
      assert(codes.length > 0, 'no rule code is a link in the rendered findings table');
      const active = (await page.locator('.tabs-container .tab.active').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
      return `rendered preview: ${rows} table rows, ${codes.length} linked rule codes; active tabs: ${active.join(' | ')}`;
    },
  },
];

let screenshotsFolder = '';

export async function runUiPass(
  browser: Browser,
  options: WorkbenchOptions,
  screenshots: string,
  seen: SeenDiagnostic[],
): Promise<UiOutcome[]> {
  screenshotsFolder = screenshots;
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
      const started = performance.now();
      try {
        const detail = await check.run(page, seen);
        outcomes.push({ name: check.name, ok: true, detail: detail || undefined, screenshot });
      } catch (error) {
        outcomes.push({ name: check.name, ok: false, detail: String((error as Error).message ?? error).split('\n')[0], screenshot });
        // A failed check may leave a quick input open; close it so the next check starts clean.
        await page.keyboard.press('Escape').catch(() => undefined);
      }
      outcomes.at(-1)!.detail = `${outcomes.at(-1)!.detail ?? ''} (${((performance.now() - started) / 1000).toFixed(1)} s)`.trim();
      await page.screenshot({ path: screenshot }).catch(() => undefined);
    }
  } finally {
    await context.close();
  }
  return outcomes;
}

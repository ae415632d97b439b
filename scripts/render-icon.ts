// Renders media/icon.svg to media/icon.png (128×128, the size VS Code's marketplace shows) in headless Chromium.
// Run after editing the SVG: `node --import tsx scripts/render-icon.ts`; the PNG is committed, the SVG is its source.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const ICON_SIZE = 128;
const MEDIA = path.join(__dirname, '..', 'media');

async function main(): Promise<void> {
  const svg = readFileSync(path.join(MEDIA, 'icon.svg'), 'utf8');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: ICON_SIZE, height: ICON_SIZE }, deviceScaleFactor: 1 });
    await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
    await page.locator('svg').screenshot({ path: path.join(MEDIA, 'icon.png'), omitBackground: true });
  } finally {
    await browser.close();
  }
  console.log(`wrote media/icon.png (${ICON_SIZE}×${ICON_SIZE})`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

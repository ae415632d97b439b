// The roofline panel's HTML shell, with its content security policy; free of `vscode` so tests load the same page.
import { randomBytes } from 'node:crypto';

export interface PanelHtmlInput {
  /** `webview.cspSource`: the origin the webview loads local resources from. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce?: string;
}

export const newNonce = (): string => randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');

/**
 * Only the bundle with the nonce runs, and styles come from the extension's own files: no eval, no inline scripts, no
 * inline styles. The one exception is a nonce'd <style>: the UI toolkit (FAST) probes `:focus-visible` support with a
 * <style> element that carries the nonce of `<meta property="csp-nonce">`.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(input: PanelHtmlInput): string {
  const nonce = input.nonce ?? newNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(input.cspSource, nonce)}">
<meta property="csp-nonce" content="${nonce}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${input.styleUri}">
<title>MemWall Roofline</title>
</head>
<body>
<main id="app" aria-live="polite"><p class="empty">Loading the roofline…</p></main>
<script nonce="${nonce}" src="${input.scriptUri}"></script>
</body>
</html>`;
}

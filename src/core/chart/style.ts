// The chart's stylesheet: VS Code theme variables with fallbacks, so the same SVG looks right in the panel and alone.
export const CHART_CSS = `
.memwall-roofline { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: 11px; background: transparent; }
.memwall-roofline text { fill: var(--vscode-foreground, #333); }
.memwall-roofline .grid line { stroke: var(--vscode-editorWidget-border, #ccc); stroke-opacity: 0.5; stroke-width: 1; }
.memwall-roofline .plot-area { stroke: var(--vscode-foreground, #555); stroke-opacity: 0.6; }
.memwall-roofline .axis-title { font-size: 12px; }
.memwall-roofline .tick { fill: var(--vscode-descriptionForeground, #666); }
.memwall-roofline .roof { stroke-width: 2.5; fill: none; }
.memwall-roofline .roof-memory { stroke: var(--vscode-charts-red, #d13438); }
.memwall-roofline .roof-tensor { stroke: var(--vscode-charts-green, #388a34); }
.memwall-roofline .roof-vector { stroke: var(--vscode-charts-yellow, #b89500); stroke-dasharray: 6 3; }
.memwall-roofline .roof-label, .memwall-roofline .ridge-label { font-size: 10.5px; fill: var(--vscode-descriptionForeground, #555); }
.memwall-roofline .ridge { fill: var(--vscode-foreground, #333); }
.memwall-roofline .point { fill-opacity: 0.75; stroke: var(--vscode-editor-background, #fff); stroke-width: 1; cursor: pointer; }
.memwall-roofline .point:focus, .memwall-roofline .point:hover { stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 2; outline: none; }
.memwall-roofline .point.fallback { fill-opacity: 0.25; stroke-dasharray: 2 2; stroke: var(--vscode-foreground, #555); }
.memwall-roofline .point.highlighted { stroke: var(--vscode-focusBorder, #0078d4); stroke-width: 3; fill-opacity: 1; }
.memwall-roofline .bound-memory { fill: var(--vscode-charts-orange, #d18616); }
.memwall-roofline .bound-compute { fill: var(--vscode-charts-blue, #1a85ff); }
.memwall-roofline .bound-overhead { fill: var(--vscode-charts-purple, #8e5cc2); }
.memwall-roofline .bound-unknown { fill: var(--vscode-disabledForeground, #888); }
.memwall-roofline .repeat-label, .memwall-roofline .count-label { font-size: 9.5px; fill: var(--vscode-descriptionForeground, #555); pointer-events: none; }
.memwall-roofline .fusion-arrow { stroke: var(--vscode-charts-green, #388a34); stroke-width: 1.2; stroke-dasharray: 3 2; }
.memwall-roofline .fusion-arrowhead { fill: var(--vscode-charts-green, #388a34); }
.memwall-roofline .fused-point { fill: none; stroke: var(--vscode-charts-green, #388a34); stroke-width: 2; }
`;

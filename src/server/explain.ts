// The `memwall/explain` request: a rule's header documentation as Markdown, from the same data as `memwall explain`.
import { findRule } from '../core/rules';

export function explainMarkdown(code: string): string | null {
  const rule = findRule(code);
  if (!rule) return null;
  const { doc } = rule;
  return [
    `# ${rule.code} ${rule.name}`,
    '',
    doc.summary,
    '',
    `**What it finds.** ${doc.finds}`,
    '',
    `**Why it costs.** ${doc.whyCosts}`,
    '',
    '**Example**',
    '',
    '```python',
    doc.example,
    '```',
    '',
    `**Use instead.** ${doc.useInstead}`,
    '',
    `Default severity: ${rule.defaultSeverity}. Under torch.compile: ${rule.underCompile.note}`,
    '',
    `Silence it on one line with \`# memwall: ignore[${rule.code}]\`, or everywhere with the setting \`"memwall.severity": { "${rule.code}": "off" }\`.`,
    '',
  ].join('\n');
}

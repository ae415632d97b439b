// `memwall explain MW201`: a rule's documentation, from the same header data the hover and the README use.
import { allRules, findRule, type Rule } from '../core/rules';
import { UsageError } from './args';

/** The explanation as plain text, in the order a reader needs it: what, why it costs, example, what to use instead. */
export function explainText(rule: Rule): string {
  const indent = (text: string) => text.split('\n').map((line) => `    ${line}`).join('\n');
  return [
    `${rule.code} ${rule.name} (${rule.kind}, default severity ${rule.defaultSeverity})`,
    rule.doc.summary,
    '',
    'What it finds:',
    indent(rule.doc.finds),
    '',
    'Why it costs:',
    indent(rule.doc.whyCosts),
    '',
    'Example:',
    indent(rule.doc.example),
    '',
    'Use instead:',
    indent(rule.doc.useInstead),
    '',
    `Under torch.compile: ${rule.underCompile.note}`,
    `Suppress on a line with: # memwall: ignore[${rule.code}]`,
  ].join('\n');
}

export function explainJson(rule: Rule) {
  return {
    code: rule.code,
    name: rule.name,
    kind: rule.kind,
    defaultSeverity: rule.defaultSeverity,
    ...rule.doc,
    underCompile: rule.underCompile,
  };
}

/** Looks every code up first, so that one unknown code fails the command before anything is printed. */
export function explain(codes: readonly string[], format: 'text' | 'json'): string {
  const rules = codes.map((code) => {
    const rule = findRule(code);
    if (!rule) {
      const known = allRules().map((r) => r.code).join(', ');
      throw new UsageError(`explain: unknown rule code '${code}' (known: ${known})`);
    }
    return rule;
  });
  if (format === 'json') return `${JSON.stringify(rules.map(explainJson), null, 2)}\n`;
  return `${rules.map(explainText).join('\n\n')}\n`;
}

// The rule documentation pages that the build writes to dist/rules/MWxxx.md, linked from each diagnostic's codeDescription.
import { allRules } from '../core/rules';
import { explainMarkdown } from './explain';

/** The folder, next to dist/server.js, that holds one page per rule: the links must work offline, inside the extension. */
export const RULE_PAGES_FOLDER = 'rules';

export interface RulePage {
  readonly file: string;
  readonly markdown: string;
}

/** One Markdown page per rule, with the same text as `memwall explain` and the hover's Explain link. */
export function rulePages(): RulePage[] {
  return allRules().map((rule) => ({ file: `${rule.code}.md`, markdown: explainMarkdown(rule.code) ?? `# ${rule.code}\n` }));
}

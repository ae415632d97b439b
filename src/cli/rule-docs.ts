// Where a rule's documentation lives on the web, for SARIF's helpUri and the Markdown report's links.
import packageJson from '../../package.json';
import { findRule } from '../core/rules';

/** The repository folder that holds one page per rule (docs/rules/MW201.md), the pages the extension also ships. */
export const RULE_PAGES_IN_REPOSITORY = 'docs/rules';

/** The repository's web address from package.json (`https://github.com/o/r.git` → `https://github.com/o/r`). */
function repositoryWebUrl(): string | undefined {
  const repository = (packageJson as { repository?: string | { url?: string } }).repository;
  const url = typeof repository === 'string' ? repository : repository?.url;
  return url?.replace(/^git\+/, '').replace(/\.git$/, '');
}

const REPOSITORY = repositoryWebUrl();

/** The project's home page (its README), for SARIF's informationUri. */
export const HOMEPAGE = (packageJson as { homepage?: string }).homepage;

/** The web page of a rule (`MW201` → `…/blob/main/docs/rules/MW201.md`), or undefined for codes without a rule page. */
export function ruleHelpUri(code: string): string | undefined {
  if (REPOSITORY === undefined || !findRule(code)) return undefined;
  return `${REPOSITORY}/blob/main/${RULE_PAGES_IN_REPOSITORY}/${code}.md`;
}

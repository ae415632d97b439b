// Where a rule's documentation lives on the web, for SARIF's helpUri and the Markdown report's links.
import packageJson from '../../package.json';

/** The README that holds the rule table, once package.json names a homepage; no address is invented before that. */
const README_URL = (packageJson as { homepage?: string }).homepage;

/** The README anchor of a rule's row (`MW201` → `…#mw201`), or undefined while the project has no homepage. */
export function ruleHelpUri(code: string): string | undefined {
  return README_URL === undefined ? undefined : `${README_URL.replace(/#.*$/, '')}#${code.toLowerCase()}`;
}

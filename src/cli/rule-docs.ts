// Where a rule's documentation lives on the web, for SARIF's helpUri and the Markdown report's links.
import packageJson from '../../package.json';

/** The README that holds the rule table; package.json's homepage wins once the project sets one. */
const README_URL = (packageJson as { homepage?: string }).homepage ?? 'https://github.com/memwall/memwall#readme';

/** The README anchor of a rule's row: `MW201` → `…#mw201`. */
export function ruleHelpUri(code: string): string {
  return `${README_URL.replace(/#.*$/, '')}#${code.toLowerCase()}`;
}

// SARIF 2.1.0 for GitHub code scanning: one run, the rules that fired with their documentation, one result per finding.
import { allRules, type Rule } from '../../core/rules';
import type { Finding, Severity, Span } from '../../core/ir/types';
import { fixesOf } from '../../core/rules/fixes';
import packageJson from '../../../package.json';
import { type FileReport, findingsInOrder, lineOf } from '../report';
import { HOMEPAGE, ruleHelpUri } from '../rule-docs';
import { formatBytes, formatTime } from '../units';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/** SARIF has three levels that GitHub shows; information and hint both become notes. */
const LEVEL: Readonly<Record<Severity, 'error' | 'warning' | 'note'>> = {
  error: 'error',
  warning: 'warning',
  information: 'note',
  hint: 'note',
};

/** `unfused-pointwise-chain` → `UnfusedPointwiseChain`, the PascalCase name SARIF viewers expect. */
function pascalCase(name: string): string {
  return name.replace(/(^|[-_\s]+)([a-z0-9])/gi, (_match, _gap, letter: string) => letter.toUpperCase());
}

function ruleDescriptor(code: string, rule: Rule | undefined, example: Finding) {
  const helpUri = ruleHelpUri(code);
  if (!rule) {
    // Codes without a rule file (MW9xx analysis notes, MW990 rule failures) still need a descriptor for GitHub.
    return {
      id: code,
      name: pascalCase(example.kind),
      shortDescription: { text: `MemWall ${example.kind} (${code})` },
      ...(helpUri ? { helpUri } : {}),
      defaultConfiguration: { level: LEVEL[example.severity] },
    };
  }
  const help = [rule.doc.finds, '', `Why it costs: ${rule.doc.whyCosts}`, '', `Use instead: ${rule.doc.useInstead}`].join('\n');
  return {
    id: rule.code,
    name: pascalCase(rule.name),
    shortDescription: { text: rule.doc.summary },
    fullDescription: { text: rule.doc.finds },
    ...(helpUri ? { helpUri } : {}),
    help: {
      text: help,
      markdown: `${rule.doc.finds}\n\n**Why it costs:** ${rule.doc.whyCosts}\n\n**Example:**\n\n\`\`\`python\n${rule.doc.example}\n\`\`\`\n\n**Use instead:** ${rule.doc.useInstead}`,
    },
    defaultConfiguration: { level: LEVEL[rule.defaultSeverity] },
    properties: { tags: ['performance', 'gpu', rule.kind] },
  };
}

function uriOf(path: string): string {
  // A relative path with forward slashes, percent-encoded, resolved against the checkout root (%SRCROOT%).
  return path.split('/').map(encodeURIComponent).join('/');
}

/** SARIF lines and columns are 1-based and the end column is exclusive, as the span's is. */
function regionOf(span: Span) {
  return { startLine: lineOf(span.startLine), startColumn: span.startColumn + 1, endLine: lineOf(span.endLine), endColumn: span.endColumn + 1 };
}

export function toSarif(reports: readonly FileReport[]) {
  const known = new Map(allRules().map((rule) => [rule.code, rule] as const));
  const descriptors: ReturnType<typeof ruleDescriptor>[] = [];
  const ruleIndex = new Map<string, number>();
  const results = [];
  const notifications = [];

  const fingerprints = new Map<string, number>();

  for (const { path, text, analysis } of reports) {
    for (const finding of findingsInOrder(analysis.findings)) {
      const fixes = text === undefined ? [] : fixesOf(text, analysis, finding);
      if (!ruleIndex.has(finding.code)) {
        ruleIndex.set(finding.code, descriptors.length);
        descriptors.push(ruleDescriptor(finding.code, known.get(finding.code), finding));
      }
      const savings: string[] = [];
      if (finding.bytesSaved !== null) savings.push(`${formatBytes(finding.bytesSaved)} of DRAM traffic`);
      if (finding.timeSavedUs !== null) savings.push(`≈ ${formatTime(finding.timeSavedUs)}`);
      // GitHub tracks an alert across commits by this fingerprint: built from the ops, not the line, so that an edit
      // above the finding does not turn it into a new alert; a counter keeps two alike findings apart.
      const involved = analysis.graph.ops.filter((op) => finding.opIds.includes(op.id));
      const base = `${finding.code}:${path}:${involved.map((op) => `${op.scope}/${op.label}`).join('|')}`;
      const occurrence = (fingerprints.get(base) ?? 0) + 1;
      fingerprints.set(base, occurrence);
      results.push({
        ruleId: finding.code,
        ruleIndex: ruleIndex.get(finding.code)!,
        level: LEVEL[finding.severity],
        message: { text: finding.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: uriOf(path), uriBaseId: '%SRCROOT%' },
            region: regionOf(finding.span),
          },
        }],
        // The fixes `memwall fix` applies (safe) or applies with --unsafe-fixes, as SARIF replacements.
        ...(fixes.length
          ? {
              fixes: fixes.map((fix) => ({
                description: { text: fix.title },
                artifactChanges: [{
                  artifactLocation: { uri: uriOf(path), uriBaseId: '%SRCROOT%' },
                  replacements: fix.edits.map((edit) => ({ deletedRegion: regionOf(edit.span), insertedContent: { text: edit.newText } })),
                }],
                properties: { safe: fix.safe },
              })),
            }
          : {}),
        partialFingerprints: { memwallFinding: `${base}#${occurrence}` },
        properties: {
          kind: finding.kind,
          severity: finding.severity,
          bytesSaved: finding.bytesSaved,
          timeSavedUs: finding.timeSavedUs,
          ...(savings.length ? { saves: savings.join(', ') } : {}),
        },
      });
    }
    for (const note of analysis.notes) {
      notifications.push({
        level: 'note',
        descriptor: { id: note.code },
        message: { text: note.message },
        ...(note.span
          ? { locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(path), uriBaseId: '%SRCROOT%' }, region: { startLine: lineOf(note.span.startLine) } } }] }
          : { locations: [{ physicalLocation: { artifactLocation: { uri: uriOf(path), uriBaseId: '%SRCROOT%' } } }] }),
      });
    }
  }

  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0' as const,
    runs: [{
      tool: {
        driver: {
          name: 'MemWall',
          version: packageJson.version,
          semanticVersion: packageJson.version,
          ...(HOMEPAGE ? { informationUri: HOMEPAGE } : {}),
          rules: descriptors,
        },
      },
      invocations: [{ executionSuccessful: true, toolExecutionNotifications: notifications }],
      results,
      columnKind: 'utf16CodeUnits' as const,
      properties: {
        gpus: [...new Set(reports.map((report) => report.analysis.hardware.id))],
        dtypes: [...new Set(reports.map((report) => report.analysis.dtype))],
      },
    }],
  };
}

export function formatSarif(reports: readonly FileReport[]): string {
  return `${JSON.stringify(toSarif(reports), null, 2)}\n`;
}

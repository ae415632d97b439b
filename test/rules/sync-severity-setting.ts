// Lists every rule code, with its default and summary, under the memwall.severity setting in package.json.
// Run after adding a rule: `flock /tmp/npm.lock node --import tsx test/rules/sync-severity-setting.ts` (meta.test.ts checks it).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../../src/core/rules';

const file = path.join(__dirname, '..', '..', 'package.json');
const manifest = JSON.parse(readFileSync(file, 'utf8'));
const setting = manifest.contributes.configuration.properties['memwall.severity'];
const levels = ['error', 'warning', 'information', 'hint', 'off'];
setting.properties = Object.fromEntries(
  allRules().map((rule) => [
    rule.code,
    { type: 'string', enum: levels, default: rule.defaultSeverity, description: `${rule.code} ${rule.name}: ${rule.doc.summary}.` },
  ]),
);
writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);

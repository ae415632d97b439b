// The extension's manifest keeps the conventions of a published extension, and agrees with the code it describes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { listHardware } from '../../src/core/cost/hardware';

const ROOT = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const settings = manifest.contributes.configuration.properties;

/** Width and height from a PNG's IHDR chunk (bytes 16-23, big-endian), after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const bytes = readFileSync(file);
  assert.equal(bytes.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${file} is not a PNG`);
  assert.equal(bytes.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('package.json', () => {
  it('lists exactly the GPUs of the hardware table, in its order, with their names', () => {
    const table = listHardware();
    const choices = settings['memwall.gpu'].anyOf[0];
    assert.deepEqual(choices.enum, table.map((gpu) => gpu.id));
    assert.deepEqual(choices.enumDescriptions, table.map((gpu) => gpu.name));
    for (const gpu of table) assert.ok(settings['memwall.gpu'].markdownDescription.includes(`\`${gpu.id}\``), `${gpu.id} is not in the setting's description`);
    assert.ok(table.some((gpu) => gpu.id === settings['memwall.gpu'].default), 'the default GPU is in the table');
  });

  it('has an icon: a 128×128 PNG drawn from media/icon.svg', () => {
    assert.equal(manifest.icon, 'media/icon.png');
    assert.deepEqual(pngSize(path.join(ROOT, manifest.icon)), { width: 128, height: 128 });
    assert.ok(existsSync(path.join(ROOT, 'media', 'icon.svg')), 'the icon\'s source (render it with scripts/render-icon.ts)');
  });

  it('names its repository, home page and issue tracker, so packaging needs no --allow-missing-repository', () => {
    assert.match(manifest.repository.url, /^https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    const web = manifest.repository.url.replace(/\.git$/, '');
    assert.equal(manifest.homepage, `${web}#readme`);
    assert.equal(manifest.bugs.url, `${web}/issues`);
    assert.doesNotMatch(manifest.scripts.package, /allow-missing-repository/);
  });

  it('has a CHANGELOG.md with an entry for this version', () => {
    const changelog = readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8');
    assert.match(changelog, new RegExp(`^## \\[${manifest.version.replace(/\./g, '\\.')}\\]`, 'm'));
  });

  it('has a getting-started walkthrough whose steps run MemWall commands and show files that exist', () => {
    const commands = new Set(manifest.contributes.commands.map((command: { command: string }) => command.command));
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.ok(walkthrough, 'no walkthrough');
    const steps = walkthrough.steps as { id: string; description: string; media: { markdown?: string; image?: string }; completionEvents: string[] }[];
    assert.deepEqual(steps.map((step) => step.id), ['selectGpu', 'setSizes', 'showRoofline']);
    for (const step of steps) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((match) => match[1]);
      assert.equal(linked.length, 1, `${step.id} links one command`);
      assert.ok(commands.has(linked[0]), `${step.id} links ${linked[0]}, which is not contributed`);
      assert.ok(step.completionEvents.includes(`onCommand:${linked[0]}`), `${step.id} completes when its command runs`);
      const media = step.media.markdown ?? step.media.image;
      assert.ok(media && existsSync(path.join(ROOT, media)), `${step.id}: ${media} is missing`);
    }
  });

  it('has the memwall.trace.server setting, which the language client reads because its id is memwall', () => {
    const trace = settings['memwall.trace.server'];
    assert.deepEqual(trace.enum, ['off', 'messages', 'verbose']);
    assert.equal(trace.default, 'off');
    // vscode-languageclient reads `<id>.trace.server`: the client must keep the id the setting is named after.
    const extension = readFileSync(path.join(ROOT, 'src', 'client', 'extension.ts'), 'utf8');
    assert.match(extension, /new LanguageClient\('memwall',/);
  });
});

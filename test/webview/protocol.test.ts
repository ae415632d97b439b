// The message checks both sides of the panel apply: well-formed messages pass, anything else is dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isHostToWebview, isWebviewToHost, isWhatIf } from '../../src/protocol';

describe('webview message validation', () => {
  it('accepts the panel\'s own messages', () => {
    assert.ok(isWebviewToHost({ type: 'ready' }));
    assert.ok(isWebviewToHost({ type: 'reveal', uri: 'file:///a.py', line: 12 }));
    assert.ok(isWebviewToHost({ type: 'whatIf', uri: 'file:///a.py', whatIf: { gpu: 'a100-80gb-sxm', dtype: 'fp16', dims: { T: 8192 } } }));
    assert.ok(isWebviewToHost({ type: 'export', format: 'svg', content: '<svg/>' }));
  });

  it('drops malformed or hostile ones', () => {
    for (const message of [
      null, 'reveal', [], {}, { type: 'run', command: 'rm -rf /' },
      { type: 'reveal', uri: 'file:///a.py', line: -1 },
      { type: 'reveal', uri: 'file:///a.py', line: 1.5 },
      { type: 'reveal', uri: 42, line: 1 },
      { type: 'whatIf', uri: 'file:///a.py', whatIf: { dtype: 'int4' } },
      { type: 'whatIf', uri: 'file:///a.py', whatIf: { dims: { T: -5 } } },
      { type: 'whatIf', uri: 'file:///a.py', whatIf: { dims: { 'T; import os': 5 } } },
      { type: 'whatIf', uri: 'file:///a.py', whatIf: { dims: { T: 2 ** 50 } } },
      { type: 'export', format: 'exe', content: '' },
    ]) {
      assert.equal(isWebviewToHost(message), false, JSON.stringify(message));
    }
    assert.equal(isWhatIf({ gpu: 'x'.repeat(101) }), false);
  });

  it('checks the host\'s messages before the panel draws them', () => {
    const result = { uri: 'file:///a.py', version: 1, chart: null, error: 'no', gpus: [], notes: [] };
    assert.ok(isHostToWebview({ type: 'data', fileName: 'a.py', result, whatIf: {} }));
    assert.ok(isHostToWebview({ type: 'cursor', uri: 'file:///a.py', line: 3 }));
    assert.ok(isHostToWebview({ type: 'empty', message: 'Open a Python file' }));
    assert.equal(isHostToWebview({ type: 'data', fileName: 'a.py', result: { ...result, chart: 'nope' }, whatIf: {} }), false);
    assert.equal(isHostToWebview({ type: 'data', fileName: 'a.py', result, whatIf: { dims: { T: 0 } } }), false);
    assert.equal(isHostToWebview({ type: 'cursor', uri: 'file:///a.py' }), false);
  });
});

// Extension-host tests: a crashed server is restarted a limited number of times, and the user is told once.
import * as assert from 'node:assert/strict';
import { CloseAction } from 'vscode-languageclient/node';
import { MAX_RESTARTS, RestartPolicy } from '../../src/client/restart';

suite('server restart policy', () => {
  test('restarts up to the limit within 3 minutes, announcing only the first restart, then stays down', () => {
    let now = 0;
    const messages: string[] = [];
    const policy = new RestartPolicy(() => now, (message) => messages.push(message));
    for (let i = 0; i < MAX_RESTARTS; i++) {
      assert.equal(policy.closed().action, CloseAction.Restart);
      now += 1000;
    }
    assert.equal(messages.length, 1, 'one message for the restarts');
    assert.match(messages[0] as string, /restarted/);
    assert.equal(policy.closed().action, CloseAction.DoNotRestart);
    assert.equal(messages.length, 2);
    assert.match(messages[1] as string, /will not be restarted/);
  });

  test('crashes spread over more than 3 minutes keep being restarted, silently after the first', () => {
    let now = 0;
    const messages: string[] = [];
    const policy = new RestartPolicy(() => now, (message) => messages.push(message));
    for (let i = 0; i < 3 * MAX_RESTARTS; i++) {
      assert.equal(policy.closed().action, CloseAction.Restart);
      now += 60_000;
    }
    assert.equal(messages.length, 1);
  });
});

// Rules read the graph, not the text: what a docstring or comment says never makes or hides a finding.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/analyze';
import type { Finding } from '../../src/core/ir/types';
import { testParser } from '../helpers/parser';

async function findings(text: string): Promise<readonly Finding[]> {
  return analyze(text, { parser: await testParser() }).findings;
}

const linesOf = (all: readonly Finding[], code: string): number[] => all.filter((f) => f.code === code).map((f) => f.span.startLine + 1);

describe('rules read the graph, not the text', () => {
  it('a host sync named in a docstring is no host sync', async () => {
    const text = [
      '# memwall: B=8 C=768',
      'import torch',
      'import torch.nn as nn',
      '',
      '',
      'class Head(nn.Module):',
      '    def __init__(self, dim):',
      '        super().__init__()',
      '        self.proj = nn.Linear(dim, dim)',
      '',
      '    def forward(self, x):',
      '        """Returns the projection.',
      '',
      '        Log it as loss.item() only every N steps: each call is a host sync.',
      '        """',
      '        y = self.proj(x)',
      "        # print(y) would copy it to the host: don't.",
      '        return y',
      '',
      '',
      'if __name__ == "__main__":',
      '    Head(768)(torch.randn(8, 768))',
    ].join('\n');
    assert.deepEqual(linesOf(await findings(text), 'MW301'), []);
  });

  it('a name in a docstring between two ops does not hide their chain', async () => {
    const text = [
      '# memwall: B=8 T=1024 C=768',
      'import torch',
      '',
      '',
      'def scale_shift(x):',
      '    h = torch.sigmoid(x)',
      '    """',
      '    h is squashed to (0, 1) above; here h is scaled to (1, 3).',
      '    """',
      '    return h * 2.0 + 1.0',
      '',
      '',
      'if __name__ == "__main__":',
      '    scale_shift(torch.randn(8, 1024, 768))',
    ].join('\n');
    assert.deepEqual(linesOf(await findings(text), 'MW201'), [6]);
  });

  it('a name in a string literal between two ops does not hide their chain either', async () => {
    const text = [
      '# memwall: B=8 T=1024 C=768',
      'import torch',
      '',
      '',
      'def scale_shift(x, log):',
      '    h = torch.sigmoid(x)',
      '    log("h")',
      '    return h * 2.0 + 1.0',
      '',
      '',
      'if __name__ == "__main__":',
      '    scale_shift(torch.randn(8, 1024, 768), print)',
    ].join('\n');
    assert.deepEqual(linesOf(await findings(text), 'MW201'), [6]);
  });
});

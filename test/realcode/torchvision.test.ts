// Real code nobody here wrote: torchvision's classification builders, read unmodified from the installed package, priced
// against what PyTorch dispatches for the same model (test/realcode/torchvision-oracle.py; issue 13's proof).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FLOP_TOLERANCE, PRICED_SHARE, PYTHON, compareBuilder, formatRows, runOracle, torchvisionAvailable, type BuilderRow,
} from '../../bench/torchvision';

describe('torchvision: static FLOPs against PyTorch, on the installed models', () => {
  const available = torchvisionAvailable();
  if (!available && process.env.CI) {
    it('needs python3-torch and python3-torchvision', () => {
      assert.fail(`${PYTHON} cannot import torch and torchvision: install Debian's python3-torch and python3-torchvision (apt-get install -y python3-torchvision); .ci/run does`);
    });
    return;
  }
  const skip = available ? false : `${PYTHON} cannot import torchvision: install Debian's python3-torchvision to run this test (skipped outside CI)`;

  // The oracle takes about a minute and a half on two cores when its cache is cold; 36 CLI runs follow.
  it('prices every builder within 2% of the dispatched conv + matmul FLOPs, and 95% of its ops without --input', { skip, timeout: 900_000 }, () => {
    const oracle = runOracle();
    const rows: BuilderRow[] = Object.entries(oracle.builders).map(([name, entry]) => compareBuilder(name, entry));
    console.log(`torch ${oracle.torch}, torchvision ${oracle.torchvision}\n${formatRows(rows)}`);
    assert.equal(rows.length, 18, 'the oracle covers the 18 builders of issue 13');
    // Every builder is checked before the test fails, so that one run says which builders miss which bar.
    const failures: string[] = [];
    for (const row of rows) {
      if (!row.oracle.docs_agree) failures.push(`${row.builder}: the oracle's eval count disagrees with torchvision's docs (${row.oracle.docs_gmacs} GMACs)`);
      if (row.sized.failure) failures.push(`${row.builder}: ${row.sized.failure}`);
      else if (Math.abs(row.flopError as number) > FLOP_TOLERANCE) {
        failures.push(`${row.builder}: static ${row.sized.flops} FLOPs against the oracle's ${row.oracle.total} (${((row.flopError as number) * 100).toFixed(2)}%)`);
      }
      if (row.unsized.failure) failures.push(`${row.builder}: without --input, ${row.unsized.failure}`);
      else if (row.wholeFile || row.pricedShare === null || row.pricedShare < PRICED_SHARE) {
        failures.push(`${row.builder}: ${row.unsized.priced} of ${row.unsized.nonView} non-view ops priced without --input${row.wholeFile ? ' (whole file: no --entry)' : ''}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} misses:\n${failures.join('\n')}`);
  });
});

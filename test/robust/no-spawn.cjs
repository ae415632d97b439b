// Preloaded into the server under test (NODE_OPTIONS=--require): any attempt to start a process is written to stderr.
const childProcess = require('node:child_process');
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  const original = childProcess[name];
  childProcess[name] = function (...args) {
    process.stderr.write(`MEMWALL-SPAWNED ${name} ${JSON.stringify(args[0])}\n`);
    return original.apply(this, args);
  };
}

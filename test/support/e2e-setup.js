// e2e tests run the bundled CLI: bundle the current sources first so they never test a stale build.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = async () => {
  execFileSync(process.execPath, [join(__dirname, '..', '..', 'infra', 'local', 'bundle.mjs')], { stdio: 'inherit' });
};

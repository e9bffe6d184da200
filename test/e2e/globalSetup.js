/**
 * Before the end-to-end suites: the unit suites' scratch folder, and Chromium, which the editor
 * tests drive, checked up front (npm run test:e2e installs it when missing, as it does PostgreSQL
 * and Redis, which scripts/services.js installs too when jest is run alone). Then every n8n
 * version the suites use, installed side by side on first use (once per version, into the cache)
 * instead of one after another as each suite reaches it. npm run test:all has most likely
 * installed them already, in the background while the unit suite ran; one still being installed
 * by another process is waited for (see installOnce in scripts/n8n.js), never installed twice.
 * And the package, packed once for every suite.
 */
const { E2E_INSTALLS, ensureN8ns, packPackage } = require('../../scripts/n8n');
const { requireCommands } = require('../../scripts/setup');
const scratch = require('../globalSetup');

module.exports = async function globalSetup() {
	requireCommands('The end-to-end tests', ['chromium'], 'apt-get install -y chromium');
	await scratch();
	await ensureN8ns(E2E_INSTALLS);
	// Packed once for every suite: the suites run side by side, and packing rebuilds dist/, which
	// a packing beside it would read half-built. Workers inherit the environment.
	process.env.BRAZE_CDI_E2E_TARBALL = packPackage();
};

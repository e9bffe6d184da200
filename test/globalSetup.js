/**
 * Before any suite: a scratch folder in the project's cache becomes the temporary folder of the
 * test run and of everything it starts, so that nothing is left in the system's (see
 * globalTeardown.js, which fails the run when a test left anything in it). The TLS test makes
 * its certificate with openssl, checked up front.
 */
const { exitOnSignals, requireCommands, useScratchFolder } = require('../scripts/setup');

module.exports = async function globalSetup() {
	requireCommands('The TLS test', ['openssl'], 'apt-get install -y openssl');
	useScratchFolder('jest');
	exitOnSignals();
};

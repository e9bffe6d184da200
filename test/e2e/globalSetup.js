/**
 * Before the end-to-end suites: the unit suites' scratch folder, and Chromium, which the editor
 * tests drive, checked up front (.ci/run installs it; PostgreSQL and Redis are installed by
 * scripts/services.js when missing).
 */
const { requireCommands } = require('../../scripts/setup');
const scratch = require('../globalSetup');

module.exports = async function globalSetup() {
	requireCommands('The end-to-end tests', ['chromium'], 'apt-get install -y chromium');
	await scratch();
};

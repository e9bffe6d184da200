/**
 * Before the end-to-end suites: the unit suites' scratch folder, and Chromium, which the editor
 * tests drive, checked up front (npm run test:e2e installs it when missing, as it does PostgreSQL
 * and Redis, which scripts/services.js installs too when jest is run alone).
 */
const { requireCommands } = require('../../scripts/setup');
const scratch = require('../globalSetup');

module.exports = async function globalSetup() {
	requireCommands('The end-to-end tests', ['chromium'], 'apt-get install -y chromium');
	await scratch();
};

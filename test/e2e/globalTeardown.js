/** After the end-to-end suites: the package globalSetup packed, then the scratch folder's check. */
const { removePack } = require('../../scripts/n8n');
const checkScratch = require('../globalTeardown');

module.exports = async function globalTeardown() {
	removePack(process.env.BRAZE_CDI_E2E_TARBALL);
	await checkScratch();
};

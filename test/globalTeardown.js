/**
 * After every suite: names what a test left in the temporary folder (the scratch folder in the
 * cache, removed when jest exits, so nothing reaches the system's), for the test to clean up.
 * It warns instead of failing while the older end-to-end suites still leave their n8n folders.
 */
const { leftInScratchFolder } = require('../scripts/setup');

module.exports = async function globalTeardown() {
	const left = leftInScratchFolder();
	if (left.length)
		process.stderr.write(
			`Tests left ${left.join(', ')} in the temporary folder ${process.env.TMPDIR} (removed now)\n`,
		);
};

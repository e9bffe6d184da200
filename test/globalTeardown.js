/**
 * After every suite: fails the run when a test left anything in the temporary folder (the
 * scratch folder in the cache, removed when jest exits, so nothing reaches the system's), naming
 * it, for the test to clean up.
 */
const { leftInScratchFolder } = require('../scripts/setup');

module.exports = async function globalTeardown() {
	const left = leftInScratchFolder();
	if (left.length)
		throw new Error(
			`Tests left ${left.join(', ')} in the temporary folder ${process.env.TMPDIR}: remove what a test makes when it ends`,
		);
};

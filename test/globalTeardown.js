/**
 * After every suite: fails the run when a test left a file or folder in the temporary folder
 * (every test removes what it made, passed or failed); the folder itself goes when jest exits.
 */
const { leftInScratchFolder } = require('../scripts/setup');

module.exports = async function globalTeardown() {
	const left = leftInScratchFolder();
	if (left.length)
		throw new Error(`Tests left ${left.join(', ')} in the temporary folder ${process.env.TMPDIR}`);
};

/** The package as users get it from the registry, packed once for every suite by globalSetup.js. */
export function packedPackage(): string {
	const tarball = process.env.BRAZE_CDI_E2E_TARBALL;
	if (!tarball)
		throw new Error('No packed package: run the end-to-end suites with jest -c jest.e2e.config.js');
	return tarball;
}

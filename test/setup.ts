import nock from 'nock';

// No test may reach a real network; each test sets up the pages it expects to be read.
// Each test file gets its own copy of nock, so each one unhooks itself from node's http when done.
beforeAll(() => {
	if (!nock.isActive()) nock.activate();
	nock.disableNetConnect();
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.restore());

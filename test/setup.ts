import nock from 'nock';

// No test may reach a real network; each test sets up the pages it expects to be read.
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

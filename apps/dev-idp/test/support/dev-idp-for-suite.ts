import { DevIdpHarness, type DevIdpHarnessOptions } from '@auth-bus/testing';

/**
 * One real dev-idp for a test file: started before its tests, stopped after them. Returns the
 * accessor of the running harness (there once `beforeAll` has run).
 */
export function devIdpForSuite(options?: DevIdpHarnessOptions): () => DevIdpHarness {
  let idp: DevIdpHarness | undefined;
  beforeAll(async () => {
    idp = await DevIdpHarness.start(options);
  }, 90_000);
  afterAll(async () => {
    await idp?.stop();
  });
  return () => {
    if (!idp) throw new Error('dev-idp is not running (used outside the suite\'s tests?)');
    return idp;
  };
}

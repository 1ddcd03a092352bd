/**
 * component-web's start-up (the real `next start` of the production build): production mode
 * refuses settings that cannot be safe, naming the variable (issues 13, 15); development says
 * once — in its own words — that the local provider runs over plain HTTP (issue 16).
 */
import { ComponentWebHarness, waitFor } from '@auth-bus/testing';

jest.setTimeout(120_000);

const PRODUCTION = {
  AUTH_BUS_ENV: 'production',
  STREAMLIT_ORIGINS: 'https://apps.example.com',
  AUTH0_CLIENT_SECRET: 'a-real-tenant-secret',
  AUTH0_DOMAIN: 'https://tenant.example.com',
};

async function refusal(env: Record<string, string>): Promise<string> {
  try {
    const web = await ComponentWebHarness.start({ env, timeout: 10_000 });
    await web.stop();
    return 'started';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('component-web start-up', () => {
  it('refuses to start in production with a wildcard Streamlit origin or the development client secret, naming the variable', async () => {
    expect(await refusal({ ...PRODUCTION, STREAMLIT_ORIGINS: 'https://apps.example.com http://localhost:*' })).toMatch(
      /refusing to start: STREAMLIT_ORIGINS must list the Streamlit origins explicitly/,
    );
    expect(await refusal({ ...PRODUCTION, AUTH0_CLIENT_SECRET: 'component-web-dev-secret' })).toMatch(/refusing to start: AUTH0_CLIENT_SECRET is the development default/);
  });

  it('refuses to start with a value that cannot work, naming the variable (development too)', async () => {
    expect(await refusal({ RELAY_ORIGINS: 'ws://localhost:8888 http://localhost:8888' })).toMatch(/refusing to start: RELAY_ORIGINS: "http:\/\/localhost:8888" is not an origin/);
    expect(await refusal({ ...PRODUCTION, AUTH_BUS_ENV: 'prod' })).toMatch(/refusing to start: AUTH_BUS_ENV must be development or production/);
  });

  it('says once that the development provider runs over plain HTTP, instead of the SDK warning per client', async () => {
    const web = await ComponentWebHarness.start({ auth0Domain: 'http://localhost:4400' });
    try {
      // load both bundles (the proxy with the SDK's routes, and the route handlers)
      await fetch(`${web.url}/auth/login`, { redirect: 'manual' }).catch(() => undefined);
      await fetch(`${web.url}/streamlit`);
      await fetch(`${web.url}/api/session/refresh`, { method: 'POST' });
      await waitFor(() => web.logLines.some((l) => l.includes('runs over plain HTTP')) || undefined, { what: 'the plain-HTTP notice' });
      await new Promise((r) => setTimeout(r, 500));
      expect(web.logLines.filter((l) => l.includes('runs over plain HTTP'))).toHaveLength(1);
      expect(web.logLines.filter((l) => l.includes('allowInsecureRequests is enabled'))).toEqual([]);
    } finally {
      await web.stop();
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launchChromium } from '@auth-bus/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { expectAllStopped, stepRunner, streamlitPage, tail } from './support/journey';

/**
 * The user journey against Keycloak 26 instead of dev-idp: the realm of
 * infra/keycloak/realm-auth-bus.json, the system started by the same launcher as `npm start`
 * with `keycloakEnv()` — configuration only, no code path of its own. One journey: login through
 * Keycloak's own form in the popup, secure and scoped calls, reload, the silent refresh of a
 * 60-second token, logout through Keycloak's end_session_endpoint, and a second login.
 * Screenshots and, on failure, the page and the logs go to artifacts/e2e-keycloak/.
 */
// The very launchers `npm start` runs (tools/ and infra/ are not npm packages, hence the paths).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../../tools/dev/system.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const keycloakLauncher = require('../../infra/keycloak/index.cjs');

const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'e2e-keycloak');
const APP_URL = `http://localhost:${system.PORTS.streamlit}`;
const WEB_URL = `http://localhost:${system.PORTS.componentWeb}`;
const API_AUDIENCE = 'http://localhost:8888/api';
// the realm's users (fixed ids, so `sub` is known), mirroring dev-idp's alice and bob
const USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example', sub: '5d1f7a3e-0a11-4c3e-9a6b-a11ce0000001' },
  bob: { email: 'bob@example.com', password: 'bob-password', name: 'Bob Example', sub: '5d1f7a3e-0a11-4c3e-9a6b-b0b000000002' },
};

interface KeycloakHandle {
  port: number;
  issuer: string;
  startedInMs: number;
  freshRealm: boolean;
  lines: string[];
  stop: () => Promise<void>;
}

let keycloak: KeycloakHandle | undefined;
let running: { stop: () => Promise<void>; lines: string[]; processes: () => number[]; exited: Promise<unknown> } | undefined;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
let page: Page;
const timings: Record<string, number | boolean> = {};
const runStartedAt = new Date();

const step = stepRunner(ARTIFACTS, () => page, () => ({ services: tail(running?.lines), keycloak: tail(keycloak?.lines) }));

const { componentFrame, text, waitForAppIdle, click, openLoginPopup, submitLogin, logOut, reloadStaysLoggedIn, callTheApis, secureCallRefusedAfterLogout, scopedAndAuditRefused } =
  streamlitPage(() => page);

/** Logs in through the component's popup, on Keycloak's own login form. Returns the popup's URLs. */
async function logIn(user: keyof typeof USERS): Promise<string[]> {
  const { email, password, name } = USERS[user];
  const popup = await openLoginPopup();
  const visited: string[] = [];
  popup.on('framenavigated', (frame) => frame === popup.mainFrame() && visited.push(frame.url()));
  // Keycloak's login form (theme keycloak.v2): #username, #password, #kc-login
  await popup.locator('#username').fill(email);
  await popup.locator('#password').fill(password);
  visited.push(popup.url());
  const { submittedAt, unlockedAt } = await submitLogin(popup, popup.locator('#kc-login'), name);
  timings[`${user}_login_to_unlocked_ms`] = unlockedAt - submittedAt;
  return visited;
}

/** The verified identity Streamlit shows under "Show debug info" (never the token itself). */
async function shownTokenHash(): Promise<string | undefined> {
  const json = await page.getByTestId('stJson').first().innerText().catch(() => '');
  return /"?token_hash"?\s*:\s*"?([0-9a-f]{16})/.exec(json)?.[1];
}

const claimsOf = (jwt: string): Record<string, any> => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

/**
 * The authorization-code flow with PKCE as component-web runs it, driven over plain HTTP
 * (Keycloak's form, its cookies carried by hand): the tokens Keycloak issues for `user`.
 */
async function codeFlowTokens(issuer: string, user: keyof typeof USERS): Promise<Record<string, any>> {
  const redirectUri = `${WEB_URL}/auth/callback`;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const cookies = new Map<string, string>();
  const remember = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  };
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const authorize = new URL(`${issuer}/protocol/openid-connect/auth`);
  authorize.search = new URLSearchParams({
    client_id: 'component-web',
    response_type: 'code',
    scope: 'openid profile email offline_access',
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();
  const form = await fetch(authorize);
  remember(form);
  const action = /action="([^"]+)"/.exec(await form.text())?.[1]?.replaceAll('&amp;', '&');
  expect(action).toBeDefined();
  const submitted = await fetch(action!, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader() },
    body: new URLSearchParams({ username: USERS[user].email, password: USERS[user].password }),
  });
  const location = submitted.headers.get('location') ?? '';
  expect(location.startsWith(redirectUri)).toBe(true);
  const code = new URL(location).searchParams.get('code');
  const token = await fetch(`${issuer}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`component-web:${keycloakLauncher.keycloakEnv().AUTH0_CLIENT_SECRET}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri, code_verifier: verifier }),
  });
  expect(token.status).toBe(200);
  return (await token.json()) as Record<string, any>;
}

beforeAll(async () => {
  const startedAt = Date.now();
  // fetched and unpacked on a clean clone (~150 MB from Maven Central), then cached
  keycloakLauncher.ensureKeycloak({ log: () => undefined });
  timings.keycloak_fetch_ms = Date.now() - startedAt;
  const port = await freePort();
  // Keycloak and the system start side by side: nothing asks Keycloak anything before a login
  const keycloakStarted = keycloakLauncher.startKeycloak({ port, log: () => undefined }).then((kc: KeycloakHandle) => (keycloak = kc));
  const systemStarted = (async () => {
    running = await system.startSystem({ output: () => undefined, extraEnv: keycloakLauncher.keycloakEnv(port, { permissionsClaim: 'realm_access.roles' }) });
    await system.waitHealthy({ timeoutMs: 240_000, exited: running!.exited });
  })();
  const [kc, sys] = await Promise.allSettled([keycloakStarted, systemStarted]);
  if (kc.status === 'rejected') throw kc.reason;
  if (sys.status === 'rejected') throw sys.reason;
  timings.keycloak_start_ms = keycloak!.startedInMs;
  timings.keycloak_fresh_realm = keycloak!.freshRealm;
  timings.everything_started_ms = Date.now() - startedAt;
  browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  await keycloak?.stop();
  writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify({ ...timings, at: runStartedAt.toISOString() }, null, 2)}\n`);
}, 60_000);

describe('the user journey against Keycloak', () => {
  it('0. the realm issues what the services need: the API audience, permissions in a claim and as roles, 60 s tokens', async () => {
    const alice = await codeFlowTokens(keycloak!.issuer, 'alice');
    const claims = claimsOf(alice.access_token);
    expect(claims.iss).toBe(keycloak!.issuer);
    expect(claims.aud).toEqual(expect.arrayContaining([API_AUDIENCE]));
    expect(claims.azp).toBe('component-web');
    expect(claims.sub).toBe(USERS.alice.sub);
    expect(claims.name).toBe(USERS.alice.name);
    expect([...claims.permissions].sort()).toEqual(['admin:sessions', 'read:audit', 'read:messages']);
    expect(claims.realm_access.roles).toEqual(expect.arrayContaining(['read:audit', 'read:messages']));
    expect([...claims.resource_access['auth-bus-api'].roles].sort()).toEqual(['admin:sessions', 'read:audit', 'read:messages']);
    // 60 s lifetime (Keycloak rounds iat and exp separately: the difference may be 61; and
    // expires_in counts from the moment of the answer, so it may read 59)
    expect(alice.expires_in).toBeGreaterThanOrEqual(59);
    expect(alice.expires_in).toBeLessThanOrEqual(60);
    expect(Math.abs(claims.exp - claims.iat - 60)).toBeLessThanOrEqual(1);
    expect(alice.refresh_token).toEqual(expect.any(String));
    const bob = claimsOf((await codeFlowTokens(keycloak!.issuer, 'bob')).access_token);
    expect(bob.permissions ?? []).toEqual([]);
    expect(bob.realm_access.roles).not.toContain('read:messages');
  });

  it('1. logs alice in through the popup on Keycloak’s own login form', async () => {
    await step('01-logged-in', async () => {
      await page.goto(APP_URL);
      await componentFrame().getByRole('button', { name: 'Log in' }).waitFor({ timeout: 60_000 });
      await text(/please log in/i).waitFor();
      const visited = await logIn('alice');
      expect(visited.some((url) => url.startsWith(`${keycloak!.issuer}/protocol/openid-connect/auth`))).toBe(true);
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
    });
  });

  it('2. calls the secure and scoped APIs with the Keycloak token, and a delegated WebRequest', async () => {
    await step('02-secure-calls', async () => {
      await callTheApis(() => text(`sub: ${USERS.alice.sub}`).waitFor());
    });
  });

  it('3. stays logged in across a reload, without a new login', async () => {
    await step('03-after-reload', async () => {
      await reloadStaysLoggedIn(USERS.alice.name);
    });
  });

  it('4. refreshes the 60-second token silently, and Streamlit verifies the new one', async () => {
    await step('04-refreshed', async () => {
      await page.getByText('Show debug info').click();
      await waitForAppIdle();
      const before = await shownTokenHash();
      expect(before).toMatch(/^[0-9a-f]{16}$/);
      const startedAt = Date.now();
      // the frame refreshes 12 s before expiry; allow the token's whole minute and then some
      let after = before;
      while (after === before && Date.now() - startedAt < 90_000) {
        await page.waitForTimeout(1000);
        after = await shownTokenHash();
      }
      expect(after).toMatch(/^[0-9a-f]{16}$/);
      expect(after).not.toBe(before);
      timings.refresh_seen_after_ms = Date.now() - startedAt;
      await page.getByText('Show debug info').click();
      await waitForAppIdle();
      await click('Call Scoped API');
      await text(/read:messages/).waitFor();
    });
  }, 150_000);

  it('5. logs out through Keycloak’s end_session_endpoint: the page locks and a secure call fails', async () => {
    await step('05-logged-out', async () => {
      const visited = await logOut();
      expect(visited.some((url) => url.startsWith(`${keycloak!.issuer}/protocol/openid-connect/logout`))).toBe(true);
      expect(visited.some((url) => url.startsWith(`${WEB_URL}/auth/logged-out`))).toBe(true);
      await secureCallRefusedAfterLogout(USERS.alice.name);
    });
  });

  it('6. logs in again — Keycloak asks for the password, its session ended — as bob, who lacks the permission', async () => {
    await step('06-bob-forbidden', async () => {
      await logIn('bob');
      await scopedAndAuditRefused();
    });
  });

  it('stops Keycloak and the whole system cleanly: no process left, every port free', async () => {
    await browser?.close();
    browser = undefined;
    await running!.stop();
    await keycloak!.stop();
    await expectAllStopped(running!.processes(), [...(Object.values(system.PORTS) as number[]), keycloak!.port]);
  });
});

import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '@auth-bus/testing';
import jwt from 'jsonwebtoken';
import type { BrowserContext, Frame, Page } from 'playwright-core';
import { DEV_USERS, expectAllStopped, stepRunner, streamlitPage, tail } from './support/journey';

/**
 * The whole system as a user lives it: a real Chromium, the real Streamlit app, the real
 * component, dev-idp, NATS and every service — started by the same code as `npm start`.
 * Steps run in order and share one browser; each saves a screenshot in artifacts/e2e/.
 */
// The very launcher `npm start` runs (tools/ is not an npm package, hence the path).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../../tools/dev/system.cjs');

const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'e2e');
const APP_URL = `http://localhost:${system.PORTS.streamlit}`;
/** The same Streamlit app on another site than component-web (localhost): cross-site frame. */
const APP_URL_OTHER_SITE = `http://127.0.0.1:${system.PORTS.streamlit}`;
const WEB_URL = `http://localhost:${system.PORTS.componentWeb}`;
/** Streamlit's WebSocket server refuses a handshake with a header line above this (uvicorn + websockets). */
const STREAMLIT_HEADER_LINE_LIMIT = 8192;
const IDP_URL = `http://localhost:${system.PORTS.devIdp}`;
const USERS = DEV_USERS;

let running: { stop: () => Promise<void>; lines: string[]; processes: () => number[] } | undefined;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
let page: Page;
const runStartedAt = new Date();
const timings: Record<string, number> = {};

/** Runs one step; on failure saves the page HTML and the last service log lines next to the screenshots. */
const step = stepRunner(ARTIFACTS, () => page, () => ({ services: tail(running?.lines) }));

const { componentFrame, text, waitForAppIdle, click, openPage, logInThroughPopup, logOut, reloadStaysLoggedIn, callTheApis, secureCallRefusedAfterLogout, scopedAndAuditRefused } =
  streamlitPage(() => page);

/** Logs in through the component's popup; returns ms from the form's submit to `name` in Streamlit. */
async function logIn(user: keyof typeof USERS): Promise<number> {
  let callbackAt = 0;
  const watchCallback = (popup: Page) =>
    popup.on('request', (req) => {
      if (req.url().includes('/auth/callback')) callbackAt = Date.now();
    });
  const { submittedAt, unlockedAt } = await logInThroughPopup(USERS[user], { onPopup: watchCallback });
  if (callbackAt) {
    // Where the time goes: the identity provider's redirects vs our hand-off to Streamlit.
    timings[`${user}_submit_to_callback_ms`] = callbackAt - submittedAt;
    timings[`${user}_callback_to_unlocked_ms`] = unlockedAt - callbackAt;
  }
  return unlockedAt - submittedAt;
}

beforeAll(async () => {
  const startedAt = Date.now();
  running = await system.startSystem({ output: () => undefined });
  await system.waitHealthy({ timeoutMs: 240_000, exited: (running as any).exited });
  timings.system_start_ms = Date.now() - startedAt;
  browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify({ ...timings, at: runStartedAt.toISOString() }, null, 2)}\n`);
}, 60_000);

describe('the user journey', () => {
  it('1–2. opens the app logged out: the login bar renders in its frame and gated pages ask to log in', async () => {
    await step('01-logged-out', async () => {
      await page.goto(APP_URL);
      await componentFrame().getByRole('button', { name: 'Log in' }).waitFor({ timeout: 60_000 });
      // APP_HOSTNAME (the demo's default), shown in the bar as the article's component did
      expect(await componentFrame().getByTestId('hostname').innerText()).toBe('Streamlit demo');
      await text(/please log in/i).waitFor();
      await openPage('Audit');
      await text(/please log in/i).waitFor();
      await openPage('Home');
    });
  });

  it('3. logs alice in through the popup, and Streamlit shows her name and unlocks the pages', async () => {
    await step('02-logged-in', async () => {
      timings.login_to_unlocked_ms = await logIn('alice');
      console.log(
        `login-to-unlocked (form submit → "Alice Example" in Streamlit): ${timings.login_to_unlocked_ms} ms ` +
          `(submit → /auth/callback ${timings.alice_submit_to_callback_ms} ms, callback → unlocked ${timings.alice_callback_to_unlocked_ms} ms)`,
      );
      // Streamlit replaces the previous run's elements when the rerun finishes: wait, don't sample.
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
    });
  });

  it('4. calls the secure and scoped APIs over the bus, and a delegated WebRequest through the relay', async () => {
    await step('03-secure-calls', async () => {
      await callTheApis(async () => {
        await text(/answered by `?api-service-/).waitFor();
        expect(await page.getByText(/sub: /).first().innerText()).toMatch(/sub: \S+/);
      });
    });
  });

  it("4b. calls the article's Flask API through http-bridge, and posts a note and sees it listed", async () => {
    await step('03b-legacy-api-and-notes', async () => {
      await click('Call Legacy Flask API');
      await text(/Flask API 200: All good\. You only get this message if you're authenticated/).waitFor();
      await text(/route `?legacy-pong`?/).waitFor();
      const note = `e2e note ${runStartedAt.getTime()}`;
      await page.getByLabel('New note').fill(note);
      await click('Post note');
      await text('Note posted.').waitFor();
      await page.locator('[data-testid="stTable"]').getByText(note, { exact: true }).waitFor();
    });
  });

  it('5. stays logged in across a reload, without a new login', async () => {
    await step('04-after-reload', async () => {
      await reloadStaysLoggedIn(USERS.alice.name);
    });
  });

  it('6. logs out: the page locks again and a secure call fails with a clear message', async () => {
    await step('05-logged-out-again', async () => {
      await logOut();
      await secureCallRefusedAfterLogout(USERS.alice.name);
    });
  });

  it('7. logs bob in: the scoped call shows the permission error and the Audit page is refused', async () => {
    await step('06-bob-forbidden', async () => {
      await logIn('bob');
      await scopedAndAuditRefused();
    });
  });

  it("8. as alice, the Audit page lists this run's login, allowed, denied and logout events", async () => {
    await step('07-audit', async () => {
      await openPage('Home');
      await logOut();
      await logIn('alice');
      await openPage('Audit');
      await text('Events in stream').waitFor();
      // The page's "Events by kind" table counts this run's events (the window is the last 15 minutes).
      const byKind = page.getByTestId('stTable').filter({ hasText: 'login.verified' });
      await byKind.waitFor();
      const counts = await byKind.innerText();
      for (const kind of ['login.verified', 'api.allowed', 'api.denied', 'logout']) {
        expect(counts).toMatch(new RegExp(`${kind.replace('.', '\\.')}\\s+[1-9]`));
      }
    });
  });

  it('9. a forged token sent to the Streamlit host through the component channel is rejected', async () => {
    await step('08-forged-token-rejected', async () => {
      await openPage('Home');
      await logOut();
      const jwks = (await (await fetch(`${IDP_URL}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const now = Math.floor(Date.now() / 1000);
      const forged = jwt.sign(
        { sub: 'dev|mallory', permissions: ['read:messages', 'read:audit'], scope: 'openid profile email', iat: now, exp: now + 3600 },
        privateKey,
        { algorithm: 'RS256', keyid: jwks.keys[0].kid, issuer: `${IDP_URL}/`, audience: 'http://localhost:8888/api' },
      );
      const frame = page.frames().find((f: Frame) => f.url().includes('/streamlit'));
      expect(frame).toBeDefined();
      await frame!.evaluate((token) => {
        const value = {
          name: 'onStatusUpdate',
          seq: 1_000_000,
          data: { user: { name: 'Mallory Forger', sub: 'dev|mallory' }, token: { value: token, expiry: Math.floor(Date.now() / 1000) + 3600 }, cause: 'login' },
        };
        window.parent.postMessage({ isStreamlitMessage: true, type: 'streamlit:setComponentValue', value, dataType: 'json' }, '*');
      }, forged);
      await text(/rejected/i).waitFor();
      await expect(text('Mallory Forger').isVisible()).resolves.toBe(false);
      await text(/please log in/i).waitFor();
    });
  });

  it('10. carol, whose access token is ~7 KB, logs in and reloads: Streamlit still connects (no component-web cookie on its WebSocket)', async () => {
    await step('09-big-token-reload', async () => {
      await page.goto(APP_URL);
      await waitForAppIdle();
      await logIn('carol');
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
      const context = page.context();
      // every cookie component-web set, and what the browser sends with Streamlit's WebSocket handshake
      const webCookies = await context.cookies([`${WEB_URL}/auth/callback`, `${WEB_URL}/api/session/refresh`]);
      const toStreamlit = await context.cookies(`${APP_URL}/_stcore/stream`);
      const cookieLine = `Cookie: ${toStreamlit.map((c) => `${c.name}=${c.value}`).join('; ')}`;
      const sizes = Object.fromEntries(webCookies.map((c) => [`${c.name} (path ${c.path})`, c.name.length + 1 + c.value.length]));
      console.log(`component-web cookies after carol's login (bytes): ${JSON.stringify(sizes)}`);
      console.log(`cookies sent with Streamlit's WebSocket handshake: ${toStreamlit.map((c) => c.name).join(', ') || 'none'} (${cookieLine.length} bytes)`);
      timings.big_token_cookie_bytes_total = Object.values(sizes).reduce((a, b) => a + b, 0);
      timings.streamlit_handshake_cookie_line_bytes = cookieLine.length;
      // the SDK's session is big (it would have broken the handshake with path /) …
      expect(timings.big_token_cookie_bytes_total).toBeGreaterThan(STREAMLIT_HEADER_LINE_LIMIT);
      // … and none of it reaches Streamlit
      expect(toStreamlit.filter((c) => /^(__session|__cwf|__txn_)/.test(c.name))).toEqual([]);
      expect(cookieLine.length).toBeLessThan(STREAMLIT_HEADER_LINE_LIMIT);

      const pagesBefore = context.pages().length;
      await page.reload();
      await text(USERS.carol.name).waitFor({ timeout: 30_000 });
      // the WebSocket is up: a rerun through it answers
      await click('Call Secure API');
      await text(/SECURE/).waitFor();
      expect(context.pages().length).toBe(pagesBefore);
      await logOut();
    });
  });

  it('11. with Streamlit on 127.0.0.1 (another site than component-web on localhost), the login survives a reload', async () => {
    await step('10-cross-site-reload', async () => {
      await page.goto(APP_URL_OTHER_SITE);
      await waitForAppIdle();
      await logIn('alice');
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
      await reloadStaysLoggedIn(USERS.alice.name);
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
      await logOut();
    });
  });

  it('stops the whole system cleanly: no process left, every port free', async () => {
    await browser?.close();
    browser = undefined;
    await running!.stop();
    await expectAllStopped(running!.processes(), Object.values(system.PORTS) as number[]);
  });
});

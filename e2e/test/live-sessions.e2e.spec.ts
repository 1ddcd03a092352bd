import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium } from '@auth-bus/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { componentFrame, DEV_USERS, firstText, logInThroughPopup, stepRunner, tail, waitForAppIdle } from './support/journey';

/**
 * Live sessions (issue 21 item 3) as users live them: a real Chromium with two tabs of one
 * browser and a second browser, the real Streamlit app, component, relay, dev-idp, NATS and
 * services — started by the same code as `npm start` (run under the standard-ports lock).
 * "Log out everywhere" in one tab locks the other tab and the other browser; logging in again
 * in the first tab unlocks the second tab of the same browser with no login there; the revoked
 * token, replayed to the relay's HTTP gateway, is refused as `revoked`.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../../tools/dev/system.cjs');

const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'e2e', 'live-sessions');
const APP_URL = `http://localhost:${system.PORTS.streamlit}`;
const RELAY_URL = `http://localhost:${system.PORTS.hostRelay}`;
const LOCKED = /please log in/i;

let running: { stop: () => Promise<void>; lines: string[] } | undefined;
let browserA: { context: BrowserContext; close: () => Promise<void> } | undefined;
let browserB: { context: BrowserContext; close: () => Promise<void> } | undefined;
let tab1: Page;
let tab2: Page;
let other: Page;
let current: Page | undefined;
/** Alice's access token in tab 1 before the revocation (read from the frame's storage). */
let revokedToken = '';
const timings: Record<string, number> = {};

/** What the pages (and their frames) wrote to the console, for a failed step's logs. */
const consoleLines: string[] = [];
const step = stepRunner(ARTIFACTS, () => current, () => ({ services: tail(running?.lines), console: tail(consoleLines) }));

/** The access token the login bar's frame keeps in its storage (localforage → IndexedDB). */
async function storedToken(page: Page): Promise<string> {
  const frame = page.frames().find((f) => f.url().includes('/streamlit'));
  if (!frame) throw new Error('no component frame on the page');
  return frame.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('auth-bus-component');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const read = open.result.transaction('session', 'readonly').objectStore('session').get('session');
          read.onsuccess = () => resolve(read.result?.token?.value ?? '');
          read.onerror = () => reject(read.error);
        };
      }),
  );
}

const pong = (token: string) => fetch(`${RELAY_URL}/api/pong`, { headers: { Authorization: `Bearer ${token}` } });

async function openApp(page: Page): Promise<void> {
  await page.goto(APP_URL);
  await componentFrame(page).locator('[data-ready="true"]').waitFor({ timeout: 60_000 });
  await waitForAppIdle(page);
}

beforeAll(async () => {
  running = await system.startSystem({ output: () => undefined });
  await system.waitHealthy({ timeoutMs: 240_000, exited: (running as any).exited });
  [browserA, browserB] = await Promise.all([launchChromium({ viewport: { width: 1200, height: 800 } }), launchChromium({ viewport: { width: 1200, height: 800 } })]);
  tab1 = await browserA.context.newPage();
  tab2 = await browserA.context.newPage();
  other = await browserB.context.newPage();
  for (const [name, page] of Object.entries({ tab1, tab2, other })) {
    page.setDefaultTimeout(30_000);
    page.on('console', (message) => consoleLines.push(`${name} ${message.type()}: ${message.text()}`));
  }
}, 300_000);

afterAll(async () => {
  await Promise.all([browserA?.close(), browserB?.close()]);
  await running?.stop();
  writeFileSync(join(ARTIFACTS, 'timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
}, 60_000);

describe('live sessions', () => {
  it('1. alice is logged in in two tabs of one browser and in a second browser', async () => {
    current = tab1;
    await step('01-two-tabs-and-another-browser', async () => {
      await openApp(tab1);
      await logInThroughPopup(tab1, DEV_USERS.alice);
      // The second tab restores the session from the frame's storage: no login there.
      await openApp(tab2);
      await firstText(tab2, DEV_USERS.alice.name).waitFor();
      current = other;
      await openApp(other);
      await logInThroughPopup(other, DEV_USERS.alice);
      revokedToken = await storedToken(tab1);
      expect(revokedToken.split('.')).toHaveLength(3);
      expect((await pong(revokedToken)).status).toBe(200);
    });
  });

  it('2. "Log out everywhere" in tab 1 locks tab 2 and the other browser, and ends the provider session', async () => {
    current = tab1;
    await step('02-log-out-everywhere', async () => {
      await tab1.getByRole('link', { name: /My identity/ }).first().click();
      await tab1.waitForURL(/\/profile/);
      await waitForAppIdle(tab1);
      const logoutWindow = tab1.context().waitForEvent('page', { timeout: 10_000 }).catch(() => undefined);
      const clicked = Date.now();
      await tab1.getByRole('button', { name: 'Log out everywhere' }).click();
      await Promise.all(
        [tab2, other].map(async (page, i) => {
          await firstText(page, LOCKED).waitFor({ timeout: 15_000 });
          timings[i === 0 ? 'click_to_tab2_locked_ms' : 'click_to_other_browser_locked_ms'] = Date.now() - clicked;
        }),
      );
      await firstText(tab1, LOCKED).waitFor();
      // Where the time went: the click's script run up to the relay's push, then the push to the pages.
      const pushed = running?.lines.find((l) => l.includes('"revocation pushed"'));
      const pushedAt = pushed ? Date.parse(/"time":"([^"]+)"/.exec(pushed)?.[1] ?? '') : NaN;
      if (!Number.isNaN(pushedAt)) timings.click_to_relay_push_ms = pushedAt - clicked;
      for (const page of [tab2, other]) await componentFrame(page).getByRole('button', { name: 'Log in' }).waitFor();
      await firstText(tab2, DEV_USERS.alice.name).waitFor({ state: 'hidden' });
      // The provider session ends through component-web's logout window: opened by the frame,
      // or — where the browser blocks a window the frame opens without a click — from its notice.
      let popup = await logoutWindow;
      timings.logout_window_opened_by_frame = popup ? 1 : 0;
      if (!popup) {
        const opened = tab1.context().waitForEvent('page');
        await componentFrame(tab1).getByRole('link', { name: 'Open the logout window' }).click();
        popup = await opened;
      }
      if (!popup.isClosed()) await popup.waitForEvent('close', { timeout: 30_000 });
      current = tab2;
      await expect(componentFrame(tab2).getByTestId('notice').innerText()).resolves.toMatch(/revoked/);
    });
  });

  it('3. the revoked token, replayed to the HTTP gateway, gets 401 revoked', async () => {
    const res = await pong(revokedToken);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string; reason?: string } }).error).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  });

  it('4. logging in again in tab 1 unlocks tab 2 of the same browser with no login there; the other browser stays locked', async () => {
    current = tab2;
    await step('03-login-again-unlocks-tab-2', async () => {
      const openers: (Page | null)[] = [];
      const onPage = (page: Page) => void page.opener().then((opener) => openers.push(opener));
      tab1.context().on('page', onPage);
      await tab1.getByRole('link', { name: /Home/ }).first().click();
      await waitForAppIdle(tab1);
      // The identity provider asks for the password again: its session ended in step 2.
      const submitted = Date.now();
      await logInThroughPopup(tab1, DEV_USERS.alice);
      await firstText(tab2, DEV_USERS.alice.name).waitFor({ timeout: 15_000 });
      timings.login_tab1_to_tab2_unlocked_ms = Date.now() - submitted;
      await firstText(tab2, LOCKED).waitFor({ state: 'hidden' });
      tab1.context().off('page', onPage);
      expect(openers.length).toBeGreaterThan(0);
      expect(openers.every((opener) => opener !== tab2)).toBe(true);
      // A new token, issued after the revocation, is accepted again.
      const fresh = await storedToken(tab2);
      expect(fresh).not.toBe(revokedToken);
      expect((await pong(fresh)).status).toBe(200);
      // The other browser shares nothing with this one: it stays locked.
      await expect(firstText(other, LOCKED).isVisible()).resolves.toBe(true);
    });
  });
});

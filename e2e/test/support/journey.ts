import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';

/** What a failed step leaves next to its screenshot: log files by name (e.g. `services`: its lines). */
export type FailureLogs = () => Record<string, string | undefined>;

/**
 * The step runner every browser journey uses: runs `body`, then saves a full-page screenshot
 * `<prefix><name>.png` in `artifacts`; on failure saves `<name>.failed.png`, the page's HTML and
 * each log of `logs()` as `<name>.<log>.log`, and rethrows.
 */
export function stepRunner(artifacts: string, page: () => Page | undefined, logs: FailureLogs, prefix = '') {
  mkdirSync(artifacts, { recursive: true });
  return async function step(name: string, body: () => Promise<void>): Promise<void> {
    const file = (suffix: string) => join(artifacts, `${prefix}${name}${suffix}`);
    try {
      await body();
      await page()!.screenshot({ path: file('.png'), fullPage: true });
    } catch (err) {
      await page()?.screenshot({ path: file('.failed.png'), fullPage: true }).catch(() => undefined);
      writeFileSync(file('.failed.html'), (await page()?.content().catch(() => '')) ?? '');
      for (const [log, text] of Object.entries(logs())) writeFileSync(file(`.${log}.log`), text ?? '');
      throw err;
    }
  };
}

/** The last `n` lines of a process's output, for a failure log. */
export const tail = (lines: string[] | undefined, n = 200): string => (lines ?? []).slice(-n).join('\n');

/** The login bar's frame on a Streamlit page. */
export const componentFrame = (page: Page): FrameLocator => page.frameLocator('iframe[src*="/streamlit"]');

/** The first element of the page showing `pattern`. */
export const firstText = (page: Page, pattern: string | RegExp): Locator => page.getByText(pattern).first();

/** Streamlit shows a "Running…" status widget while the script runs; waits until it is gone. */
export async function waitForAppIdle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector('[data-testid="stStatusWidget"]'), undefined, { timeout: 30_000 });
}

/** A demo user of dev-idp's seed. */
export interface DemoUser {
  email: string;
  password: string;
  name: string;
}

/** dev-idp's seeded users (apps/dev-idp seed); carol's access token is ~7 KB (a large namespaced claim). */
export const DEV_USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' },
  bob: { email: 'bob@example.com', password: 'bob-password', name: 'Bob Example' },
  carol: { email: 'carol@example.com', password: 'carol-password', name: 'Carol Example' },
} as const;

/** When a login's form was submitted and when the user's name showed on the Streamlit page (ms since the epoch). */
export interface LoginTimes {
  submittedAt: number;
  unlockedAt: number;
}

/** Clicks a Streamlit button and waits for the rerun to finish. */
export async function clickAndWait(page: Page, button: string): Promise<void> {
  await page.getByRole('button', { name: button, exact: true }).click();
  await waitForAppIdle(page);
}

/** Opens a page of the demo app from its navigation (Home lives at the root URL, the others at /<name>). */
export async function openAppPage(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name: new RegExp(name) }).first().click();
  await page.waitForURL(name === 'Home' ? /:\d+\/?$/ : new RegExp(`/${name.toLowerCase()}`));
  await waitForAppIdle(page);
}

/** Clicks the login bar's "Log in" once it is enabled; returns the provider's popup. */
export async function openLoginPopup(page: Page): Promise<Page> {
  const loginButton = componentFrame(page).getByRole('button', { name: 'Log in' });
  await loginButton.waitFor();
  for (let i = 0; i < 100 && !(await loginButton.isEnabled()); i++) await page.waitForTimeout(100);
  if (!(await loginButton.isEnabled())) throw new Error('the login bar\'s "Log in" stayed disabled for 10 s');
  const popupOpened = page.context().waitForEvent('page');
  await loginButton.click();
  return popupOpened;
}

/** Submits the provider's filled-in login form (`submit`: its button) and waits for `name` on the page and the popup to close. */
export async function submitLogin(page: Page, popup: Page, submit: Locator, name: string): Promise<LoginTimes> {
  const popupClosed = popup.waitForEvent('close', { timeout: 30_000 });
  const submittedAt = Date.now();
  await submit.click();
  await firstText(page, name).waitFor({ timeout: 30_000 });
  const unlockedAt = Date.now();
  await popupClosed;
  return { submittedAt, unlockedAt };
}

/**
 * Logs `user` in through the login bar's popup on dev-idp's form (`onPopup` sees the popup first,
 * e.g. to watch its requests); resolves once Streamlit shows the name, with the login's times.
 */
export async function logInThroughPopup(page: Page, user: DemoUser, { onPopup }: { onPopup?: (popup: Page) => void } = {}): Promise<LoginTimes> {
  const popup = await openLoginPopup(page);
  onPopup?.(popup);
  await popup.locator('input[name="username"]').fill(user.email);
  await popup.locator('input[name="password"]').fill(user.password);
  return submitLogin(page, popup, popup.getByRole('button', { name: 'Log in' }), user.name);
}

/**
 * Logs out through the component (its popup, if the provider ends its session in one, closes by
 * itself); resolves once the page asks to log in, with the URLs the popup navigated to.
 */
export async function logOutThroughComponent(page: Page): Promise<string[]> {
  const popupOpened = page.context().waitForEvent('page', { timeout: 10_000 }).catch(() => undefined);
  await componentFrame(page).getByRole('button', { name: 'Log out' }).click();
  const popup = await popupOpened;
  const visited: string[] = [];
  popup?.on('request', (req) => req.isNavigationRequest() && visited.push(req.url()));
  if (popup && !popup.isClosed()) await popup.waitForEvent('close', { timeout: 30_000 });
  await firstText(page, /please log in/i).waitFor({ timeout: 30_000 });
  return visited;
}

/** Reloads the page: `name` shows again and no popup opened (no new login). */
export async function reloadStaysLoggedIn(page: Page, name: string): Promise<void> {
  const pagesBefore = page.context().pages().length;
  await page.reload();
  await firstText(page, name).waitFor({ timeout: 30_000 });
  if (page.context().pages().length !== pagesBefore) throw new Error('the reload opened a popup: a new login instead of the stored session');
}

/**
 * Calls the secure API (its answer shows SECURE, and what `checkSecureAnswer` looks for), the
 * scoped API (read:messages) and a delegated WebRequest through the relay (200).
 */
export async function callTheApis(page: Page, checkSecureAnswer: () => Promise<unknown>): Promise<void> {
  await clickAndWait(page, 'Call Secure API');
  await firstText(page, /SECURE/).waitFor();
  await checkSecureAnswer();
  await clickAndWait(page, 'Call Scoped API');
  await firstText(page, /read:messages/).waitFor();
  await clickAndWait(page, 'Delegated WebRequest');
  await firstText(page, /onActionResult 200/).waitFor();
}

/** After a logout: `name` is gone and a secure call fails with a clear message. */
export async function secureCallRefusedAfterLogout(page: Page, name: string): Promise<void> {
  await firstText(page, name).waitFor({ state: 'hidden', timeout: 15_000 });
  await clickAndWait(page, 'Call Secure API');
  await firstText(page, /UNAUTHENTICATED|please log in/i).waitFor();
}

/** A user without the permissions: the scoped call shows FORBIDDEN and the Audit page refuses (read:audit). */
export async function scopedAndAuditRefused(page: Page): Promise<void> {
  await clickAndWait(page, 'Call Scoped API');
  await firstText(page, /FORBIDDEN/).waitFor();
  await openAppPage(page, 'Audit');
  await firstText(page, /read:audit/).waitFor();
  if (await page.getByText('Events in stream').isVisible()) throw new Error('the Audit page showed the stream to a user without read:audit');
}

/**
 * The helpers above bound to a journey's page (`page()`: the page once the browser runs), for
 * suites that keep one page in a module variable.
 */
export function streamlitPage(page: () => Page) {
  return {
    componentFrame: (): FrameLocator => componentFrame(page()),
    text: (pattern: string | RegExp): Locator => firstText(page(), pattern),
    waitForAppIdle: () => waitForAppIdle(page()),
    click: (button: string) => clickAndWait(page(), button),
    openPage: (name: string) => openAppPage(page(), name),
    openLoginPopup: () => openLoginPopup(page()),
    submitLogin: (popup: Page, submit: Locator, name: string) => submitLogin(page(), popup, submit, name),
    logInThroughPopup: (user: DemoUser, options?: { onPopup?: (popup: Page) => void }) => logInThroughPopup(page(), user, options),
    logOut: () => logOutThroughComponent(page()),
    reloadStaysLoggedIn: (name: string) => reloadStaysLoggedIn(page(), name),
    callTheApis: (checkSecureAnswer: () => Promise<unknown>) => callTheApis(page(), checkSecureAnswer),
    secureCallRefusedAfterLogout: (name: string) => secureCallRefusedAfterLogout(page(), name),
    scopedAndAuditRefused: () => scopedAndAuditRefused(page()),
  };
}

/** Whether nothing listens on 127.0.0.1:`port` any more. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(true));
  });
}

/** After a journey's system is stopped: no process of it left, and every port it used free. */
export async function expectAllStopped(processes: number[], ports: number[]): Promise<void> {
  expect(processes).toEqual([]);
  for (const port of ports) expect(await portFree(port)).toBe(true);
}

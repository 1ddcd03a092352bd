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

/** When a login's form was submitted and when the user's name showed on the Streamlit page (ms since the epoch). */
export interface LoginTimes {
  submittedAt: number;
  unlockedAt: number;
}

/**
 * What a journey does on the Streamlit app's page (`page()`: the page once the browser runs):
 * finding text, clicking its buttons, moving between its pages, and the login bar's popups.
 */
export function streamlitPage(page: () => Page) {
  const text = (pattern: string | RegExp): Locator => firstText(page(), pattern);
  const appIdle = () => waitForAppIdle(page());
  /** Clicks a button of the app and waits for the rerun it starts. */
  const click = async (button: string): Promise<void> => {
    await page().getByRole('button', { name: button, exact: true }).click();
    await appIdle();
  };
  /** Opens one of the app's pages from its navigation. */
  const openPage = async (name: string): Promise<void> => {
    await page().getByRole('link', { name: new RegExp(name) }).first().click();
    // The default page (Home) lives at the root URL; the others at /<name>.
    await page().waitForURL(name === 'Home' ? /:\d+\/?$/ : new RegExp(`/${name.toLowerCase()}`));
    await appIdle();
  };
  return {
    componentFrame: (): FrameLocator => componentFrame(page()),
    text,
    waitForAppIdle: appIdle,
    click,
    openPage,

    /** Clicks the login bar's "Log in" once it is enabled; returns the provider's popup. */
    async openLoginPopup(): Promise<Page> {
      const loginButton = componentFrame(page()).getByRole('button', { name: 'Log in' });
      await loginButton.waitFor();
      for (let i = 0; i < 100 && !(await loginButton.isEnabled()); i++) await page().waitForTimeout(100);
      if (!(await loginButton.isEnabled())) throw new Error('the login bar\'s "Log in" stayed disabled for 10 s');
      const popupOpened = page().context().waitForEvent('page');
      await loginButton.click();
      return popupOpened;
    },

    /** Submits the provider's filled-in login form (`submit`: its button) and waits for `name` on the page and the popup to close. */
    async submitLogin(popup: Page, submit: Locator, name: string): Promise<LoginTimes> {
      const popupClosed = popup.waitForEvent('close', { timeout: 30_000 });
      const submittedAt = Date.now();
      await submit.click();
      await text(name).waitFor({ timeout: 30_000 });
      const unlockedAt = Date.now();
      await popupClosed;
      return { submittedAt, unlockedAt };
    },

    /** Logs out through the login bar (a popup, if the provider ends its session in one); returns the URLs the popup requested. */
    async logOut(): Promise<string[]> {
      const popupOpened = page().context().waitForEvent('page', { timeout: 10_000 }).catch(() => undefined);
      await componentFrame(page()).getByRole('button', { name: 'Log out' }).click();
      const popup = await popupOpened;
      const visited: string[] = [];
      popup?.on('request', (req) => req.isNavigationRequest() && visited.push(req.url()));
      if (popup && !popup.isClosed()) await popup.waitForEvent('close', { timeout: 30_000 });
      await text(/please log in/i).waitFor({ timeout: 30_000 });
      return visited;
    },

    /**
     * Calls the secure API (its answer shows SECURE, and what `checkSecureAnswer` looks for), the
     * scoped API (read:messages) and a delegated WebRequest through the relay (200).
     */
    async callTheApis(checkSecureAnswer: () => Promise<unknown>): Promise<void> {
      await click('Call Secure API');
      await text(/SECURE/).waitFor();
      await checkSecureAnswer();
      await click('Call Scoped API');
      await text(/read:messages/).waitFor();
      await click('Delegated WebRequest');
      await text(/onActionResult 200/).waitFor();
    },

    /** After a logout: `name` is gone and a secure call fails with a clear message. */
    async secureCallRefusedAfterLogout(name: string): Promise<void> {
      await text(name).waitFor({ state: 'hidden', timeout: 15_000 });
      await click('Call Secure API');
      await text(/UNAUTHENTICATED|please log in/i).waitFor();
    },

    /** A user without the permissions: the scoped call shows FORBIDDEN and the Audit page refuses (read:audit). */
    async scopedAndAuditRefused(): Promise<void> {
      await click('Call Scoped API');
      await text(/FORBIDDEN/).waitFor();
      await openPage('Audit');
      await text(/read:audit/).waitFor();
      if (await page().getByText('Events in stream').isVisible()) throw new Error('the Audit page showed the stream to a user without read:audit');
    },

    /** Reloads the page: `name` shows again and no popup opened (no new login). */
    async reloadStaysLoggedIn(name: string): Promise<void> {
      const pagesBefore = page().context().pages().length;
      await page().reload();
      await text(name).waitFor({ timeout: 30_000 });
      if (page().context().pages().length !== pagesBefore) throw new Error('the reload opened a popup: a new login instead of the stored session');
    },
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

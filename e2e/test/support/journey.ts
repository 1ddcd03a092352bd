import { mkdirSync, writeFileSync } from 'node:fs';
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

/** dev-idp's seeded users (apps/dev-idp seed). */
export const DEV_USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' },
  bob: { email: 'bob@example.com', password: 'bob-password', name: 'Bob Example' },
} as const;

/**
 * Logs `user` in through the login bar's popup on `page` (the identity provider asks for the
 * password) and waits until Streamlit shows the name.
 */
export async function logInThroughPopup(page: Page, user: { email: string; password: string; name: string }): Promise<void> {
  const loginButton = componentFrame(page).getByRole('button', { name: 'Log in' });
  await loginButton.waitFor();
  for (let i = 0; i < 100 && !(await loginButton.isEnabled()); i++) await page.waitForTimeout(100);
  const popupOpened = page.context().waitForEvent('page');
  await loginButton.click();
  const popup = await popupOpened;
  await popup.locator('input[name="username"]').fill(user.email);
  await popup.locator('input[name="password"]').fill(user.password);
  const popupClosed = popup.waitForEvent('close', { timeout: 30_000 });
  await popup.getByRole('button', { name: 'Log in' }).click();
  await firstText(page, user.name).waitFor({ timeout: 30_000 });
  await popupClosed;
}

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManagedProcess, launchChromium, waitFor } from '@auth-bus/testing';
import type { BrowserContext, FrameLocator, Page } from 'playwright-core';
import { componentFrame as frameOf, firstText, stepRunner, tail } from './support/journey';

/**
 * A Streamlit developer's own app, the way the README's "Use it in your own app" tells it (issue
 * 15): the wheel built from streamlit-app/, a fresh virtualenv in a temporary folder OUTSIDE the
 * repository with only that wheel installed (and what it depends on), the README's five lines as
 * my_app.py, `streamlit run` on Streamlit's default port 8501 — with the system that `npm start`
 * runs. A real Chromium logs alice in through the popup, sees the secure answer, reloads, logs out.
 */
// The very launcher `npm start` runs (tools/ is not an npm package, hence the path).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../../tools/dev/system.cjs');

const ROOT: string = system.ROOT;
const ARTIFACTS = join(ROOT, 'artifacts', 'e2e');
const APP_PORT = 8501;
const APP_URL = `http://localhost:${APP_PORT}`;
const PYTHON = process.env.PYTHON ?? 'python3';
const ALICE = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' };
/** The streamlit-app settings: the app must run on the defaults, as a newcomer's would. */
const PACKAGE_SETTINGS = [
  'NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'BUS_TIMEOUT_MS', 'BUS_RETRIES', 'COMPONENT_URL', 'RELAY_URL',
  'APP_HOSTNAME', 'AUTH0_AUDIENCE', 'AUTH_BUS_ENV', 'COMPONENT_SELF_CHECK', 'AUTH0_BUS_ENV_FILE', 'VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME',
];

let folder: string;
let running: { stop: () => Promise<void>; lines: string[]; exited: Promise<unknown> } | undefined;
let app: ManagedProcess | undefined;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
let page: Page;

function sh(what: string, command: string, args: string[], cwd = ROOT): string {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1' } });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The python block of the README's "Use it in your own app" section — the file a user writes. */
function readmeExample(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## Use it in your own app$/m)[1]?.split(/^## /m)[0];
  const code = section?.match(/```python\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md has no python example under "## Use it in your own app"');
  expect(code).toContain('login_bar()');
  expect(code).toContain('require_permission("read:messages")');
  expect(code).toContain('call_api(');
  return code;
}

const step = stepRunner(ARTIFACTS, () => page, () => ({ app: app?.tail(200), services: tail(running?.lines) }), 'own-app-');

const componentFrame = (): FrameLocator => frameOf(page);
const text = (pattern: string | RegExp) => firstText(page, pattern);

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'auth-bus-own-app-'));
  // 1. the wheel, and a virtualenv outside the repository with only it installed
  sh('building the wheel', join(ROOT, '.venv', 'bin', 'python'), ['-m', 'pip', 'wheel', '-q', '--no-deps', './streamlit-app', '-w', join(folder, 'dist')]);
  const wheel = readdirSync(join(folder, 'dist')).find((f) => f.endsWith('.whl'));
  expect(wheel).toMatch(/^streamlit_auth0_bus-.*\.whl$/);
  sh('creating the virtualenv', PYTHON, ['-m', 'venv', join(folder, 'venv')]);
  sh('installing the wheel', join(folder, 'venv', 'bin', 'pip'), ['install', '-q', join(folder, 'dist', wheel!)]);
  // imported from the virtualenv, with the contract it carries (no repository file read)
  const probe = 'import streamlit_auth0_bus as p; print(p.__file__); print(len(p.get_contracts().schema_names))';
  const [where, schemas] = sh('importing the package', join(folder, 'venv', 'bin', 'python'), ['-c', probe], folder).trim().split('\n');
  expect(where.startsWith(join(folder, 'venv'))).toBe(true);
  expect(Number(schemas)).toBeGreaterThan(10);
  // 2. the README's five lines
  writeFileSync(join(folder, 'my_app.py'), readmeExample());

  // 3. the system `npm start` runs
  running = await system.startSystem({
    // No origin settings: development admits any local port (issue 15), which is the point.
    output: () => undefined,
  });
  await system.waitHealthy({ timeoutMs: 240_000, exited: running!.exited });

  // 4. `streamlit run my_app.py` on the default port, in that folder, with a newcomer's environment
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of PACKAGE_SETTINGS) delete env[name];
  app = ManagedProcess.start(
    'my-app',
    join(folder, 'venv', 'bin', 'streamlit'),
    ['run', 'my_app.py', '--server.port', String(APP_PORT), '--server.headless', 'true', '--browser.gatherUsageStats', 'false'],
    env,
    folder,
  );
  await waitFor(
    async () => {
      if (!app!.running) throw new Error(`streamlit run my_app.py exited:\n${app!.tail()}`);
      return (await fetch(`${APP_URL}/_stcore/health`).catch(() => undefined))?.ok ?? false;
    },
    { timeout: 60_000, interval: 250, what: 'my_app.py on :8501' },
  );
  browser = await launchChromium({ viewport: { width: 1100, height: 760 } });
  page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await running?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
}, 60_000);

describe("a Streamlit developer's own app, installed from the wheel", () => {
  it('opens on :8501 logged out: the login bar renders in its frame and the page asks to log in', async () => {
    await step('01-logged-out', async () => {
      await page.goto(APP_URL);
      await componentFrame().getByRole('button', { name: 'Log in' }).waitFor({ timeout: 60_000 });
      await text(/please log in/i).waitFor();
      // the self-check found nothing to complain about
      await expect(page.getByText(/refused to be framed|cannot reach host-relay|not reachable/).count()).resolves.toBe(0);
    });
  });

  it('logs alice in through the popup and shows the secure answer', async () => {
    await step('02-logged-in', async () => {
      const popupOpened = page.context().waitForEvent('page');
      await componentFrame().getByRole('button', { name: 'Log in' }).click();
      const popup = await popupOpened;
      await popup.locator('input[name="username"]').fill(ALICE.email);
      await popup.locator('input[name="password"]').fill(ALICE.password);
      const popupClosed = popup.waitForEvent('close', { timeout: 30_000 });
      await popup.getByRole('button', { name: 'Log in' }).click();
      await text(ALICE.name).waitFor({ timeout: 30_000 });
      await text(/SECURE and SCOPED endpoint, auth0\|alice/).waitFor({ timeout: 30_000 });
      await popupClosed;
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
    });
  });

  it('stays logged in across a reload, without a new login', async () => {
    await step('03-after-reload', async () => {
      const pagesBefore = page.context().pages().length;
      await page.reload();
      await text(/SECURE and SCOPED endpoint, auth0\|alice/).waitFor({ timeout: 30_000 });
      expect(page.context().pages().length).toBe(pagesBefore);
    });
  });

  it('logs out: the page asks to log in again', async () => {
    await step('04-logged-out-again', async () => {
      const popupOpened = page.context().waitForEvent('page', { timeout: 10_000 }).catch(() => undefined);
      await componentFrame().getByRole('button', { name: 'Log out' }).click();
      const popup = await popupOpened;
      if (popup && !popup.isClosed()) await popup.waitForEvent('close', { timeout: 30_000 });
      await text(/please log in/i).waitFor({ timeout: 30_000 });
      await text(/SECURE and SCOPED endpoint/).waitFor({ state: 'hidden', timeout: 15_000 });
    });
  });
});

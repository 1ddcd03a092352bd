import { join } from 'node:path';
import { clientCredentialsToken, launchChromium } from '@auth-bus/testing';
import type { BrowserContext, Page } from 'playwright-core';
import {
  clickAndWait,
  componentFrame,
  firstText,
  logInThroughPopup,
  logOutThroughComponent,
  openAppPage,
  stepRunner,
  tail,
  waitForAppIdle,
} from './support/journey';

/**
 * The user journey against `npm start -- --replicas 2` (issue 18): two of each of Streamlit,
 * component-web, host-relay and api-service, HAProxy in front (round robin, no stickiness). HAProxy's
 * stats CSV shows both servers of each front-end backend served the journey; then one replica of
 * each part is killed mid-journey and the user carries on — still logged in, and every audit event
 * of what they do next recorded (the Audit page, i.e. audit.query).
 */
// The very launcher `npm start` runs, and the HAProxy helpers (tools/ and infra/ are not npm packages).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const system = require('../../tools/dev/system.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const haproxy = require('../../infra/haproxy/index.cjs');

const REPLICAS = 2;
const FRONT_ENDS = ['streamlit-app', 'component-web', 'host-relay'];
const ARTIFACTS = join(__dirname, '..', '..', 'artifacts', 'e2e');
const APP_URL = `http://localhost:${system.PORTS.streamlit}`;
const STATS_URL = `http://localhost:${system.PORTS.loadBalancerStats}/stats;csv`;
const ALICE = { email: 'alice@example.com', password: 'alice-password', name: 'Alice Example' };
const AUDITED_KINDS = ['login.verified', 'logout', 'api.allowed'];

interface ServerStats {
  name: string;
  status: string;
  sessions: number;
  current: number;
}
type Stats = Record<string, ServerStats[]>;

let running: { stop: () => Promise<void>; lines: string[]; processes: () => number[]; exited: Promise<number>; run: { stopPart: (name: string, signal?: string) => Promise<void> } } | undefined;
let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
let page: Page;
let atStart: Stats;
let auditBeforeKills: Record<string, number>;
const killed: string[] = [];

const step = stepRunner(ARTIFACTS, () => page, () => ({ services: tail(running?.lines) }), 'replicas-');
const text = (pattern: string | RegExp) => firstText(page, pattern);
const stats = (): Promise<Stats> => haproxy.serverStats(STATS_URL);

/** Sessions each server of `backend` took since `since`. */
function servedSince(now: Stats, since: Stats, backend: string): Record<string, number> {
  return Object.fromEntries(now[backend].map((s) => [s.name, s.sessions - (since[backend].find((b) => b.name === s.name)?.sessions ?? 0)]));
}

/** The Audit page's "Events by kind" table (audit.query, last 15 minutes) as counts. */
async function auditCounts(): Promise<Record<string, number>> {
  await openAppPage(page, 'Audit');
  await text('Events in stream').waitFor();
  const table = page.getByTestId('stTable').filter({ hasText: 'login.verified' });
  await table.waitFor();
  const counts = await table.innerText();
  const out = Object.fromEntries(AUDITED_KINDS.map((kind) => [kind, Number(new RegExp(`${kind.replace('.', '\\.')}\\s+(\\d+)`).exec(counts)?.[1] ?? 0)]));
  await openAppPage(page, 'Home');
  return out;
}

/** The logged-in page again after a reload, without a new login (no popup). */
async function reloadStaysLoggedIn(): Promise<void> {
  const pagesBefore = page.context().pages().length;
  await page.reload();
  await text(ALICE.name).waitFor({ timeout: 30_000 });
  await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
  expect(page.context().pages().length).toBe(pagesBefore);
}

beforeAll(async () => {
  running = await system.startSystem({ output: () => undefined, replicas: REPLICAS });
  await system.waitHealthy({ timeoutMs: 240_000, exited: running!.exited, replicas: REPLICAS });
  atStart = await stats();
  browser = await launchChromium({ viewport: { width: 1280, height: 860 } });
  page = await browser.context.newPage();
  page.setDefaultTimeout(30_000);
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
}, 60_000);

describe('the user journey on two replicas of each part behind HAProxy', () => {
  it('1. HAProxy fronts two healthy servers per front end on the standard ports', async () => {
    for (const backend of FRONT_ENDS) {
      expect(atStart[backend].map((s) => `${s.name} ${s.status}`).sort()).toEqual(Array.from({ length: REPLICAS }, (_, i) => `${backend}-${i + 1} UP`));
    }
  });

  it("1b. host-relay's HTTP gateway answers a protected call on every replica", async () => {
    const { access_token } = await clientCredentialsToken({ issuer: `http://localhost:${system.PORTS.devIdp}/` });
    const before = await stats();
    for (let i = 0; i < 4 * REPLICAS; i++) {
      const res = await fetch(`http://localhost:${system.PORTS.hostRelay}/api/pong`, { headers: { authorization: `Bearer ${access_token}` } });
      expect(res.status).toBe(200);
    }
    const served = servedSince(await stats(), before, 'host-relay');
    expect(Object.entries(served).filter(([, n]) => n < 1)).toEqual([]);
  });

  it('2. logs alice in through the popup, calls the secure API and a delegated WebRequest, and reloads without a new login', async () => {
    await step('01-journey', async () => {
      await page.goto(APP_URL);
      await componentFrame(page).getByRole('button', { name: 'Log in' }).waitFor({ timeout: 60_000 });
      await logInThroughPopup(page, ALICE);
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
      await clickAndWait(page, 'Call Secure API');
      await text(/SECURE/).waitFor();
      await clickAndWait(page, 'Delegated WebRequest');
      await text(/onActionResult 200/).waitFor();
      await reloadStaysLoggedIn();
    });
  });

  it('3. every server of each front-end backend served the journey (HAProxy stats CSV)', async () => {
    // Round robin: a reload is a new page, WebSocket and frame; a few at most reach every replica.
    for (let reloads = 0; reloads < 4; reloads++) {
      const now = await stats();
      if (FRONT_ENDS.every((b) => Object.values(servedSince(now, atStart, b)).every((n) => n > 0))) break;
      await reloadStaysLoggedIn();
    }
    const now = await stats();
    for (const backend of FRONT_ENDS) {
      const served = servedSince(now, atStart, backend);
      expect({ backend, servers: Object.keys(served).length, idle: Object.entries(served).filter(([, n]) => n <= 0).map(([name]) => name) }).toEqual({ backend, servers: REPLICAS, idle: [] });
    }
    auditBeforeKills = await auditCounts();
    expect(auditBeforeKills['login.verified']).toBeGreaterThan(0);
  });

  it('4. one replica of each part is killed mid-journey; alice carries on, still logged in', async () => {
    await step('02-after-kills', async () => {
      // The replicas holding this page's WebSockets (Streamlit's stream, the frame's relay socket) go.
      const now = await stats();
      const holding = (backend: string) => [...now[backend]].sort((a, b) => b.current - a.current)[0].name;
      killed.push(holding('streamlit-app'), holding('host-relay'), 'component-web-1', 'api-service-1');
      for (const id of killed) await running!.run.stopPart(id, 'SIGKILL');

      // At most a reconnect: the page comes back by itself, alice still logged in, no popup.
      const pagesBefore = page.context().pages().length;
      await text(ALICE.name).waitFor({ timeout: 60_000 });
      await waitForAppIdle(page);
      // The page's reconnect (a new Streamlit session, the frame re-reporting its session) reruns
      // the script, and a rerun clears a button's one-run answer: a click that lands in that
      // window shows nothing, so click again as a user would (at most three times).
      for (let attempt = 1; ; attempt++) {
        await clickAndWait(page, 'Call Secure API');
        const shown = await text(/SECURE/).waitFor({ timeout: 10_000 }).then(() => true, () => false);
        if (shown) break;
        if (attempt === 3) throw new Error('three clicks on "Call Secure API" after the kills showed no answer');
      }
      await text(/answered by `?api-service-2/).waitFor();
      await clickAndWait(page, 'Delegated WebRequest');
      await text(/onActionResult 200/).waitFor();
      await reloadStaysLoggedIn();
      expect(page.context().pages().length).toBe(pagesBefore);
    });
  });

  it('5. what alice does after the kills is all in the audit trail: a logout and a new login', async () => {
    await step('03-audit-after-kills', async () => {
      await logOutThroughComponent(page);
      await logInThroughPopup(page, ALICE);
      await text(/please log in/i).waitFor({ state: 'hidden', timeout: 15_000 });
      await clickAndWait(page, 'Call Secure API');
      await text(/SECURE/).waitFor();
      const after = await auditCounts();
      // login.verified is one event per (Streamlit session, token): since the kills alice was verified
      // in the session of the reconnect, in the one of the reload, and for her new login — and logged out once.
      const verified = { reconnect: 1, reload: 1, newLogin: 1 };
      expect({ logout: after.logout - auditBeforeKills.logout, login: after['login.verified'] - auditBeforeKills['login.verified'] }).toEqual({
        logout: 1,
        login: verified.reconnect + verified.reload + verified.newLogin,
      });
      expect(after['api.allowed']).toBeGreaterThan(auditBeforeKills['api.allowed']);
    });
  });

  it('6. HAProxy marked the killed replicas DOWN and kept the others UP', async () => {
    const now = await stats();
    for (const backend of FRONT_ENDS) {
      for (const server of now[backend]) expect(`${server.name} ${server.status}`).toBe(`${server.name} ${killed.includes(server.name) ? 'DOWN' : 'UP'}`);
    }
  });

  it('stops the whole system cleanly: no process left, every port free', async () => {
    await browser?.close();
    browser = undefined;
    await running!.stop();
    expect(running!.processes()).toEqual([]);
    for (const port of Object.values(system.PORTS) as number[]) expect(await system.portInUse(port)).toBe(false);
  });
});

/**
 * The login hand-off (popup → frame) with no per-process state, and bound to the browser that
 * logged in (issues 13.8 and 18). Two real component-web processes (`next start`, one
 * AUTH0_SECRET) behind a tiny balancer that sends the popup's `/auth/*` to process A and the
 * frame's `/api/session/*` to process B — the worst a balancer without affinity can do — with
 * the real dev-idp, the frame in a Streamlit stand-in on another site, in headless Chromium.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComponentWebHarness, DevIdpHarness, freePort, launchChromium, waitFor } from '@auth-bus/testing';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { StreamlitHostStandIn, type HostRecord } from './streamlit-host';

jest.setTimeout(180_000);

interface Served {
  method: string;
  path: string;
  backend: 'A' | 'B';
  status: number;
}

/** A path-routing reverse proxy on 127.0.0.1 (one origin for the browser, two processes behind). */
async function startBalancer(pick: (path: string) => 'A' | 'B', ports: () => Record<'A' | 'B', number>) {
  const served: Served[] = [];
  const server: Server = createServer((req, res) => {
    const backend = pick(req.url ?? '/');
    const upstream = httpRequest(
      { host: '127.0.0.1', port: ports()[backend], method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        served.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, backend, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    served,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('login hand-off across two component-web processes, bound to the browser', () => {
  let idp: DevIdpHarness;
  let host: StreamlitHostStandIn;
  let webA: ComponentWebHarness;
  let webB: ComponentWebHarness;
  let balancer: Awaited<ReturnType<typeof startBalancer>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  let page: Page;
  let appUrl: string;

  const hostLog = async (): Promise<HostRecord[]> => page.evaluate(() => (window as any).__hostLog as HostRecord[]);
  const statusEvents = async () =>
    (await hostLog())
      .filter((r) => r.type === 'streamlit:setComponentValue')
      .map((r) => r.value as { name: string; data: any })
      .filter((e) => e.name === 'onStatusUpdate');
  const frame = async (): Promise<Frame> =>
    (await waitFor(() => page.frames().find((f) => f.url().startsWith(`${appUrl}/streamlit`)), { what: 'the component frame' }))!;

  const loadHost = async () => {
    await page.goto(host.url);
    await waitFor(async () => (await hostLog()).some((r) => r.type === 'streamlit:componentReady'), { what: 'componentReady' });
    await page.evaluate(() => (window as any).__render({ hostname: 'handoff-test', initial_state: null, events: ['onStatusUpdate', 'onError'] }, { base: 'light' }));
    await (await frame()).waitForSelector('.frame[data-ready=true]');
  };

  /** Logs a user in through the popup (or through dev-idp's existing session); returns the login event. */
  const logIn = async (email = 'alice@example.com', password = 'alice-password') => {
    const before = (await statusEvents()).length;
    const popupPromise = context.waitForEvent('page');
    await (await frame()).getByRole('button', { name: 'Log in', exact: true }).click();
    const popup = await popupPromise;
    const closed = popup.waitForEvent('close', { timeout: 30_000 });
    const form = await Promise.race([popup.waitForSelector('#username', { timeout: 30_000 }).then(() => true), closed.then(() => false)]);
    if (form) {
      await popup.fill('#username', email);
      await popup.fill('#password', password);
      await popup.getByRole('button', { name: 'Log in', exact: true }).click();
    }
    await closed;
    const event = await waitFor(async () => (await statusEvents()).slice(before).find((e) => e.data.cause === 'login'), { what: 'the login event', timeout: 30_000 });
    return event!.data as { token: { value: string } };
  };

  beforeAll(async () => {
    host = await StreamlitHostStandIn.start();
    const ports = { A: 0, B: 0 };
    // the login's start (transaction cookie) on B, its callback on A, the frame's session calls on B
    balancer = await startBalancer((path) => (path.startsWith('/api/session/') || path.startsWith('/auth/login') ? 'B' : 'A'), () => ports);
    appUrl = `http://localhost:${balancer.port}`;
    idp = await DevIdpHarness.start({
      env: {
        DEV_IDP_COMPONENT_WEB_REDIRECT_URIS: `${appUrl}/auth/callback`,
        DEV_IDP_COMPONENT_WEB_LOGOUT_URLS: `${appUrl}/auth/logged-out`,
        DEV_IDP_LOG_LEVEL: 'warn',
      },
    });
    ports.A = await freePort();
    ports.B = await freePort();
    // one deployment: the same secret and public URL for both processes. No STREAMLIT_ORIGINS:
    // in development any http://127.0.0.1:<port> may frame the component (the stand-in's port is random)
    const env = { APP_BASE_URL: appUrl, AUTH0_SECRET: 'a1'.repeat(32) };
    [webA, webB] = await Promise.all((['A', 'B'] as const).map((name) => ComponentWebHarness.start({ port: ports[name], auth0Domain: idp.url, env })));
    host.frameUrl = `${appUrl}/streamlit`;
    browser = await launchChromium();
    context = browser.context;
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([webA?.stop(), webB?.stop()]);
    await balancer?.close();
    await idp?.stop();
    await host?.stop();
  });

  it('refuses to hand the session to a plain HTTP client that holds only the access token', async () => {
    // the frame's own adopt is held back, so the hand-off is still there to be stolen
    let frameAdopt: { body: string; headers: Record<string, string> } | undefined;
    await context.route('**/api/session/adopt', async (route) => {
      frameAdopt = { body: route.request().postData() ?? '', headers: route.request().headers() };
      await route.abort();
    });
    await loadHost();
    const token = (await logIn()).token.value;
    await waitFor(() => frameAdopt, { what: "the frame's adopt request" });
    await context.unroute('**/api/session/adopt');

    // the attacker: the access token (as the Streamlit host, the relay and every API see it),
    // the frame's custom header, no browser; straight at the process that ran the callback, and at B
    for (const web of [webA, webB]) {
      const res = await fetch(`http://127.0.0.1:${web.port}/api/session/adopt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-bus-frame': '1' },
        body: JSON.stringify({ token }),
      });
      expect({ status: res.status, cookie: res.headers.get('set-cookie') }).toEqual({ status: 403, cookie: null });
    }
    // even the frame's real request body is refused without the browser's same-origin signals
    const replay = await fetch(`http://127.0.0.1:${webB.port}/api/session/adopt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-bus-frame': '1' },
      body: frameAdopt!.body,
    });
    expect({ status: replay.status, cookie: replay.headers.get('set-cookie') }).toEqual({ status: 403, cookie: null });
    // nothing in the body the frame sends is the access token itself
    expect(frameAdopt!.body).not.toContain(token);
  });

  it('hands over across processes: the callback on A, the adopt and a later refresh on B', async () => {
    // a clean frame (its storage and partitioned cookie dropped), then a login like any other
    await (await frame()).evaluate(() => new Promise((resolve) => { const r = indexedDB.deleteDatabase('auth-bus-component'); r.onsuccess = r.onerror = r.onblocked = resolve; }));
    await context.clearCookies();
    await loadHost();
    const servedBefore = balancer.served.length;
    const login = await logIn();
    const adopt = await waitFor(() => balancer.served.slice(servedBefore).find((s) => s.path === '/api/session/adopt'), { what: 'the adopt', timeout: 15_000 });
    const callback = balancer.served.slice(servedBefore).find((s) => s.path === '/auth/callback');
    expect(callback).toMatchObject({ backend: 'A', status: 200 });
    expect(balancer.served.slice(servedBefore).find((s) => s.path === '/auth/login')).toMatchObject({ backend: 'B' });
    expect(adopt).toMatchObject({ backend: 'B', status: 204 });

    // the silent refresh, as the frame does it, on B with the adopted (partitioned) session
    const refreshed = await (await frame()).evaluate(async () => {
      const res = await fetch('/api/session/refresh', { method: 'POST', credentials: 'include', cache: 'no-store', headers: { 'x-auth-bus-frame': '1' } });
      return { status: res.status, body: await res.json() };
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user).toMatchObject({ sub: 'auth0|alice', name: 'Alice Example' });
    expect(refreshed.body.token.value).not.toBe(login.token.value);
    expect(balancer.served.filter((s) => s.path === '/api/session/refresh').at(-1)).toMatchObject({ backend: 'B', status: 200 });
  });

  it('builds the authorization request from server configuration only: a browser-claimed scope or audience never reaches the provider', async () => {
    const res = await fetch(`${appUrl}/auth/login?${new URLSearchParams({ scope: 'openid read:audit delete:everything', audience: 'https://other.example/api', prompt: 'none', returnTo: '/auth/popup/complete' })}`, {
      redirect: 'manual',
    });
    expect(res.status).toBeGreaterThanOrEqual(300);
    expect(res.status).toBeLessThan(400);
    const authorize = new URL(res.headers.get('location')!);
    expect(authorize.origin).toBe(new URL(idp.url).origin);
    expect(authorize.searchParams.get('scope')).toBe('openid profile email offline_access');
    expect(authorize.searchParams.get('audience')).toBe('http://localhost:8888/api');
    expect(authorize.searchParams.get('prompt')).toBeNull();
  });

  it('keeps a big-token login across a reload when the browser refuses the frame its storage (Streamlit on 127.0.0.1, component on localhost)', async () => {
    // A Chromium that blocks third-party cookies (as Chrome's incognito, and Chromium's own
    // third-party-cookie phase-out do): the frame's IndexedDB is refused; partitioned cookies work.
    const profile = mkdtempSync(join(tmpdir(), 'auth-bus-chromium-3pc-'));
    mkdirSync(join(profile, 'Default'), { recursive: true });
    writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 1, block_third_party_cookies: true } }));
    const strict = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--test-third-party-cookie-phaseout'],
    });
    const [previousContext, previousPage] = [context, page];
    try {
      context = strict;
      page = await strict.newPage();
      await loadHost();
      const refusal = await (await frame()).evaluate(
        () =>
          new Promise<string>((resolve) => {
            try {
              const r = indexedDB.open('probe');
              r.onsuccess = () => resolve('opened');
              r.onerror = () => resolve(`refused: ${r.error?.message}`);
            } catch (err) {
              resolve(`refused: ${(err as Error).message}`);
            }
          }),
      );
      expect(refusal).toMatch(/^refused/);
      // carol: a ~7 KB access token — the SDK session is ~11 KB, over the 10 KiB that Chromium
      // allows partitioned cookies per frame site: the frame's cookie must not hold the tokens
      const servedBefore = balancer.served.length;
      const login = await logIn('carol@example.com', 'carol-password');
      // carol's adopt (not an earlier test's): the reload must not overtake it
      await waitFor(() => balancer.served.slice(servedBefore).find((s) => s.path === '/api/session/adopt' && s.status === 204), { what: 'the adopt' });
      // reload: a new Streamlit session that knows nobody; the frame restores alice from its cookie
      await loadHost();
      const mount = await waitFor(async () => (await statusEvents()).find((e) => e.data.cause === 'mount'), { what: 'the mount event', timeout: 15_000 });
      expect(mount!.data.user).toMatchObject({ sub: 'auth0|carol', name: 'Carol Example' });
      // restored through a refresh (the cookie keeps no access token): a new token for carol
      expect(mount!.data.token.value).not.toBe(login.token.value);
      expect(JSON.parse(Buffer.from(mount!.data.token.value.split('.')[1], 'base64url').toString())).toMatchObject({ sub: 'auth0|carol' });
      expect(await (await frame()).textContent('[data-testid=user]')).toBe('Carol Example');
    } finally {
      context = previousContext;
      page = previousPage;
      await strict.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    }
  });
});

import { POPUP_MESSAGE_SOURCE, type ComponentEventValue } from '@auth-bus/contracts';
import { FrameController, type FrameDeps, type WindowLike } from './controller';
import { FakeChannelHub, FakeSocket, FakeTimers, sessionFor } from './fakes';
import { memoryStore } from './session-store';

const ORIGIN = 'http://localhost:3001';
const ALL = ['onStatusUpdate', 'onActionResult', 'onError'];

function setup(
  options: {
    stored?: ReturnType<typeof sessionFor> | null;
    refresh?: (n: number) => Response | Error;
    restore?: () => Response;
    blockPopups?: boolean;
    failingStore?: boolean;
    /** Frames in other tabs of the same browser share it. */
    tabs?: FakeChannelHub;
  } = {},
) {
  const timers = new FakeTimers();
  const events: ComponentEventValue[] = [];
  const sockets: FakeSocket[] = [];
  const opened: { url: string; features: string; win: WindowLike }[] = [];
  const memory = memoryStore(options.stored ?? null);
  const store = options.failingStore
    ? { ...memory, load: () => Promise.reject(new Error('The user denied permission to access the database.')), save: () => Promise.reject(new Error('denied')) }
    : memory;
  let refreshCalls = 0;
  const calls: { url: string; body?: unknown }[] = [];
  const deps: FrameDeps = {
    setComponentValue: (v) => events.push(v),
    store,
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({ url, body: init.body ? JSON.parse(String(init.body)) : undefined });
      if (url === '/api/session/refresh?restore=1') return options.restore?.() ?? new Response('{}', { status: 401 });
      if (url !== '/api/session/refresh') return new Response(null, { status: 204 });
      refreshCalls += 1;
      const result = options.refresh?.(refreshCalls) ?? new Response('{}', { status: 401 });
      if (result instanceof Error) throw result;
      return result;
    }) as typeof fetch,
    openWindow: (url, _name, features) => {
      if (options.blockPopups) return null;
      const win = { closed: false };
      opened.push({ url, features, win });
      return win;
    },
    origin: ORIGIN,
    now: () => timers.now,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 1,
    createChannel: options.tabs?.create,
  };
  const controller = new FrameController(deps, {
    login: '/auth/login?returnTo=%2Fpopup%2Fcomplete',
    logout: '/auth/logout?returnTo=x',
    refresh: '/api/session/refresh',
    adopt: '/api/session/adopt',
    forget: '/api/session/forget',
    popupName: 'auth-bus-login',
    popupFeatures: 'popup=yes,width=425,height=525',
  });
  const render = (args: Record<string, unknown> = {}) =>
    controller.onRender({ events: ALL, relay_url: 'ws://relay/ws', session_id: 'sess-1', initial_state: null, ...args });
  return { timers, events, sockets, opened, store: memory, controller, render, calls, refreshCalls: () => refreshCalls };
}

const HANDOFF = { secret: 's'.repeat(43), sealed: `h1.${'x'.repeat(64)}` };
const loginMessage = (session: ReturnType<typeof sessionFor>, handoff: unknown = HANDOFF) => ({
  origin: ORIGIN,
  data: { source: POPUP_MESSAGE_SOURCE, kind: 'login', session, handoff },
});

describe('FrameController', () => {
  it('logs in through the popup: one onStatusUpdate, stored, reported to the relay', async () => {
    const t = setup();
    await t.render();
    expect(t.events).toEqual([]); // nothing stored, host logged out: no mount event
    t.sockets[0].welcome();
    t.controller.login();
    expect(t.opened[0]).toMatchObject({ url: '/auth/login?returnTo=%2Fpopup%2Fcomplete', features: expect.stringContaining('width=425,height=525') });
    const session = sessionFor(t.timers.now);
    expect(t.controller.onWindowMessage(loginMessage(session))).toBe(true);
    expect(t.controller.onWindowMessage(loginMessage(session))).toBe(true); // a duplicate changes nothing
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { user: session.user, token: session.token, cause: 'login' } });
    expect(t.store.value).toEqual(session);
    expect(t.sockets[0].sent).toContainEqual({ type: 'session.reported', token: session.token.value, user: session.user });
    expect(t.controller.state.session).toEqual(session);
    // the frame adopts the popup's session with the one-time hand-off (never the access token)
    expect(t.calls.filter((c) => c.url === '/api/session/adopt')).toEqual([{ url: '/api/session/adopt', body: HANDOFF }]);
  });

  it('starts restoring the session before the first render, and reports it once the render names the events', async () => {
    const stored = sessionFor(Date.now());
    const t = setup({ stored: null, restore: () => Response.json(stored) });
    // (the constructor ran in setup: the empty store was read, then the partitioned cookie asked)
    await Promise.resolve();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(t.calls.map((c) => c.url)).toEqual(['/api/session/refresh?restore=1']);
    expect(t.events).toEqual([]); // nothing reported before Streamlit's render allows the event
    await t.render();
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { token: stored.token, cause: 'mount' } });
    expect(t.calls.filter((c) => c.url.startsWith('/api/session/refresh'))).toHaveLength(1); // not asked again at render
  });

  it('adopts nothing when the login message carries no well-formed hand-off', async () => {
    const t = setup();
    await t.render();
    const session = sessionFor(t.timers.now);
    expect(t.controller.onWindowMessage(loginMessage(session, { secret: 'short', sealed: 'h1.x' }))).toBe(true);
    expect(t.controller.state.session).toEqual(session);
    expect(t.calls.filter((c) => c.url === '/api/session/adopt')).toEqual([]);
    // a hand-off on anything but a login message makes the message invalid
    expect(t.controller.onWindowMessage({ origin: ORIGIN, data: { source: POPUP_MESSAGE_SOURCE, kind: 'logout', handoff: HANDOFF } })).toBe(false);
  });

  it('restores the adopted session from its cookie when the browser refuses the frame storage', async () => {
    const t = setup({ failingStore: true, restore: () => Response.json(sessionFor(t.timers.now, 300, 'restored.token.sig')) });
    await t.render();
    expect(t.calls[0]).toEqual({ url: '/api/session/refresh?restore=1', body: undefined });
    expect(t.controller.state.session?.token.value).toBe('restored.token.sig');
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { cause: 'mount', token: { value: 'restored.token.sig' } } });
  });

  it('ignores messages from another origin or of the wrong shape', async () => {
    const t = setup();
    await t.render();
    const session = sessionFor(t.timers.now);
    expect(t.controller.onWindowMessage({ ...loginMessage(session), origin: 'http://evil.example' })).toBe(false);
    expect(t.controller.onWindowMessage({ origin: ORIGIN, data: { source: POPUP_MESSAGE_SOURCE, kind: 'login', session: { user: {} } } })).toBe(false);
    expect(t.controller.onWindowMessage({ origin: ORIGIN, data: { ...loginMessage(session).data, extra: 1 } })).toBe(false);
    expect(t.controller.onWindowMessage({ origin: ORIGIN, data: 'hello' })).toBe(false);
    expect(t.events).toEqual([]);
    expect(t.controller.state.session).toBeNull();
  });

  it('sends the stored session once at mount when the host does not know it', async () => {
    const t = setup({ stored: sessionFor(1_700_000_000_000) });
    await t.render();
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { cause: 'mount' } });
    const same = setup({ stored: sessionFor(1_700_000_000_000) });
    await same.render({ initial_state: { user: { name: 'Alice' }, token: { value: 'header.payload.sig' } } });
    expect(same.events).toEqual([]);
  });

  it('tells a new host session (a reconnect to another Streamlit replica) the session it holds, once', async () => {
    const t = setup({ stored: sessionFor(1_700_000_000_000) });
    const known = { user: { name: 'Alice' }, token: { value: 'header.payload.sig' } };
    await t.render({ initial_state: known });
    await t.render({ initial_state: known });
    expect(t.events).toEqual([]);
    await t.render({ session_id: 'sess-2', initial_state: null }); // the new process knows nothing
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { cause: 'mount', token: { value: 'header.payload.sig' } } });
    await t.render({ session_id: 'sess-2', initial_state: null }); // the same session again: nothing more
    expect(t.events).toHaveLength(1);
    await t.render({ session_id: 'sess-3', initial_state: known }); // a new session that knows already: nothing
    expect(t.events).toHaveLength(1);
  });

  it('tells the host when it believes in a session the frame does not have', async () => {
    const t = setup();
    await t.render({ initial_state: { user: { name: 'Alice' }, token: { value: 'old' } } });
    expect(t.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { user: null, token: null, cause: 'mount' } });
  });

  it('logs out at once, opens the logout popup, clears storage and ends the relay session', async () => {
    const t = setup({ stored: sessionFor(1_700_000_000_000) });
    await t.render({ initial_state: { token: { value: 'header.payload.sig' } } });
    t.sockets[0].welcome();
    t.controller.logout();
    expect(t.opened[0].url).toBe('/auth/logout?returnTo=x');
    expect(t.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { user: null, token: null, cause: 'logout' } });
    expect(t.store.value).toBeNull();
    expect(t.sockets[0].sent.at(-1)).toEqual({ type: 'session.ended' });
    expect(t.calls.map((c) => c.url)).toContain('/api/session/forget');
    // the popup's own logout message afterwards sends nothing new
    const count = t.events.length;
    t.controller.onWindowMessage({ origin: ORIGIN, data: { source: POPUP_MESSAGE_SOURCE, kind: 'logout' } });
    expect(t.events).toHaveLength(count);
  });

  it('offers a link when the popup is blocked', async () => {
    const t = setup({ blockPopups: true });
    await t.render();
    t.controller.login();
    expect(t.controller.state.notice).toMatchObject({ kind: 'error', link: { label: 'Open the login window' } });
  });

  it('refreshes silently before expiry and sends a fresh onStatusUpdate', async () => {
    const t = setup({
      refresh: () => Response.json(sessionFor(t.timers.now, 300, 'fresh.token.sig')),
    });
    await t.render();
    t.sockets[0].welcome();
    t.controller.onWindowMessage(loginMessage(sessionFor(t.timers.now, 300)));
    t.timers.advance(240_000);
    await new Promise((r) => setImmediate(r));
    expect(t.refreshCalls()).toBe(1);
    expect(t.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { cause: 'refresh', token: { value: 'fresh.token.sig' } } });
    expect(t.sockets[0].sent.at(-1)).toMatchObject({ type: 'session.reported', token: 'fresh.token.sig' });
  });

  it('says "Session expired — log in again" when the refresh is refused', async () => {
    const t = setup();
    await t.render();
    t.controller.onWindowMessage(loginMessage(sessionFor(t.timers.now, 300)));
    t.timers.advance(240_000);
    await new Promise((r) => setImmediate(r));
    expect(t.controller.state.session).toBeNull();
    expect(t.controller.state.notice?.text).toBe('Session expired — log in again');
    expect(t.events.slice(-2)).toMatchObject([
      { name: 'onStatusUpdate', data: { user: null, token: null, cause: 'expired' } },
      { name: 'onError', data: { code: 'SESSION_EXPIRED' } },
    ]);
  });

  it('retries a refresh that failed on the network while the token is valid', async () => {
    const t = setup({ refresh: (n) => (n === 1 ? new Error('offline') : Response.json(sessionFor(t.timers.now, 300, 'fresh.token.sig'))) });
    await t.render();
    t.controller.onWindowMessage(loginMessage(sessionFor(t.timers.now, 300)));
    t.timers.advance(240_000);
    await new Promise((r) => setImmediate(r));
    expect(t.controller.state.session).not.toBeNull();
    t.timers.advance(5_000);
    await new Promise((r) => setImmediate(r));
    expect(t.refreshCalls()).toBe(2);
    expect(t.controller.state.session?.token.value).toBe('fresh.token.sig');
  });

  it('never sends an event the host did not allow', async () => {
    const t = setup();
    await t.render({ events: ['onStatusUpdate'] });
    t.sockets[0].drop(); // relay unreachable → would be onError
    t.controller.onWindowMessage({ origin: ORIGIN, data: { source: POPUP_MESSAGE_SOURCE, kind: 'error', message: 'refused' } });
    expect(t.events).toEqual([]);
    expect(t.controller.suppressedEvents).toEqual(['onError', 'onError']);
  });

  it('sends a delegated web request once per id and returns onActionResult', async () => {
    const t = setup();
    const action = { id: 'a1', label: 'Pong', method: 'GET', path: '/api/pong', useauth: true };
    await t.render({ action_request: action });
    await t.render({ action_request: action }); // a rerun with the same id: not sent again
    t.sockets[0].welcome(); // queued until the relay is ready
    const requests = t.sockets[0].sent.filter((f) => (f as { type: string }).type === 'web.request');
    expect(requests).toEqual([
      { type: 'web.request', id: 'a1', label: 'Pong', method: 'GET', path: '/api/pong', useauth: true, auth_kind: 'BEARER' },
    ]);
    t.sockets[0].receive({ type: 'web.result', id: 'a1', ok: true, status: 200, data: { data: 'Hello from a SECURE endpoint!' } });
    expect(t.events.at(-1)).toMatchObject({ name: 'onActionResult', data: { id: 'a1', ok: true, status: 200, label: 'Pong' } });
    expect(t.controller.state.lastAction).toMatchObject({ ok: true, summary: 'Hello from a SECURE endpoint!' });
  });

  it('turns a relay error for a request into a failed onActionResult, and times out', async () => {
    const t = setup();
    await t.render({ action_request: { id: 'a2', path: '/api/pong' } });
    t.sockets[0].welcome();
    t.sockets[0].receive({ type: 'error', id: 'a2', error: { code: 'RATE_LIMITED', message: 'slow down' } });
    expect(t.events.at(-1)).toMatchObject({ name: 'onActionResult', data: { id: 'a2', ok: false, status: 429 } });
    await t.render({ action_request: { id: 'a3', path: '/api/pong' } });
    t.timers.advance(15_000);
    expect(t.events.at(-1)).toMatchObject({ name: 'onActionResult', data: { id: 'a3', ok: false, status: 504, error: { code: 'TIMEOUT' } } });
  });
});

describe('FrameController live sessions (issue 21)', () => {
  /** A frame logged in through its popup, its relay socket open. */
  async function loggedIn(options: Parameters<typeof setup>[0] = {}) {
    const t = setup(options);
    await t.render();
    t.sockets[0].welcome();
    const session = sessionFor(t.timers.now);
    t.controller.onWindowMessage(loginMessage(session));
    return { ...t, session };
  }

  /** Two frames of one browser: `other` logged out and connected, then `t` logs in. */
  async function twoTabs() {
    const tabs = new FakeChannelHub();
    const other = setup({ tabs });
    await other.render();
    other.sockets[0].welcome();
    return { tabs, other, t: await loggedIn({ tabs }) };
  }

  it('a session.revoked push ends the session: cause revoked for the host, storage cleared, no session.ended', async () => {
    const t = await loggedIn();
    t.sockets[0].receive({ type: 'session.revoked', revoked_at: 1_700_000_000 });
    expect(t.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { user: null, token: null, cause: 'revoked' } });
    expect(t.controller.state.session).toBeNull();
    expect(t.controller.state.notice).toMatchObject({ kind: 'error', text: expect.stringMatching(/revoked/) });
    await Promise.resolve();
    expect(t.store.value).toBeNull();
    expect(t.calls.some((c) => c.url === '/api/session/forget')).toBe(true);
    // the relay already forgot the token (and auth-service audited the revocation)
    expect(t.sockets[0].sent).not.toContainEqual({ type: 'session.ended' });
    // a second push changes nothing
    const count = t.events.length;
    t.sockets[0].receive({ type: 'session.revoked' });
    expect(t.events).toHaveLength(count);
  });

  it('a login in one tab logs in every other tab of the browser: no popup there, the session reported to its relay', async () => {
    const { other, t, tabs } = await twoTabs();
    expect(other.opened).toEqual([]);
    expect(other.events).toHaveLength(1);
    expect(other.events[0]).toMatchObject({ name: 'onStatusUpdate', data: { user: t.session.user, token: t.session.token, cause: 'login' } });
    expect(other.sockets[0].sent).toContainEqual({ type: 'session.reported', token: t.session.token.value, user: t.session.user });
    // the receiving tab neither re-posts nor adopts the hand-off a second time
    expect(tabs.posted).toEqual([{ v: 1, kind: 'login', session: t.session }]);
    expect(other.calls.filter((c) => c.url === '/api/session/adopt')).toEqual([]);
  });

  it('a logout or a revocation in one tab logs out the other tabs', async () => {
    const { other, t } = await twoTabs();
    t.controller.logout();
    expect(other.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { user: null, cause: 'logout' } });
    expect(other.controller.state.session).toBeNull();
    // the other tab's relay socket forgets the token too; storage and cookie were cleared by the first tab
    expect(other.sockets[0].sent).toContainEqual({ type: 'session.ended' });
    expect(other.calls.some((c) => c.url === '/api/session/forget')).toBe(false);

    t.controller.onWindowMessage(loginMessage(sessionFor(t.timers.now, 300, 'second.token.sig')));
    expect(other.controller.state.session?.token.value).toBe('second.token.sig');
    t.sockets[0].receive({ type: 'session.revoked' });
    expect(other.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { user: null, cause: 'revoked' } });
    expect(other.controller.state.notice?.text).toMatch(/revoked/);
  });

  it('ignores tab messages of the wrong shape', async () => {
    const tabs = new FakeChannelHub();
    const t = await loggedIn({ tabs });
    const count = t.events.length;
    tabs.inject({ v: 1, kind: 'logout', cause: 'whatever' });
    tabs.inject({ v: 1, kind: 'login', session: { user: {} } });
    tabs.inject('logout');
    expect(t.events).toHaveLength(count);
    expect(t.controller.state.session).toEqual(t.session);
  });

  it('logout_request ends the session as revoked and opens the logout window once per request', async () => {
    const t = await loggedIn();
    await t.render({ logout_request: 'lo-1' });
    expect(t.events.at(-1)).toMatchObject({ name: 'onStatusUpdate', data: { user: null, cause: 'revoked' } });
    expect(t.opened.map((o) => o.url)).toEqual(['/auth/logout?returnTo=x']);
    expect(t.controller.state.busy).toBe('logout');
    await t.render({ logout_request: 'lo-1' });
    await t.render({ logout_request: null });
    expect(t.opened).toHaveLength(1);
  });

  it('logout_request with popups blocked offers the logout window as a link', async () => {
    const t = await loggedIn({ blockPopups: true });
    await t.render({ logout_request: 'lo-2' });
    expect(t.controller.state.session).toBeNull();
    expect(t.controller.state.notice).toMatchObject({ kind: 'info', link: { href: '/auth/logout?returnTo=x', label: 'Open the logout window' } });
  });
});

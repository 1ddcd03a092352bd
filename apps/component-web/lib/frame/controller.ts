import {
  ComponentSession,
  HTTP_STATUS_BY_CODE,
  type ClientFrame,
  type ComponentEventValue,
  type ComponentSession as ComponentSessionT,
  type ServerFrame,
  type WebResultFrame,
} from '@auth-bus/contracts';
import { hostView, parseFrameArgs, type ActionSpec, type FrameArgs } from './args';
import { EventSender } from './events';
import { refreshDelayMs } from './format';
import { acceptPopupMessage, type Handoff } from '../shared/popup-message';
import { RelayClient, type RelayState, type WebSocketLike } from './relay';
import type { SessionStore } from './session-store';

/**
 * The component frame's behaviour, free of React and of the DOM so that it can be unit-tested:
 * Streamlit render args in, events to the host out, the login/logout popups, the session in
 * storage, the silent refresh and the relay connection. `app/streamlit/frame.tsx` renders its
 * state as the compact bar.
 */

export interface WindowLike {
  closed: boolean;
  focus?: () => void;
}

export interface FrameDeps {
  setComponentValue: (value: ComponentEventValue) => void;
  store: SessionStore;
  createSocket: (url: string) => WebSocketLike;
  fetch: typeof fetch;
  openWindow: (url: string, name: string, features: string) => WindowLike | null;
  /** The frame's own origin (popup messages must come from it). */
  origin: string;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
}

export interface FrameUrls {
  /** `/auth/login?audience=…&returnTo=/popup/complete` */
  login: string;
  /** `/auth/logout?returnTo=<origin>/popup/logged-out` */
  logout: string;
  /** `/api/session/refresh` */
  refresh: string;
  /** `/api/session/adopt`: the frame takes over the session its popup created (partitioned cookie). */
  adopt: string;
  /** `/api/session/forget`: drops the frame's copy at logout/expiry. */
  forget: string;
  popupName: string;
  popupFeatures: string;
}

export interface Notice {
  kind: 'info' | 'error';
  text: string;
  link?: { href: string; label: string };
}

export interface ActionOutcome {
  id: string;
  label?: string;
  ok: boolean;
  status: number;
  summary: string;
}

export interface FrameState {
  /** First render received and storage read. */
  ready: boolean;
  session: ComponentSessionT | null;
  busy: 'login' | 'logout' | 'refresh' | null;
  expired: boolean;
  notice: Notice | null;
  relay: RelayState;
  relayRetryInMs?: number;
  args: FrameArgs;
  pendingActions: string[];
  lastAction: ActionOutcome | null;
}

const ACTION_TIMEOUT_MS = 15_000;
const REFRESH_RETRY_MS = 5_000;

export class FrameController {
  private readonly events: EventSender;
  private readonly relay: RelayClient;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private listeners = new Set<(state: FrameState) => void>();
  private initialized = false;
  private initializing: Promise<void> | null = null;
  private refreshTimer: unknown = null;
  private popup: WindowLike | null = null;
  private popupWatch: unknown = null;
  private seenActionIds = new Set<string>();
  private pending = new Map<string, { frame: ClientFrame & { type: 'web.request' }; timer: unknown; sent: boolean }>();
  private buttonCounter = 0;
  private relayTarget: string | null = null;
  private relayWasOpen = false;
  private relayOutageReported = false;
  private disposed = false;

  state: FrameState;

  constructor(
    private readonly deps: FrameDeps,
    private readonly urls: FrameUrls,
  ) {
    this.now = deps.now ?? (() => Date.now());
    this.setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = deps.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.events = new EventSender(deps.setComponentValue, this.now());
    this.relay = new RelayClient({
      createSocket: deps.createSocket,
      onFrame: (frame) => this.onRelayFrame(frame),
      onReady: () => this.onRelayReady(),
      onState: (relay, retryInMs) => this.onRelayState(relay, retryInMs),
      setTimeout: deps.setTimeout,
      clearTimeout: deps.clearTimeout,
      random: deps.random,
    });
    this.state = {
      ready: false,
      session: null,
      busy: null,
      expired: false,
      notice: null,
      relay: 'idle',
      args: parseFrameArgs({}).args,
      pendingActions: [],
      lastAction: null,
    };
  }

  // ---- state for the UI -----------------------------------------------------------------

  subscribe(listener: (state: FrameState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private update(patch: Partial<FrameState>): void {
    this.state = { ...this.state, ...patch, pendingActions: [...this.pending.keys()] };
    for (const listener of this.listeners) listener(this.state);
  }

  // ---- Streamlit render ------------------------------------------------------------------

  /** Handles one `streamlit:render` (its `args`). Returns once the first render is processed. */
  onRender(rawArgs: unknown): Promise<void> {
    const { args, problems } = parseFrameArgs(rawArgs);
    if (problems.length) console.warn(`[component] ignored render args: ${problems.join('; ')}`);
    this.events.setAllowed(args.events);
    this.update({ args });
    if (!this.initialized) {
      this.initializing ??= this.initialize(args);
      return this.initializing.then(() => this.applyArgs(this.state.args));
    }
    this.applyArgs(args);
    return Promise.resolve();
  }

  private async initialize(args: FrameArgs): Promise<void> {
    let stored = await this.deps.store.load().catch(() => null);
    if (!stored) {
      // Nothing in the frame's storage — empty, or refused (Chromium refuses IndexedDB to a frame
      // on another site than the page): the session adopted at login lives on in the partitioned
      // cookie; ask for it (the stored token while valid, refreshed otherwise).
      stored = await this.fetchRefresh(true).catch(() => null);
      if (stored) await this.deps.store.save(stored).catch(() => undefined);
    }
    const host = hostView(args.initial_state);
    let session: ComponentSessionT | null = stored;
    let expiredOnLoad = false;
    if (stored && stored.token.expiry * 1000 <= this.now() + 5_000) {
      // the stored access token is (about to be) stale: try the silent refresh first
      session = await this.fetchRefresh().catch(() => null);
      if (session) await this.deps.store.save(session).catch(() => undefined);
      else {
        expiredOnLoad = true;
        await this.deps.store.clear().catch(() => undefined);
      }
    }
    this.initialized = true;
    this.update({ ready: true, session, expired: expiredOnLoad, notice: expiredOnLoad ? expiredNotice() : null });
    // Tell the host once at mount when what it believes differs from what the frame has.
    if (session && (!host.loggedIn || (host.tokenValue !== undefined && host.tokenValue !== session.token.value))) {
      this.emitStatus(session, 'mount');
    } else if (!session && host.loggedIn) {
      this.emitStatus(null, expiredOnLoad ? 'expired' : 'mount');
    }
    if (session) this.scheduleRefresh(session);
  }

  private applyArgs(args: FrameArgs): void {
    if (this.disposed) return;
    const target = args.relay_url && args.session_id ? `${args.relay_url} ${args.session_id}` : null;
    if (target !== this.relayTarget) {
      // a new relay (or session): its outages are reported afresh
      this.relayTarget = target;
      this.relayWasOpen = false;
      this.relayOutageReported = false;
    }
    if (args.relay_url && args.session_id) this.relay.connect(args.relay_url, args.session_id);
    else this.relay.close();
    const request = args.action_request;
    if (request && !this.seenActionIds.has(request.id)) {
      this.seenActionIds.add(request.id);
      this.dispatchAction(request.id, request);
    }
  }

  // ---- events to the host ----------------------------------------------------------------

  private emitStatus(session: ComponentSessionT | null, cause: 'login' | 'logout' | 'refresh' | 'mount' | 'expired'): void {
    this.events.emit('onStatusUpdate', { user: session?.user ?? null, token: session?.token ?? null, cause });
  }

  private emitError(code: string, message: string): void {
    this.events.emit('onError', { code, message: message.slice(0, 500) });
  }

  /** Event names suppressed because the host did not allow them. */
  get suppressedEvents(): readonly string[] {
    return this.events.suppressed;
  }

  // ---- login / logout popups -------------------------------------------------------------

  login(): void {
    if (!this.state.ready) return;
    if (this.popup && !this.popup.closed && this.state.busy === 'login') {
      this.popup.focus?.();
      return;
    }
    const popup = this.openPopup(this.urls.login);
    if (!popup) {
      this.update({
        busy: null,
        notice: {
          kind: 'error',
          text: 'The login window was blocked by the browser.',
          link: { href: this.urls.login, label: 'Open the login window' },
        },
      });
      return;
    }
    this.update({ busy: 'login', notice: null });
  }

  /**
   * The "blocked popup" link was clicked (a user gesture, so window.open is allowed now).
   * Returns true when the popup opened (the link's own navigation should then be cancelled).
   */
  openFromLink(href: string): boolean {
    const popup = this.openPopup(href);
    if (popup) this.update({ busy: href === this.urls.logout ? 'logout' : 'login', notice: null });
    return Boolean(popup);
  }

  logout(): void {
    if (!this.state.session) return;
    const popup = this.openPopup(this.urls.logout);
    // Logging out here never depends on the popup: the frame forgets the session at once.
    this.endSession('logout');
    this.update({
      busy: popup ? 'logout' : null,
      notice: popup
        ? null
        : {
            kind: 'info',
            text: 'Logged out here. The logout window was blocked, so the identity provider session is still open.',
            link: { href: this.urls.logout, label: 'Open the logout window' },
          },
    });
  }

  private openPopup(url: string): WindowLike | null {
    let popup: WindowLike | null = null;
    try {
      popup = this.deps.openWindow(url, this.urls.popupName, this.urls.popupFeatures);
    } catch {
      popup = null;
    }
    if (!popup || popup.closed) return null;
    this.popup = popup;
    if (this.popupWatch) this.clearTimer(this.popupWatch);
    // UI only (the hand-off itself is a message, not polled): notice a popup closed by hand.
    const watch = () => {
      this.popupWatch = null;
      if (this.popup !== popup) return;
      if (popup.closed) {
        this.popup = null;
        if (this.state.busy === 'login' || this.state.busy === 'logout') this.update({ busy: null });
        return;
      }
      this.popupWatch = this.setTimer(watch, 500);
    };
    this.popupWatch = this.setTimer(watch, 500);
    return popup;
  }

  /** A `message` event on the frame's window. Returns true when it was a valid popup message. */
  onWindowMessage(event: { origin: string; data: unknown }): boolean {
    const accepted = acceptPopupMessage(event, this.deps.origin);
    if (!accepted) return false;
    const { message, handoff } = accepted;
    if (message.kind === 'login') {
      this.acceptSession(message.session, 'login', handoff);
    } else if (message.kind === 'logout') {
      if (this.state.session) this.endSession('logout');
      this.update({ busy: null });
    } else {
      this.update({ busy: null, notice: { kind: 'error', text: message.message } });
      this.emitError('LOGIN_FAILED', message.message);
    }
    return true;
  }

  private acceptSession(session: ComponentSessionT, cause: 'login' | 'refresh', handoff: Handoff | null = null): void {
    if (!this.initialized || this.disposed) return;
    if (this.state.session?.token.value === session.token.value) {
      if (this.state.busy) this.update({ busy: null });
      return; // already known: never a second event for the same token
    }
    if (session.token.expiry * 1000 <= this.now()) {
      this.update({ busy: null, notice: { kind: 'error', text: 'The login returned an expired token. Please log in again.' } });
      return;
    }
    this.update({ session, busy: null, expired: false, notice: null });
    this.emitStatus(session, cause);
    this.relay.send({ type: 'session.reported', token: session.token.value, user: session.user });
    // Where the browser refuses the frame's storage (a frame on another site than the Streamlit
    // page, in Chromium), the adopted partitioned cookie still restores the session at reload.
    const saved = this.deps.store.save(session).then(
      () => true,
      () => false,
    );
    if (cause === 'login') {
      // the one-time hand-off goes to the server once, then only the cookie holds the session
      const adopted = handoff ? this.sessionCall(this.urls.adopt, handoff) : Promise.resolve(false);
      void Promise.all([saved, adopted]).then(([stored, kept]) => {
        if (!stored && !kept && this.state.session === session) {
          this.update({ notice: { kind: 'info', text: 'This browser refused storage: the login will not survive a reload.' } });
        }
      });
    }
    this.scheduleRefresh(session);
  }

  /** A same-origin call to one of component-web's session routes; failures only matter later. */
  private async sessionCall(url: string, body?: unknown): Promise<boolean> {
    try {
      const res = await this.deps.fetch(url, {
        method: 'POST',
        credentials: 'include',
        cache: 'no-store',
        headers: { 'x-auth-bus-frame': '1', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return res.ok;
    } catch {
      return false;
    }
  }

  private endSession(cause: 'logout' | 'expired'): void {
    this.cancelRefresh();
    this.update({
      session: null,
      expired: cause === 'expired',
      notice: cause === 'expired' ? expiredNotice() : null,
    });
    this.deps.store.clear().catch(() => undefined);
    void this.sessionCall(this.urls.forget);
    this.emitStatus(null, cause);
    if (cause === 'expired') this.emitError('SESSION_EXPIRED', 'Session expired — log in again');
    this.relay.send({ type: 'session.ended' });
  }

  // ---- silent refresh --------------------------------------------------------------------

  private scheduleRefresh(session: ComponentSessionT, delayMs?: number): void {
    this.cancelRefresh();
    const delay = delayMs ?? refreshDelayMs(session.token.expiry, this.now());
    this.refreshTimer = this.setTimer(() => {
      this.refreshTimer = null;
      void this.refreshNow();
    }, Math.min(delay, 2 ** 31 - 1));
  }

  private cancelRefresh(): void {
    if (this.refreshTimer) this.clearTimer(this.refreshTimer);
    this.refreshTimer = null;
  }

  /** Refreshes the access token now (also used by the bar's countdown when it reaches zero). */
  async refreshNow(): Promise<void> {
    const current = this.state.session;
    if (!current || this.disposed) return;
    this.update({ busy: this.state.busy ?? 'refresh' });
    try {
      const fresh = await this.fetchRefresh();
      if (this.state.session !== current) return; // logged out or in again meanwhile
      if (fresh) {
        if (this.state.busy === 'refresh') this.update({ busy: null });
        this.acceptSession(fresh, 'refresh');
      } else {
        if (this.state.busy === 'refresh') this.update({ busy: null });
        this.endSession('expired');
      }
    } catch {
      // network or server trouble: try again while the token is still valid
      if (this.state.busy === 'refresh') this.update({ busy: null });
      if (this.state.session !== current) return;
      if (current.token.expiry * 1000 - this.now() > REFRESH_RETRY_MS) this.scheduleRefresh(current, REFRESH_RETRY_MS);
      else this.endSession('expired');
    }
  }

  /** The session from the refresh route; null when it says the session is over; throws otherwise. */
  private async fetchRefresh(restore = false): Promise<ComponentSessionT | null> {
    const res = await this.deps.fetch(restore ? `${this.urls.refresh}?restore=1` : this.urls.refresh, {
      method: 'POST',
      credentials: 'include',
      cache: 'no-store',
      headers: { 'x-auth-bus-frame': '1' },
    });
    if (res.status === 401 || res.status === 403) return null;
    if (!res.ok) throw new Error(`refresh failed with ${res.status}`);
    const parsed = ComponentSession.safeParse(await res.json());
    if (!parsed.success) throw new Error('refresh returned an invalid session');
    return parsed.data;
  }

  // ---- relay -----------------------------------------------------------------------------

  private onRelayState(relay: RelayState, retryInMs?: number): void {
    this.update({ relay, relayRetryInMs: retryInMs });
    if (relay === 'open') {
      this.relayWasOpen = true;
      this.relayOutageReported = false;
    } else if (relay === 'offline' && !this.relayOutageReported) {
      this.relayOutageReported = true;
      this.emitError(
        'RELAY_UNAVAILABLE',
        this.relayWasOpen ? 'Lost the connection to host-relay; reconnecting.' : 'Cannot reach host-relay; retrying.',
      );
    }
  }

  private onRelayReady(): void {
    const session = this.state.session;
    if (session) this.relay.send({ type: 'session.reported', token: session.token.value, user: session.user });
    for (const entry of this.pending.values()) {
      if (!entry.sent) entry.sent = this.relay.send(entry.frame);
    }
  }

  private onRelayFrame(frame: ServerFrame): void {
    if (frame.type === 'web.result') {
      this.finishAction(frame);
    } else if (frame.type === 'error') {
      if (frame.id && this.pending.has(frame.id)) {
        this.finishAction({
          type: 'web.result',
          id: frame.id,
          ok: false,
          status: HTTP_STATUS_BY_CODE[frame.error.code] ?? 500,
          error: frame.error,
        });
      } else {
        this.emitError(frame.error.code, frame.error.message);
      }
    }
  }

  // ---- delegated web requests ------------------------------------------------------------

  /** A click on one of the bar's action buttons (from the `actions` arg). */
  runAction(spec: ActionSpec): void {
    this.buttonCounter += 1;
    this.dispatchAction(`${spec.id}.${this.now().toString(36)}${this.buttonCounter}`.slice(0, 64), spec);
  }

  private dispatchAction(id: string, spec: ActionSpec): void {
    if (this.pending.has(id)) return;
    const frame = {
      type: 'web.request' as const,
      id,
      ...(spec.label ? { label: spec.label } : {}),
      method: spec.method,
      path: spec.path,
      ...(spec.body ? { body: spec.body } : {}),
      useauth: spec.useauth,
      auth_kind: 'BEARER' as const,
    };
    const timer = this.setTimer(() => {
      this.finishAction({
        type: 'web.result',
        id,
        ok: false,
        status: 504,
        error: { code: 'TIMEOUT', message: this.relay.isReady ? 'No answer from host-relay in time' : 'host-relay is not connected' },
        ...(spec.label ? { label: spec.label } : {}),
      });
    }, ACTION_TIMEOUT_MS);
    const sent = this.relay.send(frame);
    this.pending.set(id, { frame, timer, sent });
    this.update({});
  }

  private finishAction(result: WebResultFrame): void {
    const entry = this.pending.get(result.id);
    if (!entry) return;
    this.clearTimer(entry.timer);
    this.pending.delete(result.id);
    const label = result.label ?? entry.frame.label;
    const withLabel: WebResultFrame = label && !result.label ? { ...result, label } : result;
    this.events.emit('onActionResult', withLabel);
    this.update({
      lastAction: {
        id: result.id,
        label,
        ok: result.ok,
        status: result.status,
        summary: result.ok ? summarize(result.data) : `${result.error.code}: ${result.error.message}`,
      },
    });
  }

  // ---- lifecycle -------------------------------------------------------------------------

  dispose(): void {
    this.disposed = true;
    this.cancelRefresh();
    if (this.popupWatch) this.clearTimer(this.popupWatch);
    for (const entry of this.pending.values()) this.clearTimer(entry.timer);
    this.pending.clear();
    this.relay.close();
    this.listeners.clear();
  }
}

function expiredNotice(): Notice {
  return { kind: 'error', text: 'Session expired — log in again' };
}

function summarize(data: unknown): string {
  if (data && typeof data === 'object' && typeof (data as { data?: unknown }).data === 'string') {
    return (data as { data: string }).data.slice(0, 200);
  }
  try {
    return JSON.stringify(data).slice(0, 200);
  } catch {
    return String(data).slice(0, 200);
  }
}

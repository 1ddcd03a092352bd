import type { ComponentEventValue, ComponentSession, ServerFrame } from '@auth-bus/contracts';
import { acceptPopupMessage, type Handoff } from '../shared/popup-message';
import { hostView, parseFrameArgs, type ActionSpec, type FrameArgs } from './args';
import { clockOf, type Clock } from './clock';
import { EventSender, mountStatusCause } from './events';
import { EXPIRED_NOTICE, FrameStateStore, REVOKED_NOTICE, type FrameState } from './frame-state';
import { PopupWindow, type OpenWindow } from './popup-window';
import { RefreshTimer } from './refresh-timer';
import { RelayClient, type RelayState, type WebSocketLike } from './relay';
import { RelayOutages } from './relay-outages';
import { SessionApi, type SessionApiUrls } from './session-api';
import { SessionKeeper } from './session-keeper';
import type { SessionStore } from './session-store';
import { TabSync, type ChannelLike, type TabMessage } from './tab-sync';
import { WebRequests } from './web-requests';

export type { ActionOutcome, FrameState, Notice } from './frame-state';
export type { WindowLike } from './popup-window';

/**
 * The component frame's behaviour, free of React and of the DOM so that it can be unit-tested:
 * Streamlit render args in, events to the host out. A thin coordinator of its collaborators —
 * events.ts (the Streamlit side), popup-window.ts (login/logout popups), session-keeper.ts
 * (storage and the server's cookie), refresh-timer.ts (silent refresh), relay.ts +
 * relay-outages.ts (host-relay), web-requests.ts (delegated requests), frame-state.ts (what the
 * bar shows: `app/streamlit/frame.tsx` renders it).
 */

export interface FrameDeps {
  setComponentValue: (value: ComponentEventValue) => void;
  store: SessionStore;
  createSocket: (url: string) => WebSocketLike;
  fetch: typeof fetch;
  openWindow: OpenWindow;
  /** The frame's own origin (popup messages must come from it). */
  origin: string;
  now?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
  /** A BroadcastChannel to the frame's other tabs (tab-sync.ts); absent: tabs stay independent. */
  createChannel?: (name: string) => ChannelLike | null;
}

export interface FrameUrls extends SessionApiUrls {
  /** `/auth/login?returnTo=/auth/popup/complete` */
  login: string;
  /** `/auth/logout?returnTo=<origin>/auth/logged-out` */
  logout: string;
  popupName: string;
  popupFeatures: string;
}

export class FrameController {
  private readonly clock: Clock;
  private readonly events: EventSender;
  private readonly ui: FrameStateStore;
  private readonly relay: RelayClient;
  private readonly outages: RelayOutages;
  private readonly requests: WebRequests;
  private readonly popup: PopupWindow;
  private readonly api: SessionApi;
  private readonly keeper: SessionKeeper;
  private readonly refreshTimer: RefreshTimer;
  private readonly tabs: TabSync;
  /** The last `logout_request` of the host that was carried out (each is carried out once). */
  private lastLogoutRequest: string | null = null;
  private initialized = false;
  /** The host session (render arg `session_id`) of the last render; undefined before the first. */
  private hostSessionId: string | null | undefined;
  private initializing: Promise<void> | null = null;
  /** The stored (or cookie-restored) session, read from the start: see the constructor. */
  private readonly restoring: ReturnType<SessionKeeper['atMount']>;
  private disposed = false;

  constructor(
    private readonly deps: FrameDeps,
    private readonly urls: FrameUrls,
  ) {
    this.clock = clockOf(deps);
    this.events = new EventSender(deps.setComponentValue, this.clock.now());
    this.relay = new RelayClient({
      createSocket: deps.createSocket,
      onFrame: (frame) => this.onRelayFrame(frame),
      onReady: () => this.onRelayReady(),
      onState: (relay, retryInMs) => this.onRelayState(relay, retryInMs),
      setTimeout: deps.setTimeout,
      clearTimeout: deps.clearTimeout,
      random: deps.random,
    });
    this.outages = new RelayOutages((message) => this.events.error('RELAY_UNAVAILABLE', message));
    this.requests = new WebRequests(this.relay, this.clock, (result, lastAction) => {
      this.events.emit('onActionResult', result);
      this.update({ lastAction });
    });
    this.popup = new PopupWindow(deps.openWindow, urls.popupName, urls.popupFeatures, this.clock, () => {
      if (this.state.busy === 'login' || this.state.busy === 'logout') this.update({ busy: null });
    });
    this.api = new SessionApi(deps.fetch, urls);
    this.keeper = new SessionKeeper(deps.store, this.api);
    this.refreshTimer = new RefreshTimer(this.clock, () => void this.refreshNow());
    this.tabs = new TabSync(deps.createChannel, (message) => this.onTabMessage(message));
    this.ui = new FrameStateStore({
      ready: false,
      session: null,
      busy: null,
      expired: false,
      notice: null,
      relay: 'idle',
      args: parseFrameArgs({}).args,
      pendingActions: [],
      lastAction: null,
    });
    // Read the session while the page hydrates and Streamlit's handshake runs, not after the
    // first render: at a reload this is on the way to the name on the page.
    this.restoring = this.keeper.atMount(this.clock.now);
  }

  // ---- state for the UI -----------------------------------------------------------------

  get state(): FrameState {
    return this.ui.state;
  }

  subscribe(listener: (state: FrameState) => void): () => void {
    return this.ui.subscribe(listener);
  }

  private update(patch: Partial<FrameState>): void {
    this.ui.update({ ...patch, pendingActions: this.requests.ids() });
  }

  /** Event names suppressed because the host did not allow them. */
  get suppressedEvents(): readonly string[] {
    return this.events.suppressed;
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
    const { session, expiredOnLoad } = await this.restoring;
    this.initialized = true;
    this.update({ ready: true, session, expired: expiredOnLoad, notice: expiredOnLoad ? EXPIRED_NOTICE : null });
    const cause = mountStatusCause(session, hostView(args.initial_state), expiredOnLoad);
    if (cause) this.events.status(session, cause);
    if (session) this.refreshTimer.schedule(session);
  }

  private applyArgs(args: FrameArgs): void {
    if (this.disposed) return;
    // A new host session in the same frame: the Streamlit page reconnected, possibly to another
    // replica behind a load balancer, which knows nothing yet. Tell it what the frame holds, as at mount.
    const hostSessionChanged = this.hostSessionId !== undefined && args.session_id !== this.hostSessionId;
    this.hostSessionId = args.session_id;
    if (hostSessionChanged && this.initialized) {
      const cause = mountStatusCause(this.state.session, hostView(args.initial_state), false);
      if (cause) this.events.status(this.state.session, cause);
    }
    this.outages.setTarget(args.relay_url, args.session_id);
    if (args.relay_url && args.session_id) this.relay.connect(args.relay_url, args.session_id);
    else this.relay.close();
    if (args.action_request && this.requests.requestOnce(args.action_request)) this.update({});
    if (args.logout_request && args.logout_request !== this.lastLogoutRequest) {
      this.lastLogoutRequest = args.logout_request;
      this.endProviderSession();
    }
  }

  /**
   * The host revoked every session of its user ("Log out everywhere", `logout_request`): the
   * session ends here (if the relay's push has not ended it already) and the logout window ends
   * the identity provider's session. Browsers block a window opened without a click in this
   * frame; then the notice offers the link (one click).
   */
  private endProviderSession(): void {
    if (this.state.session) this.endSession('revoked');
    this.openLogoutWindow('Logged out everywhere. The logout window was blocked, so the identity provider session is still open.');
  }

  // ---- login / logout popups -------------------------------------------------------------

  login(): void {
    if (!this.state.ready) return;
    if (this.state.busy === 'login' && this.popup.focusOpen()) return;
    if (!this.popup.open(this.urls.login)) {
      this.update({
        busy: null,
        notice: { kind: 'error', text: 'The login window was blocked by the browser.', link: { href: this.urls.login, label: 'Open the login window' } },
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
    const opened = Boolean(this.popup.open(href));
    if (opened) this.update({ busy: href === this.urls.logout ? 'logout' : 'login', notice: null });
    return opened;
  }

  logout(): void {
    if (!this.state.session) return;
    // Logging out here never depends on the popup: the frame forgets the session (and tells the
    // other tabs) first — opening a window can block this thread for a while — then opens it,
    // still within the click.
    this.endSession('logout');
    const opened = Boolean(this.popup.open(this.urls.logout));
    this.showLogoutWindow(opened, 'Logged out here. The logout window was blocked, so the identity provider session is still open.');
  }

  private openLogoutWindow(blockedText: string): void {
    this.showLogoutWindow(Boolean(this.popup.open(this.urls.logout)), blockedText);
  }

  private showLogoutWindow(opened: boolean, blockedText: string): void {
    this.update({
      busy: opened ? 'logout' : null,
      notice: opened ? null : { kind: 'info', text: blockedText, link: { href: this.urls.logout, label: 'Open the logout window' } },
    });
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
      this.events.error('LOGIN_FAILED', message.message);
    }
    return true;
  }

  // ---- the session: accepted, ended, refreshed ---------------------------------------------

  /** `fromTab`: another tab of this browser logged in; it stored the session and tells the others itself. */
  private acceptSession(session: ComponentSession, cause: 'login' | 'refresh', handoff: Handoff | null = null, fromTab = false): void {
    if (!this.initialized || this.disposed) return;
    if (this.state.session?.token.value === session.token.value) {
      if (this.state.busy) this.update({ busy: null });
      return; // already known: never a second event for the same token
    }
    if (session.token.expiry * 1000 <= this.clock.now()) {
      this.update({ busy: null, notice: { kind: 'error', text: 'The login returned an expired token. Please log in again.' } });
      return;
    }
    this.update({ session, busy: null, expired: false, notice: null });
    this.events.status(session, cause);
    this.reportSession(session);
    this.refreshTimer.schedule(session);
    if (fromTab) return;
    if (cause === 'login') this.tabs.post({ v: 1, kind: 'login', session });
    const kept = this.keeper.keep(session, cause === 'login' ? handoff : undefined);
    if (cause === 'login') {
      void kept.then((survives) => {
        if (!survives && this.state.session === session) {
          this.update({ notice: { kind: 'info', text: 'This browser refused storage: the login will not survive a reload.' } });
        }
      });
    }
  }

  /**
   * `revoked`: the relay pushed a revocation, or the host asked to log out everywhere — the
   * relay already forgot the token (no `session.ended`: auth-service audited the revocation).
   * `fromTab`: another tab ended it and already cleared the shared storage and cookie.
   */
  private endSession(cause: 'logout' | 'expired' | 'revoked', fromTab = false): void {
    this.refreshTimer.cancel();
    const notice = cause === 'expired' ? EXPIRED_NOTICE : cause === 'revoked' ? REVOKED_NOTICE : null;
    this.update({ session: null, expired: cause === 'expired', notice });
    if (!fromTab) this.keeper.forget();
    this.events.status(null, cause);
    if (cause === 'expired') this.events.error('SESSION_EXPIRED', 'Session expired — log in again');
    if (cause !== 'revoked') this.relay.send({ type: 'session.ended' });
    if (!fromTab && cause !== 'expired') this.tabs.post({ v: 1, kind: 'logout', cause });
  }

  /** Another tab of this browser logged in or out: follow it (no popup, no new login here). */
  private onTabMessage(message: TabMessage): void {
    if (!this.initialized || this.disposed) return;
    if (message.kind === 'login') this.acceptSession(message.session, 'login', null, true);
    else if (this.state.session) this.endSession(message.cause, true);
  }

  /** Refreshes the access token now (also used by the bar's countdown when it reaches zero). */
  async refreshNow(): Promise<void> {
    const current = this.state.session;
    if (!current || this.disposed) return;
    this.update({ busy: this.state.busy ?? 'refresh' });
    const settle = () => {
      if (this.state.busy === 'refresh') this.update({ busy: null });
    };
    try {
      const fresh = await this.api.refresh();
      if (this.state.session !== current) return; // logged out or in again meanwhile
      settle();
      if (fresh) this.acceptSession(fresh, 'refresh');
      else this.endSession('expired');
    } catch {
      // network or server trouble: try again while the token is still valid
      settle();
      if (this.state.session !== current) return;
      if (!this.refreshTimer.retry(current)) this.endSession('expired');
    }
  }

  // ---- relay -----------------------------------------------------------------------------

  private reportSession(session: ComponentSession): void {
    this.relay.send({ type: 'session.reported', token: session.token.value, user: session.user });
  }

  private onRelayState(relay: RelayState, retryInMs?: number): void {
    this.update({ relay, relayRetryInMs: retryInMs });
    this.outages.onState(relay);
  }

  private onRelayReady(): void {
    if (this.state.session) this.reportSession(this.state.session);
    this.requests.flush();
  }

  private onRelayFrame(frame: ServerFrame): void {
    if (frame.type === 'session.revoked') {
      // The relay forgot the token and tells only sockets whose token the revocation covers.
      if (this.state.session) this.endSession('revoked');
      return;
    }
    if (!this.requests.onRelayFrame(frame) && frame.type === 'error') this.events.error(frame.error.code, frame.error.message);
  }

  /** A click on one of the bar's action buttons (from the `actions` arg). */
  runAction(spec: ActionSpec): void {
    if (this.requests.runButton(spec)) this.update({});
  }

  // ---- lifecycle -------------------------------------------------------------------------

  dispose(): void {
    this.disposed = true;
    this.refreshTimer.cancel();
    this.popup.dispose();
    this.requests.dispose();
    this.relay.close();
    this.tabs.close();
    this.ui.dispose();
  }
}

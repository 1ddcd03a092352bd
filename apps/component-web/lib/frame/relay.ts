import { ServerFrame, type ClientFrame } from '@auth-bus/contracts';
import { backoffMs } from './format';

/** The subset of the browser WebSocket the client needs (a fake one in unit tests). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type RelayState = 'idle' | 'connecting' | 'open' | 'offline';

export interface RelayClientOptions {
  createSocket: (url: string) => WebSocketLike;
  /** Every valid frame from the relay (after `welcome`, which the client handles itself). */
  onFrame: (frame: ServerFrame) => void;
  /** Called once per connection when `welcome` arrives: (re)send the session state here. */
  onReady: () => void;
  onState: (state: RelayState, retryInMs?: number) => void;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
  random?: () => number;
  /** A connection that is not open with a `welcome` within this time is dropped and retried. */
  connectTimeoutMs?: number;
}

const OPEN = 1;

/**
 * The frame's WebSocket to host-relay: `hello` → `welcome`, then frames both ways. It reconnects
 * with exponential backoff (0.5 s doubling up to 10 s, jittered) for as long as it is wanted, and
 * reports its state for the bar. Frames that do not match the contract are dropped.
 */
export class RelayClient {
  private socket: WebSocketLike | null = null;
  private url: string | null = null;
  private sessionId: string | null = null;
  private attempt = 0;
  private retryTimer: unknown = null;
  private helloTimer: unknown = null;
  private ready = false;
  private stopped = true;
  state: RelayState = 'idle';

  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly opts: RelayClientOptions) {
    this.setTimer = opts.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Connects (or reconnects when the URL or session id changed); a no-op when unchanged. */
  connect(url: string, sessionId: string): void {
    if (!this.stopped && url === this.url && sessionId === this.sessionId) return;
    this.teardown();
    this.url = url;
    this.sessionId = sessionId;
    this.stopped = false;
    this.attempt = 0;
    this.open();
  }

  /** Sends a frame if the connection is ready; returns false otherwise. */
  send(frame: ClientFrame): boolean {
    if (!this.ready || !this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  close(): void {
    this.stopped = true;
    this.teardown();
    this.setState('idle');
  }

  private setState(state: RelayState, retryInMs?: number): void {
    this.state = state;
    this.opts.onState(state, retryInMs);
  }

  private open(): void {
    if (this.stopped || !this.url || !this.sessionId) return;
    this.setState('connecting');
    let socket: WebSocketLike;
    try {
      socket = this.opts.createSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    const sessionId = this.sessionId;
    // (a socket blocked by CSP or a black-holed host may never fire open or close)
    this.helloTimer = this.setTimer(() => {
      if (this.socket !== socket || this.ready) return;
      try {
        socket.close(4000, 'no welcome');
      } catch {
        // ignore
      }
      socket.onclose?.({});
    }, this.opts.connectTimeoutMs ?? 8000);
    socket.onopen = () => {
      if (this.socket !== socket) return;
      socket.send(JSON.stringify({ type: 'hello', v: 1, session_id: sessionId } satisfies ClientFrame));
    };
    socket.onmessage = (ev) => {
      if (this.socket !== socket) return;
      if (typeof ev.data !== 'string' || ev.data.length > 256 * 1024) return;
      let json: unknown;
      try {
        json = JSON.parse(ev.data);
      } catch {
        return;
      }
      const parsed = ServerFrame.safeParse(json);
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === 'welcome') {
        if (this.ready) return;
        this.ready = true;
        this.attempt = 0;
        if (this.helloTimer) this.clearTimer(this.helloTimer);
        this.helloTimer = null;
        this.setState('open');
        this.opts.onReady();
        return;
      }
      this.opts.onFrame(frame);
    };
    socket.onerror = () => {
      // onclose follows and schedules the retry
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.ready = false;
      if (this.helloTimer) this.clearTimer(this.helloTimer);
      this.helloTimer = null;
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffMs(this.attempt, this.opts.random);
    this.attempt += 1;
    this.setState('offline', delay);
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private teardown(): void {
    if (this.retryTimer) this.clearTimer(this.retryTimer);
    if (this.helloTimer) this.clearTimer(this.helloTimer);
    this.retryTimer = null;
    this.helloTimer = null;
    this.ready = false;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
      try {
        socket.close(1000, 'bye');
      } catch {
        // already closed
      }
    }
  }
}

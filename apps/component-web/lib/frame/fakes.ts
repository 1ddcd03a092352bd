import type { ComponentSession } from '@auth-bus/contracts';
import type { Clock } from './clock';
import type { WebSocketLike } from './relay';
import type { ChannelLike } from './tab-sync';

/** Test doubles for the frame's unit tests (not used by the app). */

export class FakeSocket implements WebSocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: unknown) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed = false;

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  // driving it from the test
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({});
  }

  welcome(sessionId = 'sess-1'): void {
    this.open();
    this.receive({ type: 'welcome', connection_id: 'c1', session_id: sessionId });
  }
}

/** Manual clock and timers. */
export class FakeTimers {
  now = 1_700_000_000_000;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  setTimeout = (fn: () => void, ms: number): unknown => {
    const id = ++this.seq;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  };

  clearTimeout = (id: unknown): void => {
    this.timers.delete(id as number);
  };

  /** Advances the clock, running due timers in order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.timers.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = end;
  }

  /** The same timers as a `Clock` for the frame's modules. */
  get clock(): Clock {
    return { now: () => this.now, setTimeout: this.setTimeout, clearTimeout: this.clearTimeout };
  }

  get pending(): number {
    return this.timers.size;
  }
}

export function sessionFor(nowMs: number, lifetimeS = 300, token = 'header.payload.sig'): ComponentSession {
  return {
    user: { sub: 'auth0|alice', name: 'Alice Example', email: 'alice@example.com' },
    token: { value: token, value_id_token: 'id.token.sig', expiry: Math.floor(nowMs / 1000) + lifetimeS },
  };
}

/** BroadcastChannels of one origin: what one member posts reaches every other open member (never itself). */
export class FakeChannelHub {
  private readonly members = new Set<ChannelLike>();
  /** Everything posted, in order. */
  readonly posted: unknown[] = [];

  create = (_name: string): ChannelLike => {
    const channel: ChannelLike = {
      onmessage: null,
      postMessage: (message: unknown) => {
        this.posted.push(message);
        for (const other of this.members) if (other !== channel) other.onmessage?.({ data: structuredClone(message) });
      },
      close: () => {
        this.members.delete(channel);
      },
    };
    this.members.add(channel);
    return channel;
  };

  /** A message from a same-origin page that is not a frame (a test of what frames accept). */
  inject(data: unknown): void {
    for (const member of this.members) member.onmessage?.({ data });
  }
}

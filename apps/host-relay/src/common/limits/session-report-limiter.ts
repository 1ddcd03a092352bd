import { TokenBucket, type Clock } from './token-bucket';

export interface SessionReportLimits {
  /** Session events one address may publish at once. */
  burst: number;
  /** Sustained session events per minute per address. */
  perMinute: number;
  /** How long a published session+token stays known for its address (0: never). */
  repeatWindowMs: number;
}

/** What to do with a `session.reported`: publish it, acknowledge a known repeat without publishing, or refuse it. */
export type ReportVerdict = 'publish' | 'repeat' | 'limited';

interface AddressState {
  bucket: TokenBucket;
  /** Keys (hashes of the token) published recently from this address → when they stop counting as known. */
  recent: Map<string, number>;
}

/**
 * The budget of session events (`session.reported` / `session.ended`, each one an audit event
 * in auth-service) per client address, shared by all the address's sockets: a token bucket of
 * `burst` refilled at `perMinute`. A login (token) already published from the same address
 * within `repeatWindowMs` (seen again after a page change, a reconnect or a reload) is a
 * repeat: acknowledged, not published again, free. So one address can cause at most
 * `burst + perMinute × minutes` audit events, however many sockets it opens.
 *
 * Memory is bounded: at most `maxAddresses` addresses (idle ones are dropped first) and
 * `maxRecentPerAddress` known keys each.
 */
export class SessionReportLimiter {
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    readonly limits: SessionReportLimits,
    private readonly maxAddresses = 10_000,
    private readonly maxRecentPerAddress = 64,
    private readonly now: Clock = Date.now,
  ) {}

  /** The verdict for a report of `key` from `address`; `publish` has taken a token (call `remember` once published). */
  report(address: string, key: string): ReportVerdict {
    const state = this.state(address);
    const until = state.recent.get(key);
    if (until !== undefined) {
      if (until > this.now()) return 'repeat';
      state.recent.delete(key);
    }
    return state.bucket.tryTake() ? 'publish' : 'limited';
  }

  /** Records a published report, so that repeats within the window are free. */
  remember(address: string, key: string): void {
    if (this.limits.repeatWindowMs <= 0) return;
    const { recent } = this.state(address);
    recent.delete(key);
    const now = this.now();
    for (const [k, until] of recent) if (until <= now) recent.delete(k);
    while (recent.size >= this.maxRecentPerAddress) recent.delete(recent.keys().next().value as string);
    recent.set(key, now + this.limits.repeatWindowMs);
  }

  /** Forgets a key (the session ended: reporting it again is a new login). */
  forget(address: string, key: string): void {
    this.addresses.get(address)?.recent.delete(key);
  }

  /** Takes a token for another session event (`session.ended`); false when the address is over its budget. */
  take(address: string): boolean {
    return this.state(address).bucket.tryTake();
  }

  /** Milliseconds until the address may publish again. */
  msUntilNext(address: string): number {
    return this.addresses.get(address)?.bucket.msUntilNext() ?? 0;
  }

  get size(): number {
    return this.addresses.size;
  }

  private state(address: string): AddressState {
    let state = this.addresses.get(address);
    if (!state) {
      if (this.addresses.size >= this.maxAddresses) this.sweep();
      state = { bucket: new TokenBucket(this.limits.perMinute / 60, this.limits.burst, this.now), recent: new Map() };
      this.addresses.set(address, state);
    }
    return state;
  }

  /** Drops idle addresses (bucket full, nothing known); if still at the cap, the oldest half. */
  private sweep(): void {
    const now = this.now();
    for (const [address, state] of this.addresses) {
      for (const [k, until] of state.recent) if (until <= now) state.recent.delete(k);
      if (state.recent.size === 0 && state.bucket.available >= this.limits.burst) this.addresses.delete(address);
    }
    if (this.addresses.size >= this.maxAddresses) {
      let drop = Math.ceil(this.addresses.size / 2);
      for (const address of this.addresses.keys()) {
        if (drop-- <= 0) break;
        this.addresses.delete(address);
      }
    }
  }
}

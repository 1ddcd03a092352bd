import { ExpiringKeys } from './expiring-keys';
import { KeyedBuckets, TokenBucket, type Clock } from './token-bucket';

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
  /** Keys (hashes of the token) published recently from this address. */
  recent: ExpiringKeys;
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
  private readonly addresses: KeyedBuckets<AddressState>;

  constructor(readonly limits: SessionReportLimits, maxAddresses = 10_000, maxRecentPerAddress = 64, now: Clock = Date.now) {
    this.addresses = new KeyedBuckets<AddressState>(
      () => ({ bucket: new TokenBucket(limits.perMinute / 60, limits.burst, now), recent: new ExpiringKeys(limits.repeatWindowMs, maxRecentPerAddress, now) }),
      maxAddresses,
      (state) => !state.recent.empty,
    );
  }

  /** The verdict for a report of `key` from `address`; `publish` has taken a token (call `remember` once published). */
  report(address: string, key: string): ReportVerdict {
    const state = this.addresses.of(address);
    if (state.recent.has(key)) return 'repeat';
    return state.bucket.tryTake() ? 'publish' : 'limited';
  }

  /** Records a published report, so that repeats within the window are free. */
  remember(address: string, key: string): void {
    if (this.limits.repeatWindowMs <= 0) return;
    this.addresses.of(address).recent.add(key);
  }

  /** Forgets a key (the session ended: reporting it again is a new login). */
  forget(address: string, key: string): void {
    this.addresses.peek(address)?.recent.delete(key);
  }

  /** Takes a token for another session event (`session.ended`); false when the address is over its budget. */
  take(address: string): boolean {
    return this.addresses.of(address).bucket.tryTake();
  }

  /** Milliseconds until the address may publish again. */
  msUntilNext(address: string): number {
    return this.addresses.peek(address)?.bucket.msUntilNext() ?? 0;
  }

  get size(): number {
    return this.addresses.size;
  }
}

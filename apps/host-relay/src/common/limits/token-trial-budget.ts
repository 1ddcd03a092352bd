import { ExpiringKeys } from './expiring-keys';
import { KeyedBuckets, TokenBucket, type Clock } from './token-bucket';

export interface TokenTrialLimits {
  /** Unverified tokens one address may have checked at once (bucket size). */
  burst: number;
  /** Sustained unverified tokens per minute per address. */
  perMinute: number;
  /** How long a token the services accepted stays known for its address (its calls are free). */
  knownWindowMs: number;
}

/** `known`: a token the services accepted recently, or one whose first check is in flight (free); `charged`: took a trial; `limited`: none left. */
export type TrialVerdict = 'known' | 'charged' | 'limited';

/** How the service answered: the token was accepted (a reply, or FORBIDDEN), refused (UNAUTHENTICATED), or the call failed otherwise. */
export type TrialOutcome = 'accepted' | 'refused' | 'failed';

interface AddressState {
  bucket: TokenBucket;
  /** Token hashes the services accepted recently. */
  known: ExpiringKeys;
  /** Token hashes whose first check is in flight → requests waiting on it. */
  pending: Map<string, number>;
}

/**
 * The budget of token checks per client address on protected routes. Every protected call a
 * service refuses is an `api.denied` audit event, and made-up tokens cost nothing to make, so
 * a token the services have not accepted recently from this address takes a trial from a token
 * bucket (`burst`, refilled at `perMinute`) BEFORE it is forwarded; without one the call is
 * refused with RATE_LIMITED and reaches nothing. The trial is given back when the service
 * accepts the token (which then stays known, so a real client's calls are free) or when the
 * call fails for another reason (timeout, unavailable). Calls with a token whose first check is
 * in flight join it for free (the same token: api-service coalesces their audit events).
 * So one address causes at most `burst + perMinute × minutes` refused-token audit events.
 * A call with no token counts as the (never known) token "".
 */
export class TokenTrialBudget {
  private readonly addresses: KeyedBuckets<AddressState>;

  constructor(readonly limits: TokenTrialLimits, maxAddresses = 10_000, maxKnownPerAddress = 64, now: Clock = Date.now) {
    this.addresses = new KeyedBuckets<AddressState>(
      () => ({
        bucket: new TokenBucket(limits.perMinute / 60, limits.burst, now),
        known: new ExpiringKeys(limits.knownWindowMs, maxKnownPerAddress, now),
        pending: new Map(),
      }),
      maxAddresses,
      (state) => !state.known.empty || state.pending.size > 0,
    );
  }

  admit(address: string, tokenHash: string): TrialVerdict {
    const state = this.addresses.of(address);
    if (state.known.has(tokenHash)) return 'known';
    const waiting = state.pending.get(tokenHash);
    if (waiting !== undefined && tokenHash !== '') {
      state.pending.set(tokenHash, waiting + 1);
      return 'known';
    }
    if (!state.bucket.tryTake()) return 'limited';
    if (tokenHash !== '') state.pending.set(tokenHash, 1);
    return 'charged';
  }

  /** The outcome of an admitted call (`verdict` as `admit` returned it). */
  settle(address: string, tokenHash: string, verdict: Exclude<TrialVerdict, 'limited'>, outcome: TrialOutcome): void {
    const state = this.addresses.peek(address);
    if (!state) return;
    const waiting = state.pending.get(tokenHash);
    // A refusal ends the free ride at once: later calls with this token take trials again.
    if (waiting !== undefined) {
      if (waiting <= 1 || outcome === 'refused') state.pending.delete(tokenHash);
      else state.pending.set(tokenHash, waiting - 1);
    }
    if (outcome === 'accepted' && tokenHash !== '') state.known.add(tokenHash);
    if (outcome === 'refused') state.known.delete(tokenHash);
    if (verdict === 'charged' && outcome !== 'refused') state.bucket.giveBack();
  }

  get size(): number {
    return this.addresses.size;
  }
}

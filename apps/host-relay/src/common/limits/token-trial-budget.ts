import { TokenBucket, type Clock } from './token-bucket';

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
  /** Token hashes the services accepted → when they stop counting as known. */
  known: Map<string, number>;
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
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    readonly limits: TokenTrialLimits,
    private readonly maxAddresses = 10_000,
    private readonly maxKnownPerAddress = 64,
    private readonly now: Clock = Date.now,
  ) {}

  admit(address: string, tokenHash: string): TrialVerdict {
    const state = this.state(address);
    const until = state.known.get(tokenHash);
    if (until !== undefined) {
      if (until > this.now()) return 'known';
      state.known.delete(tokenHash);
    }
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
    const state = this.addresses.get(address);
    if (!state) return;
    const waiting = state.pending.get(tokenHash);
    // A refusal ends the free ride at once: later calls with this token take trials again.
    if (waiting !== undefined) {
      if (waiting <= 1 || outcome === 'refused') state.pending.delete(tokenHash);
      else state.pending.set(tokenHash, waiting - 1);
    }
    if (outcome === 'accepted' && tokenHash !== '') this.remember(state, tokenHash);
    if (outcome === 'refused') state.known.delete(tokenHash);
    if (verdict === 'charged' && outcome !== 'refused') state.bucket.giveBack();
  }

  get size(): number {
    return this.addresses.size;
  }

  private remember(state: AddressState, tokenHash: string): void {
    if (this.limits.knownWindowMs <= 0) return;
    const now = this.now();
    state.known.delete(tokenHash);
    for (const [k, until] of state.known) if (until <= now) state.known.delete(k);
    while (state.known.size >= this.maxKnownPerAddress) state.known.delete(state.known.keys().next().value as string);
    state.known.set(tokenHash, now + this.limits.knownWindowMs);
  }

  private state(address: string): AddressState {
    let state = this.addresses.get(address);
    if (!state) {
      if (this.addresses.size >= this.maxAddresses) this.sweep();
      state = { bucket: new TokenBucket(this.limits.perMinute / 60, this.limits.burst, this.now), known: new Map(), pending: new Map() };
      this.addresses.set(address, state);
    }
    return state;
  }

  /** Drops idle addresses (bucket full, nothing known or pending); if still at the cap, the oldest half. */
  private sweep(): void {
    const now = this.now();
    for (const [address, state] of this.addresses) {
      for (const [k, until] of state.known) if (until <= now) state.known.delete(k);
      if (state.known.size === 0 && state.pending.size === 0 && state.bucket.available >= this.limits.burst) this.addresses.delete(address);
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

/** A clock in milliseconds; injectable so that tests control time. */
export type Clock = () => number;

/**
 * A token bucket: holds up to `burst` tokens, refilled continuously at `ratePerSec`. Each
 * accepted event takes one token; when none is left the event is refused. O(1), no timers.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly now: Clock = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    }
    this.last = t;
  }

  /** Takes one token if there is one. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  /** Gives one token back (a refund; never above `burst`). */
  giveBack(): void {
    this.refill();
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Milliseconds until the next token is available (0 if one is available now). */
  msUntilNext(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000);
  }

  get available(): number {
    this.refill();
    return Math.floor(this.tokens);
  }
}

/** What `KeyedBuckets` keeps per key: a token bucket, and whatever else the limiter needs. */
export interface BucketState {
  bucket: TokenBucket;
}

/**
 * Per-key state (one client address each) holding a token bucket, with a bounded number of
 * keys: at the cap, idle keys (bucket full again, and nothing else worth keeping as `busy`
 * says) are dropped first, then the oldest half (they would be refilled anyway) — so that many
 * distinct clients cannot grow memory without bound. The one shape of every per-address limit.
 */
export class KeyedBuckets<S extends BucketState = BucketState> {
  private readonly states = new Map<string, S>();

  constructor(
    private readonly create: () => S,
    private readonly maxKeys = 10_000,
    private readonly busy: (state: S) => boolean = () => false,
  ) {}

  /** The key's state, created on first use. */
  of(key: string): S {
    let state = this.states.get(key);
    if (!state) {
      if (this.states.size >= this.maxKeys) this.sweep();
      state = this.create();
      this.states.set(key, state);
    }
    return state;
  }

  /** The key's state if it has one (a lookup that creates nothing). */
  peek(key: string): S | undefined {
    return this.states.get(key);
  }

  get size(): number {
    return this.states.size;
  }

  private sweep(): void {
    for (const [key, state] of this.states) {
      if (!this.busy(state) && state.bucket.available >= state.bucket.burst) this.states.delete(key);
    }
    if (this.states.size >= this.maxKeys) {
      let drop = Math.ceil(this.states.size / 2);
      for (const key of this.states.keys()) {
        if (drop-- <= 0) break;
        this.states.delete(key);
      }
    }
  }
}

/** One token bucket per key (client IP), bounded as `KeyedBuckets` is. */
export class KeyedTokenBuckets {
  private readonly buckets: KeyedBuckets;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    maxKeys = 10_000,
    now: Clock = Date.now,
  ) {
    this.buckets = new KeyedBuckets(() => ({ bucket: new TokenBucket(ratePerSec, burst, now) }), maxKeys);
  }

  tryTake(key: string): boolean {
    return this.buckets.of(key).bucket.tryTake();
  }

  msUntilNext(key: string): number {
    return this.buckets.peek(key)?.bucket.msUntilNext() ?? 0;
  }

  get size(): number {
    return this.buckets.size;
  }
}

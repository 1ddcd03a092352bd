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

/**
 * One token bucket per key (client IP), with a bounded number of keys: idle buckets (full
 * again) are dropped, so that many distinct clients cannot grow memory without bound.
 */
export class KeyedTokenBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly maxKeys = 10_000,
    private readonly now: Clock = Date.now,
  ) {}

  tryTake(key: string): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep();
      bucket = new TokenBucket(this.ratePerSec, this.burst, this.now);
      this.buckets.set(key, bucket);
    }
    return bucket.tryTake();
  }

  msUntilNext(key: string): number {
    return this.buckets.get(key)?.msUntilNext() ?? 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Drops full buckets; if still at the cap, drops the oldest half (they would be refilled anyway). */
  private sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.available >= this.burst) this.buckets.delete(key);
    if (this.buckets.size >= this.maxKeys) {
      let drop = Math.ceil(this.buckets.size / 2);
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}

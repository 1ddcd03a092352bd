import type { Clock } from './token-bucket';

/**
 * Keys (token hashes) that count as known for `windowMs` after they were added, at most `max`
 * of them: adding one beyond that drops the oldest. A window of 0 or less keeps nothing.
 */
export class ExpiringKeys {
  /** Key → when it stops counting as known; in insertion order, the oldest first. */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly max: number,
    private readonly now: Clock,
  ) {}

  /** Whether `key` is known now; a key whose time has passed is dropped. */
  has(key: string): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.until.delete(key);
    return false;
  }

  /** Knows `key` for the window from now (again, if it was known). */
  add(key: string): void {
    if (this.windowMs <= 0) return;
    this.until.delete(key);
    const now = this.pruneAt();
    while (this.until.size >= this.max) this.until.delete(this.until.keys().next().value as string);
    this.until.set(key, now + this.windowMs);
  }

  delete(key: string): void {
    this.until.delete(key);
  }

  /** Whether no key is known any more (expired ones are dropped first). */
  get empty(): boolean {
    this.pruneAt();
    return this.until.size === 0;
  }

  private pruneAt(): number {
    const now = this.now();
    for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
    return now;
  }
}

/**
 * A bounded least-recently-used map whose entries also expire. A `Map` keeps insertion order,
 * so re-inserting on a hit moves an entry to the young end and the oldest is `keys().next()`.
 * Used for successful token verifications only: rejections are never stored.
 */
export class VerificationCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** The value if present and not expired at `now` (ms); an expired entry is removed. */
  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores `value` until `expiresAt` (ms since the epoch); evicts the least recently used beyond the bound. */
  set(key: string, value: V, expiresAt: number, now = Date.now()): void {
    if (this.maxEntries <= 0 || expiresAt <= now) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Removes every entry whose value matches (e.g. the tokens a revocation covers). */
  deleteWhere(matches: (value: V) => boolean): number {
    let removed = 0;
    for (const [key, entry] of this.entries) {
      if (matches(entry.value)) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  clear(): void {
    this.entries.clear();
  }
}

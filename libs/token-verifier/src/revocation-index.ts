import { REVOCATIONS_BUCKET, RevocationRecord } from '@auth-bus/contracts';
import type { KvEntry, NatsConnection, QueuedIterator } from 'nats';

/** Where the index gets its connection: a service-kit BusConnection fits (structurally). */
export interface RevocationSource {
  onConnect(listener: (nc: NatsConnection, info: { reconnect: boolean }) => void | Promise<void>): void;
}

export interface RevocationIndexLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The KV key of a user revocation: `user.<base64url(sub)>` (subs hold `|`, which keys may not). */
export function userRevocationKey(sub: string): string {
  return `user.${Buffer.from(sub, 'utf8').toString('base64url')}`;
}

/** The KV key of a one-token revocation: `token.<short token hash>`. */
export function tokenRevocationKey(tokenHash: string): string {
  return `token.${tokenHash}`;
}

const decoder = new TextDecoder();

/**
 * The revocations of the REVOCATIONS bucket in memory, so a check costs two map lookups and no
 * round trip. On every (re)connection it opens a KV watch with history: the current value of
 * every key first (the index is `ready` once that is loaded), then every change as it happens.
 * Until the first load succeeds the index is not ready and the verifier refuses protected calls
 * with UNAVAILABLE (fail closed); a missing bucket or a refused watch is retried every
 * `retryMs`. After a disconnect the last index keeps answering (revocations are never taken
 * back early) and the watch is reopened, with history, on reconnect.
 */
export class RevocationIndex {
  /** sub → revoked_at (seconds): tokens of that user with `iat` ≤ it are revoked. */
  private readonly users = new Map<string, number>();
  private readonly tokens = new Set<string>();
  private loaded = false;
  private readonly waiters: Array<() => void> = [];
  private generation = 0;
  private watch?: QueuedIterator<KvEntry>;
  private retryTimer?: NodeJS.Timeout;
  private closed = false;
  /** Told about each revocation that arrives after the initial load (e.g. to purge a cache). */
  onRevocation?: (record: RevocationRecord) => void;

  constructor(
    private readonly options: { bucket?: string; retryMs?: number; logger?: RevocationIndexLogger } = {},
  ) {}

  get ready(): boolean {
    return this.loaded;
  }

  get size(): number {
    return this.users.size + this.tokens.size;
  }

  /** Starts following the bucket on every connection of `source`. */
  follow(source: RevocationSource): void {
    source.onConnect((nc) => this.open(nc));
  }

  /** Resolves once the index has loaded (true), or after `timeoutMs` (false). */
  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.loaded), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Whether a token (its hash, subject and `iat` in seconds) is revoked. */
  isRevoked(tokenHash: string, sub: string, iat: number | undefined): boolean {
    if (this.tokens.has(tokenHash)) return true;
    const revokedAt = this.users.get(sub);
    // A token without `iat` cannot show it was issued after the revocation.
    return revokedAt !== undefined && (iat === undefined || iat <= revokedAt);
  }

  /** Adds one record (what the watch does for each entry; also used by tests of one piece). */
  apply(record: RevocationRecord): void {
    if (record.kind === 'token' && record.token_hash) this.tokens.add(record.token_hash);
    if (record.kind === 'user' && record.sub) this.users.set(record.sub, Math.max(record.revoked_at, this.users.get(record.sub) ?? 0));
  }

  onModuleDestroy(): void {
    this.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.watch?.stop();
  }

  private async open(nc: NatsConnection): Promise<void> {
    if (this.closed) return;
    const generation = ++this.generation;
    clearTimeout(this.retryTimer);
    this.watch?.stop();
    this.watch = undefined;
    const bucket = this.options.bucket ?? REVOCATIONS_BUCKET;
    try {
      // bindOnly: a verifier never creates the bucket (it may only read it).
      const kv = await nc.jetstream().views.kv(bucket, { bindOnly: true });
      let initialized = false;
      const watch = await kv.watch({
        initializedFn: () => {
          initialized = true;
          this.markLoaded();
        },
      });
      if (generation !== this.generation || this.closed) {
        watch.stop();
        return;
      }
      this.watch = watch;
      void (async () => {
        for await (const entry of watch) this.onEntry(entry, initialized);
      })().catch((err) => this.options.logger?.warn({ error: (err as Error).message }, 'revocation watch ended'));
    } catch (err) {
      this.options.logger?.warn({ bucket, error: (err as Error).message }, 'revocation list not loaded; retrying');
      if (generation === this.generation && !this.closed) {
        this.retryTimer = setTimeout(() => void this.open(nc), this.options.retryMs ?? 1_000);
        this.retryTimer.unref?.();
      }
    }
  }

  private markLoaded(): void {
    if (!this.loaded) this.options.logger?.info({ revocations: this.size }, 'revocation list loaded');
    this.loaded = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private onEntry(entry: KvEntry, live: boolean): void {
    if (entry.operation !== 'PUT') return; // deletions never un-revoke: expiry is the TTL's job
    let record: RevocationRecord;
    try {
      record = RevocationRecord.parse(JSON.parse(decoder.decode(entry.value)));
    } catch {
      this.options.logger?.warn({ key: entry.key }, 'revocation entry ignored: not a revocation record');
      return;
    }
    this.apply(record);
    if (live) this.onRevocation?.(record);
  }
}

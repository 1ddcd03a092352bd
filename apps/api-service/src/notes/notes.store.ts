import { BusError, NOTES_BUCKET, Note } from '@auth-bus/contracts';
import { SERVICE_RUNTIME, type ServiceRuntime } from '@auth-bus/service-kit';
import { Inject, Injectable } from '@nestjs/common';
import type { KV } from 'nats';
import { createHash } from 'node:crypto';

/** Most notes one caller's list returns (the contract's ApiNotesListReply bound). */
export const MAX_LISTED_NOTES = 500;

/** The key prefix of a caller's notes: a hash of `sub` (KV keys allow few characters; `auth0|x` has a `|`). */
export function ownerKey(sub: string): string {
  return createHash('sha256').update(sub).digest('hex').slice(0, 32);
}

/**
 * The notes, in the JetStream key-value bucket NOTES_BUCKET (`<owner hash>.<note id>` → Note):
 * every replica reads and writes the same bucket, and JetStream's file storage keeps it across
 * restarts. The bucket is opened (created if missing) on first use, once NATS is reachable.
 */
@Injectable()
export class NotesStore {
  private bucket?: Promise<KV>;

  constructor(@Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime) {}

  private kv(): Promise<KV> {
    const nc = this.runtime.bus.connection;
    if (!nc) return Promise.reject(BusError.unavailable('The notes store is not reachable yet'));
    this.bucket ??= nc
      // No $JS.API.INFO probe: api-service may use the JetStream API of its bucket only.
      .jetstream({ checkAPI: false })
      .views.kv(NOTES_BUCKET, { history: 1 })
      .catch((err: unknown) => {
        this.bucket = undefined;
        throw err;
      });
    return this.bucket;
  }

  async put(note: Note): Promise<void> {
    const kv = await this.kv();
    await kv.put(`${ownerKey(note.sub)}.${note.id}`, JSON.stringify(note));
  }

  /** The caller's notes, oldest first. */
  async list(sub: string): Promise<Note[]> {
    const kv = await this.kv();
    const keys: string[] = [];
    for await (const key of await kv.keys(`${ownerKey(sub)}.>`)) keys.push(key);
    const notes: Note[] = [];
    for (const key of keys) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT') continue;
      const parsed = Note.safeParse(entry.json());
      // A stored value that is not a note of this caller is skipped, never shown.
      if (parsed.success && parsed.data.sub === sub) notes.push(parsed.data);
    }
    notes.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id));
    return notes.slice(-MAX_LISTED_NOTES);
  }
}

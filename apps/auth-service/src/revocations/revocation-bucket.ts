import { REVOCATIONS_BUCKET, type RevocationRecord } from '@auth-bus/contracts';
import { tokenRevocationKey, userRevocationKey } from '@auth-bus/token-verifier';
import { nanos, StorageType, type KV, type NatsConnection } from 'nats';

/**
 * Opens (creating it if missing) the REVOCATIONS bucket with `ttlMs` as its entries' lifetime,
 * and brings the lifetime of an existing bucket in line. Only auth-service's `audit-writer`
 * connection may create it (infra/nats/nats.conf); verifiers only read it.
 */
export async function openRevocationBucket(nc: NatsConnection, ttlMs: number): Promise<KV> {
  const kv = await nc.jetstream().views.kv(REVOCATIONS_BUCKET, {
    history: 1,
    ttl: ttlMs,
    storage: StorageType.File,
    maxValueSize: 1024,
    description: 'Revoked users and tokens (issue 21); entries outlive every token they cover',
  });
  const jsm = await nc.jetstreamManager();
  const stream = `KV_${REVOCATIONS_BUCKET}`;
  const { config } = await jsm.streams.info(stream);
  if (config.max_age !== nanos(ttlMs)) await jsm.streams.update(stream, { max_age: nanos(ttlMs) });
  return kv;
}

/** Binds to the bucket without creating it (the revoke command: it may write entries only). */
export function bindRevocationBucket(nc: NatsConnection): Promise<KV> {
  return nc.jetstream().views.kv(REVOCATIONS_BUCKET, { bindOnly: true });
}

/** The key a revocation is stored under. */
export function revocationKey(record: RevocationRecord): string {
  return record.kind === 'user' ? userRevocationKey(record.sub!) : tokenRevocationKey(record.token_hash!);
}

/** Stores one revocation (a user's later revocation replaces the earlier: it covers more). */
export async function putRevocation(kv: KV, record: RevocationRecord): Promise<void> {
  await kv.put(revocationKey(record), JSON.stringify(record));
}

/** Now, in whole seconds: a user revocation covers tokens whose `iat` is at or before it. */
export function revocationInstant(nowMs = Date.now()): number {
  return Math.floor(nowMs / 1000);
}

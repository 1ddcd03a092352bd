import { auditStreamCount, readAuditStream, waitFor, type StoredAuditMessage } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';

/**
 * The AUDIT stream's count once it stopped changing for `quietMs` (api.* events are coalesced
 * and stored after a short window, retried publishes land late) — read through `nc`.
 */
export async function settledCount(nc: NatsConnection, quietMs = 1_500, timeout = 30_000): Promise<number> {
  let last = -1;
  const settled = await waitFor(
    async () => {
      const count = await auditStreamCount(nc);
      const same = count === last;
      last = count;
      return same ? { count } : undefined;
    },
    { timeout, interval: quietMs, what: 'the audit stream to settle' },
  );
  return settled!.count;
}

/**
 * Every message of the stream, read again until all `expected` came through (an ephemeral
 * consumer on a replica still applying the last entries can end a read short).
 */
export async function readWholeStream(nc: NatsConnection, expected: number, timeout = 20_000): Promise<StoredAuditMessage[]> {
  const read = await waitFor(
    async () => {
      const all = await readAuditStream(nc);
      return all.length === expected ? { all } : undefined;
    },
    { timeout, interval: 500, what: `all ${expected} audit events read back` },
  );
  return read!.all;
}

import { z } from 'zod';
import { InstanceId, SessionId, Sub, Timestamp, TokenHash } from './common';

export const AuditKind = z.enum(['login.verified', 'login.rejected', 'logout', 'api.allowed', 'api.denied', 'session.revoked', 'bridge.allowed', 'bridge.denied']);
export type AuditKind = z.infer<typeof AuditKind>;
export const AUDIT_KINDS = AuditKind.options;

/**
 * One audit record, published once on `audit.events.<kind>` with `Nats-Msg-Id` = `id`.
 * Strict: there is no field a token could be put in, only its short hash.
 */
export const AuditEvent = z
  .object({
    id: z.string().min(8).max(64),
    at: Timestamp,
    kind: AuditKind,
    sub: Sub.optional(),
    /** For `session.revoked`: whose tokens were revoked (`sub` is who revoked them; absent when an operator used the revoke command). */
    target_sub: Sub.optional(),
    session_id: SessionId.optional(),
    token_hash: TokenHash.optional(),
    /** Why a login or call was refused (an auth failure reason or `missing_permission`). */
    reason: z.string().max(64).optional(),
    /** For api.* events: the subject that was called. */
    subject: z.string().max(128).optional(),
    /**
     * For api.* events that stand for several identical calls (same caller, token, subject,
     * outcome and replica) coalesced over a short window: how many, from `at` to `until`.
     * Absent means one call.
     */
    count: z.number().int().min(2).optional(),
    until: Timestamp.optional(),
    /** For bridge.* events: the upstream's HTTP status (absent when it was not called or not reached). */
    upstream_status: z.number().int().min(100).max(599).optional(),
    /** For bridge.* events: how long the upstream call took (ms). */
    latency_ms: z.number().nonnegative().max(3_600_000).optional(),
    service: z.string().min(1).max(64),
    instance: InstanceId,
  })
  .strict();
export type AuditEvent = z.infer<typeof AuditEvent>;

/** `audit.query` — recent events, newest last. Needs `read:audit` (token in `Authorization`). */
export const AuditQueryRequest = z
  .object({
    /** Only events at or after this time. */
    since: Timestamp.optional(),
    sub: Sub.optional(),
    kind: AuditKind.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type AuditQueryRequest = z.infer<typeof AuditQueryRequest>;

export const AuditQueryReply = z
  .object({ events: z.array(AuditEvent).max(1000), total_in_stream: z.number().int().nonnegative() })
  .strict();
export type AuditQueryReply = z.infer<typeof AuditQueryReply>;

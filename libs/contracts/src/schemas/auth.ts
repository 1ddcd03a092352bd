import { z } from 'zod';
import { InstanceId, Permission, SessionId, Sub, Timestamp } from './common';

/**
 * What a verification is for:
 * - `user` (the default when absent): a person logging in — only tokens issued to a user
 *   through the component's client are accepted (no client-credentials / `…@clients` tokens,
 *   `azp` in auth-service's AUTH_LOGIN_CLIENT_IDS); refused as `not_a_user_token`;
 * - `api`: any valid access token, machine-to-machine included (what API calls accept).
 */
export const AuthVerifyPurpose = z.enum(['user', 'api']);
export type AuthVerifyPurpose = z.infer<typeof AuthVerifyPurpose>;

/**
 * `auth.verify` — the token to verify rides in the `Authorization` header; the body only says
 * on whose behalf the check is made (for the audit trail) and for what (`purpose`).
 */
export const AuthVerifyRequest = z
  .object({
    session_id: SessionId.optional(),
    /** Who asks: `streamlit-host`, `host-relay`, … */
    caller: z.string().min(1).max(64).optional(),
    /** `user` when absent: a login. */
    purpose: AuthVerifyPurpose.optional(),
  })
  .strict();
export type AuthVerifyRequest = z.infer<typeof AuthVerifyRequest>;

/** The identity a verified access token proves. */
export const VerifiedIdentity = z
  .object({
    sub: Sub,
    email: z.string().max(320).optional(),
    name: z.string().max(256).optional(),
    permissions: z.array(Permission).max(256),
    scope: z.string().max(2048).optional(),
    /** Expiry of the token, seconds since the epoch. */
    exp: z.number().int().positive(),
    iss: z.string().max(512),
    instance: InstanceId,
  })
  .strict();
export type VerifiedIdentity = z.infer<typeof VerifiedIdentity>;

/** Profile fields the browser claims; informative only — the token is what is verified. */
export const ClaimedUser = z
  .object({
    sub: Sub.optional(),
    name: z.string().max(256).optional(),
    email: z.string().max(320).optional(),
    picture: z.string().max(2048).optional(),
  })
  .passthrough();

/** `auth.session.reported` — a component says it is logged in; the token is in `Authorization`. */
export const SessionReportedEvent = z
  .object({
    session_id: SessionId,
    reported_at: Timestamp,
    user: ClaimedUser.optional(),
    /** Which relay connection reported it. */
    via: z.string().max(128).optional(),
  })
  .strict();
export type SessionReportedEvent = z.infer<typeof SessionReportedEvent>;

/** `auth.session.ended` — a component logged out; `Authorization` carries the old token if known. */
export const SessionEndedEvent = z
  .object({
    session_id: SessionId,
    ended_at: Timestamp,
    sub: Sub.optional(),
    via: z.string().max(128).optional(),
  })
  .strict();
export type SessionEndedEvent = z.infer<typeof SessionEndedEvent>;

/**
 * `auth.revoke` — the caller's token rides in `Authorization`. Without `sub` (or with the
 * caller's own) every token of the caller issued up to now is revoked; another user's `sub`,
 * or a `token_hash`, needs the `admin:sessions` permission.
 */
export const AuthRevokeRequest = z
  .object({
    sub: Sub.optional(),
    token_hash: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    reason: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((r) => !(r.sub && r.token_hash), { message: 'give sub or token_hash, not both' });
export type AuthRevokeRequest = z.infer<typeof AuthRevokeRequest>;

export const AuthRevokeReply = z
  .object({
    kind: z.enum(['user', 'token']),
    sub: Sub.optional(),
    token_hash: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    /** Tokens issued at or before this instant (seconds since the epoch) are refused. */
    revoked_at: z.number().int().positive(),
  })
  .strict();
export type AuthRevokeReply = z.infer<typeof AuthRevokeReply>;

/** The admin permission that lets a user revoke anyone's sessions. */
export const ADMIN_SESSIONS_PERMISSION = 'admin:sessions';

/**
 * A value of the REVOCATIONS bucket (JSON). `revoked_at` in seconds since the epoch: a `user`
 * revocation covers that user's tokens whose `iat` is at or before it.
 */
export const RevocationRecord = z
  .object({
    kind: z.enum(['user', 'token']),
    sub: Sub.optional(),
    token_hash: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    revoked_at: z.number().int().positive(),
    reason: z.string().max(200).optional(),
    /** Who revoked: a user's sub, or `revoke-cli`. */
    by: z.string().min(1).max(256),
  })
  .strict();
export type RevocationRecord = z.infer<typeof RevocationRecord>;

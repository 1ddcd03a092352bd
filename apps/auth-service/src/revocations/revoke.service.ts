import { ADMIN_SESSIONS_PERMISSION, BusError, type AuthRevokeReply, type AuthRevokeRequest, type RevocationRecord } from '@auth-bus/contracts';
import { AuditPublisher } from '@auth-bus/service-kit';
import { bearerFromHeaders, hasPermission, TokenVerifierService } from '@auth-bus/token-verifier';
import { Injectable } from '@nestjs/common';
import type { MsgHdrs } from 'nats';
import { auditEventId } from '../audit/audit-event-ids';
import { revocationInstant } from './revocation-bucket';
import { RevocationStoreService } from './revocation-store.service';

/**
 * `auth.revoke`: the caller's token (in `Authorization`) must verify. Without `sub`, or with the
 * caller's own, every token of the caller issued up to now is revoked; another user's `sub` or a
 * `token_hash` needs `admin:sessions` (FORBIDDEN otherwise). Each revocation is stored in the
 * REVOCATIONS bucket, then audited as `session.revoked` (who: `sub`, whom: `target_sub`, why).
 */
@Injectable()
export class RevokeService {
  constructor(
    private readonly verifier: TokenVerifierService,
    private readonly store: RevocationStoreService,
    private readonly audit: AuditPublisher,
  ) {}

  async revoke(headers: MsgHdrs | undefined, request: AuthRevokeRequest, now = Date.now()): Promise<AuthRevokeReply> {
    const caller = await this.verifier.verify(bearerFromHeaders(headers));
    const forOther = request.token_hash !== undefined || (request.sub !== undefined && request.sub !== caller.sub);
    if (forOther && !hasPermission(caller, ADMIN_SESSIONS_PERMISSION)) throw BusError.forbidden(ADMIN_SESSIONS_PERMISSION);
    const revokedAt = revocationInstant(now);
    const record: RevocationRecord = request.token_hash
      ? { kind: 'token', token_hash: request.token_hash, revoked_at: revokedAt, by: caller.sub }
      : { kind: 'user', sub: request.sub ?? caller.sub, revoked_at: revokedAt, by: caller.sub };
    if (request.reason) record.reason = request.reason;
    await this.store.put(record);
    this.audit.publish({
      kind: 'session.revoked',
      id: auditEventId('session.revoked', record.kind, record.sub ?? record.token_hash, String(now), caller.tokenHash),
      sub: caller.sub,
      target_sub: record.sub,
      token_hash: record.token_hash,
      reason: request.reason?.slice(0, 64),
    });
    return record.kind === 'user'
      ? { kind: 'user', sub: record.sub, revoked_at: revokedAt }
      : { kind: 'token', token_hash: record.token_hash, revoked_at: revokedAt };
  }
}

import { BusError, type SessionEndedEvent, type SessionReportedEvent } from '@auth-bus/contracts';
import { APP_LOGGER, AuditPublisher, type AppLogger } from '@auth-bus/service-kit';
import { bearerFromHeaders, tokenHash as shortTokenHash, TokenVerifierService } from '@auth-bus/token-verifier';
import { Inject, Injectable } from '@nestjs/common';
import type { MsgHdrs } from 'nats';
import { auditEventId } from '../audit/audit-event-ids';
import { UserLoginPolicy } from '../verify/user-login.policy';

/**
 * Session events from host-relay. A reported session is verified (the browser's word counts
 * for nothing) — as a login, so a machine token is `not_a_user_token` just as in `auth.verify` —
 * and recorded as `login.verified` or `login.rejected`; an ended session is
 * recorded as `logout`, with the `sub` from the token when it still verifies, else the one the
 * event claims together with the reason it could not be verified.
 */
@Injectable()
export class SessionEventsService {
  constructor(
    private readonly verifier: TokenVerifierService,
    private readonly audit: AuditPublisher,
    @Inject(APP_LOGGER) private readonly logger: AppLogger,
    private readonly loginPolicy: UserLoginPolicy,
  ) {}

  async reported(event: SessionReportedEvent, headers: MsgHdrs | undefined): Promise<void> {
    const { token, tokenHash, sub, reason } = await this.check(headers, { asLogin: true });
    if (token && sub) {
      this.audit.publish({ kind: 'login.verified', id: auditEventId('login.verified', event.session_id, tokenHash), sub, session_id: event.session_id, token_hash: tokenHash });
    } else {
      this.audit.publish({
        kind: 'login.rejected',
        id: auditEventId('login.rejected', event.session_id, tokenHash, reason),
        session_id: event.session_id,
        token_hash: tokenHash,
        reason,
      });
    }
    this.logger.debug({ session_id: event.session_id, verified: !!sub, reason }, 'session reported');
  }

  async ended(event: SessionEndedEvent, headers: MsgHdrs | undefined): Promise<void> {
    const { tokenHash, sub, reason } = await this.check(headers);
    this.audit.publish({
      kind: 'logout',
      id: auditEventId('logout', event.session_id, event.ended_at),
      sub: sub ?? event.sub,
      session_id: event.session_id,
      token_hash: tokenHash,
      // Set when `sub` is the event's claim rather than a verified token's.
      reason: sub ? undefined : reason,
    });
    this.logger.debug({ session_id: event.session_id, verified: !!sub }, 'session ended');
  }

  private async check(headers: MsgHdrs | undefined, { asLogin = false } = {}): Promise<{ token?: string; tokenHash?: string; sub?: string; reason?: string }> {
    let token: string | undefined;
    try {
      token = bearerFromHeaders(headers);
      const identity = await this.verifier.verify(token);
      if (asLogin) this.loginPolicy.assertUserToken(identity);
      return { token, tokenHash: identity.tokenHash, sub: identity.sub };
    } catch (err) {
      const reason = err instanceof BusError ? (err.reason ?? err.code.toLowerCase()) : 'internal';
      return { tokenHash: token ? shortTokenHash(token) : undefined, reason };
    }
  }
}

import { BusError, type AuthVerifyRequest, type VerifiedIdentity } from '@auth-bus/contracts';
import { AuditPublisher, SERVICE_RUNTIME, type ServiceRuntime } from '@auth-bus/service-kit';
import { bearerFromHeaders, tokenHash as shortTokenHash, TokenVerifierService, type VerifiedToken } from '@auth-bus/token-verifier';
import { Inject, Injectable } from '@nestjs/common';
import type { MsgHdrs } from 'nats';
import { auditEventId } from '../audit/audit-event-ids';
import { UserLoginPolicy } from './user-login.policy';

/**
 * `auth.verify`: the token in the `Authorization` header → the identity it proves, or
 * UNAUTHENTICATED with the reason. For a login (purpose `user`, the default) the token must also
 * be a user's, issued through the login client (UserLoginPolicy → `not_a_user_token`); purpose
 * `api` accepts any valid access token. When the caller names a session, the outcome is audited
 * as `login.verified` / `login.rejected` (one event per session, token and outcome — see auditEventId).
 */
@Injectable()
export class VerifyService {
  constructor(
    private readonly verifier: TokenVerifierService,
    private readonly audit: AuditPublisher,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
    private readonly loginPolicy: UserLoginPolicy,
  ) {}

  async verify(headers: MsgHdrs | undefined, request: AuthVerifyRequest): Promise<VerifiedIdentity> {
    let token: string | undefined;
    try {
      token = bearerFromHeaders(headers);
      const identity = await this.verifier.verify(token);
      if ((request.purpose ?? 'user') === 'user') this.loginPolicy.assertUserToken(identity);
      if (request.session_id) {
        this.audit.publish({
          kind: 'login.verified',
          id: auditEventId('login.verified', request.session_id, identity.tokenHash),
          sub: identity.sub,
          session_id: request.session_id,
          token_hash: identity.tokenHash,
        });
      }
      return this.toIdentity(identity);
    } catch (err) {
      const error = err instanceof BusError ? err : BusError.internal();
      if (request.session_id) {
        const tokenHash = token ? shortTokenHash(token) : undefined;
        const reason = error.reason ?? error.code.toLowerCase();
        this.audit.publish({
          kind: 'login.rejected',
          id: auditEventId('login.rejected', request.session_id, tokenHash, reason),
          session_id: request.session_id,
          token_hash: tokenHash,
          reason,
        });
      }
      throw err;
    }
  }

  private toIdentity(token: VerifiedToken): VerifiedIdentity {
    const identity: VerifiedIdentity = {
      sub: token.sub,
      permissions: [...token.permissions],
      exp: token.exp,
      iss: token.iss,
      instance: this.runtime.instance,
    };
    if (token.email) identity.email = token.email;
    if (token.name) identity.name = token.name;
    if (token.scope) identity.scope = token.scope;
    return identity;
  }
}

import { BusError } from '@auth-bus/contracts';
import type { VerifiedToken } from '@auth-bus/token-verifier';
import { Inject, Injectable, Logger } from '@nestjs/common';

/** Injection token of the client ids whose tokens may log a user in (AUTH_LOGIN_CLIENT_IDS). */
export const LOGIN_CLIENT_IDS = Symbol('LOGIN_CLIENT_IDS');

/**
 * Who may log in (`auth.verify` with purpose `user`): only a person, through the component's
 * client. A verified access token is still refused as `not_a_user_token` when it is a machine
 * token — Auth0's `gty: client-credentials`, a `sub` of `<client>@clients` — or when it was issued
 * to (`azp`, else `client_id`) a client that is not in AUTH_LOGIN_CLIENT_IDS. API calls do not
 * apply this: machine-to-machine tokens remain welcome there.
 */
@Injectable()
export class UserLoginPolicy {
  private readonly logger = new Logger(UserLoginPolicy.name);
  private lastHintAt = -Infinity;

  constructor(@Inject(LOGIN_CLIENT_IDS) private readonly clientIds: readonly string[]) {}

  /** Why `identity` cannot log a user in, or undefined when it can. */
  problem(identity: VerifiedToken): string | undefined {
    if (identity.grantTypes.some((g) => g.toLowerCase().includes('client-credentials'))) return 'client-credentials grant';
    if (identity.sub.endsWith('@clients')) return 'machine subject';
    if (!identity.clientId || !this.clientIds.includes(identity.clientId)) return `issued to client ${JSON.stringify(identity.clientId ?? null)}`;
    return undefined;
  }

  /** Throws UNAUTHENTICATED `not_a_user_token` unless `identity` may log a user in. */
  assertUserToken(identity: VerifiedToken): void {
    const problem = this.problem(identity);
    if (!problem) return;
    if (problem.startsWith('issued to client') && Date.now() - this.lastHintAt > 60_000) {
      // The configuration trap: a real provider's client id differs from the dev default.
      this.lastHintAt = Date.now();
      this.logger.warn(
        `A login was refused as not_a_user_token: the token was ${problem}, and AUTH_LOGIN_CLIENT_IDS is ${JSON.stringify(this.clientIds)}. ` +
          `If that is the component's client, add its id to AUTH_LOGIN_CLIENT_IDS.`,
      );
    }
    throw BusError.unauthenticated('not_a_user_token');
  }
}

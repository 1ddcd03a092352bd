import { BusError } from '@auth-bus/contracts';
import { Inject, Injectable, Logger, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { MsgHdrs } from 'nats';
import { createHash } from 'node:crypto';
import type { AuthDecisionListener } from './auth-decision.listener';
import { attachIdentity } from './auth-identity.decorator';
import { bearerFromHeaders } from './bearer';
import { TokenVerifierService } from './token-verifier.service';
import { AUTH_DECISION_LISTENER, REQUIRED_PERMISSIONS_KEY } from './tokens';
import { hasPermission, type VerifiedToken } from './verified-token';

interface RpcContextLike {
  getSubject?: () => string;
  getHeaders?: () => MsgHdrs | undefined;
}

/**
 * Guards an RPC handler: the bearer token from the NATS headers must verify, and the token must
 * hold every permission named by @RequirePermission. Failures are the contract's typed errors —
 * UNAUTHENTICATED with a reason, or FORBIDDEN naming the permission — which BusExceptionFilter
 * sends as the reply. Each decision is passed to the optional AuthDecisionListener.
 */
@Injectable()
export class BusAuthGuard implements CanActivate {
  private readonly logger = new Logger(BusAuthGuard.name);

  constructor(
    private readonly verifier: TokenVerifierService,
    private readonly reflector: Reflector,
    @Optional() @Inject(AUTH_DECISION_LISTENER) private readonly listener?: AuthDecisionListener,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rpc = context.switchToRpc().getContext<RpcContextLike>();
    const subject = rpc?.getSubject?.() ?? 'unknown';
    let token: string | undefined;
    let identity: VerifiedToken | undefined;
    try {
      token = bearerFromHeaders(rpc?.getHeaders?.());
      identity = await this.verifier.verify(token);
      const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS_KEY, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (required) {
        for (const permission of required) {
          if (!hasPermission(identity, permission)) throw BusError.forbidden(permission);
        }
      }
    } catch (err) {
      const error = err instanceof BusError ? err : BusError.internal();
      if (!(err instanceof BusError)) this.logger.error(`Token check failed unexpectedly on ${subject}: ${(err as Error)?.message}`);
      this.notify(() =>
        this.listener?.denied({
          subject,
          error,
          reason: error.reason ?? error.code.toLowerCase(),
          tokenHash: identity?.tokenHash ?? (token ? shortHash(token) : undefined),
          sub: identity?.sub,
        }),
      );
      throw error;
    }
    attachIdentity(rpc, identity);
    const allowed = identity;
    this.notify(() => this.listener?.allowed({ subject, identity: allowed, tokenHash: allowed.tokenHash }));
    return true;
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.warn(`Auth decision listener failed: ${(err as Error)?.message}`);
    }
  }
}

function shortHash(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

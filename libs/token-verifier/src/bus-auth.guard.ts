import { BusError } from '@auth-bus/contracts';
import { Inject, Injectable, Logger, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { MsgHdrs } from 'nats';
import type { AuthDecisionListener } from './auth-decision.listener';
import { attachIdentity } from './auth-identity.decorator';
import { bearerFromHeaders } from './bearer';
import { TokenVerifierService } from './token-verifier.service';
import { AUTH_DECISION_LISTENER, REQUIRED_PERMISSIONS_KEY } from './tokens';
import { hasPermission, type VerifiedToken } from './verified-token';
import { tokenHash } from './token-hash';

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

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const rpc = context.switchToRpc().getContext<RpcContextLike>();
    const subject = rpc?.getSubject?.() ?? 'unknown';
    let token: string | undefined;
    let checked: VerifiedToken | Promise<VerifiedToken>;
    try {
      token = bearerFromHeaders(rpc?.getHeaders?.());
      checked = this.verifier.check(token);
    } catch (err) {
      throw this.refuse(subject, err, token === undefined ? undefined : tokenHash(token));
    }
    // A token verified before is answered synchronously: no promise on the hot path.
    if (!(checked instanceof Promise)) return this.authorize(context, rpc, subject, checked);
    const presented = token;
    return checked.then(
      (identity) => this.authorize(context, rpc, subject, identity),
      (err) => {
        throw this.refuse(subject, err, tokenHash(presented));
      },
    );
  }

  /** Permission checks on a verified identity; attaches it to the message context. */
  private authorize(context: ExecutionContext, rpc: RpcContextLike, subject: string, identity: VerifiedToken): true {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PERMISSIONS_KEY, [context.getHandler(), context.getClass()]);
    if (required) {
      for (const permission of required) {
        if (!hasPermission(identity, permission)) throw this.refuse(subject, BusError.forbidden(permission), identity.tokenHash, identity.sub);
      }
    }
    attachIdentity(rpc, identity);
    this.notify(() => this.listener?.allowed({ subject, identity, tokenHash: identity.tokenHash }));
    return true;
  }

  /** The typed error for a refusal, after telling the listener. */
  private refuse(subject: string, err: unknown, tokenHash?: string, sub?: string): BusError {
    const error = err instanceof BusError ? err : BusError.internal();
    if (!(err instanceof BusError)) this.logger.error(`Token check failed unexpectedly on ${subject}: ${(err as Error)?.message}`);
    this.notify(() => this.listener?.denied({ subject, error, reason: error.reason ?? error.code.toLowerCase(), tokenHash, sub }));
    return error;
  }

  private notify(call: () => void): void {
    try {
      call();
    } catch (err) {
      this.logger.warn(`Auth decision listener failed: ${(err as Error)?.message}`);
    }
  }
}

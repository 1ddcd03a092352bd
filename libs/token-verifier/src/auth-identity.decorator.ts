import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { VerifiedToken } from './verified-token';

const identities = new WeakMap<object, VerifiedToken>();

/** Attaches the verified identity to a message's context (done by BusAuthGuard). */
export function attachIdentity(context: object, identity: VerifiedToken): void {
  identities.set(context, identity);
}

export function identityOf(context: object | undefined | null): VerifiedToken | undefined {
  return context ? identities.get(context) : undefined;
}

/** The identity BusAuthGuard verified for this message: `@AuthIdentity() who: VerifiedToken`. */
export const AuthIdentity = createParamDecorator((_data: unknown, ctx: ExecutionContext): VerifiedToken | undefined =>
  identityOf(ctx.switchToRpc().getContext()),
);

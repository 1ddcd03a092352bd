import type { BusError } from '@auth-bus/contracts';
import type { VerifiedToken } from './verified-token';

export interface AuthDecisionBase {
  /** The subject that was called, e.g. `api.pong`. */
  subject: string;
  /** Short hash of the presented token, when there was one. */
  tokenHash?: string;
}

export interface AuthAllowed extends AuthDecisionBase {
  identity: VerifiedToken;
}

export interface AuthDenied extends AuthDecisionBase {
  error: BusError;
  /** The auth failure reason, or `missing_permission`. */
  reason: string;
  /** Known when the token was valid but a permission was missing. */
  sub?: string;
}

/**
 * Told about every decision of BusAuthGuard (provide it under AUTH_DECISION_LISTENER), e.g. to
 * write audit events. Called synchronously on the request path: it must only enqueue work.
 */
export interface AuthDecisionListener {
  allowed(decision: AuthAllowed): void;
  denied(decision: AuthDenied): void;
}

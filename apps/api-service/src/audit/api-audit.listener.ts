import { AuditPublisher } from '@auth-bus/service-kit';
import type { AuthAllowed, AuthDecisionListener, AuthDenied } from '@auth-bus/token-verifier';
import { Injectable } from '@nestjs/common';

/**
 * Turns BusAuthGuard's decisions into audit events: `api.allowed` / `api.denied` (with the
 * reason), naming the subject, the caller when known and the token's short hash. Publishing is
 * queued (AuditPublisher), so the reply never waits for JetStream; identical calls within
 * AUDIT_COALESCE_WINDOW become one event with a `count`, so every call is recorded without a
 * stored message per call.
 */
const COALESCE = { coalesce: true } as const;

@Injectable()
export class ApiAuditListener implements AuthDecisionListener {
  constructor(private readonly audit: AuditPublisher) {}

  allowed(decision: AuthAllowed): void {
    this.audit.publish({ kind: 'api.allowed', sub: decision.identity.sub, token_hash: decision.tokenHash, subject: decision.subject }, COALESCE);
  }

  denied(decision: AuthDenied): void {
    this.audit.publish({ kind: 'api.denied', sub: decision.sub, token_hash: decision.tokenHash, reason: decision.reason, subject: decision.subject }, COALESCE);
  }
}

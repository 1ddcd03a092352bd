import { BridgeRequest, BusError, HEADERS, type BridgeReply } from '@auth-bus/contracts';
import { AuditPublisher, SERVICE_RUNTIME, type AuditInput, type ServiceRuntime } from '@auth-bus/service-kit';
import { bearerFromHeaders, hasPermission, tokenHash, TokenVerifierService, type VerifiedToken } from '@auth-bus/token-verifier';
import { Inject, Injectable } from '@nestjs/common';
import type { MsgHdrs } from 'nats';
import type { BridgeRoute, BridgeRoutes } from '@auth-bus/service-kit/config';
import { callUpstream, UpstreamFailure } from './upstream-client';

export const BRIDGE_ROUTES = Symbol('BRIDGE_ROUTES');

export interface BridgeCall {
  subject: string;
  headers?: MsgHdrs;
  body: unknown;
}

/**
 * One bridge call: the route of the subject; the token and the route's permission verified
 * (same errors as api-service's BusAuthGuard) BEFORE anything is sent; the body checked against
 * the route's limit; then the configured upstream called, and its answer mapped to a typed
 * reply. Every call is one audit event: `bridge.denied` (refused here, upstream not called) or
 * `bridge.allowed` (forwarded, with the upstream's status and latency). The token itself is never
 * audited or logged, only its short hash.
 */
@Injectable()
export class BridgeService {
  constructor(
    @Inject(BRIDGE_ROUTES) private readonly routes: BridgeRoutes,
    private readonly verifier: TokenVerifierService,
    private readonly audit: AuditPublisher,
    @Inject(SERVICE_RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  async handle(call: BridgeCall): Promise<BridgeReply> {
    const route = this.routes.bySubject.get(call.subject);
    if (!route) throw this.deny({ subject: call.subject.slice(0, 128) }, new BusError('NOT_FOUND', `No bridge route on ${call.subject.slice(0, 128)}`));
    let caller: VerifiedToken | undefined;
    let token: string | undefined;
    if (!route.public) {
      try {
        token = bearerFromHeaders(call.headers);
        caller = await this.verifier.check(token);
      } catch (err) {
        throw this.deny({ subject: route.subject, token_hash: token === undefined ? undefined : tokenHash(token) }, err);
      }
      const who = { subject: route.subject, sub: caller.sub, token_hash: caller.tokenHash };
      if (route.permission && !hasPermission(caller, route.permission)) throw this.deny(who, BusError.forbidden(route.permission));
    }
    const who: Omit<AuditInput, 'kind'> = { subject: route.subject, sub: caller?.sub, token_hash: caller?.tokenHash };
    const body = this.checkBody(route, call.body, who);
    try {
      const answer = await callUpstream({
        route,
        allowedOrigins: this.routes.allowedOrigins,
        token: route.token === 'none' ? undefined : token,
        body,
        traceparent: call.headers?.get(HEADERS.traceparent) || undefined,
      });
      this.audit.publish({ kind: 'bridge.allowed', ...who, upstream_status: answer.status, latency_ms: answer.latencyMs });
      return { status: answer.status, data: answer.data, route: route.id, latency_ms: answer.latencyMs, instance: this.runtime.instance, at: new Date().toISOString() };
    } catch (err) {
      const failure = err instanceof UpstreamFailure ? err : new UpstreamFailure(BusError.internal(), 'upstream_error', 0);
      this.audit.publish({ kind: 'bridge.allowed', ...who, reason: failure.reason, upstream_status: failure.status, latency_ms: failure.latencyMs });
      throw failure.error;
    }
  }

  /** The request body: a JSON object within the route's limit (GET sends none). */
  private checkBody(route: BridgeRoute, body: unknown, who: Omit<AuditInput, 'kind'>): BridgeRequest | undefined {
    const parsed = BridgeRequest.safeParse(body ?? {});
    if (!parsed.success) throw this.deny(who, BusError.invalidMessage(`The body of ${route.id} must be a JSON object`));
    if (route.method === 'GET') return undefined;
    const size = Buffer.byteLength(JSON.stringify(parsed.data), 'utf8');
    if (size > route.bodyLimitBytes) throw this.deny(who, new BusError('PAYLOAD_TOO_LARGE', `The body of ${route.id} exceeds ${route.bodyLimitBytes} bytes`));
    return parsed.data;
  }

  /** Audits a refusal (the upstream was not called) and returns the typed error to throw. */
  private deny(who: Omit<AuditInput, 'kind'>, err: unknown): BusError {
    const error = err instanceof BusError ? err : BusError.internal();
    this.audit.publish({ kind: 'bridge.denied', ...who, reason: (error.reason ?? error.code.toLowerCase()).slice(0, 64) });
    return error;
  }
}

import { BridgeReply, BusError, SUBJECT_FAMILIES, type Route } from '@auth-bus/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { checkJwtShape } from '../common/guards/jwt-shape';
import { TokenTrialBudget, type TrialOutcome } from '../common/limits/token-trial-budget';
import { RELAY_CONFIG, type RelayConfig } from '../config/relay.config';
import { BusService } from './bus.service';
import { resolveRoute } from './route-table';

export interface ForwardRequest {
  method: string;
  path: string;
  /** Bearer token to put into the `Authorization` header of the bus request. */
  token?: string;
  body?: Record<string, unknown>;
  /** The client's address (HTTP `req.ip`, the socket's address): whose token-trial budget a protected call uses. */
  client?: string;
}

export interface ForwardResult {
  route: Route;
  status: number;
  data: unknown;
}

const BRIDGE_PREFIX = SUBJECT_FAMILIES.bridge.slice(0, -1);

/**
 * The HTTP answer of a reply: the reply itself with 200, except http-bridge's, whose upstream
 * status (2xx or 4xx) and body are passed on as they were (a 404 of the upstream stays a 404).
 */
function answer(route: Route, data: unknown): ForwardResult {
  if (route.subject.startsWith(BRIDGE_PREFIX)) {
    const reply = BridgeReply.safeParse(data);
    if (!reply.success) throw BusError.internal();
    return { route, status: reply.data.status, data: reply.data.data };
  }
  return { route, status: 200, data };
}

/** How a service's answer counts for the token that was sent (see TokenTrialBudget). */
function outcomeOf(err: unknown): TrialOutcome {
  if (!(err instanceof BusError)) return 'failed';
  if (err.code === 'FORBIDDEN') return 'accepted';
  // jwks_unavailable is the provider's trouble, not the caller's.
  if (err.code === 'UNAUTHENTICATED' && err.reason !== 'jwks_unavailable') return 'refused';
  return 'failed';
}

/**
 * What both gateways do with a request: route table lookup, bus request with the caller's
 * token, the service's reply back. Failures are thrown as typed BusErrors.
 *
 * A call to a protected route is an audit event in api-service (`api.allowed` / `api.denied`),
 * so before one is forwarded: a token that is not shaped like a JWT is refused here
 * (UNAUTHENTICATED `malformed`, nothing forwarded), and a token the services have not accepted
 * recently from this client address (or no token) takes a trial from the address's
 * TokenTrialBudget; without one the call gets RATE_LIMITED and reaches nothing.
 */
@Injectable()
export class RouteForwarder {
  readonly trials: TokenTrialBudget;
  private readonly bridgeRoutes: readonly Route[];

  constructor(
    private readonly bus: BusService,
    @Inject(RELAY_CONFIG) config: RelayConfig,
  ) {
    this.trials = new TokenTrialBudget(config.tokenTrials);
    this.bridgeRoutes = config.bridgeRoutes ?? [];
  }

  /** The route of a method and path: the contract's table, then http-bridge's routes (NOT_FOUND otherwise). */
  route(method: string, path: string): Route {
    return resolveRoute(method, path, this.bridgeRoutes);
  }

  async forward(req: ForwardRequest): Promise<ForwardResult> {
    const route = this.route(req.method, req.path);
    if (!route.protected || req.client === undefined) {
      const data = await this.bus.request(route.subject, req.body ?? {}, { token: req.token });
      return answer(route, data);
    }
    if (req.token !== undefined) checkJwtShape(req.token);
    const client = req.client;
    const hash = req.token === undefined ? '' : createHash('sha256').update(req.token).digest('base64url').slice(0, 22);
    const verdict = this.trials.admit(client, hash);
    if (verdict === 'limited') {
      throw new BusError('RATE_LIMITED', 'Too many calls with unverified tokens from this address; slow down');
    }
    try {
      const data = await this.bus.request(route.subject, req.body ?? {}, { token: req.token });
      this.trials.settle(client, hash, verdict, 'accepted');
      return answer(route, data);
    } catch (err) {
      this.trials.settle(client, hash, verdict, outcomeOf(err));
      throw err;
    }
  }
}

import { BusError, ROUTE_METHODS } from '@auth-bus/contracts';
import type { NextFunction, Request, Response } from 'express';
import { toHttpError, type HttpErrorResponse } from '../filters/error-response';
import type { OriginPolicy } from '../guards/origin-policy';

// Every method a route may have (the contract's ROUTE_METHODS), and the preflight itself.
const ALLOWED_METHODS = [...ROUTE_METHODS, 'OPTIONS'].join(', ');
const ALLOWED_HEADERS = 'Authorization, Content-Type';
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After';

/** What CORS says about a request: pass on (with these headers), answer a preflight, or refuse. */
export type CorsDecision =
  | { kind: 'pass'; headers?: Record<string, string> }
  | { kind: 'preflight'; headers: Record<string, string> }
  | { kind: 'refused'; error: HttpErrorResponse };

/**
 * CORS for the allowed origins, preflight included. A request that carries an `Origin` not on
 * the list is refused with 403 (FORBIDDEN, reason `origin_not_allowed`) instead of merely
 * lacking CORS headers; requests without `Origin` (curl, servers) pass — they are not browsers.
 * Shared by the Express middleware and the HTTP gateway's own request handler.
 */
export function corsDecision(policy: OriginPolicy, method: string | undefined, origin: string | undefined, requestMethod: string | undefined): CorsDecision {
  if (origin === undefined) return { kind: 'pass' };
  if (!policy.isAllowed(origin)) {
    const error = toHttpError(new BusError('FORBIDDEN', 'Origin not allowed', { reason: 'origin_not_allowed' }));
    error.headers.Vary = 'Origin';
    return { kind: 'refused', error };
  }
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': EXPOSED_HEADERS };
  if (method === 'OPTIONS' && requestMethod) {
    return {
      kind: 'preflight',
      headers: { ...headers, 'Access-Control-Allow-Methods': ALLOWED_METHODS, 'Access-Control-Allow-Headers': ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' },
    };
  }
  return { kind: 'pass', headers };
}

/** corsDecision as Express middleware (every route the HTTP gateway does not answer itself). */
export function corsMiddleware(policy: OriginPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const decision = corsDecision(policy, req.method, req.headers.origin, req.headers['access-control-request-method']);
    if (decision.kind === 'refused') {
      res.status(decision.error.status).set(decision.error.headers).json(decision.error.body);
      return;
    }
    if (decision.headers) res.set(decision.headers);
    if (decision.kind === 'preflight') {
      res.status(204).end();
      return;
    }
    next();
  };
}

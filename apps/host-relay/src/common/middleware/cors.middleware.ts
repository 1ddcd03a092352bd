import { BusError } from '@auth-bus/contracts';
import type { NextFunction, Request, Response } from 'express';
import { toHttpError } from '../filters/error-response';
import type { OriginPolicy } from '../guards/origin-policy';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type';
const EXPOSED_HEADERS = 'WWW-Authenticate, Retry-After';

/**
 * CORS for the allowed origins, preflight included. A request that carries an `Origin` not on
 * the list is refused with 403 (FORBIDDEN, reason `origin_not_allowed`) instead of merely
 * lacking CORS headers; requests without `Origin` (curl, servers) pass — they are not browsers.
 */
export function corsMiddleware(policy: OriginPolicy) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (!policy.isAllowed(origin)) {
      const { status, body } = toHttpError(new BusError('FORBIDDEN', 'Origin not allowed', { reason: 'origin_not_allowed' }));
      res.status(status).set('Vary', 'Origin').json(body);
      return;
    }
    res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin', 'Access-Control-Expose-Headers': EXPOSED_HEADERS });
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res
        .set({
          'Access-Control-Allow-Methods': ALLOWED_METHODS,
          'Access-Control-Allow-Headers': ALLOWED_HEADERS,
          'Access-Control-Max-Age': '600',
        })
        .status(204)
        .end();
      return;
    }
    next();
  };
}

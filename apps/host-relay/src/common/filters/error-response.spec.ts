import { BusError, HTTP_STATUS_BY_CODE, ERROR_CODES } from '@auth-bus/contracts';
import { NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { asBusError, toHttpError } from './error-response';

describe('error → HTTP status mapping', () => {
  it.each([
    ['UNAUTHENTICATED', 401],
    ['FORBIDDEN', 403],
    ['INVALID_MESSAGE', 400],
    ['NOT_FOUND', 404],
    ['PAYLOAD_TOO_LARGE', 413],
    ['RATE_LIMITED', 429],
    ['TIMEOUT', 504],
    ['UNAVAILABLE', 503],
    ['INTERNAL', 500],
  ] as const)('%s → %i', (code, status) => {
    const res = toHttpError(new BusError(code, 'x'));
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('covers every code of the contract', () => {
    for (const code of ERROR_CODES) expect(toHttpError(new BusError(code, 'x')).status).toBe(HTTP_STATUS_BY_CODE[code]);
  });

  it('says invalid_token on 401 for a refused token, and keeps the reason', () => {
    const res = toHttpError(BusError.unauthenticated('expired'));
    expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="auth-bus", error="invalid_token"');
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'The token has expired', reason: 'expired' } });
  });

  it('sends the plain challenge, without an error code, when no token was sent (RFC 6750 §3.1)', () => {
    const res = toHttpError(BusError.unauthenticated('missing'));
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="auth-bus"');
    expect(res.body.error.reason).toBe('missing');
  });

  it('says insufficient_scope on a missing permission, and names the permission', () => {
    const res = toHttpError(BusError.forbidden('read:messages'));
    expect(res.status).toBe(403);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="auth-bus", error="insufficient_scope"');
    expect(res.body.error).toMatchObject({ reason: 'missing_permission', permission: 'read:messages' });
  });

  it('adds Retry-After to 429 and 503', () => {
    expect(toHttpError(new BusError('RATE_LIMITED', 'x')).headers['Retry-After']).toBe('1');
    expect(toHttpError(BusError.unavailable('x')).headers['Retry-After']).toBe('1');
  });

  it('maps NestJS and http-errors exceptions by status', () => {
    expect(asBusError(new NotFoundException('Cannot GET /nope')).code).toBe('NOT_FOUND');
    expect(asBusError(new PayloadTooLargeException()).code).toBe('PAYLOAD_TOO_LARGE');
    expect(asBusError(Object.assign(new Error('request entity too large'), { status: 413 })).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides the message of anything unexpected', () => {
    const res = toHttpError(new Error('database password is hunter2'));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });
});

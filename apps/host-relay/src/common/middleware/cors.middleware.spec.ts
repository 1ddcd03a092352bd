import type { Request, Response } from 'express';
import { OriginPolicy } from '../guards/origin-policy';
import { corsMiddleware } from './cors.middleware';
import { bodyLimitMiddleware } from './body-limit.middleware';

function fakeRes() {
  const res: any = { headers: {} as Record<string, string>, statusCode: 200, body: undefined as unknown, ended: false };
  res.set = (k: string | Record<string, string>, v?: string) => {
    if (typeof k === 'string') res.headers[k] = v!;
    else Object.assign(res.headers, k);
    return res;
  };
  res.status = (s: number) => ((res.statusCode = s), res);
  res.json = (b: unknown) => ((res.body = b), (res.ended = true), res);
  res.end = () => ((res.ended = true), res);
  return res as Response & { headers: Record<string, string>; body: any; ended: boolean };
}

const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as Request;

describe('corsMiddleware', () => {
  const mw = corsMiddleware(new OriginPolicy(['http://localhost:3001']));

  it('lets requests without Origin through untouched (curl, servers)', () => {
    const res = fakeRes();
    const next = jest.fn();
    mw(req('GET', {}), res, next);
    expect(next).toHaveBeenCalled();
    expect(res.headers['Access-Control-Allow-Origin']).toBeUndefined();
  });

  it('answers a preflight from an allowed origin, allowing the Authorization header', () => {
    const res = fakeRes();
    const next = jest.fn();
    mw(req('OPTIONS', { origin: 'http://localhost:3001', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' }), res, next);
    expect(next).not.toHaveBeenCalled();
    expect(res.statusCode).toBe(204);
    expect(res.headers['Access-Control-Allow-Origin']).toBe('http://localhost:3001');
    expect(res.headers['Access-Control-Allow-Headers']).toContain('Authorization');
    expect(res.headers['Access-Control-Allow-Methods']).toContain('GET');
    expect(res.headers.Vary).toBe('Origin');
  });

  it.each(['PUT', 'PATCH', 'DELETE'])('allows %s in a preflight (routes with JSON bodies)', (method) => {
    const res = fakeRes();
    mw(req('OPTIONS', { origin: 'http://localhost:3001', 'access-control-request-method': method }), res, jest.fn());
    expect(res.statusCode).toBe(204);
    expect(res.headers['Access-Control-Allow-Methods']?.split(', ')).toContain(method);
  });

  it('adds CORS headers to a simple request from an allowed origin', () => {
    const res = fakeRes();
    const next = jest.fn();
    mw(req('GET', { origin: 'http://localhost:3001' }), res, next);
    expect(next).toHaveBeenCalled();
    expect(res.headers['Access-Control-Allow-Origin']).toBe('http://localhost:3001');
    expect(res.headers['Access-Control-Expose-Headers']).toContain('WWW-Authenticate');
  });

  it('refuses other origins with a typed 403, preflight included', () => {
    for (const method of ['GET', 'OPTIONS']) {
      const res = fakeRes();
      const next = jest.fn();
      mw(req(method, { origin: 'https://evil.test', 'access-control-request-method': 'GET' }), res, next);
      expect(next).not.toHaveBeenCalled();
      expect(res.statusCode).toBe(403);
      expect(res.body).toEqual({ error: { code: 'FORBIDDEN', message: 'Origin not allowed', reason: 'origin_not_allowed' } });
      expect(res.headers['Access-Control-Allow-Origin']).toBeUndefined();
    }
  });
});

describe('bodyLimitMiddleware', () => {
  it('refuses a declared body over the limit with 413', () => {
    const res = fakeRes();
    const next = jest.fn();
    bodyLimitMiddleware(100)(req('POST', { 'content-length': '101' }), res, next);
    expect(next).not.toHaveBeenCalled();
    expect(res.statusCode).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('lets smaller bodies through', () => {
    const next = jest.fn();
    bodyLimitMiddleware(100)(req('POST', { 'content-length': '100' }), fakeRes(), next);
    expect(next).toHaveBeenCalled();
  });
});

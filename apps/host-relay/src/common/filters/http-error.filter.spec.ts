import { BusError } from '@auth-bus/contracts';
import type { ArgumentsHost } from '@nestjs/common';
import { HttpErrorFilter } from './http-error.filter';

function host() {
  const res: any = { headersSent: false, statusCode: 0, headers: {}, body: undefined };
  res.status = (s: number) => ((res.statusCode = s), res);
  res.set = (h: Record<string, string> | string, v?: string) => (typeof h === 'string' ? (res.headers[h] = v) : Object.assign(res.headers, h), res);
  res.json = (b: unknown) => ((res.body = b), res);
  const req = { method: 'GET', path: '/api/pong' };
  const h = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => req }) } as unknown as ArgumentsHost;
  return { h, res };
}

describe('HttpErrorFilter', () => {
  it('answers with the status, headers and body of the typed error', () => {
    const logger: any = { warn: jest.fn(), debug: jest.fn() };
    const { h, res } = host();
    new HttpErrorFilter(logger).catch(BusError.unauthenticated('missing'), h);
    expect(res.statusCode).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="auth-bus"');
    expect(res.body).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'No bearer token was presented', reason: 'missing' } });
  });

  it('logs server-side failures, at most once per code every 5 s', () => {
    const logger: any = { warn: jest.fn(), debug: jest.fn() };
    const filter = new HttpErrorFilter(logger);
    for (let i = 0; i < 100; i++) filter.catch(BusError.unavailable('No service is answering on api.ping'), host().h);
    filter.catch(BusError.timeout('api.pong', 3000), host().h);
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });
});

import { BusError } from '@auth-bus/contracts';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ForwardRequest, RouteForwarder } from '../bus/route-forwarder.service';
import { loadConfig } from '../config/relay.config';
import { HttpGatewayHandler } from './http-gateway.handler';

const logger: any = { isLevelEnabled: () => false, debug: jest.fn(), warn: jest.fn(), error: jest.fn() };

describe('HttpGatewayHandler', () => {
  let server: Server;
  let base: string;
  const forwarded: ForwardRequest[] = [];
  let answer: (req: ForwardRequest) => Promise<unknown> = async () => ({ data: 'pong' });

  beforeAll(async () => {
    const config = loadConfig({ RELAY_ALLOWED_ORIGINS: 'http://localhost:3001', RELAY_HTTP_RATE_PER_SEC: '0' });
    const forwarder = {
      forward: async (req: ForwardRequest) => {
        forwarded.push(req);
        return { route: {} as never, status: 200, data: await answer(req) };
      },
    } as unknown as RouteForwarder;
    // What stands in for NestJS's Express app: everything the gateway does not take.
    server = createServer((_req, res) => {
      res.writeHead(299, { 'content-type': 'text/plain' });
      res.end('rest');
    });
    new HttpGatewayHandler(forwarder, config, logger).mount(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    forwarded.length = 0;
    answer = async () => ({ data: 'pong' });
  });

  it('answers /api/… itself and hands every other path to the listener it was mounted in front of', async () => {
    const api = await fetch(`${base}/api/ping?x=1`);
    expect(api.status).toBe(200);
    expect(api.headers.get('cache-control')).toBe('no-store');
    expect(api.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await api.json()).toEqual({ data: 'pong' });
    expect(forwarded.map((f) => f.path)).toEqual(['/api/ping']);
    const rest = await fetch(`${base}/healthz`);
    expect(rest.status).toBe(299);
    expect(await rest.text()).toBe('rest');
  });

  it('answers a typed error with its status, RFC 6750 challenge and the CORS headers of an allowed origin', async () => {
    answer = async () => {
      throw BusError.unauthenticated('missing');
    };
    const res = await fetch(`${base}/api/pong`, { headers: { origin: 'http://localhost:3001' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="auth-bus"');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3001');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: expect.objectContaining({ code: 'UNAUTHENTICATED', reason: 'missing' }) });
  });

  it('refuses another origin with 403 and a path outside the route table with 404, forwarding nothing', async () => {
    const foreign = await fetch(`${base}/api/ping`, { headers: { origin: 'https://evil.test' } });
    expect(foreign.status).toBe(403);
    expect(((await foreign.json()) as { error: { reason: string } }).error.reason).toBe('origin_not_allowed');
    const unknown = await fetch(`${base}/api/api.ping`);
    expect(unknown.status).toBe(404);
    expect(forwarded).toEqual([]);
  });

  it('refuses a declared body over the limit with 413 before reading it, and closes the connection', async () => {
    // The body is declared and never sent: the answer must come from the header alone.
    const answered = await new Promise<{ status?: number; connection?: string; body: string }>((resolve, reject) => {
      const req = request(`${base}/api/ping`, { method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024), 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, connection: res.headers.connection, body }));
      });
      req.on('error', reject);
      req.flushHeaders();
    });
    expect(answered.status).toBe(413);
    expect(answered.connection).toBe('close');
    expect(JSON.parse(answered.body).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(forwarded).toEqual([]);
  });

  it('limits requests per client address (429 with Retry-After) when RELAY_HTTP_RATE_PER_SEC is on', async () => {
    const limited = createServer(() => undefined);
    const config = loadConfig({ RELAY_HTTP_RATE_PER_SEC: '1', RELAY_HTTP_BURST: '2' });
    const forwarder = { forward: async () => ({ route: {} as never, status: 200, data: {} }) } as unknown as RouteForwarder;
    new HttpGatewayHandler(forwarder, config, logger).mount(limited);
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/api/ping`;
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 4; i++) {
        const res = await fetch(url);
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.arrayBuffer();
      }
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(statuses.slice(2)).toContain(429);
      expect(retryAfter).toBe('1');
    } finally {
      await new Promise((resolve) => limited.close(resolve));
    }
  });
});

import { BusError, MAX_BODY_BYTES } from '@auth-bus/contracts';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { BridgeRoute } from '@auth-bus/service-kit/config';

/** The upstream's answer to one call (2xx or 4xx; everything else is thrown). */
export interface UpstreamAnswer {
  status: number;
  data: unknown;
  latencyMs: number;
}

/** A call that did not end in a 2xx/4xx answer, with what is known for the audit trail. */
export class UpstreamFailure extends Error {
  constructor(
    readonly error: BusError,
    readonly reason: 'upstream_error' | 'timeout' | 'redirect' | 'too_large',
    readonly latencyMs: number,
    readonly status?: number,
  ) {
    super(error.message);
  }
}

export interface UpstreamCall {
  route: BridgeRoute;
  allowedOrigins: ReadonlySet<string>;
  token?: string;
  body?: Record<string, unknown>;
  traceparent?: string;
}

/** The answer body is relayed in a bus reply, whose body limit is MAX_BODY_BYTES; keep room for the envelope. */
export const MAX_UPSTREAM_ANSWER_BYTES = MAX_BODY_BYTES - 1024;
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The only HTTP headers an upstream ever receives: a fixed set built here. Nothing the caller
 * sent is copied (the bus request's headers are read for the token and traceparent only), so no
 * hop-by-hop header, cookie, Host or X-Forwarded-* can be smuggled through.
 */
export function upstreamHeaders(call: UpstreamCall, bodyBytes: number | undefined): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'auth-bus-http-bridge', Connection: 'close' };
  if (bodyBytes !== undefined) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = String(bodyBytes);
  }
  if (call.token !== undefined && call.route.token === 'bearer') headers.Authorization = `Bearer ${call.token}`;
  if (call.token !== undefined && call.route.token === 'accesstoken') headers.accesstoken = call.token;
  if (call.traceparent && TRACEPARENT.test(call.traceparent)) headers.traceparent = call.traceparent;
  return headers;
}

function parseAnswer(headers: IncomingHttpHeaders, raw: Buffer): unknown {
  const text = raw.toString('utf8');
  if (text === '') return null;
  if (/json/i.test(headers['content-type'] ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * One call to the route's upstream URL — the configured one, never one from the request — with
 * the route's deadline. Redirects are answers, not followed (a 3xx is UPSTREAM_ERROR), so an
 * upstream cannot send the caller's token to another host.
 */
export function callUpstream(call: UpstreamCall): Promise<UpstreamAnswer> {
  const { route } = call;
  const url = route.upstream;
  if (!call.allowedOrigins.has(url.origin)) {
    // Cannot happen with routes from loadBridgeRoutes; a second lock on the same door.
    return Promise.reject(new UpstreamFailure(BusError.internal(), 'upstream_error', 0));
  }
  const payload = route.method === 'GET' || call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body), 'utf8');
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const upstreamError = (message: string, reason: UpstreamFailure['reason'] = 'upstream_error', status?: number) =>
    new UpstreamFailure(new BusError('UPSTREAM_ERROR', message), reason, elapsed(), status);

  return new Promise<UpstreamAnswer>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      fn();
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: route.method, headers: upstreamHeaders(call, payload?.length), agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        finish(() => reject(upstreamError(`The upstream of ${route.id} answered a redirect (${status}); redirects are not followed`, 'redirect', status)));
        req.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_UPSTREAM_ANSWER_BYTES) {
          finish(() => reject(upstreamError(`The upstream of ${route.id} answered more than ${MAX_UPSTREAM_ANSWER_BYTES} bytes`, 'too_large', status)));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const latencyMs = elapsed();
        if (status >= 200 && status < 300) finish(() => resolve({ status, data: parseAnswer(res.headers, Buffer.concat(chunks)), latencyMs }));
        else if (status >= 400 && status < 500) finish(() => resolve({ status, data: parseAnswer(res.headers, Buffer.concat(chunks)), latencyMs }));
        else finish(() => reject(upstreamError(`The upstream of ${route.id} answered ${status}`, 'upstream_error', status)));
      });
      res.on('error', () => finish(() => reject(upstreamError(`The upstream of ${route.id} broke off its answer`))));
    });
    const deadline = setTimeout(() => {
      finish(() => reject(new UpstreamFailure(BusError.timeout(route.subject, route.timeoutMs), 'timeout', elapsed())));
      req.destroy();
    }, route.timeoutMs);
    req.on('error', () => finish(() => reject(upstreamError(`The upstream of ${route.id} could not be reached`))));
    req.end(payload);
  });
}

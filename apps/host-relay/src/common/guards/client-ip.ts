import type { IncomingMessage } from 'node:http';

/**
 * The client's address as Express computes `req.ip` for a `trust proxy` of `false`, `true` or
 * a hop count: with no trust, the socket's address; with `true`, the left-most
 * X-Forwarded-For entry; with `n`, the address `n` hops back (proxies append to the header).
 */
export function clientIp(req: IncomingMessage, trustProxy: boolean | number): string {
  const socketAddress = req.socket.remoteAddress ?? 'unknown';
  if (trustProxy === false || trustProxy === 0) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const chain = [...forwarded, socketAddress];
  if (trustProxy === true) return chain[0];
  return chain[Math.max(0, chain.length - 1 - trustProxy)];
}

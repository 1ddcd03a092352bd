import { z } from 'zod';
import { InstanceId, Timestamp } from './common';

/**
 * `bridge.<route id>` request: the JSON body forwarded to the upstream HTTP API (`{}` for a GET).
 * Any JSON object: its shape is the upstream's business, the wire limit (64 KiB) and the route's
 * own body limit bound it.
 */
export const BridgeRequest = z.record(z.string(), z.unknown());
export type BridgeRequest = z.infer<typeof BridgeRequest>;

/**
 * `bridge.<route id>` reply, when the upstream answered 2xx or 4xx: its status is kept (a 404 of
 * the upstream stays a 404 for the caller), `data` is its JSON body (or its text, when it did not
 * send JSON). 5xx and unreachable upstreams are `UPSTREAM_ERROR` error replies, slow ones `TIMEOUT`.
 */
export const BridgeReply = z
  .object({
    status: z.number().int().min(200).max(499),
    data: z.unknown(),
    route: z.string().min(1).max(64),
    latency_ms: z.number().nonnegative(),
    instance: InstanceId,
    at: Timestamp,
  })
  .strict();
export type BridgeReply = z.infer<typeof BridgeReply>;

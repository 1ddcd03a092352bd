import { z } from 'zod';
import { BusError, ErrorCodeSchema } from './errors';

/**
 * The wire format (see docs/wire-format.md):
 * - a body is one JSON value encoded as UTF-8; requests and events are JSON objects;
 * - a successful reply is the reply object itself; a failed reply is `{ "error": {...} }`
 *   and nothing else, so a client tells them apart by the top-level `error` key
 *   (no success schema has one);
 * - credentials and tracing travel in NATS headers, never in bodies.
 */
export const HEADERS = {
  authorization: 'Authorization',
  messageId: 'Nats-Msg-Id',
  traceparent: 'traceparent',
} as const;

/** Largest body accepted at any boundary (NATS's own default max_payload is 1 MiB). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Largest bearer token accepted; real Auth0 access tokens are 1–3 KiB. */
export const MAX_TOKEN_CHARS = 8 * 1024;

export const WireErrorSchema = z
  .object({
    code: ErrorCodeSchema,
    message: z.string().max(500),
    reason: z.string().max(64).optional(),
    permission: z.string().max(128).optional(),
  })
  .strict();
export type WireError = z.infer<typeof WireErrorSchema>;

export const ErrorReplySchema = z.object({ error: WireErrorSchema }).strict();
export type ErrorReply = z.infer<typeof ErrorReplySchema>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeBody(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value));
}

/** Decodes a body; throws INVALID_MESSAGE (never a SyntaxError) on anything that is not JSON. */
export function decodeBody(data: Uint8Array | undefined | null): unknown {
  if (!data || data.length === 0) return {};
  if (data.length > MAX_BODY_BYTES) {
    throw new BusError('PAYLOAD_TOO_LARGE', `Body of ${data.length} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    throw BusError.invalidMessage('Body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw BusError.invalidMessage('Body is not valid JSON');
  }
}

export function toWireError(err: unknown): WireError {
  if (err instanceof BusError) {
    const wire: WireError = { code: err.code, message: err.expose ? err.message.slice(0, 500) : 'Internal error' };
    if (err.reason) wire.reason = err.reason;
    if (err.permission) wire.permission = err.permission;
    return wire;
  }
  const parsed = WireErrorSchema.safeParse(err);
  if (parsed.success) return parsed.data;
  return { code: 'INTERNAL', message: 'Internal error' };
}

export function errorReply(err: unknown): ErrorReply {
  return { error: toWireError(err) };
}

export function isErrorReply(value: unknown): value is ErrorReply {
  return typeof value === 'object' && value !== null && 'error' in value;
}

export function fromWireError(wire: WireError): BusError {
  return new BusError(wire.code, wire.message, { reason: wire.reason, permission: wire.permission });
}

/** `Authorization` header value for a token. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** Extracts the token from an `Authorization` value; the scheme is case-insensitive (RFC 7235). */
export function parseBearer(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

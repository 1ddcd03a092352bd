import { BusError, MAX_TOKEN_CHARS } from '@auth-bus/contracts';

/** base64url without padding (RFC 7515 §2); the signature may be empty only for `alg: none`, which auth-service refuses. */
const SEGMENT = /^[A-Za-z0-9_-]*$/;
/** The header of a real access token is small (`alg`, `typ`, `kid`); more is not a token. */
const MAX_HEADER_CHARS = 1024;

function decodeJsonObject(segment: string): Record<string, unknown> | undefined {
  if (segment.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const shortString = (value: unknown, max: number): boolean => typeof value === 'string' && value.length >= 1 && value.length <= max;

/**
 * Whether a reported token is at least shaped like a signed JWT: at most MAX_TOKEN_CHARS, three
 * base64url segments, a header that decodes to a JSON object with a string `alg` and `kid`
 * (every key an OIDC provider such as Auth0 or dev-idp signs with has a `kid`), and a payload
 * that decodes to a JSON object. Nothing is verified here — auth-service does that — this only
 * keeps what cannot possibly be a token from being published (and audited) at all.
 */
export function isJwtShaped(token: string): boolean {
  if (token.length > MAX_TOKEN_CHARS) return false;
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return false;
  const [header, payload] = parts;
  if (header.length > MAX_HEADER_CHARS) return false;
  const h = decodeJsonObject(header);
  if (!h || !shortString(h.alg, 32) || !shortString(h.kid, 256)) return false;
  return decodeJsonObject(payload) !== undefined;
}

/** Throws UNAUTHENTICATED (`malformed`) unless the token is shaped like a JWT. */
export function checkJwtShape(token: string): void {
  if (!isJwtShaped(token)) throw BusError.unauthenticated('malformed', 'The reported token is not a JWT');
}

import { TokenRejection } from './token-rejection';

export interface InspectedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  if (!segment || !SEGMENT.test(segment)) throw new TokenRejection('malformed', `${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new TokenRejection('malformed', `${what} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenRejection('malformed', `${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a compact JWS without trusting it: three base64url segments, a JSON header and a JSON
 * payload. Anything else is `malformed`. Used to refuse cheaply (algorithm, issuer, audience)
 * before any key is looked up, so a forged token never causes a JWKS fetch.
 */
export function inspectJwt(token: string): InspectedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw new TokenRejection('malformed', `${parts.length} segments`);
  return { header: decodeSegment(parts[0], 'header'), payload: decodeSegment(parts[1], 'payload') };
}

/** `aud` as a list (RFC 7519 allows a string or an array). */
export function audiences(payload: Record<string, unknown>): string[] {
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

const ACCESS_TOKEN_TYPES = new Set(['jwt', 'at+jwt', 'application/at+jwt']);

/**
 * Signs that a token is an OpenID Connect ID token (or another non-access token) rather than an
 * access token: an explicit non-access `typ` (e.g. `logout+jwt`), or the ID-token-only claims
 * `nonce`, `at_hash`, `c_hash`.
 */
export function looksLikeNonAccessToken(jwt: InspectedJwt): boolean {
  const typ = jwt.header.typ;
  if (typeof typ === 'string' && !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) return true;
  return 'nonce' in jwt.payload || 'at_hash' in jwt.payload || 'c_hash' in jwt.payload;
}

import { BusError, HEADERS, parseBearer } from '@auth-bus/contracts';
import { Match, type MsgHdrs } from 'nats';

/**
 * The bearer token of a bus message: the `Authorization` header (name and scheme matched
 * case-insensitively). No header → `missing`; several, another scheme or no token → `malformed`.
 */
export function bearerFromHeaders(headers: MsgHdrs | undefined | null): string {
  const values = headers ? headers.values(HEADERS.authorization, Match.IgnoreCase) : [];
  const present = values.filter((v) => v.trim() !== '');
  if (present.length === 0) throw BusError.unauthenticated('missing');
  if (present.length > 1) throw BusError.unauthenticated('malformed', 'More than one Authorization header');
  const token = parseBearer(present[0]);
  if (!token) throw BusError.unauthenticated('malformed', 'The Authorization header is not "Bearer <token>"');
  return token;
}

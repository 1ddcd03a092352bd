import { BusError, errorReply, HTTP_STATUS_BY_CODE, type ErrorCode, type ErrorReply } from '@auth-bus/contracts';
import { HttpException } from '@nestjs/common';

/** An error as the HTTP gateway answers it: status, extra headers and the contract's error body. */
export interface HttpErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorReply;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'INVALID_MESSAGE',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  411: 'INVALID_MESSAGE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'INVALID_MESSAGE',
  422: 'INVALID_MESSAGE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

/** Anything thrown while serving a request, as a BusError (unknown errors become INTERNAL). */
export function asBusError(err: unknown): BusError {
  if (err instanceof BusError) return err;
  // NestJS's own exceptions (e.g. the 404 of an unknown route) and http-errors style errors.
  const status =
    err instanceof HttpException
      ? err.getStatus()
      : typeof (err as { status?: unknown })?.status === 'number'
        ? (err as { status: number }).status
        : undefined;
  const code = status !== undefined ? CODE_BY_STATUS[status] : undefined;
  if (code) {
    const message = err instanceof Error && err.message ? err.message : code;
    return new BusError(code, message.slice(0, 500));
  }
  return BusError.internal();
}

/** The `realm` of the relay's Bearer challenges (RFC 6750 §3). */
export const BEARER_REALM = 'auth-bus';

/**
 * The `WWW-Authenticate` challenge for an error, per RFC 6750 §3.1: a request that carried no
 * token gets the plain challenge, with no error code ("the client was unaware that
 * authentication is necessary"); a refused token gets `invalid_token`; a missing permission
 * `insufficient_scope`.
 */
export function bearerChallenge(bus: BusError): string | undefined {
  if (bus.code === 'UNAUTHENTICATED') {
    return bus.reason === 'missing' ? `Bearer realm="${BEARER_REALM}"` : `Bearer realm="${BEARER_REALM}", error="invalid_token"`;
  }
  if (bus.code === 'FORBIDDEN' && bus.reason === 'missing_permission') return `Bearer realm="${BEARER_REALM}", error="insufficient_scope"`;
  return undefined;
}

/** The HTTP answer for an error: status from the contract's table, RFC 6750 / RFC 9110 headers. */
export function toHttpError(err: unknown): HttpErrorResponse {
  const bus = asBusError(err);
  const status = HTTP_STATUS_BY_CODE[bus.code];
  const headers: Record<string, string> = {};
  const challenge = bearerChallenge(bus);
  if (challenge) headers['WWW-Authenticate'] = challenge;
  if (bus.code === 'RATE_LIMITED' || bus.code === 'UNAVAILABLE') headers['Retry-After'] = '1';
  return { status, headers, body: errorReply(bus) };
}

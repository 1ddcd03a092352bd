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

/** The HTTP answer for an error: status from the contract's table, RFC 6750 / RFC 9110 headers. */
export function toHttpError(err: unknown): HttpErrorResponse {
  const bus = asBusError(err);
  const status = HTTP_STATUS_BY_CODE[bus.code];
  const headers: Record<string, string> = {};
  if (bus.code === 'UNAUTHENTICATED') headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
  if (bus.code === 'FORBIDDEN' && bus.reason === 'missing_permission') headers['WWW-Authenticate'] = 'Bearer error="insufficient_scope"';
  if (bus.code === 'RATE_LIMITED' || bus.code === 'UNAVAILABLE') headers['Retry-After'] = '1';
  return { status, headers, body: errorReply(bus) };
}

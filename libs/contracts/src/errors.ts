import { z } from 'zod';

/**
 * The closed set of error codes on the bus. Every failure a client can see is one of these;
 * anything unexpected becomes INTERNAL with a generic message (details stay in the logs).
 */
export const ErrorCodeSchema = z.enum([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_MESSAGE',
  'NOT_FOUND',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
  'UPSTREAM_ERROR',
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export const ERROR_CODES = ErrorCodeSchema.options;

/** Why a token was not accepted: the `reason` of an UNAUTHENTICATED error. */
export const AuthFailureReasonSchema = z.enum([
  'missing',
  'malformed',
  'bad_signature',
  'wrong_algorithm',
  'expired',
  'not_yet_valid',
  'wrong_audience',
  'wrong_issuer',
  'unknown_key',
  'not_access_token',
  'jwks_unavailable',
  'not_a_user_token',
  'revoked',
]);
export type AuthFailureReason = z.infer<typeof AuthFailureReasonSchema>;

/** HTTP status for each code, used by the HTTP gateway and by `BusError.status`. */
export const HTTP_STATUS_BY_CODE: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID_MESSAGE: 400,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  RATE_LIMITED: 429,
  TIMEOUT: 504,
  UNAVAILABLE: 503,
  INTERNAL: 500,
  /** http-bridge: the upstream HTTP API answered 5xx, or could not be reached. */
  UPSTREAM_ERROR: 502,
};

export interface BusErrorDetails {
  /** Machine-readable refinement of the code, e.g. the auth failure reason. */
  reason?: string;
  /** The permission that was missing, for FORBIDDEN. */
  permission?: string;
}

/**
 * The one error type of the bus. `code` is stable and part of the contract; `status` is the
 * matching HTTP status; `expose` says whether `message` may be shown to the caller (it is
 * false for INTERNAL, whose wire message is always generic).
 */
export class BusError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly reason?: string;
  readonly permission?: string;

  constructor(code: ErrorCode, message: string, details: BusErrorDetails = {}) {
    super(message);
    this.name = 'BusError';
    this.code = code;
    this.status = HTTP_STATUS_BY_CODE[code];
    this.expose = code !== 'INTERNAL';
    this.reason = details.reason;
    this.permission = details.permission;
  }

  static unauthenticated(reason: AuthFailureReason, message?: string): BusError {
    return new BusError('UNAUTHENTICATED', message ?? UNAUTHENTICATED_MESSAGES[reason], { reason });
  }

  static forbidden(permission: string): BusError {
    return new BusError('FORBIDDEN', `Missing permission: ${permission}`, {
      reason: 'missing_permission',
      permission,
    });
  }

  static invalidMessage(message: string): BusError {
    return new BusError('INVALID_MESSAGE', message);
  }

  static timeout(subject: string, ms: number): BusError {
    return new BusError('TIMEOUT', `No reply on ${subject} within ${ms} ms`);
  }

  static unavailable(message: string): BusError {
    return new BusError('UNAVAILABLE', message);
  }

  static internal(): BusError {
    return new BusError('INTERNAL', 'Internal error');
  }
}

export const UNAUTHENTICATED_MESSAGES: Record<AuthFailureReason, string> = {
  missing: 'No bearer token was presented',
  malformed: 'The bearer token is not a well-formed JWT',
  bad_signature: 'The token signature does not verify',
  wrong_algorithm: 'The token is not signed with RS256',
  expired: 'The token has expired',
  not_yet_valid: 'The token is not valid yet',
  wrong_audience: 'The token was issued for another audience',
  wrong_issuer: 'The token was issued by another issuer',
  unknown_key: 'The token was signed with a key the issuer does not publish',
  not_access_token: 'The token is not an access token for this API',
  jwks_unavailable: "The issuer's signing keys could not be fetched",
  not_a_user_token: 'The token was not issued to a user through the login client (machine tokens cannot log in)',
  revoked: 'The token has been revoked',
};

export function isBusError(value: unknown): value is BusError {
  return value instanceof BusError;
}

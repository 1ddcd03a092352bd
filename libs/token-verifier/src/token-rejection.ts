import { BusError, type AuthFailureReason } from '@auth-bus/contracts';

/**
 * Why a token was refused, raised inside the verifier (key provider, strategy) and turned into
 * `BusError.unauthenticated(reason)` at its edge. `detail` is for logs only and never holds the token.
 */
export class TokenRejection extends Error {
  constructor(
    readonly reason: AuthFailureReason,
    readonly detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'TokenRejection';
  }
}

/**
 * Maps whatever the verification chain produced (our rejections, jsonwebtoken's errors,
 * jwks-rsa's errors, passport-jwt's "No auth token") onto the contract's reasons.
 */
export function rejectionReason(err: unknown): AuthFailureReason {
  if (err instanceof TokenRejection) return err.reason;
  if (err instanceof BusError && err.code === 'UNAUTHENTICATED' && err.reason) return err.reason as AuthFailureReason;
  const name = (err as { name?: string } | undefined)?.name;
  const message = String((err as { message?: string } | undefined)?.message ?? '');
  switch (name) {
    case 'TokenExpiredError':
      return 'expired';
    case 'NotBeforeError':
      return 'not_yet_valid';
    case 'SigningKeyNotFoundError':
    case 'JwksRateLimitError':
      return 'unknown_key';
    case 'JwksError':
    case 'ArgumentError':
      return 'jwks_unavailable';
    case 'JsonWebTokenError':
      if (message === 'invalid signature') return 'bad_signature';
      if (message.startsWith('jwt audience invalid')) return 'wrong_audience';
      if (message.startsWith('jwt issuer invalid')) return 'wrong_issuer';
      if (message === 'invalid algorithm' || message === 'jwt signature is required' || message.includes('must be an asymmetric key')) {
        return 'wrong_algorithm';
      }
      return 'malformed';
    default:
      if (message === 'No auth token') return 'missing';
      return 'malformed';
  }
}

export function toUnauthenticated(err: unknown): BusError {
  if (err instanceof BusError) return err;
  return BusError.unauthenticated(rejectionReason(err));
}

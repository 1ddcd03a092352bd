import { BusError } from '@auth-bus/contracts';
import { JsonWebTokenError, NotBeforeError, TokenExpiredError } from 'jsonwebtoken';
import { rejectionReason, TokenRejection, toUnauthenticated } from './token-rejection';

describe('rejectionReason', () => {
  it.each([
    [new TokenExpiredError('jwt expired', new Date()), 'expired'],
    [new NotBeforeError('jwt not active', new Date()), 'not_yet_valid'],
    [new JsonWebTokenError('invalid signature'), 'bad_signature'],
    [new JsonWebTokenError('jwt audience invalid. expected: x'), 'wrong_audience'],
    [new JsonWebTokenError('jwt issuer invalid. expected: x'), 'wrong_issuer'],
    [new JsonWebTokenError('invalid algorithm'), 'wrong_algorithm'],
    [new JsonWebTokenError('jwt malformed'), 'malformed'],
    [Object.assign(new Error('no key'), { name: 'SigningKeyNotFoundError' }), 'unknown_key'],
    [Object.assign(new Error('slow down'), { name: 'JwksRateLimitError' }), 'unknown_key'],
    [Object.assign(new Error('500'), { name: 'JwksError' }), 'jwks_unavailable'],
    [new Error('No auth token'), 'missing'],
    [new TokenRejection('not_access_token'), 'not_access_token'],
    [undefined, 'malformed'],
  ])('maps %p to %s', (err, reason) => {
    expect(rejectionReason(err)).toBe(reason);
  });

  it('keeps BusErrors and wraps anything else as UNAUTHENTICATED', () => {
    const forbidden = BusError.forbidden('read:messages');
    expect(toUnauthenticated(forbidden)).toBe(forbidden);
    const wrapped = toUnauthenticated(new TokenRejection('expired'));
    expect(wrapped).toBeInstanceOf(BusError);
    expect(wrapped.code).toBe('UNAUTHENTICATED');
    expect(wrapped.reason).toBe('expired');
  });
});

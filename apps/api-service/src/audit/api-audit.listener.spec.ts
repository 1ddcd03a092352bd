import { BusError } from '@auth-bus/contracts';
import type { AuditInput, AuditPublisher } from '@auth-bus/service-kit';
import { toVerifiedToken } from '@auth-bus/token-verifier';
import { ApiAuditListener } from './api-audit.listener';

describe('ApiAuditListener', () => {
  const published: AuditInput[] = [];
  const options: unknown[] = [];
  const listener = new ApiAuditListener({ publish: (e: AuditInput, o: unknown) => (published.push(e), options.push(o), 'id') } as unknown as AuditPublisher);
  beforeEach(() => {
    published.length = 0;
    options.length = 0;
  });

  it('records an allowed call with the caller and the token hash', () => {
    const identity = toVerifiedToken({ sub: 'auth0|alice', exp: 1, iss: 'i' }, 'aaaaaaaaaaaaaaaa');
    listener.allowed({ subject: 'api.pong', identity, tokenHash: identity.tokenHash });
    expect(published).toEqual([{ kind: 'api.allowed', sub: 'auth0|alice', token_hash: 'aaaaaaaaaaaaaaaa', subject: 'api.pong' }]);
    expect(options).toEqual([{ coalesce: true }]);
  });

  it('records a denied call with the reason', () => {
    listener.denied({ subject: 'api.pong-scoped', error: BusError.forbidden('read:messages'), reason: 'missing_permission', sub: 'auth0|bob', tokenHash: 'bbbbbbbbbbbbbbbb' });
    listener.denied({ subject: 'api.pong', error: BusError.unauthenticated('missing'), reason: 'missing' });
    expect(published).toEqual([
      { kind: 'api.denied', sub: 'auth0|bob', token_hash: 'bbbbbbbbbbbbbbbb', reason: 'missing_permission', subject: 'api.pong-scoped' },
      { kind: 'api.denied', sub: undefined, token_hash: undefined, reason: 'missing', subject: 'api.pong' },
    ]);
  });
});

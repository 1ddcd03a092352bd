import { BusError, type RevocationRecord } from '@auth-bus/contracts';
import type { AuditInput, AuditPublisher } from '@auth-bus/service-kit';
import type { TokenVerifierService, VerifiedToken } from '@auth-bus/token-verifier';
import { headers as natsHeaders } from 'nats';
import type { RevocationStoreService } from './revocation-store.service';
import { RevokeService } from './revoke.service';

const identity = (sub: string, permissions: string[] = []): VerifiedToken =>
  ({ sub, permissions, scopes: [], grantTypes: [], exp: 2e9, iat: 1e9, iss: 'i', tokenHash: 'aaaaaaaaaaaaaaaa' }) as VerifiedToken;

function setup(caller: VerifiedToken) {
  const stored: RevocationRecord[] = [];
  const audited: AuditInput[] = [];
  const verifier = { verify: jest.fn(async () => caller) } as unknown as TokenVerifierService;
  const store = { put: jest.fn(async (r: RevocationRecord) => void stored.push(r)) } as unknown as RevocationStoreService;
  const audit = { publish: jest.fn((e: AuditInput) => void audited.push(e)) } as unknown as AuditPublisher;
  const h = natsHeaders();
  h.set('Authorization', 'Bearer a.b.c');
  return { service: new RevokeService(verifier, store, audit), stored, audited, h };
}

describe('RevokeService', () => {
  const NOW = 1_767_225_600_500;

  it('revokes the caller\'s own tokens, up to now (seconds), and audits who/whom/why', async () => {
    const { service, stored, audited, h } = setup(identity('auth0|bob'));
    await expect(service.revoke(h, { reason: 'log out everywhere' }, NOW)).resolves.toEqual({ kind: 'user', sub: 'auth0|bob', revoked_at: 1_767_225_600 });
    expect(stored).toEqual([{ kind: 'user', sub: 'auth0|bob', revoked_at: 1_767_225_600, by: 'auth0|bob', reason: 'log out everywhere' }]);
    expect(audited).toEqual([expect.objectContaining({ kind: 'session.revoked', sub: 'auth0|bob', target_sub: 'auth0|bob', reason: 'log out everywhere' })]);
  });

  it.each([[{ sub: 'auth0|alice' }], [{ token_hash: '0123456789abcdef' }]])('refuses %j without admin:sessions and stores nothing', async (request) => {
    const { service, stored, audited, h } = setup(identity('auth0|bob'));
    await expect(service.revoke(h, request, NOW)).rejects.toMatchObject({ code: 'FORBIDDEN', permission: 'admin:sessions' });
    expect(stored).toEqual([]);
    expect(audited).toEqual([]);
  });

  it('an admin revokes another user, or one token by its hash', async () => {
    const { service, stored } = setup(identity('auth0|alice', ['admin:sessions']));
    await service.revoke(h(), { sub: 'auth0|bob' }, NOW);
    await service.revoke(h(), { token_hash: '0123456789abcdef' }, NOW);
    expect(stored).toEqual([
      { kind: 'user', sub: 'auth0|bob', revoked_at: 1_767_225_600, by: 'auth0|alice' },
      { kind: 'token', token_hash: '0123456789abcdef', revoked_at: 1_767_225_600, by: 'auth0|alice' },
    ]);
    function h() {
      return setup(identity('x')).h;
    }
  });

  it('a caller whose token does not verify changes nothing', async () => {
    const { service, stored, h } = setup(identity('auth0|bob'));
    (service as unknown as { verifier: { verify: jest.Mock } }).verifier.verify.mockRejectedValueOnce(BusError.unauthenticated('revoked'));
    await expect(service.revoke(h, {}, NOW)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(stored).toEqual([]);
  });
});

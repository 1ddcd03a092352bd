import { BusError, VerifiedIdentity } from '@auth-bus/contracts';
import { AuditPublisher, SERVICE_RUNTIME, type AuditInput } from '@auth-bus/service-kit';
import { TokenVerifierModule } from '@auth-bus/token-verifier';
import { LocalIssuer } from '@auth-bus/token-verifier/testing';
import { Test } from '@nestjs/testing';
import { headers as natsHeaders } from 'nats';
import { LOGIN_CLIENT_IDS, UserLoginPolicy } from './user-login.policy';
import { VerifyService } from './verify.service';

function bearerHeaders(token?: string) {
  const h = natsHeaders();
  if (token) h.set('Authorization', `Bearer ${token}`);
  return h;
}

describe('VerifyService', () => {
  let issuer: LocalIssuer;
  let service: VerifyService;
  const published: AuditInput[] = [];

  beforeAll(async () => {
    issuer = await LocalIssuer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience })],
      providers: [
        VerifyService,
        UserLoginPolicy,
        { provide: LOGIN_CLIENT_IDS, useValue: ['component-web', 'other-web'] },
        { provide: AuditPublisher, useValue: { publish: (e: AuditInput) => (published.push(e), e.id) } },
        { provide: SERVICE_RUNTIME, useValue: { instance: 'auth-service-test' } },
      ],
    }).compile();
    service = moduleRef.get(VerifyService);
  });
  afterAll(() => issuer.close());
  beforeEach(() => (published.length = 0));

  it('returns the verified identity in the contract shape', async () => {
    const token = issuer.accessToken('auth0|alice', { email: 'alice@example.com', name: 'Alice', permissions: ['read:messages', 'read:audit'] });
    const identity = await service.verify(bearerHeaders(token), {});
    expect(VerifiedIdentity.parse(identity)).toEqual(identity);
    expect(identity).toMatchObject({ sub: 'auth0|alice', email: 'alice@example.com', permissions: ['read:messages', 'read:audit'], instance: 'auth-service-test' });
    expect(published).toEqual([]); // no session named: nothing to audit
  });

  it('audits login.verified for a session, with a stable id per session and token', async () => {
    const token = issuer.accessToken('auth0|alice');
    await service.verify(bearerHeaders(token), { session_id: 'sess-1', caller: 'streamlit-host' });
    await service.verify(bearerHeaders(token), { session_id: 'sess-1' });
    await service.verify(bearerHeaders(token), { session_id: 'sess-2' });
    expect(published.map((e) => e.kind)).toEqual(['login.verified', 'login.verified', 'login.verified']);
    expect(published[0]).toMatchObject({ sub: 'auth0|alice', session_id: 'sess-1', token_hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(published[0].id).toBe(published[1].id);
    expect(published[2].id).not.toBe(published[0].id);
  });

  it('refuses with the reason and audits login.rejected', async () => {
    const expired = issuer.accessToken('auth0|alice', { exp: Math.floor(Date.now() / 1000) - 3600 });
    await expect(service.verify(bearerHeaders(expired), { session_id: 'sess-3' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
    await expect(service.verify(bearerHeaders(), { session_id: 'sess-3' })).rejects.toBeInstanceOf(BusError);
    expect(published).toEqual([
      expect.objectContaining({ kind: 'login.rejected', session_id: 'sess-3', reason: 'expired', token_hash: expect.stringMatching(/^[0-9a-f]{16}$/) }),
      expect.objectContaining({ kind: 'login.rejected', session_id: 'sess-3', reason: 'missing', token_hash: undefined }),
    ]);
    expect(JSON.stringify(published)).not.toContain(expired);
  });

  describe('purpose (issue 13.6)', () => {
    const machine = () => issuer.accessToken('dev-m2m@clients', { azp: 'dev-m2m', gty: 'client-credentials', permissions: ['read:messages', 'read:audit'] });

    it('refuses machine tokens as a login, by default and for purpose user, and audits the reason', async () => {
      for (const request of [{ session_id: 'm2m-1' }, { session_id: 'm2m-2', purpose: 'user' as const }]) {
        await expect(service.verify(bearerHeaders(machine()), request)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'not_a_user_token' });
      }
      expect(published).toEqual([
        expect.objectContaining({ kind: 'login.rejected', session_id: 'm2m-1', reason: 'not_a_user_token' }),
        expect.objectContaining({ kind: 'login.rejected', session_id: 'm2m-2', reason: 'not_a_user_token' }),
      ]);
    });

    it.each([
      ['a client-credentials grant whatever its client', { azp: 'component-web', gty: ['client-credentials'] }],
      ['a …@clients subject', { sub: 'svc@clients' }],
      ['a token issued to another client', { azp: 'reporting-tool' }],
      ['a token naming no client', { azp: undefined }],
    ])('refuses %s as a login', async (_what, extra) => {
      const { sub, ...claims } = extra as { sub?: string };
      const token = issuer.accessToken(sub ?? 'auth0|alice', claims);
      await expect(service.verify(bearerHeaders(token), {})).rejects.toMatchObject({ reason: 'not_a_user_token' });
    });

    it('accepts a user token from any listed login client (azp or client_id)', async () => {
      await expect(service.verify(bearerHeaders(issuer.accessToken('auth0|alice', { azp: 'other-web' })), { purpose: 'user' })).resolves.toMatchObject({ sub: 'auth0|alice' });
      await expect(service.verify(bearerHeaders(issuer.accessToken('kc|bob', { azp: undefined, client_id: 'component-web' })), {})).resolves.toMatchObject({ sub: 'kc|bob' });
    });

    it('accepts machine tokens for purpose api', async () => {
      await expect(service.verify(bearerHeaders(machine()), { purpose: 'api', session_id: 'api-1' })).resolves.toMatchObject({ sub: 'dev-m2m@clients' });
      expect(published).toEqual([expect.objectContaining({ kind: 'login.verified', sub: 'dev-m2m@clients' })]);
    });
  });
});

import { AuditPublisher, APP_LOGGER, createLogger, type AuditInput } from '@auth-bus/service-kit';
import { TokenVerifierModule } from '@auth-bus/token-verifier';
import { LocalIssuer } from '@auth-bus/token-verifier/testing';
import { Test } from '@nestjs/testing';
import { headers as natsHeaders } from 'nats';
import { LOGIN_CLIENT_IDS, UserLoginPolicy } from '../verify/user-login.policy';
import { SessionEventsService } from './session-events.service';

function bearerHeaders(token?: string) {
  const h = natsHeaders();
  if (token) h.set('Authorization', `Bearer ${token}`);
  return h;
}

describe('SessionEventsService', () => {
  let issuer: LocalIssuer;
  let sessions: SessionEventsService;
  const published: AuditInput[] = [];
  const now = new Date().toISOString();

  beforeAll(async () => {
    issuer = await LocalIssuer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [TokenVerifierModule.forRoot({ issuer: issuer.issuer, audience: issuer.audience })],
      providers: [
        SessionEventsService,
        UserLoginPolicy,
        { provide: LOGIN_CLIENT_IDS, useValue: ['component-web'] },
        { provide: AuditPublisher, useValue: { publish: (e: AuditInput) => (published.push(e), e.id) } },
        { provide: APP_LOGGER, useValue: createLogger({ service: 't', instance: 't', level: 'silent' }) },
      ],
    }).compile();
    sessions = moduleRef.get(SessionEventsService);
  });
  afterAll(() => issuer.close());
  beforeEach(() => (published.length = 0));

  it('verifies a reported session and records login.verified', async () => {
    await sessions.reported({ session_id: 's1', reported_at: now, user: { sub: 'claimed' } }, bearerHeaders(issuer.accessToken('auth0|alice')));
    expect(published).toEqual([expect.objectContaining({ kind: 'login.verified', sub: 'auth0|alice', session_id: 's1' })]);
  });

  it('records login.rejected, never trusting the claimed user', async () => {
    const forged = issuer.accessToken('auth0|alice', { aud: 'someone-else' });
    await sessions.reported({ session_id: 's2', reported_at: now, user: { sub: 'auth0|alice' } }, bearerHeaders(forged));
    expect(published).toEqual([expect.objectContaining({ kind: 'login.rejected', session_id: 's2', reason: 'wrong_audience' })]);
    expect(published[0].sub).toBeUndefined();
  });

  it('records a reported machine token as login.rejected not_a_user_token, as auth.verify would', async () => {
    const machine = issuer.accessToken('dev-m2m@clients', { azp: 'dev-m2m', gty: 'client-credentials' });
    await sessions.reported({ session_id: 's5', reported_at: now }, bearerHeaders(machine));
    expect(published).toEqual([expect.objectContaining({ kind: 'login.rejected', session_id: 's5', reason: 'not_a_user_token' })]);
    expect(published[0].sub).toBeUndefined();
  });

  it('records logout with the verified sub, or the claimed one and why it is unverified', async () => {
    await sessions.ended({ session_id: 's3', ended_at: now }, bearerHeaders(issuer.accessToken('auth0|bob')));
    await sessions.ended({ session_id: 's4', ended_at: now, sub: 'auth0|carol' }, bearerHeaders());
    expect(published).toEqual([
      expect.objectContaining({ kind: 'logout', sub: 'auth0|bob', session_id: 's3', reason: undefined }),
      expect.objectContaining({ kind: 'logout', sub: 'auth0|carol', session_id: 's4', reason: 'missing' }),
    ]);
  });
});

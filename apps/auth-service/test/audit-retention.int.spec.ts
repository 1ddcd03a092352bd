import { SUBJECTS } from '@auth-bus/contracts';
import { readAuditStream, waitFor } from '@auth-bus/testing';
import { ServicesOnBus } from './support/services-on-bus';

/**
 * Issue 13 item 7, the stream's side: one client can send refusals without end (the relay budgets
 * them per address, but many addresses add up), and the AUDIT stream's limits are shared. A
 * flood of `login.rejected` must only ever evict older `login.rejected` events — never a
 * verified login, a logout or an API call. Real nats-server, real auth-service, real dev-idp.
 */
describe('AUDIT retention under a flood of refusals (real NATS, real auth-service)', () => {
  const PER_KIND = 40;
  const stack = ServicesOnBus.forSuite({
    services: { apiReplicas: 0, authEnv: { AUDIT_MAX_EVENTS_PER_KIND: String(PER_KIND), AUDIT_MAX_BYTES: '1MB' } },
    clients: ['streamlit-host', 'audit-reader'],
  });

  it('keeps the verified login while five times the per-kind limit of refusals arrive', async () => {
    const alice = await stack.idp.tokenFor('alice');
    await stack.hostBus.request(SUBJECTS.auth.verify, { session_id: 'cs_victim_login_0001' }, { token: alice.access_token });
    await waitFor(async () => ((await readAuditStream(stack.reader)).some((m) => m.event.kind === 'login.verified') ? true : undefined), { timeout: 10_000, what: 'the verified login stored' });

    // Each refusal a distinct event: another session id, a token that fails verification.
    const flood = PER_KIND * 5;
    const forged = `${alice.access_token.slice(0, -8)}AAAAAAAA`;
    for (let i = 0; i < flood; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, flood - i) }, (_, j) =>
          stack.hostBus.request(SUBJECTS.auth.verify, { session_id: `cs_flood_${String(i + j).padStart(6, '0')}` }, { token: forged }).catch(() => undefined),
        ),
      );
    }

    const all = (await waitFor(
      async () => {
        const events = await readAuditStream(stack.reader);
        const newest = events.filter((m) => m.event.kind === 'login.rejected').map((m) => m.event.session_id as string);
        return newest.includes(`cs_flood_${String(flood - 1).padStart(6, '0')}`) ? events : undefined;
      },
      { timeout: 20_000, what: 'the last refusal stored' },
    ))!;
    const rejected = all.filter((m) => m.event.kind === 'login.rejected');
    const verified = all.filter((m) => m.event.kind === 'login.verified');
    expect(rejected.length).toBeLessThanOrEqual(PER_KIND);
    expect(rejected.length).toBeGreaterThan(0);
    // The newest refusals are the ones kept; the victim's login is untouched.
    expect(verified).toEqual([expect.objectContaining({ event: expect.objectContaining({ sub: 'auth0|alice', session_id: 'cs_victim_login_0001' }) })]);
  }, 90_000);
});

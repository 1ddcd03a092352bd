import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { ManagedProcess, readAuditStream, waitFor } from '@auth-bus/testing';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT, Stack } from './support/stack';

const FORGED_SUB = 'auth0|forged-by-api-service';

/**
 * Issue 13 item 9: api-service's credentials may publish on `audit.events.api.>` only, but a
 * well-formed `login.verified` event published there must never be read back as a login — not
 * by `audit.query` (real auth-service), not by the audit command. Each subject carries only the
 * kinds the contract's audit schema gives it (`audit.events.<kind>`).
 */
describe('audit kinds: api-service credentials cannot forge logins', () => {
  let stack: Stack;
  let api: NatsConnection;
  let host: NatsConnection;
  let reader: NatsConnection;

  beforeAll(async () => {
    stack = await Stack.start();
    [api, host, reader] = await Promise.all([stack.nats.connectAs('api-service'), stack.nats.connectAs('streamlit-host'), stack.nats.connectAs('audit-reader')]);
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await host?.close();
    await reader?.close();
    await stack?.stop();
  });

  function forged(kind: string): Uint8Array {
    const event = { id: randomUUID(), at: new Date().toISOString(), kind, sub: FORGED_SUB, session_id: 'forged-session', service: 'auth-service', instance: 'auth-service-forged' };
    return new TextEncoder().encode(JSON.stringify(event));
  }

  it('a login.verified event on audit.events.api.* never shows up as a login', async () => {
    const bus = new BusClient(host);
    // A real login first (the stream exists once auth-service is up).
    await bus.request(SUBJECTS.auth.verify, { caller: 'faults-kinds', session_id: 'faults-kinds-session' } as never, { token: stack.alice.access_token, timeout: 10_000 });

    for (const subject of ['audit.events.api.allowed', 'audit.events.api.denied', 'audit.events.api.login.verified', 'audit.events.api.x']) {
      for (const kind of ['login.verified', 'login.rejected', 'logout']) {
        const h = natsHeaders();
        h.set('Nats-Msg-Id', randomUUID());
        api.publish(subject, forged(kind), { headers: h });
      }
    }
    await api.flush();
    // The forgeries on the stream's api subjects are stored (NATS lets api-service publish there):
    // what is tested is that nobody reads them back as logins.
    await waitFor(async () => ((await readAuditStream(reader)).some((m) => m.raw.includes(FORGED_SUB)) ? true : undefined), {
      timeout: 20_000,
      what: 'the forged events in the stream',
    });

    const reply = await bus.request(SUBJECTS.audit.query, { limit: 1000 }, { token: stack.alice.access_token, timeout: 10_000 });
    expect(reply.events.filter((e) => e.sub === FORGED_SUB)).toEqual([]);
    const logins = await bus.request(SUBJECTS.audit.query, { kind: 'login.verified', limit: 1000 }, { token: stack.alice.access_token, timeout: 10_000 });
    expect(logins.events.filter((e) => e.sub === FORGED_SUB)).toEqual([]);

    // The audit command (as audit-reader), everything in the stream as JSON lines.
    const cli = ManagedProcess.start(
      'audit-cli',
      process.execPath,
      [join(REPO_ROOT, 'apps/auth-service/dist/audit-cli/main.js'), '--json'],
      { NATS_URL: stack.nats.url, AUDIT_NATS_USER: 'audit-reader', AUDIT_NATS_PASSWORD: stack.nats.password('audit-reader') },
      REPO_ROOT,
    );
    await waitFor(async () => !cli.running, { timeout: 30_000, what: 'the audit command to finish' });
    const lines = cli.tail(10_000).split('\n');
    expect(cli.child.exitCode).toBe(0);
    expect(lines.filter((l) => l.includes(FORGED_SUB))).toEqual([]);
  }, 90_000);
});

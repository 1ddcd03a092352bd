import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { waitFor } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { codeOf, now, percentile, report, round } from './support/measure';
import { Stack } from './support/stack';

const DEADLINE_MS = 3_000;

/**
 * auth-service crashes (SIGKILL) or hangs (SIGSTOP): auth.verify callers get a typed answer
 * within their deadline — UNAVAILABLE at once when it is gone, TIMEOUT when it is silent — the
 * relay reports itself not ready, protected API calls keep working (api-service verifies
 * tokens itself), and when auth-service is back, verification works again with nothing else
 * restarted. The Streamlit host's side of this (its verify handler and page) is in
 * streamlit-app/tests/faults/test_auth_down.py.
 */
describe('auth-service down', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let bus: BusClient;

  beforeAll(async () => {
    stack = await Stack.start({ relay: true, relayEnv: { RELAY_READY_CACHE_MS: '0' } });
    nc = await stack.nats.connectAs('streamlit-host');
    bus = new BusClient(nc);
  }, 120_000);

  afterAll(async () => {
    const auth = stack?.services.auth;
    if (auth?.pid && auth.running) process.kill(auth.pid, 'SIGCONT');
    await nc?.close();
    await stack?.stop();
  });

  async function verifyTimes(n: number): Promise<{ codes: string[]; ms: number[] }> {
    const codes: string[] = [];
    const ms: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = now();
      try {
        await bus.request(SUBJECTS.auth.verify, { caller: 'faults' }, { token: stack.alice.access_token, timeout: DEADLINE_MS });
        codes.push('OK');
      } catch (err) {
        codes.push(codeOf(err));
      }
      ms.push(now() - started);
    }
    return { codes, ms };
  }

  const readyz = async () => {
    const res = await fetch(`${stack.relay!.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, unknown> } };
  };
  const pongOverHttp = async () => (await fetch(`${stack.relay!.url}/api/pong`, { headers: { authorization: `Bearer ${stack.alice.access_token}` } })).status;

  it('crashed: UNAVAILABLE at once, relay not ready, API still served; back: login works again', async () => {
    expect((await verifyTimes(1)).codes).toEqual(['OK']);
    const auth = stack.services.auth!;
    await auth.kill();
    await waitFor(async () => !(await stack.services.isConnected(auth)), { interval: 20, what: 'auth-service gone from NATS' });

    const down = await verifyTimes(20);
    expect(new Set(down.codes)).toEqual(new Set(['UNAVAILABLE']));
    // Promptly: no responders is known at once, long before the deadline.
    expect(Math.max(...down.ms)).toBeLessThan(DEADLINE_MS / 2);
    const ready = await readyz();
    expect(ready.status).toBe(503);
    expect(ready.body.ready).toBe(false);
    expect(await pongOverHttp()).toBe(200);

    const restartedAt = now();
    const back = await stack.services.startAuth(`${auth.instance}-back`);
    const up = await verifyTimes(1);
    expect(up.codes).toEqual(['OK']);
    await waitFor(async () => (await readyz()).status === 200, { what: 'the relay ready again' });
    const replied = await bus.request(SUBJECTS.auth.verify, {}, { token: stack.alice.access_token });
    expect(replied).toMatchObject({ sub: 'auth0|alice', instance: back.instance });

    report('auth-service-crashed', {
      verify_while_down: { n: down.codes.length, codes: [...new Set(down.codes)], p50_ms: round(percentile(down.ms, 50), 2), max_ms: round(Math.max(...down.ms), 2) },
      relay_readyz_while_down: ready.status,
      api_pong_while_down: 200,
      restart_to_first_verify_ms: round(now() - restartedAt),
    });
  }, 60_000);

  it('hung (SIGSTOP): TIMEOUT within the deadline, relay not ready; resumed: answers again', async () => {
    const auth = stack.services.auth!;
    process.kill(auth.pid!, 'SIGSTOP');
    let hung: { codes: string[]; ms: number[] };
    try {
      hung = await verifyTimes(3);
      expect(new Set(hung.codes)).toEqual(new Set(['TIMEOUT']));
      for (const ms of hung.ms) expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
      for (const ms of hung.ms) expect(ms).toBeLessThan(DEADLINE_MS + 2_000);
      expect((await readyz()).status).toBe(503);
      expect(await pongOverHttp()).toBe(200);
    } finally {
      process.kill(auth.pid!, 'SIGCONT');
    }
    await waitFor(async () => (await verifyTimes(1)).codes[0] === 'OK', { what: 'auth-service answering after SIGCONT' });
    expect(auth.running).toBe(true);
    report('auth-service-hung', { verify_while_hung: { codes: [...new Set(hung.codes)], ms: hung.ms.map((m) => round(m)) } });
  }, 60_000);
});

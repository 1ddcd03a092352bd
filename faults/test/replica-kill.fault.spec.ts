import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient, type RetryInfo } from '@auth-bus/service-kit/client';
import { waitFor } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { Loop } from './support/load';
import { now, report, round, sleep, tally } from './support/measure';
import { Stack } from './support/stack';

const DEADLINE_MS = 1_500;
const WORKERS = 20;

/**
 * An api-service replica is SIGKILLed mid-load with 3 replicas. (apps/api-service's scaling
 * tests show that only its in-flight requests fail, typed, and the others carry on.) What this
 * adds: a client that retries idempotent requests — BusClient's `retries` — loses nothing,
 * side by side with one that does not retry, on the same connection and the same load.
 */
describe('api-service replica killed: client retries', () => {
  let stack: Stack;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await Stack.start({ apiReplicas: 3 });
    nc = await stack.nats.connectAs('host-relay');
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  it('retried idempotent requests all succeed; without retries only in-flight ones fail, typed', async () => {
    const token = stack.alice.access_token;
    const retries: RetryInfo[] = [];
    const plain = new BusClient(nc);
    const retrying = new BusClient(nc, { retries: 2, retryDelayMs: 50, onRetry: (info) => retries.push(info) });
    const pong = (bus: BusClient) => async () => {
      const reply = await bus.request(SUBJECTS.api.pong, {}, { token, timeout: DEADLINE_MS });
      return { ok: true, instance: reply.instance };
    };
    const loops = [
      ...Array.from({ length: WORKERS }, () => new Loop('plain', DEADLINE_MS, pong(plain), 0)),
      ...Array.from({ length: WORKERS }, () => new Loop('retrying', DEADLINE_MS * 3 + 150, pong(retrying), 0)),
    ];
    await sleep(3_000);
    const victim = stack.services.api[1];
    const killedAt = now();
    await stack.services.killApi(victim.instance);
    await waitFor(async () => !(await stack.services.isConnected(victim)), { interval: 10, what: 'the killed replica to leave NATS' });
    const goneAt = now();
    await sleep(4_000);
    const outcomes = (await Promise.all(loops.map((l) => l.stop()))).flat();
    const mine = (client: string) => outcomes.filter((o) => o.client === client);

    expect(victim.running).toBe(false);
    // With retries: nothing lost.
    expect(mine('retrying').filter((o) => !o.ok)).toEqual([]);
    // Without: at most what was in flight on the dead replica, typed, none hanging.
    const lost = mine('plain').filter((o) => !o.ok);
    expect(lost.length).toBeLessThanOrEqual(WORKERS);
    for (const o of lost) expect(['TIMEOUT', 'UNAVAILABLE']).toContain(o.code);
    for (const o of lost) expect(o.startedAt).toBeLessThan(goneAt);
    expect(outcomes.filter((o) => o.durationMs > o.deadlineMs + 2_000)).toEqual([]);
    // The kill did hit requests in flight (else this proves nothing): some were lost or retried.
    expect(lost.length + retries.length).toBeGreaterThan(0);
    for (const r of retries) expect(r).toMatchObject({ subject: 'api.pong', error: expect.objectContaining({ code: expect.stringMatching(/^(TIMEOUT|UNAVAILABLE)$/) }) });
    // After the replica left, the survivors answered everything.
    const after = outcomes.filter((o) => o.startedAt > goneAt);
    expect(after.length).toBeGreaterThan(100);
    expect(after.every((o) => o.ok && o.instance !== victim.instance)).toBe(true);

    report('replica-killed-retries', {
      replicas: 3,
      workers_per_client: WORKERS,
      deadline_ms: DEADLINE_MS,
      replica_left_nats_ms_after_kill: round(goneAt - killedAt),
      plain: { ...tally(mine('plain')), lost: lost.length },
      retrying: { ...tally(mine('retrying')), retries: retries.length },
    });
  }, 90_000);
});

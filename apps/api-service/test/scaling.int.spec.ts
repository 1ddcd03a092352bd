import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, ManagedProcess, NatsHarness, readAuditStream, ServicesHarness, waitFor } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

interface Outcome {
  startedAt: number;
  ok: boolean;
  instance?: string;
  code?: string;
}

const TOTAL = 3_000;
const IN_FLIGHT = 50;
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * Horizontal scaling: api-service replicas in one NATS queue group share the load, a killed
 * replica costs at most the requests it held (typed errors, no hang), a replica stopped with
 * SIGTERM costs nothing, and `npm run scale:api` adds replicas.
 */
describe('api-service replicas (queue group)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let nc: NatsConnection;
  let bus: BusClient;
  let token: string;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    idp = await DevIdpHarness.start();
    services = await ServicesHarness.start({ nats, idp, apiReplicas: 3 });
    nc = await nats.connectAs('host-relay');
    bus = new BusClient(nc);
    token = (await idp.tokenFor('alice')).access_token;
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
  });

  /** `total` api.pong requests, `IN_FLIGHT` at a time; `at(n)` runs once n have completed. */
  async function load(total: number, at?: { completed: number; run: () => void }): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array(total);
    let next = 0;
    let completed = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const startedAt = performance.now();
        try {
          const reply = await bus.request(SUBJECTS.api.pong, {}, { token, timeout: REQUEST_TIMEOUT_MS });
          outcomes[i] = { startedAt, ok: true, instance: reply.instance };
        } catch (err) {
          outcomes[i] = { startedAt, ok: false, code: err instanceof BusError ? err.code : String(err) };
        }
        if (++completed === at?.completed) at.run();
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    return outcomes;
  }

  function shares(outcomes: Outcome[]): Map<string, number> {
    const byInstance = new Map<string, number>();
    for (const o of outcomes) if (o.ok) byInstance.set(o.instance!, (byInstance.get(o.instance!) ?? 0) + 1);
    return byInstance;
  }

  it('answers 3,000 requests with none lost, every replica taking a share', async () => {
    const outcomes = await load(TOTAL);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    const byInstance = shares(outcomes);
    expect([...byInstance.keys()].sort()).toEqual(services.api.map((r) => r.instance).sort());
    for (const count of byInstance.values()) expect(count).toBeGreaterThan(TOTAL * 0.1);

    // The audit trail accounts for every call, per replica (api.allowed events, coalesced with counts).
    const reader = await nats.connectAs('audit-reader');
    try {
      const audited = (await waitFor(
        async () => {
          const perInstance = new Map<string, number>();
          for (const m of await readAuditStream(reader)) {
            if (m.event.kind === 'api.allowed') perInstance.set(m.event.instance, (perInstance.get(m.event.instance) ?? 0) + (m.event.count ?? 1));
          }
          return [...perInstance.values()].reduce((a, b) => a + b, 0) >= TOTAL ? perInstance : undefined;
        },
        { timeout: 15_000, what: 'api.allowed events for all 3,000 calls' },
      ))!;
      expect(Object.fromEntries(audited)).toEqual(Object.fromEntries(byInstance));
    } finally {
      await reader.close();
    }
  }, 60_000);

  it('loses only in-flight requests when a replica is killed, with typed errors and no hang', async () => {
    const victim = services.api[1];
    let killedAt = Infinity;
    let goneAt = Infinity;
    let killing: Promise<void> = Promise.resolve();
    const started = performance.now();
    const outcomes = await load(TOTAL, {
      completed: 1_000,
      run: () => {
        killing = (async () => {
          killedAt = performance.now();
          await victim.kill();
          await waitFor(async () => !(await services.isConnected(victim)), { interval: 10, what: 'the killed replica to leave NATS' });
          goneAt = performance.now();
        })();
      },
    });
    await killing;
    const elapsed = performance.now() - started;

    expect(victim.running).toBe(false);
    expect(goneAt).toBeLessThan(Infinity);
    const failed = outcomes.filter((o) => !o.ok);
    if (process.env.TEST_VERBOSE) console.log(`killed mid-run: ${failed.length} in-flight request(s) failed`, failed.map((f) => f.code));
    // Only what the dead replica held can be lost: at most what was in flight, each with a typed error.
    expect(failed.length).toBeLessThanOrEqual(IN_FLIGHT);
    for (const f of failed) expect(['TIMEOUT', 'UNAVAILABLE']).toContain(f.code);
    for (const f of failed) expect(f.startedAt).toBeLessThan(goneAt);
    // Everything sent once NATS knew the replica was gone was answered, by the survivors.
    const after = outcomes.filter((o) => o.startedAt > goneAt);
    expect(after.length).toBeGreaterThan(500);
    expect(after.every((o) => o.ok && o.instance !== victim.instance)).toBe(true);
    expect(outcomes.filter((o) => o.startedAt < killedAt).every((o) => o.ok || o.code === 'TIMEOUT')).toBe(true);
    // No hang: a lost request costs one request timeout, not more.
    expect(elapsed).toBeLessThan(30_000);
    await services.startApi();
  }, 90_000);

  it('loses nothing when a replica is stopped with SIGTERM mid-run (it drains)', async () => {
    const victim = services.api[0];
    let stopping: Promise<number | null> = Promise.resolve(null);
    const outcomes = await load(TOTAL, {
      completed: 1_000,
      run: () => {
        void services.stopApi(victim.instance);
        stopping = victim.waitForExit();
      },
    });
    expect(await stopping).toBe(0);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    expect(shares(outcomes).get(victim.instance)).toBeGreaterThan(0);
    expect(victim.logs(200)).toMatch(/"msg":"draining"/);
    expect(victim.logs(200)).toMatch(/"msg":"stopped"/);
  }, 60_000);

  it('`scale:api 2` starts two more replicas that take requests, and stops them cleanly', async () => {
    const prefix = `scaled${process.pid}`;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(services.envFor('api-service', 'unused'))) if (v !== undefined && k !== 'INSTANCE_ID') env[k] = v;
    const scale = ManagedProcess.start('scale', process.execPath, [join(__dirname, '..', 'dist', 'scale.js'), '2', `--prefix=${prefix}`], env);
    try {
      await waitFor(
        async () => {
          const res = await fetch(`${nats.monitorUrl}/connz?subs=1`);
          const names = ((await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> }).connections
            .filter((c) => (c.subscriptions_list ?? []).includes('api.pong'))
            .map((c) => c.name);
          return names.includes(`api-service:${prefix}-1`) && names.includes(`api-service:${prefix}-2`);
        },
        { timeout: 30_000, what: 'the scaled replicas' },
      );
      const outcomes = await load(600);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      const byInstance = shares(outcomes);
      expect(byInstance.get(`${prefix}-1`)).toBeGreaterThan(0);
      expect(byInstance.get(`${prefix}-2`)).toBeGreaterThan(0);

      await scale.stop('SIGTERM', 20_000);
      expect(scale.child.exitCode).toBe(0);
      const res = await fetch(`${nats.monitorUrl}/connz`);
      const names = ((await res.json()) as { connections: Array<{ name?: string }> }).connections.map((c) => c.name);
      expect(names.filter((n) => n?.startsWith(`api-service:${prefix}`))).toEqual([]);
      expect(scale.tail(50)).toMatch(/replica stopped/);
    } finally {
      await scale.stop('SIGKILL', 0);
    }
  }, 90_000);
});

import { auditStreamCount, DevIdpHarness, NatsClusterHarness, ServicesHarness, type TokenResponse } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { readWholeStream, settledCount } from './support/audit';
import { accountForVerifies, clusterLoad, waitStreamCaughtUp } from './support/cluster';
import { now, recoveryMs, report, round, sleep, tally } from './support/measure';

const ROUNDS = 3;

/**
 * Rolling failures of the 3-node cluster under continuous load: three times in a row, the node
 * auth-service is on is SIGKILLed, traffic carries on through the others, and the node is brought
 * back and catches up before the next one dies. At the end every answered auth.verify has its
 * audit event exactly once.
 */
describe('NATS cluster: nodes die one after another', () => {
  let cluster: NatsClusterHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let alice: TokenResponse;
  const connections: NatsConnection[] = [];

  beforeAll(async () => {
    cluster = await NatsClusterHarness.start();
    idp = await DevIdpHarness.start();
    services = await ServicesHarness.start({ nats: cluster, idp, apiReplicas: 2, env: { DRAIN_TIMEOUT: '2s' }, authEnv: { AUDIT_REPLICAS: '3', AUDIT_ACK_TIMEOUT: '1s' } });
    alice = await idp.tokenFor('alice');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    await services?.stop();
    await idp?.stop();
    await cluster?.dispose();
  });

  it(`survives ${ROUNDS} node deaths in a row without losing an audit event`, async () => {
    const opts = { reconnectTimeWait: 250, maxReconnectAttempts: -1 };
    const [host, relay, counter] = await Promise.all([cluster.connectAs('streamlit-host', opts), cluster.connectAs('host-relay', opts), cluster.connectAs('audit-reader', opts)]);
    connections.push(host, relay, counter);
    await waitStreamCaughtUp(cluster, 0, await auditStreamCount(counter));
    const before = await auditStreamCount(counter);
    const lastSeqBefore = (await (await counter.jetstreamManager({ checkAPI: false })).streams.info('AUDIT')).state.last_seq;

    const { loops, verified } = clusterLoad(host, relay, alice.access_token);
    const rounds: Array<Record<string, unknown>> = [];
    await sleep(3_000);
    for (let r = 0; r < ROUNDS; r++) {
      const victim = await cluster.nodeOf(services.auth!.connectionName);
      expect(victim).toBeGreaterThanOrEqual(0);
      const killedAt = now();
      await cluster.kill(victim);
      await sleep(8_000);
      const sinceKill = loops.flatMap((l) => l.outcomes).filter((o) => o.startedAt >= killedAt);
      const startedAt = now();
      await cluster.start(victim);
      await cluster.waitForJetStream();
      await waitStreamCaughtUp(cluster, victim);
      rounds.push({ victim: cluster.nodes[victim].name, first_success_ms_after_kill: recoveryMs(sinceKill, killedAt), failed: sinceKill.filter((o) => !o.ok).length, total: sinceKill.length, node_back_ms: round(now() - startedAt) });
      await sleep(2_000);
    }
    const outcomes = (await Promise.all(loops.map((l) => l.stop()))).flat();
    expect(outcomes.filter((o) => !o.ok && !['UNAVAILABLE', 'TIMEOUT'].includes(o.code ?? ''))).toEqual([]);
    expect(outcomes.filter((o) => o.durationMs > o.deadlineMs + 2_000)).toEqual([]);
    for (const r of rounds) expect(r.first_success_ms_after_kill).toEqual({ verify: expect.any(Number), pong: expect.any(Number) });

    const after = await settledCount(counter);
    await waitStreamCaughtUp(cluster, 0, after);
    const stored = await readWholeStream(counter, after);
    const audit = accountForVerifies(stored, lastSeqBefore, verified);
    expect(audit.added).toBe(after - before);
    expect(audit.lost).toEqual([]);
    expect(audit.copies).toBe(0);
    expect(audit.uniqueIds).toBe(true);
    expect(services.auth!.running && services.api.length === 2).toBe(true);
    report('cluster-rolling-kills', { rounds, total: outcomes.length, failed: outcomes.filter((o) => !o.ok).length, by_client: { verify: tally(outcomes.filter((o) => o.client === 'verify')), pong: tally(outcomes.filter((o) => o.client === 'pong')) }, audit: { before, after, answered_verifies: verified.size, ...audit, lost: audit.lost.length } });
  }, 300_000);
});

import { auditStreamCount } from '@auth-bus/testing';
import { settledCount } from './support/audit';
import { byClient, clusterLoad, clusterSuite, expectEveryVerifyStoredOnce, expectTypedFailuresOnly, waitStreamCaughtUp } from './support/cluster';
import { now, recoveryMs, report, round, sleep } from './support/measure';

const ROUNDS = 3;

/**
 * Rolling failures of the 3-node cluster under continuous load: three times in a row, the node
 * auth-service is on is SIGKILLed, traffic carries on through the others, and the node is brought
 * back and catches up before the next one dies. At the end every answered auth.verify has its
 * audit event exactly once.
 */
describe('NATS cluster: nodes die one after another', () => {
  const suite = clusterSuite();

  it(`survives ${ROUNDS} node deaths in a row without losing an audit event`, async () => {
    const { cluster, services, alice, connections } = suite;
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
    expectTypedFailuresOnly(outcomes);
    for (const r of rounds) expect(r.first_success_ms_after_kill).toEqual({ verify: expect.any(Number), pong: expect.any(Number) });

    const after = await settledCount(counter);
    await waitStreamCaughtUp(cluster, 0, after);
    const audit = await expectEveryVerifyStoredOnce(counter, { before, after, lastSeqBefore }, verified);
    expect(services.auth!.running && services.api.length === 2).toBe(true);
    report('cluster-rolling-kills', { rounds, total: outcomes.length, failed: outcomes.filter((o) => !o.ok).length, by_client: byClient(outcomes), audit: { before, after, answered_verifies: verified.size, ...audit, lost: audit.lost.length } });
  }, 300_000);
});

import { auditStreamCount, waitFor } from '@auth-bus/testing';
import { settledCount } from './support/audit';
import { byClient, clusterLoad, clusterSuite, expectEveryVerifyStoredOnce, expectTypedFailuresOnly, waitStreamCaughtUp } from './support/cluster';
import { now, recoveryMs, report, round, sleep, step, watchConnection } from './support/measure';

/**
 * A 3-node cluster as in docker-compose.yml (AUDIT stream replicated 3 times): the node that
 * auth-service and the test clients are connected to is SIGKILLed mid-load. The clients (given
 * all three URLs) fail over, and every audit event of an answered request is in the stream
 * exactly once — counted through a node that stays up, and again through the killed node
 * once it is back and has caught up.
 */
describe('NATS cluster: a node dies', () => {
  const suite = clusterSuite();

  it('fails over to the surviving nodes and loses no audit event', async () => {
    const { cluster, services, alice, connections } = suite;
    const victim = await cluster.nodeOf(services.auth!.connectionName);
    expect(victim).toBeGreaterThanOrEqual(0);
    const survivor = (victim + 1) % 3;
    // The test clients start on the victim too (all three URLs, the victim's first).
    const ordered = [cluster.urls[victim], ...cluster.urls.filter((_, i) => i !== victim)];
    const clientConn = await cluster.connectAs('streamlit-host', { servers: ordered, noRandomize: true, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
    const relayConn = await cluster.connectAs('host-relay', { servers: ordered, noRandomize: true, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
    const reader = await cluster.connectTo(survivor, 'audit-reader');
    connections.push(clientConn, relayConn, reader);
    const clientStatus = watchConnection(clientConn);
    expect(await cluster.nodeOf('test:streamlit-host')).toBe(victim);

    const jsm = await reader.jetstreamManager({ checkAPI: false });
    // The AUDIT stream auth-service made is replicated on all three nodes, with a leader.
    const info = (await waitFor(
      async () => {
        const i = await jsm.streams.info('AUDIT');
        return i.cluster?.leader && (i.cluster.replicas ?? []).filter((r) => r.current).length === 2 ? i : undefined;
      },
      { timeout: 20_000, what: 'the AUDIT stream with a leader and two current replicas' },
    ))!;
    expect(info.config.num_replicas).toBe(3);
    expect([info.cluster!.leader, ...info.cluster!.replicas!.map((r) => r.name)].sort()).toStrictEqual(cluster.nodes.map((n) => n.name).sort());
    const streamLeaderBefore = info.cluster?.leader;
    const before = await auditStreamCount(reader);
    const lastSeqBefore = info.state.last_seq;

    const { loops, verified } = clusterLoad(clientConn, relayConn, alice.access_token);

    step('load running');
    await sleep(3_000);
    const killedAt = now();
    await cluster.kill(victim);
    step('killed node');
    await sleep(10_000);
    const outcomes = (await Promise.all(loops.map((l) => l.stop()))).flat();

    step('loops stopped');
    // Typed failures only, none hanging; both kinds of traffic got through again.
    expectTypedFailuresOnly(outcomes);
    const failover = recoveryMs(outcomes, killedAt);
    expect(failover).toEqual({ verify: expect.any(Number), pong: expect.any(Number) });
    const lastSecond = outcomes.filter((o) => o.startedAt > now() - 2_000);
    expect(lastSecond.length).toBeGreaterThan(0);
    expect(lastSecond.filter((o) => !o.ok)).toEqual([]);
    // Everyone moved off the dead node; the services were not restarted.
    expect(await cluster.nodeOf(services.auth!.connectionName)).not.toBe(victim);
    expect(await cluster.nodeOf('test:streamlit-host')).not.toBe(victim);
    expect(services.auth!.running && services.api.length === 2).toBe(true);

    step('checking audit');
    // No audit event lost. Counted through a surviving node (stream info): the stream settles
    // with more events than before; then the killed node comes back and catches up, and the
    // whole stream is read to check that every answered auth.verify has its event, once.
    // (Reading with an ordered consumer while a peer is down can stall: JetStream may place the
    // ephemeral consumer on the dead peer — so the events are read once all nodes are up.)
    const after = await settledCount(reader);
    expect(after).toBeGreaterThan(before);
    const infoAfter = await jsm.streams.info('AUDIT');
    expect(infoAfter.cluster?.leader).not.toBe(cluster.nodes[victim].name);

    step('restarting node');
    const restartedAt = now();
    await cluster.start(victim);
    await waitStreamCaughtUp(cluster, victim, after);
    const caughtUpMs = round(now() - restartedAt);
    step('caught up');

    const audit = await expectEveryVerifyStoredOnce(reader, { before, after, lastSeqBefore }, verified);

    report('cluster-node-killed', {
      victim: cluster.nodes[victim].name,
      stream_leader_before: streamLeaderBefore,
      stream_leader_after: infoAfter.cluster?.leader,
      client_reconnected_ms_after_kill: clientStatus.reconnects.length ? round(clientStatus.reconnects[0] - killedAt) : null,
      first_success_ms_after_kill: failover,
      total: outcomes.length,
      failed: outcomes.filter((o) => !o.ok).length,
      by_client: byClient(outcomes),
      audit: { before, after, answered_verifies: verified.size, ...audit, lost: audit.lost.length },
      restarted_node_caught_up_ms: caughtUpMs,
    });
  }, 120_000);
});

import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsClusterHarness, ServicesHarness, waitFor, type StoredAuditMessage, type TokenResponse } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { readWholeStream } from './audit';
import { Loop } from './load';
import { tally, type Outcome } from './measure';

export const CLUSTER_DEADLINE_MS = 2_000;
/** How far past its deadline a request may end before it counts as hanging. */
const HANG_SLACK_MS = 2_000;

/** What the cluster suites run on; the parts are there once `beforeAll` has run. */
export interface ClusterSuite {
  cluster: NatsClusterHarness;
  idp: DevIdpHarness;
  services: ServicesHarness;
  alice: TokenResponse;
  /** The test's own connections: closed after the suite. */
  connections: NatsConnection[];
}

/**
 * The set-up of the cluster suites, as in docker-compose.yml: a 3-node cluster, dev-idp,
 * auth-service with the AUDIT stream replicated 3 times and two api-service replicas (short
 * drain and ack timeouts, so that a dead node costs seconds), and alice's token. Registers the
 * file's beforeAll/afterAll.
 */
export function clusterSuite(): ClusterSuite {
  const suite = { connections: [] as NatsConnection[] } as ClusterSuite;
  beforeAll(async () => {
    suite.cluster = await NatsClusterHarness.start();
    suite.idp = await DevIdpHarness.start();
    suite.services = await ServicesHarness.start({
      nats: suite.cluster,
      idp: suite.idp,
      apiReplicas: 2,
      env: { DRAIN_TIMEOUT: '2s' },
      authEnv: { AUDIT_REPLICAS: '3', AUDIT_ACK_TIMEOUT: '1s' },
    });
    suite.alice = await suite.idp.tokenFor('alice');
  }, 120_000);
  afterAll(async () => {
    await Promise.all(suite.connections.map((c) => c.close().catch(() => undefined)));
    await suite.services?.stop();
    await suite.idp?.stop();
    await suite.cluster?.dispose();
  });
  return suite;
}

/** Through node deaths, requests fail only with a typed outage error, and none hangs past its deadline. */
export function expectTypedFailuresOnly(outcomes: Outcome[]): void {
  expect(outcomes.filter((o) => !o.ok && !['UNAVAILABLE', 'TIMEOUT'].includes(o.code ?? ''))).toEqual([]);
  expect(outcomes.filter((o) => o.durationMs > o.deadlineMs + HANG_SLACK_MS)).toEqual([]);
}

/** The figures of the cluster load per client (verify, pong), for a report. */
export const byClient = (outcomes: Outcome[]) => ({ verify: tally(outcomes.filter((o) => o.client === 'verify')), pong: tally(outcomes.filter((o) => o.client === 'pong')) });

/**
 * Reads the whole AUDIT stream (`after` messages, through `reader`) and checks that it grew by
 * exactly what was added since `lastSeqBefore` (`before` messages then), with every answered
 * auth.verify's event stored once and no message id twice. Returns the account, for a report.
 */
export async function expectEveryVerifyStoredOnce(reader: NatsConnection, counts: { before: number; after: number; lastSeqBefore: number }, verified: Set<string>) {
  const audit = accountForVerifies(await readWholeStream(reader, counts.after), counts.lastSeqBefore, verified);
  expect(audit.added).toBe(counts.after - counts.before);
  expect(audit.lost).toEqual([]);
  expect(audit.copies).toBe(0);
  expect(audit.uniqueIds).toBe(true);
  return audit;
}

/**
 * The load of the cluster suites: auth.verify with a fresh session id each time (each one an
 * audit event of its own) from `host`, and api.pong from `relay`, two loops each. `verified`
 * collects the sessions whose auth.verify was answered.
 */
export function clusterLoad(host: NatsConnection, relay: NatsConnection, token: string): { loops: Loop[]; verified: Set<string> } {
  const verified = new Set<string>();
  let n = 0;
  const hostBus = new BusClient(host);
  const relayBus = new BusClient(relay);
  const verifyOnce = async () => {
    const session = `cluster-${n++}`;
    await hostBus.request(SUBJECTS.auth.verify, { caller: 'faults', session_id: session }, { token, timeout: CLUSTER_DEADLINE_MS });
    verified.add(session);
    return { ok: true };
  };
  const pongOnce = async () => {
    const reply = await relayBus.request(SUBJECTS.api.pong, {}, { token, timeout: CLUSTER_DEADLINE_MS });
    return { ok: true, instance: reply.instance };
  };
  return {
    loops: [
      new Loop('verify', CLUSTER_DEADLINE_MS, verifyOnce, 10),
      new Loop('verify', CLUSTER_DEADLINE_MS, verifyOnce, 10),
      new Loop('pong', CLUSTER_DEADLINE_MS, pongOnce, 10),
      new Loop('pong', CLUSTER_DEADLINE_MS, pongOnce, 10),
    ],
    verified,
  };
}

/** Waits until the AUDIT stream (asked through node `index`) has every peer current, without lag (and holding `count`, if given). */
export async function waitStreamCaughtUp(cluster: NatsClusterHarness, index: number, count?: number): Promise<void> {
  const nc = await cluster.connectTo(index, 'audit-reader');
  try {
    const jsm = await nc.jetstreamManager({ checkAPI: false });
    await waitFor(
      async () => {
        const i = await jsm.streams.info('AUDIT');
        const peers = [...(i.cluster?.replicas ?? [])];
        return (count === undefined || i.state.messages === count) && peers.length === cluster.nodes.length - 1 && peers.every((r) => r.current && !r.lag && !r.offline);
      },
      { timeout: 30_000, interval: 250, what: `${cluster.nodes[index].name} to be a current replica holding every event` },
    );
  } finally {
    await nc.close();
  }
}

/** Every answered auth.verify's login.verified event, counted among the messages stored after `afterSeq`. */
export function accountForVerifies(stored: StoredAuditMessage[], afterSeq: number, verified: Set<string>) {
  const added = stored.filter((m) => m.seq > afterSeq);
  const perSession = new Map<string, number>();
  for (const m of added) if (m.event.kind === 'login.verified') perSession.set(m.event.session_id, (perSession.get(m.event.session_id) ?? 0) + 1);
  return {
    added: added.length,
    stored_login_verified: perSession.size,
    lost: [...verified].filter((s) => !perSession.has(s)),
    copies: [...perSession.values()].filter((c) => c > 1).length,
    uniqueIds: new Set(stored.map((m) => m.msgId)).size === stored.length,
  };
}

import { SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { waitFor, type NatsClusterHarness, type StoredAuditMessage } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { Loop } from './load';

export const CLUSTER_DEADLINE_MS = 2_000;

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

import { BusClient } from '@auth-bus/contracts/client';
import type { NatsConnection } from 'nats';
import { busOnce, httpOnce, Loop, wsOnce } from './support/load';
import { now, recoveryMs, report, round, sleep, tally, watchConnection, type Outcome } from './support/measure';
import { alive, ORIGIN, Stack, startPythonLoad } from './support/stack';
import { WsClient } from './support/ws-client';

/** Deadline of every request in this suite (relay, TypeScript and Python clients alike). */
const DEADLINE_MS = 1_500;
/** What "never hangs" allows on top of a deadline on this shared 2-core machine. */
const HANG_SLACK_MS = 2_000;
const DOWN_MS = Number(process.env.FAULTS_NATS_DOWN_MS ?? 2_000);
const TYPED_OUTAGE_CODES = ['UNAVAILABLE', 'TIMEOUT'];

/**
 * nats-server stops and comes back while requests flow from every kind of client at once: the
 * Streamlit host's Python bus client, the TypeScript BusClient, host-relay's HTTP gateway and
 * its WebSocket (delegated web.request). Nothing is restarted but nats-server.
 */
describe('NATS restart under load', () => {
  let stack: Stack;
  let direct: NatsConnection;
  const sockets: WsClient[] = [];

  beforeAll(async () => {
    stack = await Stack.start({ relay: true, relayEnv: { RELAY_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } });
    direct = await stack.nats.connectAs('streamlit-host', { reconnectTimeWait: 250, maxReconnectAttempts: -1 });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await direct?.close();
    await stack?.stop();
  });

  it('answers every request in time (success or typed UNAVAILABLE/TIMEOUT) and recovers by itself', async () => {
    const token = stack.alice.access_token;
    const relay = stack.relay!;
    const pids = { auth: stack.services.auth!.pid, api: stack.services.api[0].pid, relay: stack.relayPid };

    for (let i = 0; i < 4; i++) {
      const socket = await WsClient.hello(relay.wsUrl, ORIGIN, `restart-ws-${i}`);
      expect(await socket.report(token)).toMatchObject({ type: 'session.ack', state: 'reported' });
      sockets.push(socket);
    }
    const bus = new BusClient(direct);
    const directStatus = watchConnection(direct);
    const guard = DEADLINE_MS + 10_000; // the loops' own hang guard, far above what is asserted
    const loops = [
      ...[0, 1, 2, 3].map((i) => new Loop('relay-http', DEADLINE_MS, httpOnce(relay.url, '/api/pong', token, guard), 50 + i)),
      ...sockets.map((s) => new Loop('relay-ws', DEADLINE_MS, wsOnce(s, '/api/pong', guard), 100)),
      ...[0, 1, 2, 3].map((i) => new Loop('ts-bus', DEADLINE_MS, busOnce(bus, token, DEADLINE_MS, `ts-${i}`), 20)),
    ];
    const python = await startPythonLoad({
      url: stack.nats.url,
      password: stack.nats.password('streamlit-host'),
      token,
      durationS: 3 + DOWN_MS / 1000 + 12,
      concurrency: 4,
      timeoutMs: DEADLINE_MS,
    });

    await sleep(3_000);
    const stoppedAt = now();
    await stack.nats.restart(DOWN_MS);
    const upAt = now();
    await sleep(8_000);
    const ts = (await Promise.all(loops.map((l) => l.stop()))).flat();
    const py = await python.done;
    const outcomes: Outcome[] = [...ts, ...py.outcomes];

    // Every request: a success or a typed outage code — nothing untyped, nothing else.
    const unexpected = outcomes.filter((o) => !o.ok && !TYPED_OUTAGE_CODES.includes(o.code ?? ''));
    expect(unexpected).toEqual([]);
    // None hangs: each one answered within its own deadline (plus scheduling slack).
    const late = outcomes.filter((o) => o.durationMs > o.deadlineMs + HANG_SLACK_MS);
    expect(late).toEqual([]);
    expect(py.summary.hung_threads).toBe(0);

    // The outage was felt by every kind of client, and every kind got through again afterwards.
    const kinds = ['relay-http', 'relay-ws', 'ts-bus', 'py-api.pong', 'py-auth.verify'];
    const recovery = recoveryMs(outcomes, upAt);
    for (const kind of kinds) {
      const mine = outcomes.filter((o) => o.client === kind);
      expect({ kind, before: mine.some((o) => o.ok && o.startedAt < stoppedAt) }).toEqual({ kind, before: true });
      expect({ kind, after: recovery[kind] }).toEqual({ kind, after: expect.any(Number) });
    }
    // After recovery, traffic succeeds without restarting anything: everything sent in the last
    // 3 s of the run was answered.
    const endedAt = Math.min(...kinds.map((k) => Math.max(...outcomes.filter((o) => o.client === k).map((o) => o.startedAt))));
    const tail = outcomes.filter((o) => o.startedAt > endedAt - 3_000 && o.startedAt > upAt);
    expect(tail.length).toBeGreaterThan(20);
    expect(tail.filter((o) => !o.ok)).toEqual([]);
    expect(stack.services.auth!.pid).toBe(pids.auth);
    expect(stack.services.api[0].pid).toBe(pids.api);
    expect(stack.relayPid).toBe(pids.relay);
    expect([pids.auth, pids.api, pids.relay].every(alive)).toBe(true);

    const byKind = Object.fromEntries(kinds.map((k) => [k, tally(outcomes.filter((o) => o.client === k))]));
    const failedDuringOutage = outcomes.filter((o) => !o.ok);
    report('nats-restart', {
      down_ms: DOWN_MS,
      restart_ms: round(upAt - stoppedAt),
      deadline_ms: DEADLINE_MS,
      total: outcomes.length,
      failed: failedDuringOutage.length,
      failed_window_ms: failedDuringOutage.length
        ? [round(Math.min(...failedDuringOutage.map((o) => o.startedAt)) - stoppedAt), round(Math.max(...failedDuringOutage.map((o) => o.startedAt + o.durationMs)) - upAt)]
        : [],
      ts_client_reconnected_ms_after_server_up: directStatus.reconnects.length ? round(directStatus.reconnects[0] - upAt) : null,
      first_success_ms_after_server_up: recovery,
      max_duration_ms: round(Math.max(...outcomes.map((o) => o.durationMs))),
      by_client: byKind,
    });
  }, 90_000);
});

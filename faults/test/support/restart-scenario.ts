import { BusClient } from '@auth-bus/service-kit/client';
import { processAlive } from '@auth-bus/testing';
import { expect } from '@jest/globals';
import type { NatsConnection } from 'nats';
import { busOnce, httpOnce, Loop, wsOnce } from './load';
import { now, recoveryMs, report, round, sleep, tally, watchConnection, type Outcome } from './measure';
import { ORIGIN, type Stack, startPythonLoad } from './stack';
import { WsClient } from './ws-client';

/** Deadline of every request (relay, TypeScript and Python clients alike). */
export const DEADLINE_MS = 1_500;
/** What "never hangs" allows on top of a deadline on a shared 2-core machine. */
const HANG_SLACK_MS = 2_000;
const TYPED_OUTAGE_CODES = ['UNAVAILABLE', 'TIMEOUT'];
const KINDS = ['relay-http', 'relay-ws', 'ts-bus', 'py-api.pong', 'py-auth.verify'];

/** The stack these scenarios need: the relay with the suite's request deadline. */
export const RESTART_STACK = { relay: true, relayEnv: { RELAY_REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } };

/**
 * nats-server is stopped for `downMs` and started again while requests flow from every kind of
 * client at once — the Streamlit host's Python bus client, the TypeScript BusClient, host-relay's
 * HTTP gateway and its WebSocket (delegated web.request) — `beforeMs` before and `afterMs` after.
 * Nothing but nats-server is restarted. Asserts that every request got a success or a typed
 * UNAVAILABLE/TIMEOUT within its deadline, that every kind of client got through again, that the
 * last 3 s were all successes, and that no process was replaced. Reports the figures as `name`.
 */
export async function natsRestartUnderLoad(stack: Stack, opts: { name: string; downMs: number; beforeMs?: number; afterMs?: number }): Promise<void> {
  const beforeMs = opts.beforeMs ?? 3_000;
  const afterMs = opts.afterMs ?? 8_000;
  const token = stack.alice.access_token;
  const relay = stack.relay!;
  const pids = { auth: stack.services.auth!.pid, api: stack.services.api[0].pid, relay: stack.relayPid };
  const direct: NatsConnection = await stack.nats.connectAs('streamlit-host', { reconnectTimeWait: 250, maxReconnectAttempts: -1 });
  const sockets: WsClient[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const socket = await WsClient.hello(relay.wsUrl, ORIGIN, `${opts.name}-ws-${i}`);
      expect(await socket.report(token)).toMatchObject({ type: 'session.ack', state: 'reported' });
      sockets.push(socket);
    }
    const bus = new BusClient(direct);
    const directStatus = watchConnection(direct);
    const guard = DEADLINE_MS + 10_000; // the loops' own hang guard, far above what is asserted
    const loops = [
      ...[0, 1, 2, 3].map((i) => new Loop('relay-http', DEADLINE_MS, httpOnce(relay.url, '/api/pong', token, guard), 50 + i)),
      ...sockets.map((s) => new Loop('relay-ws', DEADLINE_MS, wsOnce(s, '/api/pong', guard), 100)),
      ...[0, 1, 2, 3].map((i) => new Loop('ts-bus', DEADLINE_MS, busOnce(bus, token, DEADLINE_MS, `${opts.name}-ts-${i}`), 20)),
    ];
    const python = await startPythonLoad({
      url: stack.nats.url,
      password: stack.nats.password('streamlit-host'),
      token,
      durationS: (beforeMs + opts.downMs + afterMs) / 1000 + 1,
      concurrency: 4,
      timeoutMs: DEADLINE_MS,
    });

    await sleep(beforeMs);
    const stoppedAt = now();
    await stack.nats.restart(opts.downMs);
    const upAt = now();
    await sleep(afterMs);
    const ts = (await Promise.all(loops.map((l) => l.stop()))).flat();
    const py = await python.done;
    const outcomes: Outcome[] = [...ts, ...py.outcomes];

    // Every request: a success or a typed outage code — nothing untyped, nothing else.
    expect(outcomes.filter((o) => !o.ok && !TYPED_OUTAGE_CODES.includes(o.code ?? ''))).toEqual([]);
    // None hangs: each one answered within its own deadline (plus scheduling slack).
    expect(outcomes.filter((o) => o.durationMs > o.deadlineMs + HANG_SLACK_MS)).toEqual([]);
    expect(py.summary.hung_threads).toBe(0);

    // Every kind of client worked before, and got through again after the restart.
    const recovery = recoveryMs(outcomes, upAt);
    for (const kind of KINDS) {
      const mine = outcomes.filter((o) => o.client === kind);
      expect({ kind, before: mine.some((o) => o.ok && o.startedAt < stoppedAt) }).toEqual({ kind, before: true });
      expect({ kind, after: recovery[kind] }).toEqual({ kind, after: expect.any(Number) });
    }
    // After recovery traffic succeeds without restarting anything: all of the last 3 s answered.
    const endedAt = Math.min(...KINDS.map((k) => Math.max(...outcomes.filter((o) => o.client === k).map((o) => o.startedAt))));
    const tail = outcomes.filter((o) => o.startedAt > endedAt - 3_000 && o.startedAt > upAt);
    expect(tail.length).toBeGreaterThan(20);
    expect(tail.filter((o) => !o.ok)).toEqual([]);
    expect([stack.services.auth!.pid, stack.services.api[0].pid, stack.relayPid]).toEqual([pids.auth, pids.api, pids.relay]);
    expect([pids.auth, pids.api, pids.relay].every(processAlive)).toBe(true);

    const failed = outcomes.filter((o) => !o.ok);
    report(opts.name, {
      down_ms: opts.downMs,
      restart_ms: round(upAt - stoppedAt),
      deadline_ms: DEADLINE_MS,
      total: outcomes.length,
      failed: failed.length,
      failed_window_ms: failed.length ? [round(Math.min(...failed.map((o) => o.startedAt)) - stoppedAt), round(Math.max(...failed.map((o) => o.startedAt + o.durationMs)) - upAt)] : [],
      ts_client_reconnected_ms_after_server_up: directStatus.reconnects.length ? round(directStatus.reconnects[0] - upAt) : null,
      first_success_ms_after_server_up: recovery,
      max_duration_ms: round(Math.max(...outcomes.map((o) => o.durationMs))),
      by_client: Object.fromEntries(KINDS.map((k) => [k, tally(outcomes.filter((o) => o.client === k))])),
    });
  } finally {
    for (const s of sockets) s.close();
    await direct.close().catch(() => undefined);
  }
}

import { MiB } from './support/measure';
import { Stack } from './support/stack';
import { runWsLoad } from './support/ws-load';

/**
 * The load run: 200 concurrent WebSocket clients on host-relay, each making delegated
 * requests for 60 s (within the relay's default per-connection limits: one at a time, at most
 * 10 per second each — half the relay's 20 frames/s; the per-address cap is raised, as all clients come from 127.0.0.1). p99 latency, errors and the relay's RSS before/after are reported
 * (faults/reports/load-ws-200-60s.json); RSS after the run must be within 64 MiB of before.
 */
describe('load: 200 WebSocket clients on host-relay (60 s)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ relay: true, apiReplicas: 2, relayEnv: { RELAY_REQUEST_TIMEOUT_MS: '5000', RELAY_WS_MAX_CONNECTIONS_PER_IP: '1000', RELAY_SESSION_REPORT_BURST: '10000' } });
  }, 120_000);

  afterAll(async () => stack?.stop());

  it('answers every delegated request for a minute, with no error, and gives its memory back', async () => {
    await runWsLoad(stack, { name: 'load-ws-200-60s', clients: 200, warmupMs: 10_000, durationMs: 60_000, periodMs: 100, rssBoundBytes: 64 * MiB });
  }, 300_000);
});

import { MiB } from './support/measure';
import { Stack } from './support/stack';
import { runWsLoad } from './support/ws-load';

/**
 * 200 concurrent WebSocket clients on host-relay making delegated requests — the short (10 s)
 * run of the normal suite. The 60 s run is load.long.spec.ts (`npm run test:faults`).
 * The clients stay within the relay's default per-connection limits (20 frames/s, 8 in flight):
 * one request at a time, at most 5 per second each. They all come from 127.0.0.1, so the
 * per-address cap (RELAY_WS_MAX_CONNECTIONS_PER_IP, 100) is raised: 200 real users have 200 addresses.
 */
describe('load: 200 WebSocket clients on host-relay (10 s)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start({ relay: true, apiReplicas: 2, relayEnv: { RELAY_REQUEST_TIMEOUT_MS: '5000', RELAY_WS_MAX_CONNECTIONS_PER_IP: '1000', RELAY_SESSION_REPORT_BURST: '10000' } });
  }, 120_000);

  afterAll(async () => stack?.stop());

  it('answers every delegated request, with no error, and gives its memory back', async () => {
    await runWsLoad(stack, { name: 'load-ws-200-10s', clients: 200, warmupMs: 3_000, durationMs: 10_000, periodMs: 200, rssBoundBytes: 64 * MiB });
  }, 120_000);
});

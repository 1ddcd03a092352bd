import { natsRestartUnderLoad, RESTART_STACK } from './support/restart-scenario';
import { Stack } from './support/stack';

/**
 * The NATS restart under load, again and again on one system, with outages from a blink to
 * 15 s — each time every client (Python host, TypeScript client, relay HTTP and WebSocket) gets a
 * typed answer within its deadline and reconnects by itself, with nothing else restarted.
 */
describe('NATS restarts under load (repeated, longer outages)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start(RESTART_STACK);
  }, 120_000);

  afterAll(async () => stack?.stop());

  it.each([[0], [500], [5_000], [15_000], [2_000]])('restart with nats-server down for %i ms', async (downMs) => {
    await natsRestartUnderLoad(stack, { name: `nats-restart-down-${downMs}ms`, downMs, beforeMs: 3_000, afterMs: 8_000 });
  }, 120_000);
});

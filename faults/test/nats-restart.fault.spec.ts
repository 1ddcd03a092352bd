import { natsRestartUnderLoad, RESTART_STACK } from './support/restart-scenario';
import { Stack } from './support/stack';

/**
 * nats-server stops for 2 s and comes back while requests flow from every kind of client at once:
 * the Streamlit host's Python bus client, the TypeScript BusClient, host-relay's HTTP gateway and
 * its WebSocket. Every request succeeds or gets a typed UNAVAILABLE/TIMEOUT within its deadline;
 * everything reconnects by itself. (nats-restart.long.spec.ts repeats it with longer outages.)
 */
describe('NATS restart under load', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await Stack.start(RESTART_STACK);
  }, 120_000);

  afterAll(async () => stack?.stop());

  it('answers every request in time (success or typed UNAVAILABLE/TIMEOUT) and recovers by itself', async () => {
    await natsRestartUnderLoad(stack, { name: 'nats-restart', downMs: 2_000 });
  }, 90_000);
});

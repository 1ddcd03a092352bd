import { NatsHarness } from '@auth-bus/testing';
import type { Msg, NatsConnection } from 'nats';

/** What the file's tests get: the NATS server, and a client connection as the Streamlit host. */
export interface StandInBus {
  nats: NatsHarness;
  requester: NatsConnection;
}

/**
 * A real nats-server with a hand-made responder standing in for a service: connected as
 * `api-service`, it answers each subject of `answers` with its handler. `requester` is the
 * client side, as `streamlit-host`. Started before the file's tests, stopped after them; the
 * fields are there once `beforeAll` has run.
 */
export function standInService(answers: Record<string, (msg: Msg) => void>): StandInBus {
  const bus = {} as StandInBus;
  let responder: NatsConnection | undefined;
  beforeAll(async () => {
    bus.nats = await NatsHarness.start();
    bus.requester = await bus.nats.connectAs('streamlit-host');
    responder = await bus.nats.connectAs('api-service');
    for (const [subject, answer] of Object.entries(answers)) responder.subscribe(subject, { callback: (_err, msg) => answer(msg) });
    await responder.flush();
  });
  afterAll(async () => {
    await bus.requester?.close();
    await responder?.close();
    await bus.nats?.dispose();
  });
  return bus;
}

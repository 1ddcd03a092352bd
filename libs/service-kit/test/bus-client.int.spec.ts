import { BusError, decodeBody, encodeBody, errorReply, SUBJECTS } from '@auth-bus/contracts';
import { NatsHarness } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';
import { BusClient } from '../src/client';

/** The typed client against a real nats-server, with a hand-made responder standing in for a service. */
describe('BusClient (real nats-server)', () => {
  let nats: NatsHarness;
  let requester: NatsConnection;
  let responder: NatsConnection;
  let client: BusClient;
  const seenHeaders: (string | undefined)[] = [];

  beforeAll(async () => {
    nats = await NatsHarness.start();
    requester = await nats.connectAs('streamlit-host');
    responder = await nats.connectAs('api-service');
    responder.subscribe(SUBJECTS.api.ping, {
      callback: (_err, msg) => {
        seenHeaders.push(msg.headers?.get('Authorization'));
        msg.respond(encodeBody({ data: 'Hello from a PUBLIC endpoint!', instance: 'test-1', at: new Date().toISOString() }));
      },
    });
    responder.subscribe(SUBJECTS.api.pong, {
      callback: (_err, msg) => msg.respond(encodeBody(errorReply(BusError.unauthenticated('expired')))),
    });
    // Answers with a body that breaks the reply schema: the client must not pass it on.
    responder.subscribe(SUBJECTS.api.pongScoped, {
      callback: (_err, msg) => msg.respond(encodeBody({ data: 42 })),
    });
    await responder.flush();
    client = new BusClient(requester);
  });

  afterAll(async () => {
    await requester?.close();
    await responder?.close();
    await nats?.dispose();
  });

  it('sends the token in the Authorization header and returns the typed reply', async () => {
    const reply = await client.request(SUBJECTS.api.ping, {}, { token: 'abc.def.ghi' });
    expect(reply).toMatchObject({ instance: 'test-1' });
    expect(seenHeaders.at(-1)).toBe('Bearer abc.def.ghi');
  });

  it('raises the typed error a service replied with', async () => {
    await expect(client.request(SUBJECTS.api.pong, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
  });

  it('refuses a reply that breaks the contract', async () => {
    await expect(client.request(SUBJECTS.api.pongScoped, {})).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('refuses an invalid request before sending it', async () => {
    await expect(client.request(SUBJECTS.api.ping, { surprise: true } as never)).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('answers UNAVAILABLE when no service listens', async () => {
    await expect(client.request(SUBJECTS.auth.verify, {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('answers TIMEOUT within the deadline when a service does not reply', async () => {
    const silent = await nats.connectAs('auth-service');
    silent.subscribe(SUBJECTS.audit.query, { callback: () => undefined });
    await silent.flush();
    const started = Date.now();
    await expect(client.request(SUBJECTS.audit.query, {}, { timeout: 300 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
    await silent.close();
  });

  it('decodes replies in the wire format', async () => {
    const { body } = await client.requestRaw(SUBJECTS.api.ping, {});
    expect(decodeBody(encodeBody(body))).toMatchObject({ data: 'Hello from a PUBLIC endpoint!' });
  });
});

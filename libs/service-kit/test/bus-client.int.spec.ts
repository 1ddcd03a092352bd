import { BusError, decodeBody, encodeBody, errorReply, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '../src/client';
import { standInService } from './support/stand-in-service';

/** The typed client against a real nats-server, with a hand-made responder standing in for a service. */
describe('BusClient (real nats-server)', () => {
  const seenHeaders: (string | undefined)[] = [];
  const bus = standInService({
    [SUBJECTS.api.ping]: (msg) => {
      seenHeaders.push(msg.headers?.get('Authorization'));
      msg.respond(encodeBody({ data: 'Hello from a PUBLIC endpoint!', instance: 'test-1', at: new Date().toISOString() }));
    },
    [SUBJECTS.api.pong]: (msg) => msg.respond(encodeBody(errorReply(BusError.unauthenticated('expired')))),
    // Answers with a body that breaks the reply schema: the client must not pass it on.
    [SUBJECTS.api.pongScoped]: (msg) => msg.respond(encodeBody({ data: 42 })),
  });
  let client: BusClient;
  beforeAll(() => {
    client = new BusClient(bus.requester);
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
    const silent = await bus.nats.connectAs('auth-service');
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

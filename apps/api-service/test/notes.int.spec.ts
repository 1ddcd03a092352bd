import { BusError, NOTES_BUCKET, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, RelayHarness, ServicesHarness } from '@auth-bus/testing';
import type { NatsConnection } from 'nats';

jest.setTimeout(180_000);

/**
 * Notes (issue 20 item 3) on real NATS with the project's permissions, real api-service
 * processes, real dev-idp tokens: every replica sees every note (they live in the `notes` KV
 * bucket), a restart loses none, a bad body stores nothing, and POST /api/notes works through
 * host-relay's HTTP gateway.
 */
describe('api-service notes (real NATS KV, two replicas, restart, through the relay)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let relay: RelayHarness;
  let host: NatsConnection;
  let store: NatsConnection;
  let bus: BusClient;
  let alice: string;
  let bob: string;

  /** Messages in the bucket's stream: what was stored, however it was read. */
  const stored = async () => (await (await store.jetstreamManager({ checkAPI: false })).streams.info(`KV_${NOTES_BUCKET}`)).state.messages;

  async function failure(promise: Promise<unknown>): Promise<BusError> {
    try {
      await promise;
    } catch (err) {
      expect(err).toBeInstanceOf(BusError);
      return err as BusError;
    }
    throw new Error('accepted');
  }

  beforeAll(async () => {
    nats = await NatsHarness.start();
    idp = await DevIdpHarness.start();
    services = await ServicesHarness.start({ nats, idp, apiReplicas: 2 });
    host = await nats.connectAs('streamlit-host');
    // api-service's own credentials: the ones that may inspect the notes bucket's stream.
    store = await nats.connectAs('api-service');
    bus = new BusClient(host);
    [alice, bob] = (await Promise.all([idp.tokenFor('alice'), idp.tokenFor('bob')])).map((t) => t.access_token);
  });

  afterAll(async () => {
    await host?.close();
    await store?.close();
    await relay?.stop();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
  });

  const texts: string[] = [];

  it('stores notes through both replicas and lists only the caller\'s own', async () => {
    for (let i = 0; i < 8; i++) {
      const text = `note ${i} from alice`;
      const note = await bus.request(SUBJECTS.api.notesCreate, { text }, { token: alice });
      expect(note).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), text, sub: 'auth0|alice', at: expect.any(String) });
      texts.push(text);
    }
    await bus.request(SUBJECTS.api.notesCreate, { text: 'bob was here' }, { token: bob });
    // Both replicas answer the queue group; each must list every note of the caller, whichever stored it.
    for (let i = 0; i < 6; i++) {
      const { notes } = await bus.request(SUBJECTS.api.notesList, {}, { token: alice });
      expect(notes.map((n) => n.text)).toEqual(texts);
    }
    const { notes } = await bus.request(SUBJECTS.api.notesList, {}, { token: bob });
    expect(notes).toEqual([expect.objectContaining({ text: 'bob was here', sub: 'auth0|bob' })]);
  });

  it('refuses a body that breaks the schema with INVALID_MESSAGE and stores nothing', async () => {
    const before = await stored();
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 42 }, { text: 'x'.repeat(2001) }, { text: 'forged', sub: 'auth0|bob' }]) {
      const err = await failure(bus.request(SUBJECTS.api.notesCreate, body as never, { token: alice }));
      expect(err.code).toBe('INVALID_MESSAGE');
    }
    expect((await failure(bus.request(SUBJECTS.api.notesCreate, { text: 'no token' }))).code).toBe('UNAUTHENTICATED');
    expect(await stored()).toBe(before);
    const { notes } = await bus.request(SUBJECTS.api.notesList, {}, { token: alice });
    expect(notes.map((n) => n.text)).toEqual(texts);
  });

  it('keeps every note when the replica that stored them stops, and across a restart of all replicas', async () => {
    const [first, second] = services.api;
    await services.stopApi(first.instance);
    expect((await bus.request(SUBJECTS.api.notesList, {}, { token: alice })).notes.map((n) => n.text)).toEqual(texts);
    await services.stopApi(second.instance);
    await services.startApi();
    expect((await bus.request(SUBJECTS.api.notesList, {}, { token: alice })).notes.map((n) => n.text)).toEqual(texts);
  });

  it('POST /api/notes and GET /api/notes through host-relay\'s HTTP gateway', async () => {
    relay = await RelayHarness.start({ nats, allowedOrigins: ['http://localhost:3001'], env: { RELAY_READY_CACHE_MS: '0' }, waitForReady: true });
    const post = await fetch(`${relay.url}/api/notes`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bob}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'through the relay' }),
    });
    expect(post.status).toBe(200);
    expect(await post.json()).toMatchObject({ text: 'through the relay', sub: 'auth0|bob' });
    const bad = await fetch(`${relay.url}/api/notes`, { method: 'POST', headers: { Authorization: `Bearer ${bob}`, 'Content-Type': 'application/json' }, body: '{"text": ""}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_MESSAGE' } });
    const list = await fetch(`${relay.url}/api/notes`, { headers: { Authorization: `Bearer ${bob}` } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { notes: { text: string }[] }).notes.map((n) => n.text)).toEqual(['bob was here', 'through the relay']);
    expect((await fetch(`${relay.url}/api/notes`, { method: 'POST', body: '{"text":"anonymous"}', headers: { 'Content-Type': 'application/json' } })).status).toBe(401);
    expect((await fetch(`${relay.url}/api/notes`, { method: 'PUT', body: '{}', headers: { Authorization: `Bearer ${bob}` } })).status).toBe(404);
  });
});

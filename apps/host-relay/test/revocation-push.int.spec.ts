import { REVOCATIONS_BUCKET, type RevocationRecord } from '@auth-bus/contracts';
import { NatsHarness, RelayHarness, waitFor } from '@auth-bus/testing';
import { tokenHash, userRevocationKey, tokenRevocationKey } from '@auth-bus/token-verifier';
import type { KV, NatsConnection } from 'nats';
import { TestSocket } from './ws-client';

/**
 * Live sessions (issue 21 item 3) on real parts: nats-server with infra/nats/nats.conf, the built
 * relay as NATS user `host-relay`. The bucket is created as auth-service's `audit-writer` and
 * revocations are written as the revoke command's user `revoker`, exactly as in a deployment;
 * the relay's watch must push each to the sockets it covers, and only to them.
 */
jest.setTimeout(60_000);

const ORIGIN = 'http://localhost:3001';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Shaped like an access token (the relay reads `sub` and `iat` of a reported token; auth-service verifies it). */
const token = (sub: string, iat: number) => `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ sub, iat })}.c2lnbmF0dXJl`;
const now = () => Math.floor(Date.now() / 1000);

describe('host-relay pushes revocations to the sockets they cover (real NATS)', () => {
  let nats: NatsHarness;
  let relay: RelayHarness;
  let writer: NatsConnection;
  let revoker: NatsConnection;
  let kv: KV;
  const sockets: TestSocket[] = [];

  /** A socket that said hello and reported `reported` as its session. */
  const reporting = async (reported: string) => {
    const s = await TestSocket.hello(relay.wsUrl, ORIGIN);
    sockets.push(s);
    s.send({ type: 'session.reported', token: reported });
    await s.next((f) => f.type === 'session.ack');
    return s;
  };
  const put = (key: string, record: RevocationRecord) => kv.put(key, JSON.stringify(record));

  beforeAll(async () => {
    nats = await NatsHarness.start();
    writer = await nats.connectAs('audit-writer');
    // What auth-service does at start (openRevocationBucket): the bucket exists before anyone revokes.
    await writer.jetstream().views.kv(REVOCATIONS_BUCKET, { history: 1, ttl: 3_600_000 });
    revoker = await nats.connectAs('revoker');
    kv = await revoker.jetstream().views.kv(REVOCATIONS_BUCKET, { bindOnly: true });
    // Not waitForReady: readiness probes the services, which this test does not run; the watch is what counts.
    relay = await RelayHarness.start({ nats, allowedOrigins: [ORIGIN] });
    await waitFor(() => relay.logLines.some((l) => l.includes('revocation list loaded')), { timeout: 20_000 });
  }, 120_000);

  afterEach(() => {
    sockets.splice(0).forEach((s) => s.close());
  });

  afterAll(async () => {
    await relay?.stop();
    await Promise.all([writer?.close(), revoker?.close()]);
    await nats?.dispose();
  });

  it("a user revocation reaches every socket of that user and no other user's", async () => {
    const issued = now() - 60;
    const aliceA = await reporting(token('auth0|alice', issued));
    const aliceB = await reporting(token('auth0|alice', issued));
    const bob = await reporting(token('auth0|bob', issued));

    await put(userRevocationKey('auth0|alice'), { kind: 'user', sub: 'auth0|alice', revoked_at: now(), by: 'revoke-cli' });

    const [a, b] = await Promise.all([aliceA.next((f) => f.type === 'session.revoked'), aliceB.next((f) => f.type === 'session.revoked')]);
    expect(a.revoked_at).toBeGreaterThanOrEqual(issued);
    expect(b).toEqual(a);
    // bob's socket hears nothing: a frame it would have had arrives well within this round trip.
    const ping = await bob.request('/api/ping');
    expect(ping.type).toBeDefined();
    expect(bob.frames.some((f) => f.type === 'session.revoked')).toBe(false);
  });

  it('a one-token revocation reaches only the socket of that token', async () => {
    const first = token('auth0|carol', now() - 30);
    const second = token('auth0|carol', now() - 20);
    const one = await reporting(first);
    const other = await reporting(second);

    await put(tokenRevocationKey(tokenHash(first)), { kind: 'token', token_hash: tokenHash(first), revoked_at: now(), by: 'auth0|admin' });

    await one.next((f) => f.type === 'session.revoked');
    await other.request('/api/ping');
    expect(other.frames.some((f) => f.type === 'session.revoked')).toBe(false);
  });

  it('a frame that reports an already revoked token is told at once', async () => {
    await put(userRevocationKey('auth0|dave'), { kind: 'user', sub: 'auth0|dave', revoked_at: now(), by: 'revoke-cli' });
    const late = await TestSocket.hello(relay.wsUrl, ORIGIN);
    sockets.push(late);
    // The watch may need a moment to see the entry; a report after it is answered with the push.
    let told = false;
    for (let i = 0; i < 20 && !told; i++) {
      late.send({ type: 'session.reported', token: token('auth0|dave', now() - 100) });
      await late.next((f) => f.type === 'session.ack');
      told = await late.next((f) => f.type === 'session.revoked', 200).then(() => true, () => false);
    }
    expect(told).toBe(true);
  });

  it('the relay user may read the bucket but not write a revocation', async () => {
    const relayUser = await nats.connectAs('host-relay');
    try {
      const relayKv = await relayUser.jetstream().views.kv(REVOCATIONS_BUCKET, { bindOnly: true });
      await expect(relayKv.put(userRevocationKey('auth0|eve'), '{}')).rejects.toThrow();
    } finally {
      await relayUser.close();
    }
  });
});

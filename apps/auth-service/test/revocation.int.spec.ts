import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { DevIdpHarness, NatsHarness, readAuditStream, ServicesHarness, waitFor, type TokenResponse } from '@auth-bus/testing';
import { tokenHash } from '@auth-bus/token-verifier';
import { connect, type NatsConnection } from 'nats';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ServicesOnBus } from './support/services-on-bus';

const REVOKE_CLI = join(__dirname, '..', 'dist', 'revoke-cli', 'main.js');
// dev-idp issues only the permissions its API defines: this API also defines admin:sessions.
const IDP_ENV = { DEV_IDP_API_PERMISSIONS: 'read:messages read:audit admin:sessions' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error a request failed with (or undefined if it succeeded). */
async function failure(p: Promise<unknown>): Promise<BusError | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (err instanceof BusError) return err;
    throw err;
  }
}

/**
 * Issue 21 items 1–2 on real parts: nats-server with infra/nats/nats.conf (file storage), the
 * real dev-idp, auth-service and three api-service replicas as built processes, the revoke
 * command as its own NATS user.
 */
describe('revocation (real NATS, real dev-idp, built services)', () => {
  const stack = ServicesOnBus.forSuite({ idp: { env: IDP_ENV }, services: { apiReplicas: 3 }, clients: ['streamlit-host', 'audit-reader'], startTimeoutMs: 180_000 });

  const pong = (token: string) => stack.hostBus.request(SUBJECTS.api.pong, {}, { token, timeout: 10_000 });
  const verify = (token: string) => stack.hostBus.request(SUBJECTS.auth.verify, { caller: 'revocation-test', purpose: 'api' }, { token, timeout: 10_000 });
  const revoke = (token: string, body: { sub?: string; token_hash?: string; reason?: string } = {}) =>
    stack.hostBus.request(SUBJECTS.auth.revoke, body, { token, timeout: 10_000 });

  function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [REVOKE_CLI, ...args], { env: { ...process.env, NATS_URL: stack.nats.url }, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  /** Calls until every api-service replica has answered (and so cached the verification). */
  async function warmEveryReplica(token: string): Promise<void> {
    const seen = new Set<string>();
    const want = stack.services.api.map((r) => r.instance);
    for (let i = 0; i < 200 && want.some((w) => !seen.has(w)); i++) seen.add((await pong(token)).instance);
    expect([...seen].sort()).toEqual([...want].sort());
  }

  /** 30 calls spread over the replicas by the queue group: every one refused as revoked. */
  async function refusedEverywhere(token: string): Promise<void> {
    const errors = await Promise.all(Array.from({ length: 30 }, () => failure(pong(token))));
    for (const e of errors) expect(e).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
    expect(await failure(verify(token))).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked' });
  }

  async function eventuallyRefused(token: string): Promise<void> {
    await waitFor(async () => (await failure(pong(token)))?.reason === 'revoked', { timeout: 10_000, interval: 20, what: 'the token refused as revoked' });
    await refusedEverywhere(token);
  }

  let aliceRevokedToken: TokenResponse;
  let aliceOther: TokenResponse;
  let bobAfter: TokenResponse;

  it('revokes one token with the revoke command: refused by every replica and by auth.verify; the same user\'s other token works', async () => {
    [aliceRevokedToken, aliceOther] = await Promise.all([stack.idp.tokenFor('alice'), stack.idp.tokenFor('alice')]);
    await warmEveryReplica(aliceRevokedToken.access_token);
    expect(await verify(aliceRevokedToken.access_token)).toMatchObject({ sub: 'auth0|alice' });

    const cli = runCli(['--token', aliceRevokedToken.access_token, '--reason', 'laptop stolen']);
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    expect(cli.stdout).toContain(tokenHash(aliceRevokedToken.access_token));
    await eventuallyRefused(aliceRevokedToken.access_token);

    expect(await pong(aliceOther.access_token)).toMatchObject({ sub: 'auth0|alice' });
    const events = await readAuditStream(stack.reader);
    const audited = events.find((e) => e.event.kind === 'session.revoked' && e.event.token_hash === tokenHash(aliceRevokedToken.access_token));
    expect(audited?.subject).toBe('audit.events.session.revoked');
    expect(audited?.event).toMatchObject({ reason: 'laptop stolen', service: 'revoke-cli' });
    expect(audited?.raw).not.toContain(aliceRevokedToken.access_token);
  }, 90_000);

  it('revokes by token hash with the command, and refuses bad arguments with exit 2', async () => {
    const t = await stack.idp.tokenFor('carol');
    await warmEveryReplica(t.access_token);
    expect(runCli(['--token-hash', tokenHash(t.access_token)]).status).toBe(0);
    await eventuallyRefused(t.access_token);
    expect(runCli(['--token-hash', 'xyz']).status).toBe(2);
    expect(runCli(['--user', 'a', '--token-hash', '0123456789abcdef']).status).toBe(2);
  }, 90_000);

  it('a user revokes their own sessions (auth.revoke): old tokens refused everywhere, a token issued afterwards works', async () => {
    const [b1, b2] = await Promise.all([stack.idp.tokenFor('bob'), stack.idp.tokenFor('bob')]);
    await warmEveryReplica(b1.access_token);
    const reply = await revoke(b1.access_token, { reason: 'log out everywhere' });
    expect(reply).toMatchObject({ kind: 'user', sub: 'auth0|bob' });
    await eventuallyRefused(b1.access_token);
    await refusedEverywhere(b2.access_token);

    await sleep(1_100); // iat has a resolution of one second
    bobAfter = await stack.idp.tokenFor('bob');
    await warmEveryReplica(bobAfter.access_token);
    expect(await verify(bobAfter.access_token)).toMatchObject({ sub: 'auth0|bob' });
  }, 90_000);

  it('bob cannot revoke alice (FORBIDDEN, nothing revoked); alice (admin:sessions) revokes bob', async () => {
    const e = await failure(revoke(bobAfter.access_token, { sub: 'auth0|alice' }));
    expect(e).toMatchObject({ code: 'FORBIDDEN', permission: 'admin:sessions' });
    expect(await failure(revoke(bobAfter.access_token, { token_hash: tokenHash(aliceOther.access_token) }))).toMatchObject({ code: 'FORBIDDEN' });
    await sleep(500);
    expect(await pong(aliceOther.access_token)).toMatchObject({ sub: 'auth0|alice' });

    expect(await revoke(aliceOther.access_token, { sub: 'auth0|bob', reason: 'offboarding' })).toMatchObject({ kind: 'user', sub: 'auth0|bob' });
    await eventuallyRefused(bobAfter.access_token);
    expect(await pong(aliceOther.access_token)).toMatchObject({ sub: 'auth0|alice' });

    const events = await readAuditStream(stack.reader);
    expect(events.some((m) => m.event.kind === 'session.revoked' && m.event.sub === 'auth0|alice' && m.event.target_sub === 'auth0|bob' && m.event.reason === 'offboarding')).toBe(true);
    expect(events.some((m) => m.event.kind === 'session.revoked' && m.event.target_sub === 'auth0|alice')).toBe(false);
  }, 90_000);

  it('only the revoking parties can write the bucket: a verifier\'s credentials cannot add or remove a revocation', async () => {
    const api = await stack.nats.connectAs('api-service');
    try {
      const kv = await api.jetstream().views.kv('REVOCATIONS', { bindOnly: true });
      await expect(kv.put('token.0123456789abcdef', JSON.stringify({ kind: 'token', token_hash: '0123456789abcdef', revoked_at: 1, by: 'x' }))).rejects.toThrow();
      await expect(kv.delete(`user.${Buffer.from('auth0|bob').toString('base64url')}`)).rejects.toThrow();
      const jsm = await api.jetstreamManager({ checkAPI: false });
      await expect(jsm.streams.purge('KV_REVOCATIONS')).rejects.toThrow();
    } finally {
      await api.close();
    }
    const revoker = await connect({ servers: stack.nats.url, user: 'revoker', pass: stack.nats.password('revoker'), inboxPrefix: '_INBOX_revoker', timeout: 5_000 });
    try {
      const jsm = await revoker.jetstreamManager({ checkAPI: false });
      await expect(jsm.streams.purge('KV_REVOCATIONS')).rejects.toThrow();
      await expect(jsm.streams.delete('KV_REVOCATIONS')).rejects.toThrow();
    } finally {
      await revoker.close();
    }
    // Nothing changed: bob's revoked token is still refused, the fake one was never stored.
    await refusedEverywhere(bobAfter.access_token);
    const writer = await stack.nats.connectAs('audit-writer');
    try {
      const kv = await writer.jetstream().views.kv('REVOCATIONS', { bindOnly: true });
      const keys: string[] = [];
      for await (const k of await kv.keys()) keys.push(k);
      expect(keys).toContain(`token.${tokenHash(aliceRevokedToken.access_token)}`);
      expect(keys).not.toContain('token.0123456789abcdef');
    } finally {
      await writer.close();
    }
  }, 60_000);

  it('revocations hold after a nats-server restart and after every service restarts', async () => {
    await stack.nats.restart(500);
    await refusedEverywhere(bobAfter.access_token).catch(async () => {
      // right after the restart the services may still be reconnecting: retry until they answer
      await eventuallyRefused(bobAfter.access_token);
    });
    await eventuallyRefused(aliceRevokedToken.access_token);

    await stack.restartServices();
    await eventuallyRefused(bobAfter.access_token);
    await eventuallyRefused(aliceRevokedToken.access_token);
    await warmEveryReplica(aliceOther.access_token);
  }, 180_000);
});

describe('revocation list unavailable at start (real NATS)', () => {
  let nats: NatsHarness;
  let idp: DevIdpHarness;
  let services: ServicesHarness;
  let host: NatsConnection;

  beforeAll(async () => {
    nats = await NatsHarness.start();
    idp = await DevIdpHarness.start();
    host = await nats.connectAs('streamlit-host');
  }, 120_000);

  afterAll(async () => {
    await host?.close();
    await services?.stop();
    await idp?.stop();
    await nats?.dispose();
  });

  it('api-service without the REVOCATIONS bucket refuses protected calls with UNAVAILABLE, and serves them once it exists', async () => {
    // No auth-service: nobody has created the bucket, and a verifier may not create it.
    services = await ServicesHarness.start({ nats, idp, auth: false, apiReplicas: 1 });
    const bus = new BusClient(host);
    const token = (await idp.tokenFor('alice')).access_token;
    expect(await bus.request(SUBJECTS.api.ping, {}, { timeout: 10_000 })).toBeDefined(); // unprotected: served
    const e = await failure(bus.request(SUBJECTS.api.pong, {}, { token, timeout: 15_000 }));
    expect(e).toMatchObject({ code: 'UNAVAILABLE' });

    await services.startAuth(); // creates the bucket
    await waitFor(async () => !(await failure(bus.request(SUBJECTS.api.pong, {}, { token, timeout: 15_000 }))), {
      timeout: 30_000,
      interval: 200,
      what: 'api.pong served once the revocation list loaded',
    });
  }, 120_000);
});

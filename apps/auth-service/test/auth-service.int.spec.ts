import { AUDIT_KINDS, AuditEvent, BusError, SUBJECTS } from '@auth-bus/contracts';
import {
  auditStreamCount,
  ManagedProcess,
  readAuditStream,
  ServicesHarness,
  waitFor,
  type StoredAuditMessage,
  type TokenResponse,
} from '@auth-bus/testing';
import { attackCases, jwkToPem, type AttackCase } from '@auth-bus/token-verifier/testing';
import { encodeBody } from '@auth-bus/contracts';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ServicesOnBus } from './support/services-on-bus';

const CLI = join(__dirname, '..', 'dist', 'audit-cli', 'main.js');

/**
 * auth-service as a real process on a real nats-server, trusting the real dev-idp: auth.verify
 * and its attack list, session events, the AUDIT stream (limits, dedup, restarts, no secrets),
 * audit.query and the audit command.
 */
describe('auth-service (real NATS, real dev-idp, built services)', () => {
  const stack = ServicesOnBus.forSuite({
    idp: { env: { DEV_IDP_CLIENT_CREDENTIALS_TTL: '2' } },
    services: {
      apiReplicas: 1,
      env: { AUTH_CLOCK_TOLERANCE_SEC: '1' },
      authEnv: { AUDIT_MAX_AGE: '1h', AUDIT_DUPLICATE_WINDOW: '1m', AUDIT_MAX_BYTES: '64MB' },
    },
    clients: ['streamlit-host', 'host-relay', 'audit-reader'],
  });
  let alice: TokenResponse;
  let bob: TokenResponse;
  let expiring: TokenResponse;
  let attacks: AttackCase[];
  const usedTokens: string[] = [];

  beforeAll(async () => {
    [alice, bob, expiring] = await Promise.all([stack.idp.tokenFor('alice'), stack.idp.tokenFor('bob'), stack.idp.m2mToken()]);
    attacks = attackCases({
      accessToken: alice.access_token,
      idToken: alice.id_token,
      expiredToken: expiring.access_token,
      publicKeyPem: jwkToPem((await stack.idp.jwks()).keys[0]),
    });
    usedTokens.push(alice.access_token, alice.id_token!, bob.access_token, expiring.access_token, ...attacks.flatMap((a) => (a.token && a.token.length > 20 ? [a.token] : [])));
  }, 120_000);

  const authInstance = () => stack.services.auth!.instance;

  async function stored(predicate: (all: StoredAuditMessage[]) => boolean, what: string): Promise<StoredAuditMessage[]> {
    return (await waitFor(
      async () => {
        const all = await readAuditStream(stack.reader);
        return predicate(all) ? all : undefined;
      },
      { timeout: 15_000, what },
    ))!;
  }

  async function verifyFailure(token: string | undefined, sessionId?: string): Promise<BusError> {
    try {
      await stack.hostBus.request(SUBJECTS.auth.verify, sessionId ? { session_id: sessionId, caller: 'test' } : {}, { token, timeout: 5_000 });
    } catch (err) {
      expect(err).toBeInstanceOf(BusError);
      return err as BusError;
    }
    throw new Error('auth.verify accepted a token it should refuse');
  }

  function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const result = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      timeout: 20_000,
      env: { PATH: process.env.PATH, NATS_URL: stack.nats.url, AUDIT_NATS_PASSWORD: stack.nats.password('audit-reader') },
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  it('owns the AUDIT stream: file storage, one subject per audit kind, limits from its configuration', async () => {
    const jsm = await stack.reader.jetstreamManager({ checkAPI: false });
    const { config } = await jsm.streams.info('AUDIT');
    expect(config).toMatchObject({
      subjects: AUDIT_KINDS.map((kind) => `audit.events.${kind}`),
      storage: 'file',
      retention: 'limits',
      discard: 'old',
      max_age: 3_600 * 1e9,
      max_bytes: 64e6,
      duplicate_window: 60 * 1e9,
    });
  });

  it('verifies real access tokens and returns the identity', async () => {
    const identity = await stack.hostBus.request(SUBJECTS.auth.verify, { caller: 'streamlit-host' }, { token: alice.access_token });
    expect(identity).toMatchObject({ sub: 'auth0|alice', iss: stack.idp.issuer, instance: authInstance() });
    expect([...identity.permissions].sort()).toEqual(['admin:sessions', 'read:audit', 'read:messages']);
    expect(identity.exp).toBeGreaterThan(Date.now() / 1000);
    if (identity.email !== undefined) expect(identity.email).toBe('alice@example.com');
    await expect(stack.hostBus.request(SUBJECTS.auth.verify, {}, { token: bob.access_token })).resolves.toMatchObject({ sub: 'auth0|bob', permissions: [] });
  });

  it('refuses every attack on auth.verify with its reason, audits it per session, and keeps serving', async () => {
    const { exp } = JSON.parse(Buffer.from(expiring.access_token.split('.')[1], 'base64url').toString());
    const wait = (exp + 1) * 1000 + 200 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const [i, attack] of attacks.entries()) {
      const err = await verifyFailure(attack.token, `attack-${i}`);
      expect({ attack: attack.name, code: err.code, ok: attack.reasons.includes(err.reason as never), reason: err.reason }).toMatchObject({
        attack: attack.name,
        code: 'UNAUTHENTICATED',
        ok: true,
      });
    }
    expect(stack.services.auth!.running).toBe(true);
    await expect(stack.hostBus.request(SUBJECTS.auth.verify, {}, { token: alice.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });

    const all = await stored((s) => s.filter((m) => m.event.kind === 'login.rejected').length >= attacks.length, 'login.rejected for every attack');
    const rejected = all.filter((m) => m.event.kind === 'login.rejected');
    for (const [i, attack] of attacks.entries()) {
      const event = rejected.find((m) => m.event.session_id === `attack-${i}`)?.event;
      expect(event).toBeDefined();
      expect(attack.reasons).toContain(event!.reason);
      expect(event).toMatchObject({ service: 'auth-service', instance: authInstance() });
    }
  });

  it('records login.verified once per session and token, however often it is checked', async () => {
    for (let i = 0; i < 3; i++) await stack.hostBus.request(SUBJECTS.auth.verify, { session_id: 'sess-alice' }, { token: alice.access_token });
    await stack.hostBus.request(SUBJECTS.auth.verify, { session_id: 'sess-bob' }, { token: bob.access_token });
    const all = await stored((s) => s.some((m) => m.event.session_id === 'sess-bob'), 'login.verified of bob');
    const alices = all.filter((m) => m.event.kind === 'login.verified' && m.event.session_id === 'sess-alice');
    expect(alices).toHaveLength(1);
    expect(alices[0].event).toMatchObject({ sub: 'auth0|alice', token_hash: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(alices[0].msgId).toBe(alices[0].event.id);
  });

  it('verifies reported sessions and records logins, rejections and logouts', async () => {
    const now = () => new Date().toISOString();
    stack.relayBus.publish(SUBJECTS.auth.sessionReported, { session_id: 'relay-1', reported_at: now(), user: { sub: 'auth0|alice' } }, { token: bob.access_token });
    stack.relayBus.publish(SUBJECTS.auth.sessionReported, { session_id: 'relay-2', reported_at: now(), user: { sub: 'auth0|alice' } }, { token: attacks[5].token });
    stack.relayBus.publish(SUBJECTS.auth.sessionEnded, { session_id: 'relay-1', ended_at: now() }, { token: bob.access_token });
    stack.relayBus.publish(SUBJECTS.auth.sessionEnded, { session_id: 'relay-3', ended_at: now(), sub: 'auth0|carol' });
    // Malformed events are dropped without harm.
    stack.relay.publish(SUBJECTS.auth.sessionReported, encodeBody({ session_id: 42 }));
    stack.relay.publish(SUBJECTS.auth.sessionEnded, new TextEncoder().encode('{not json'));
    const all = await stored((s) => s.some((m) => m.event.session_id === 'relay-3'), 'the session events');
    const of = (session: string, kind: string) => all.filter((m) => m.event.session_id === session && m.event.kind === kind).map((m) => m.event);
    // The claimed user is never trusted: relay-1 is bob's token, whatever the browser said.
    expect(of('relay-1', 'login.verified')).toEqual([expect.objectContaining({ sub: 'auth0|bob' })]);
    expect(of('relay-2', 'login.rejected')).toEqual([expect.objectContaining({ reason: 'bad_signature' })]);
    expect(of('relay-2', 'login.rejected')[0].sub).toBeUndefined();
    expect(of('relay-1', 'logout')).toEqual([expect.objectContaining({ sub: 'auth0|bob' })]);
    expect(of('relay-3', 'logout')).toEqual([expect.objectContaining({ sub: 'auth0|carol', reason: 'missing' })]);
    await expect(stack.hostBus.request(SUBJECTS.auth.verify, {}, { token: alice.access_token })).resolves.toBeDefined();
    expect(stack.services.auth!.logs(100)).toMatch(/session event dropped/);
  });

  it('answers audit.query for read:audit holders, with filters and the stream total', async () => {
    await stack.relayBus.request(SUBJECTS.api.pong, {}, { token: alice.access_token });
    await expect(stack.relayBus.request(SUBJECTS.api.pongScoped, {}, { token: bob.access_token })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await stored((s) => s.some((m) => m.event.kind === 'api.denied' && m.event.sub === 'auth0|bob'), 'api events');
    const total = await auditStreamCount(stack.reader);

    const everything = await stack.hostBus.request(SUBJECTS.audit.query, { limit: 1000 }, { token: alice.access_token });
    expect(everything.total_in_stream).toBe(total);
    expect(everything.events).toHaveLength(total);
    for (const e of everything.events) expect(AuditEvent.parse(e)).toEqual(e);
    const times = everything.events.map((e) => e.at);
    expect([...times].sort()).toEqual(times);

    const denied = await stack.hostBus.request(SUBJECTS.audit.query, { kind: 'api.denied' }, { token: alice.access_token });
    expect(denied.events.length).toBeGreaterThan(0);
    expect(denied.events.every((e) => e.kind === 'api.denied')).toBe(true);
    expect(denied.events).toContainEqual(expect.objectContaining({ sub: 'auth0|bob', reason: 'missing_permission', subject: 'api.pong-scoped' }));

    const bobs = await stack.hostBus.request(SUBJECTS.audit.query, { sub: 'auth0|bob' }, { token: alice.access_token });
    expect(bobs.events.length).toBeGreaterThanOrEqual(3);
    expect(bobs.events.every((e) => e.sub === 'auth0|bob')).toBe(true);

    const lastTwo = await stack.hostBus.request(SUBJECTS.audit.query, { limit: 2 }, { token: alice.access_token });
    expect(lastTwo.events).toEqual(everything.events.slice(-2));

    const future = await stack.hostBus.request(SUBJECTS.audit.query, { since: new Date(Date.now() + 60_000).toISOString() }, { token: alice.access_token });
    expect(future).toEqual({ events: [], total_in_stream: total });

    await expect(stack.hostBus.request(SUBJECTS.audit.query, {}, { token: bob.access_token })).rejects.toMatchObject({ code: 'FORBIDDEN', permission: 'read:audit' });
    await expect(stack.hostBus.request(SUBJECTS.audit.query, {})).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });
    await expect(stack.hostBus.request(SUBJECTS.audit.query, { limit: 0 } as never, { token: alice.access_token })).rejects.toMatchObject({ code: 'INVALID_MESSAGE' });
  });

  it('lists the trail with the audit command (table, JSON lines, filters) as audit-reader', async () => {
    const total = await auditStreamCount(stack.reader);
    const table = cli([]);
    expect(table.status).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+KIND\s+CALLS\s+USER/);
    expect(lines).toHaveLength(total + 1);
    expect(table.stderr).toContain(`${total} event(s) shown, ${total} in the stream`);

    const json = cli(['--json', '--kind', 'login.verified', '--user', 'auth0|alice']);
    expect(json.status).toBe(0);
    const events = json.stdout.trim().split('\n').map((l) => AuditEvent.parse(JSON.parse(l)));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.kind === 'login.verified' && e.sub === 'auth0|alice')).toBe(true);

    expect(cli(['--since', '10m', '--json']).stdout.trim().split('\n')).toHaveLength(total);
    expect(cli(['--since', new Date(Date.now() + 60_000).toISOString(), '--json']).stdout.trim()).toBe('');
    expect(cli(['--kind', 'nonsense']).status).toBe(2);
    expect(cli(['--server', 'nats://127.0.0.1:1']).status).toBe(1);
  });

  it('follows new events with --follow until interrupted', async () => {
    const follow = ManagedProcess.start('audit-follow', process.execPath, [CLI, '--follow', '--json', '--kind', 'logout'], {
      NATS_URL: stack.nats.url,
      AUDIT_NATS_PASSWORD: stack.nats.password('audit-reader'),
    });
    try {
      await waitFor(() => follow.lines.some((l) => l.includes('"relay-3"')), { what: 'the existing logout events' });
      stack.relayBus.publish(SUBJECTS.auth.sessionEnded, { session_id: 'followed-1', ended_at: new Date().toISOString() }, { token: alice.access_token });
      await waitFor(() => follow.lines.some((l) => l.includes('"followed-1"')), { what: 'the new logout event' });
      const line = follow.lines.find((l) => l.includes('"followed-1"'))!;
      expect(AuditEvent.parse(JSON.parse(line))).toMatchObject({ kind: 'logout', sub: 'auth0|alice' });
      await follow.stop('SIGINT', 5_000);
      expect(follow.child.exitCode).toBe(0);
    } finally {
      await follow.kill();
    }
  });

  it('keeps every event across a nats-server restart, and records new ones after it', async () => {
    await stored((s) => s.some((m) => m.event.session_id === 'followed-1'), 'the followed event');
    await new Promise((r) => setTimeout(r, 300));
    const before = await auditStreamCount(stack.reader);
    expect(before).toBeGreaterThan(attacks.length);

    await stack.nats.restart();
    await Promise.all([stack.reader.closed(), stack.host.closed(), stack.relay.closed()].map((p) => Promise.race([p, new Promise((r) => setTimeout(r, 100))])));
    await waitFor(async () => auditStreamCount(stack.reader).then((n) => n === before), { timeout: 20_000, what: 'the stream back with the same count' });
    expect(await auditStreamCount(stack.reader)).toBe(before);

    // The stack.services reconnect by themselves and carry on.
    await waitFor(
      async () => {
        await stack.hostBus.request(SUBJECTS.auth.verify, { session_id: 'after-restart' }, { token: alice.access_token, timeout: 1_000 });
        await stack.relayBus.request(SUBJECTS.api.pong, {}, { token: bob.access_token, timeout: 1_000 });
        return true;
      },
      { timeout: 20_000, interval: 250, what: 'auth-service and api-service answering after the restart' },
    );
    await waitFor(async () => (await auditStreamCount(stack.reader)) >= before + 2, { timeout: 15_000, what: 'events recorded after the restart' });
    const all = await readAuditStream(stack.reader);
    expect(all.some((m) => m.event.session_id === 'after-restart' && m.event.kind === 'login.verified')).toBe(true);
    expect(stack.services.auth!.running && stack.services.api[0].running).toBe(true);
  }, 60_000);

  it('never stores a token: a scan of every stored message finds none', async () => {
    const all = await readAuditStream(stack.reader);
    expect(all.length).toBeGreaterThan(attacks.length);
    for (const m of all) {
      expect(m.raw).not.toContain('eyJ');
      for (const token of usedTokens) expect(m.raw.includes(token)).toBe(false);
      expect(AuditEvent.parse(m.event)).toEqual(m.event);
    }
  });

  it('follows a key rotation of the issuer without a restart', async () => {
    const before = JSON.parse(Buffer.from(alice.access_token.split('.')[0], 'base64url').toString()).kid;
    const report = await stack.idp.rotateKeys();
    const fresh = await stack.idp.tokenFor('alice');
    const kid = JSON.parse(Buffer.from(fresh.access_token.split('.')[0], 'base64url').toString()).kid;
    expect(kid).toBe(report.added);
    expect(kid).not.toBe(before);
    await expect(stack.hostBus.request(SUBJECTS.auth.verify, {}, { token: fresh.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });
    await expect(stack.relayBus.request(SUBJECTS.api.pong, {}, { token: fresh.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });
    // Tokens signed with the previous key keep working while it is still published.
    await expect(stack.hostBus.request(SUBJECTS.auth.verify, {}, { token: alice.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });
    usedTokens.push(fresh.access_token, fresh.id_token!);
    // Let api-service's (coalesced) api.allowed event for that call land before the next test counts.
    const hash = createHash('sha256').update(fresh.access_token).digest('hex').slice(0, 16);
    await stored((all) => all.some((m) => m.event.kind === 'api.allowed' && m.event.token_hash === hash), 'the api.allowed event of the new token');
  });

  it('applies changed stream limits when it restarts, keeping the events', async () => {
    const before = await auditStreamCount(stack.reader);
    await stack.services.auth!.stop();
    const second = await ServicesHarness.start({ nats: stack.nats, idp: stack.idp, apiReplicas: 0, prefix: `${stack.services.prefix}b`, authEnv: { AUDIT_MAX_AGE: '2h', AUDIT_DUPLICATE_WINDOW: '30s' } });
    try {
      const jsm = await stack.reader.jetstreamManager({ checkAPI: false });
      await waitFor(async () => (await jsm.streams.info('AUDIT')).config.max_age === 7_200 * 1e9, { what: 'the new max_age' });
      const { config, state } = await jsm.streams.info('AUDIT');
      expect(config.duplicate_window).toBe(30 * 1e9);
      expect(state.messages).toBe(before);
    } finally {
      await second.stop();
    }
  });
});

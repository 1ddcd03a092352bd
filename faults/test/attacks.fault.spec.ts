import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { processAlive, readAuditStream, waitFor } from '@auth-bus/testing';
import { attackCases, jwkToPem, type AttackCase } from '@auth-bus/token-verifier/testing';
import type { NatsConnection } from 'nats';
import { settledCount } from './support/audit';
import { report, sleep } from './support/measure';
import { ORIGIN, Stack } from './support/stack';
import { WsClient } from './support/ws-client';

/** What one entry point answered: the HTTP-like status, the code and its refinement. */
interface Answer {
  status: number;
  code: string;
  reason?: string;
  permission?: string;
  wwwAuthenticate?: string | null;
}

/** The attack list plus "missing permission": a valid token without `read:messages` on the scoped API. */
interface EntryPointAttack extends AttackCase {
  /** Subject/route the attack is aimed at. */
  target: 'pong' | 'pong-scoped';
  expect: 'UNAUTHENTICATED' | 'FORBIDDEN';
}

/**
 * The token attack list of the services issue (libs/token-verifier/src/testing/attacks.ts, built
 * from real dev-idp tokens) run once more through every way in: host-relay's HTTP gateway
 * (status + WWW-Authenticate), its WebSocket (session.reported, then a delegated web.request
 * with useauth), and the bus directly (api.pong, api.pong-scoped, auth.verify). Every entry
 * point refuses every attack with the same code and reason, auth-service audits each reported
 * session as rejected, and every process is still alive and serving afterwards.
 * (The Python host's onStatusUpdate path runs the same list: streamlit-app/tests/faults/test_attack_list.py.)
 */
describe('the token attack list through every entry point', () => {
  let stack: Stack;
  let nc: NatsConnection;
  let reader: NatsConnection;
  let attacks: EntryPointAttack[];

  beforeAll(async () => {
    stack = await Stack.start({ relay: true, relayEnv: { RELAY_SESSION_REPORT_BURST: '100', RELAY_AUTH_TRIAL_BURST: '100' }, idpEnv: { DEV_IDP_CLIENT_CREDENTIALS_TTL: '2' }, env: { AUTH_CLOCK_TOLERANCE_SEC: '1' } });
    [nc, reader] = await Promise.all([stack.nats.connectAs('host-relay'), stack.nats.connectAs('audit-reader')]);
    const expiring = await stack.idp.m2mToken();
    const exp = JSON.parse(Buffer.from(expiring.access_token.split('.')[1], 'base64url').toString()).exp as number;
    const base = attackCases({
      accessToken: stack.alice.access_token,
      idToken: stack.alice.id_token,
      expiredToken: expiring.access_token,
      publicKeyPem: jwkToPem((await stack.idp.jwks()).keys[0]),
    });
    attacks = [
      ...base.map((a) => ({ ...a, target: 'pong' as const, expect: 'UNAUTHENTICATED' as const })),
      { name: 'missing permission', token: stack.bob.access_token, reasons: [], target: 'pong-scoped', expect: 'FORBIDDEN' },
    ];
    // Let the machine token expire (with the services' 1 s clock tolerance).
    await sleep(Math.max(0, (exp + 1) * 1000 + 300 - Date.now()));
  }, 120_000);

  afterAll(async () => {
    await nc?.close();
    await reader?.close();
    await stack?.stop();
  });

  function check(entry: string, attack: EntryPointAttack, answer: Answer): void {
    const expected =
      attack.expect === 'FORBIDDEN'
        ? { entry, attack: attack.name, status: 403, code: 'FORBIDDEN', permission: 'read:messages' }
        : { entry, attack: attack.name, status: 401, code: 'UNAUTHENTICATED', reasonOk: true };
    const got =
      attack.expect === 'FORBIDDEN'
        ? { entry, attack: attack.name, status: answer.status, code: answer.code, permission: answer.permission }
        : { entry, attack: attack.name, status: answer.status, code: answer.code, reasonOk: (attack.reasons as string[]).includes(answer.reason ?? '') };
    expect(got).toEqual(expected);
  }

  const fromBusError = (err: unknown): Answer => {
    if (!(err instanceof BusError)) throw err;
    return { status: err.status, code: err.code, reason: err.reason, permission: err.permission };
  };

  it('is refused the same way by the HTTP gateway, the WebSocket and the bus, and audited', async () => {
    const relay = stack.relay!;
    const bus = new BusClient(nc);
    const table: Record<string, Record<string, string>> = {};
    const sockets: WsClient[] = [];
    const notJwt = new Set<number>();
    try {
      for (const [i, attack] of attacks.entries()) {
        const path = `/api/${attack.target}`;
        const subject = attack.target === 'pong' ? SUBJECTS.api.pong : SUBJECTS.api.pongScoped;
        const row: Record<string, string> = {};

        // HTTP gateway.
        const res = await fetch(`${relay.url}${path}`, { headers: attack.token ? { authorization: `Bearer ${attack.token}` } : {} });
        const body = (await res.json()) as { error: { code: string; reason?: string; permission?: string } };
        const http: Answer = { status: res.status, ...body.error, wwwAuthenticate: res.headers.get('www-authenticate') };
        check('http', attack, http);
        expect(http.wwwAuthenticate).toBe(
          attack.expect === 'FORBIDDEN' ? 'Bearer realm="auth-bus", error="insufficient_scope"' : attack.token ? 'Bearer realm="auth-bus", error="invalid_token"' : 'Bearer realm="auth-bus"',
        );
        row.http = `${http.status} ${http.reason ?? http.permission}`;

        // WebSocket: the session is reported with the token, then a delegated request uses it.
        const socket = await WsClient.hello(relay.wsUrl, ORIGIN, `ws-attack-${i}`);
        sockets.push(socket);
        // A token that is not even shaped like a JWT is refused by the relay itself (and never audited).
        const reported = attack.token ? await socket.report(attack.token) : undefined;
        const frame = reported?.type === 'error' ? { status: 401, error: reported.error } : await socket.request(path, { useauth: true });
        if (reported?.type !== 'error') {
          if (attack.token) expect(reported).toMatchObject({ type: 'session.ack', state: 'reported' });
          expect(frame).toMatchObject({ type: 'web.result', ok: false });
        } else {
          notJwt.add(i);
        }
        check('ws', attack, { status: frame.status, ...frame.error });
        row.ws = `${frame.status} ${frame.error.reason ?? frame.error.permission}`;

        // The bus, directly.
        const direct = await bus.request(subject, {}, { token: attack.token }).then(
          () => ({ status: 200, code: 'OK' }) as Answer,
          fromBusError,
        );
        check('bus', attack, direct);
        row.bus = `${direct.code} ${direct.reason ?? direct.permission}`;
        if (attack.expect === 'UNAUTHENTICATED') {
          const verify = await bus.request(SUBJECTS.auth.verify, { caller: 'faults', session_id: `bus-attack-${i}` }, { token: attack.token }).then(
            () => ({ status: 200, code: 'OK' }) as Answer,
            fromBusError,
          );
          check('auth.verify', attack, verify);
          // One token, one answer, whichever way it came in.
          expect({ attack: attack.name, reasons: new Set([http.reason, frame.error.reason, direct.reason, verify.reason]).size }).toEqual({ attack: attack.name, reasons: 1 });
          row.verify = `${verify.code} ${verify.reason}`;
        }
        table[attack.name] = row;
      }

      // auth-service verified every reported session itself and audited it: rejected with the
      // attack's reason — and the missing-permission login (a valid token) as verified.
      await settledCount(reader);
      const events = (await waitFor(
        async () => {
          const all = await readAuditStream(reader);
          const sessions = new Set(all.map((m) => m.event.session_id));
          return attacks.every((a, i) => !a.token || notJwt.has(i) || sessions.has(`ws-attack-${i}`)) ? all : undefined;
        },
        { what: 'an audit event for every reported session' },
      ))!;
      for (const [i, attack] of attacks.entries()) {
        if (!attack.token) continue;
        if (notJwt.has(i)) {
          expect({ attack: attack.name, audited: events.filter((m) => m.event.session_id === `ws-attack-${i}`).length }).toEqual({ attack: attack.name, audited: 0 });
          continue;
        }
        const mine = events.filter((m) => m.event.session_id === `ws-attack-${i}`).map((m) => m.event);
        if (attack.expect === 'FORBIDDEN') {
          expect(mine.map((e) => [e.kind, e.sub])).toEqual([['login.verified', 'auth0|bob']]);
        } else {
          expect({ attack: attack.name, kinds: mine.map((e) => e.kind), reasonOk: mine.every((e) => (attack.reasons as string[]).includes(e.reason)) }).toEqual({
            attack: attack.name,
            kinds: ['login.rejected'],
            reasonOk: true,
          });
        }
      }
      const denied = events.filter((m) => m.event.kind === 'api.denied');
      expect(denied.length).toBeGreaterThan(0);
      expect(events.some((m) => m.event.kind === 'api.allowed')).toBe(false);
    } finally {
      for (const s of sockets) s.close();
    }

    // Nothing fell over: every process alive and serving the real users.
    expect(processAlive(stack.relayPid) && stack.services.auth!.running && stack.services.api[0].running).toBe(true);
    const ok = await fetch(`${relay.url}/api/pong-scoped`, { headers: { authorization: `Bearer ${stack.alice.access_token}` } });
    expect(ok.status).toBe(200);
    await expect(bus.request(SUBJECTS.auth.verify, {}, { token: stack.alice.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });
    report('attacks-entry-points', { attacks: attacks.length, entry_points: ['http', 'ws', 'bus', 'auth.verify'], table });
  }, 90_000);
});

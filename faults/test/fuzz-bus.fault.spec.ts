import { decodeBody, ErrorReplySchema, EVENTS, parseBearer, RPC, SUBJECTS } from '@auth-bus/contracts';
import { readAuditStream, type StoredAuditMessage } from '@auth-bus/testing';
import fc from 'fast-check';
import { headers as natsHeaders, type Msg, type NatsConnection } from 'nats';
import type { z } from 'zod';
import { settledCount } from './support/audit';
import { headerValue, rawBody, runs } from './support/fuzz';
import { report } from './support/measure';
import { Stack } from './support/stack';

const RPC_SCHEMAS: Record<string, string> = {
  [SUBJECTS.api.ping]: 'api.ping.request.v1',
  [SUBJECTS.api.pong]: 'api.pong.request.v1',
  [SUBJECTS.api.pongScoped]: 'api.pong-scoped.request.v1',
  [SUBJECTS.auth.verify]: 'auth.verify.request.v1',
  [SUBJECTS.audit.query]: 'audit.query.request.v1',
};
const EVENT_SCHEMAS: Record<string, string> = {
  [SUBJECTS.auth.sessionReported]: 'auth.session.reported.v1',
  [SUBJECTS.auth.sessionEnded]: 'auth.session.ended.v1',
};
/** Who may call what: the token a success needs (none: public). */
const NEEDS: Record<string, 'none' | 'any' | 'alice'> = {
  [SUBJECTS.api.ping]: 'none',
  [SUBJECTS.api.pong]: 'any',
  [SUBJECTS.api.pongScoped]: 'alice',
  [SUBJECTS.auth.verify]: 'any',
  [SUBJECTS.audit.query]: 'alice',
};
const RPC_RUNS = runs(150, 3_000);
const EVENT_RUNS = runs(120, 2_000);
const PLACEHOLDER = 'fz-SEQ';

type Caller = 'none' | 'alice' | 'bob' | 'garbage';

interface Sent {
  subject: string;
  kind: string;
  caller: Caller;
  bodyValid: boolean;
  sessionId?: string;
}

/**
 * Hostile input straight onto the bus: for every request subject and every event subject of the
 * contract, fast-check sends random bytes, random JSON, the contract's invalid vectors and
 * mutations of its valid ones, and edge bodies (empty, BOM, invalid UTF-8, 20 000-deep nesting,
 * over the 64 KiB limit…), with every kind of Authorization header and stray protocol headers,
 * RAW (no client-side validation) to the real auth-service and api-service. The oracle is the
 * contract itself (decodeBody + the request schema):
 *
 * - every request gets a reply, a valid success or a typed `{error}` with `Bus-Error: true`,
 *   never INTERNAL;
 * - a success only for a body the schema accepts and a caller allowed to call; a body the schema
 *   accepts with an allowed caller always succeeds;
 * - nothing reaches a handler unvalidated: no audit event names a session that only invalid
 *   bodies carried (while valid ones are audited, so the check sees something);
 * - no process falls over, no log line and no inbox carries a token.
 */
describe('fuzzing the bus (raw messages to the real services)', () => {
  let stack: Stack;
  let relayConn: NatsConnection;
  let hostConn: NatsConnection;
  let reader: NatsConnection;
  let snooper: NatsConnection;
  const snooped: Msg[] = [];
  const sent: Sent[] = [];
  let seq = 0;

  beforeAll(async () => {
    stack = await Stack.start({ env: { LOG_LEVEL: 'info' } });
    [relayConn, hostConn, reader, snooper] = await Promise.all([
      stack.nats.connectAs('host-relay'),
      stack.nats.connectAs('streamlit-host'),
      stack.nats.connectAs('audit-reader'),
      stack.nats.connectAs('host-relay', { name: 'faults:snooper' }),
    ]);
    // What the internet-facing part can see: every reply to its user (the fuzz requests go out as
    // host-relay; no user may read another user's inbox, see permissions.fault.spec.ts).
    snooper.subscribe('_INBOX_host-relay.>', { callback: (_e, m) => snooped.push(m) });
    await snooper.flush();
  }, 120_000);

  afterAll(async () => {
    await Promise.all([relayConn, hostConn, reader, snooper].map((c) => c?.close()));
    await stack?.stop();
  });

  const authorization = (): fc.Arbitrary<{ caller: Caller; header?: string }> =>
    fc.oneof(
      fc.constant({ caller: 'none' as Caller }),
      fc.constant({ caller: 'alice' as Caller, header: `Bearer ${stack.alice.access_token}` }),
      fc.constant({ caller: 'bob' as Caller, header: `Bearer ${stack.bob.access_token}` }),
      fc.constant({ caller: 'alice' as Caller, header: `bEaReR   ${stack.alice.access_token}` }),
      headerValue.map((v) => ({ caller: 'garbage' as Caller, header: v })),
      headerValue.map((v) => ({ caller: 'garbage' as Caller, header: `Bearer ${v.replace(/\s/g, '')}` })),
      fc.constantFrom('Bearer', 'Basic YWxpY2U6cGFzc3dvcmQ=', `Bearer ${stack.alice.access_token}x`, `Bearer ${stack.alice.access_token.slice(0, -2)}`).map((h) => ({ caller: 'garbage' as Caller, header: h })),
    );
  const strayHeaders = fc.dictionary(fc.constantFrom('Nats-Msg-Id', 'Bus-Error', 'traceparent', 'X-Forwarded-For', 'Nats-Expected-Stream'), headerValue, { maxKeys: 3 });

  /** The body as the contract reads it, and whether its schema accepts it. */
  function oracle(schema: z.ZodType, data: Uint8Array): { valid: boolean; value?: unknown } {
    try {
      const value = decodeBody(data);
      return { valid: schema.safeParse(value).success, value };
    } catch {
      return { valid: false };
    }
  }

  /** Replaces the session-id placeholder so that every body is traceable in the audit trail. */
  function stamp(data: Uint8Array): Uint8Array {
    const text = Buffer.from(data).toString('latin1');
    if (!text.includes(PLACEHOLDER)) return data;
    return Uint8Array.from(Buffer.from(text.split(PLACEHOLDER).join(`fz-${++seq}`), 'latin1'));
  }

  const sessionOf = (value: unknown): string | undefined => {
    const id = (value as { session_id?: unknown } | null)?.session_id;
    return typeof id === 'string' ? id : undefined;
  };

  it('answers every request with a valid reply or a typed error, and a success only when it should', async () => {
    const outcomes: Record<string, Record<string, number>> = {};
    for (const [subject, schemaName] of Object.entries(RPC_SCHEMAS)) {
      const schemas = (RPC as Record<string, { request: z.ZodType; reply: z.ZodType }>)[subject];
      const conn = subject === SUBJECTS.audit.query ? hostConn : relayConn;
      const tally: Record<string, number> = {};
      outcomes[subject] = tally;
      await fc.assert(
        fc.asyncProperty(rawBody(schemaName, { session_id: PLACEHOLDER }), authorization(), strayHeaders, async (body, auth, extra) => {
          const data = stamp(body.data);
          const h = natsHeaders();
          for (const [k, v] of Object.entries(extra)) h.set(k, v);
          if (auth.header !== undefined) h.set('Authorization', auth.header);
          const { valid, value } = oracle(schemas.request, data);
          sent.push({ subject, kind: body.kind, caller: auth.caller, bodyValid: valid, sessionId: sessionOf(value) });

          let msg: Msg;
          try {
            msg = await conn.request(subject, data, { timeout: 5_000, headers: h });
          } catch (err) {
            throw new Error(`${subject}: no reply (${(err as Error).message}) to ${body.kind}`);
          }
          const reply = JSON.parse(new TextDecoder().decode(msg.data));
          const allowed = NEEDS[subject] === 'none' || (NEEDS[subject] === 'any' ? ['alice', 'bob'].includes(auth.caller) : auth.caller === 'alice');
          if (reply && typeof reply === 'object' && 'error' in reply) {
            expect(ErrorReplySchema.safeParse(reply).success).toBe(true);
            expect(msg.headers?.get('Bus-Error')).toBe('true');
            const code = reply.error.code as string;
            tally[code] = (tally[code] ?? 0) + 1;
            expect(code).not.toBe('INTERNAL');
            // A body the schema accepts, from a caller allowed to call, is never refused.
            expect({ subject, kind: body.kind, code, refusedAValidCall: valid && allowed }).toMatchObject({ refusedAValidCall: false });
            if (!valid) expect(['INVALID_MESSAGE', 'PAYLOAD_TOO_LARGE', 'UNAUTHENTICATED', 'FORBIDDEN']).toContain(code);
            else expect(['UNAUTHENTICATED', 'FORBIDDEN']).toContain(code);
          } else {
            tally.OK = (tally.OK ?? 0) + 1;
            expect(schemas.reply.safeParse(reply).success).toBe(true);
            // Only a valid body from an allowed caller reaches the handler and succeeds.
            expect({ subject, kind: body.kind, valid, allowed }).toMatchObject({ valid: true, allowed: true });
          }
        }),
        { numRuns: RPC_RUNS },
      );
    }
    report('fuzz-bus-requests', { runs_per_subject: RPC_RUNS, outcomes });
  }, 300_000);

  it('drops invalid events without harm', async () => {
    const counts: Record<string, { valid: number; invalid: number }> = {};
    for (const [subject, schemaName] of Object.entries(EVENT_SCHEMAS)) {
      const schema = (EVENTS as Record<string, z.ZodType>)[subject];
      counts[subject] = { valid: 0, invalid: 0 };
      await fc.assert(
        fc.asyncProperty(rawBody(schemaName, { session_id: PLACEHOLDER }), authorization(), async (body, auth) => {
          const data = stamp(body.data);
          const h = natsHeaders();
          if (auth.header !== undefined) h.set('Authorization', auth.header);
          const { valid, value } = oracle(schema, data);
          counts[subject][valid ? 'valid' : 'invalid']++;
          sent.push({ subject, kind: body.kind, caller: auth.caller, bodyValid: valid, sessionId: sessionOf(value) });
          relayConn.publish(subject, data, { headers: h });
        }),
        { numRuns: EVENT_RUNS },
      );
      await relayConn.flush();
    }
    report('fuzz-bus-events', { runs_per_subject: EVENT_RUNS, counts });
  }, 120_000);

  it('let nothing reach a handler unvalidated: no audit event for a session only invalid bodies carried', async () => {
    await settledCount(reader);
    const events: StoredAuditMessage[] = await readAuditStream(reader);
    const bySession = new Map<string, { valid: number; invalid: number }>();
    for (const s of sent) {
      if (!s.sessionId) continue;
      const entry = bySession.get(s.sessionId) ?? { valid: 0, invalid: 0 };
      entry[s.bodyValid ? 'valid' : 'invalid']++;
      bySession.set(s.sessionId, entry);
    }
    const onlyInvalid = new Set([...bySession].filter(([, c]) => c.valid === 0).map(([id]) => id));
    const leaked = events.filter((m) => typeof m.event.session_id === 'string' && onlyInvalid.has(m.event.session_id));
    expect(leaked.map((m) => ({ session: m.event.session_id, kind: m.event.kind }))).toEqual([]);
    // The check sees something: valid bodies were audited by session.
    const traced = events.filter((m) => typeof m.event.session_id === 'string' && bySession.get(m.event.session_id)?.valid);
    expect(traced.length).toBeGreaterThan(0);
    expect(onlyInvalid.size).toBeGreaterThan(0);
    report('fuzz-bus-audit', { sent: sent.length, sessions_only_invalid: onlyInvalid.size, audited_valid_sessions: traced.length, leaked: leaked.length });
  }, 60_000);

  it('is still alive, still answering, and kept every token out of logs and inboxes', async () => {
    expect(stack.services.auth!.running && stack.services.api[0].running).toBe(true);
    const { BusClient } = await import('@auth-bus/service-kit/client');
    const host = new BusClient(hostConn);
    await expect(host.request(SUBJECTS.api.ping, {})).resolves.toMatchObject({ instance: stack.services.api[0].instance });
    await expect(host.request(SUBJECTS.auth.verify, {}, { token: stack.alice.access_token })).resolves.toMatchObject({ sub: 'auth0|alice' });
    await expect(host.request(SUBJECTS.audit.query, { limit: 1 }, { token: stack.alice.access_token })).resolves.toMatchObject({ events: expect.any(Array) });
    const tokens = [stack.alice.access_token, stack.bob.access_token];
    const logs = stack.services.logs(400);
    for (const t of tokens) expect(logs.includes(t)).toBe(false);
    expect(logs).not.toMatch(/"level":60/);
    // A token only ever travels in requests to the services, never in a reply.
    expect(snooped.length).toBeGreaterThan(sent.length / 2);
    for (const m of snooped) {
      const text = new TextDecoder().decode(m.data);
      for (const t of tokens) expect(text.includes(t) || (m.headers?.get('Authorization') ?? '').includes(t)).toBe(false);
    }
    expect(parseBearer(`Bearer ${tokens[0]}`)).toBe(tokens[0]);
  });
});

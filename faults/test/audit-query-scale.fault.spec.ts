import { auditSubject, encodeBody, HEADERS, SUBJECTS } from '@auth-bus/contracts';
import { BusClient } from '@auth-bus/service-kit/client';
import { auditStreamCount, waitFor } from '@auth-bus/testing';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { now, report, round } from './support/measure';
import { Stack } from './support/stack';

const EVENTS = Number(process.env.FAULTS_AUDIT_EVENTS ?? 25_000);
/** The BusClient's default deadline: what the Streamlit audit page and the relay live with. */
const CLIENT_DEADLINE_MS = 3_000;

/**
 * audit.query on a grown stream (a month of logins is tens of thousands of events): asking for
 * the newest few must answer within a client's default deadline with the newest events — not
 * time out, and not return whatever old events a forward scan reached before its time ran out.
 */
describe('audit.query on a large stream', () => {
  let stack: Stack;
  let writer: NatsConnection;
  let apiWriter: NatsConnection;
  let host: NatsConnection;
  let reader: NatsConnection;
  /** The time stamped on the 100th newest event. */
  let hundredthFromEnd = '';

  beforeAll(async () => {
    stack = await Stack.start();
    [writer, apiWriter, host, reader] = await Promise.all([
      stack.nats.connectAs('audit-writer'),
      stack.nats.connectAs('api-service'),
      stack.nats.connectAs('streamlit-host'),
      stack.nats.connectAs('audit-reader'),
    ]);
    // The events a month of use leaves behind, written as the services write them (logins by
    // auth-service's audit-writer, api.* by api-service: each may publish only its own kinds).
    const loginJs = writer.jetstream();
    const apiJs = apiWriter.jetstream();
    let pending: Array<Promise<unknown>> = [];
    for (let n = 0; n < EVENTS; n++) {
      const kind = n % 10 === 0 ? 'login.rejected' : n % 2 ? 'api.allowed' : 'login.verified';
      const h = natsHeaders();
      h.set(HEADERS.messageId, `scale-${n}`);
      if (n === EVENTS - 100) hundredthFromEnd = new Date().toISOString();
      const event = { id: `scale-event-${n}`, at: new Date().toISOString(), kind, sub: n % 3 ? 'auth0|alice' : 'auth0|bob', session_id: `scale-${n}`, service: 'auth-service', instance: 'faults' };
      const stored = (kind.startsWith('api.') ? apiJs : loginJs).publish(auditSubject(kind), encodeBody(event), { headers: h });
      // Two connections do not keep each other's order: the newest events, which the queries
      // below compare, are stored one at a time so that stream order is publish order.
      if (n >= EVENTS - 200) {
        await Promise.all(pending);
        pending = [];
        await stored;
        continue;
      }
      pending.push(stored);
      if (pending.length >= 500) {
        await Promise.all(pending);
        pending = [];
      }
    }
    await Promise.all(pending);
    await waitFor(async () => (await auditStreamCount(reader)) >= EVENTS, { what: `${EVENTS} events stored` });
  }, 180_000);

  afterAll(async () => {
    await Promise.all([writer, apiWriter, host, reader].map((c) => c?.close()));
    await stack?.stop();
  });

  const sessions = (events: Array<{ session_id?: string }>) => events.map((e) => e.session_id);
  const newest = (count: number, match: (n: number) => boolean) => {
    const out: string[] = [];
    for (let n = EVENTS - 1; n >= 0 && out.length < count; n--) if (match(n)) out.unshift(`scale-${n}`);
    return out;
  };

  it('answers the newest events within the default client deadline', async () => {
    const bus = new BusClient(host);
    const timings: Record<string, number> = {};
    const ask = async (name: string, body: Record<string, unknown>) => {
      const started = now();
      const reply = await bus.request(SUBJECTS.audit.query, body, { token: stack.alice.access_token, timeout: CLIENT_DEADLINE_MS });
      timings[name] = round(now() - started);
      return reply;
    };
    const last10 = await ask('limit 10', { limit: 10 });
    expect(sessions(last10.events)).toEqual(newest(10, () => true));
    expect(last10.total_in_stream).toBeGreaterThanOrEqual(EVENTS);

    const rejected = await ask('kind login.rejected, limit 5', { kind: 'login.rejected', limit: 5 });
    expect(sessions(rejected.events)).toEqual(newest(5, (n) => n % 10 === 0));

    const bobs = await ask('sub auth0|bob, limit 20', { sub: 'auth0|bob', limit: 20 });
    expect(sessions(bobs.events)).toEqual(newest(20, (n) => n % 3 === 0));

    const recent = await ask('since the 100th newest, limit 50', { since: hundredthFromEnd, limit: 50 });
    expect(sessions(recent.events)).toEqual(newest(50, () => true));

    report('audit-query-scale', { events_in_stream: last10.total_in_stream, ms: timings });
  }, 60_000);
});

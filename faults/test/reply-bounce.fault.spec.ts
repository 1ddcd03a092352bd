import { AUDIT_KINDS, AUDIT_STREAM, AuditEvent, auditSubject, bearer, EVENTS, HEADERS, RPC, SUBJECTS } from '@auth-bus/contracts';
import { readAuditStream, waitFor, type NatsUser } from '@auth-bus/testing';
import { headers as natsHeaders, type NatsConnection } from 'nats';
import { report, sleep } from './support/measure';
import { covers, readNatsUsers } from './support/nats-conf';
import { Stack } from './support/stack';

/** A durable consumer made before the attack: deleting or changing it must fail. */
const CANARY = 'bounce-canary';

/**
 * Every reply target an attacker would hand a responder: the JetStream API of the audit stream
 * (purge, delete, update, message delete, consumer delete/create, snapshots, leader moves, a new
 * stream), the system account's requests, and the audit event subjects themselves.
 */
const JS_TARGETS = [
  `$JS.API.STREAM.PURGE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.DELETE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.UPDATE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.CREATE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.MSG.DELETE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.MSG.GET.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.SNAPSHOT.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.RESTORE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.LEADER.STEPDOWN.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.PEER.REMOVE.${AUDIT_STREAM.name}`,
  `$JS.API.STREAM.CREATE.BOUNCED`,
  `$JS.API.CONSUMER.DELETE.${AUDIT_STREAM.name}.${CANARY}`,
  `$JS.API.CONSUMER.CREATE.${AUDIT_STREAM.name}`,
  `$JS.API.CONSUMER.CREATE.${AUDIT_STREAM.name}.${CANARY}`,
  `$JS.API.CONSUMER.CREATE.${AUDIT_STREAM.name}.bounced`,
  `$JS.API.CONSUMER.DURABLE.CREATE.${AUDIT_STREAM.name}.${CANARY}`,
  `$JS.API.CONSUMER.LEADER.STEPDOWN.${AUDIT_STREAM.name}.${CANARY}`,
  `$JS.API.CONSUMER.MSG.NEXT.${AUDIT_STREAM.name}.${CANARY}`,
  `$JS.API.ACCOUNT.PURGE.$G`,
  `$JS.API.SERVER.REMOVE`,
];
const SYS_TARGETS = ['$SYS.REQ.SERVER.PING', '$SYS.REQ.SERVER.PING.STATSZ', '$SYS.REQ.ACCOUNT.$G.CONNZ', '$SYS.REQ.USER.INFO', '$SYS.ACCOUNT.$G.CONNECT'];
const AUDIT_TARGETS = AUDIT_KINDS.map((kind) => auditSubject(kind));
const TARGETS = [...JS_TARGETS, ...SYS_TARGETS, ...AUDIT_TARGETS];

/** Every service subject of the contract (requests and events), with a body each service accepts. */
const SERVICE_SUBJECTS = [...Object.keys(RPC), ...Object.keys(EVENTS)];
function bodyFor(subject: string): unknown {
  const now = new Date().toISOString();
  switch (subject) {
    case SUBJECTS.auth.verify:
      return { caller: 'faults-bounce' };
    case SUBJECTS.audit.query:
      return { limit: 1 };
    case SUBJECTS.auth.sessionReported:
      return { session_id: 'bounce-session', reported_at: now };
    case SUBJECTS.auth.sessionEnded:
      return { session_id: 'bounce-session', ended_at: now };
    default:
      return {};
  }
}

interface JszStream {
  name: string;
  config: Record<string, unknown>;
  state: { messages: number; first_seq: number; last_seq: number; num_deleted?: number; consumer_count: number };
  consumer_detail?: Array<{ name: string; config: Record<string, unknown> }>;
}

/**
 * Issue 13 item 2: a responder must never publish its reply onto a JetStream API, system or
 * audit subject that a requester names as the reply subject. As every NATS user of
 * infra/nats/nats.conf, every service subject is sent (with alice's token, and without) to the
 * real auth-service and api-service with every such reply target; afterwards the AUDIT stream has
 * lost nothing (no purge, no deleted message), its configuration and durable consumers are as
 * they were, no other stream exists, and every stored message is a genuine audit event on the
 * subject of its kind.
 */
describe('reply bouncing: no service reply lands on $JS.API, $SYS or audit subjects', () => {
  let stack: Stack;
  const conns: NatsConnection[] = [];
  let reader: NatsConnection;
  const users = readNatsUsers();

  beforeAll(async () => {
    stack = await Stack.start();
    reader = await stack.nats.connectAs('audit-reader');
  }, 120_000);

  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close().catch(() => undefined)));
    await reader?.close();
    await stack?.stop();
  });

  async function jsz(): Promise<JszStream[]> {
    const res = await fetch(`${stack.nats.monitorUrl}/jsz?accounts=true&streams=true&consumers=true&config=true`);
    const body = (await res.json()) as { account_details?: Array<{ stream_detail?: JszStream[] }> };
    return (body.account_details ?? []).flatMap((a) => a.stream_detail ?? []);
  }

  async function auditSnapshot() {
    const streams = await jsz();
    const names = streams.map((s) => s.name).sort();
    const audit = streams.find((s) => s.name === AUDIT_STREAM.name);
    // A deleted stream shows up as a difference in `streams` (asserted first).
    if (!audit) return { streams: names, config: {}, state: { messages: 0, first_seq: 0, last_seq: 0, consumer_count: 0 }, durables: [] };
    const durables = (audit.consumer_detail ?? []).filter((c) => c.config.durable_name).map((c) => ({ name: c.name, config: c.config }));
    return { streams: names, config: audit.config, state: audit.state, durables };
  }

  it('leaves the audit stream, its consumers and its contents untouched', async () => {
    // Something in the stream to lose: a verified login and a protected call.
    const host = await stack.nats.connectAs('streamlit-host');
    conns.push(host);
    const h = natsHeaders();
    h.set(HEADERS.authorization, bearer(stack.alice.access_token));
    await host.request(SUBJECTS.auth.verify, JSON.stringify({ caller: 'faults-bounce' }), { headers: h, timeout: 10_000 });
    await host.request(SUBJECTS.api.pong, '{}', { headers: h, timeout: 10_000 });
    await waitFor(async () => ((await auditSnapshot()).state.messages >= 1 ? true : undefined), { timeout: 20_000, what: 'events in the audit stream' });

    // The canary: a durable consumer, made by whichever user may manage the stream's consumers.
    const admin = users.find((u) => u.publish.some((p) => covers(p, `$JS.API.CONSUMER.CREATE.${AUDIT_STREAM.name}.${CANARY}`)));
    expect(admin).toBeDefined();
    const adminNc = await stack.nats.connectAs(admin!.user);
    conns.push(adminNc);
    const jsm = await adminNc.jetstreamManager({ checkAPI: false });
    await jsm.consumers.add(AUDIT_STREAM.name, { durable_name: CANARY, ack_policy: 'explicit' as never, inactive_threshold: 0 });

    const before = await auditSnapshot();
    expect(before.durables.map((d) => d.name)).toEqual([CANARY]);

    // Every user, every service subject, every reply target, with and without a token.
    let sent = 0;
    for (const { user } of users) {
      const nc = await stack.nats.connectAs(user as NatsUser, { name: `faults:bounce:${user}` });
      conns.push(nc);
      for (const subject of SERVICE_SUBJECTS) {
        const data = new TextEncoder().encode(JSON.stringify(bodyFor(subject)));
        for (const reply of TARGETS) {
          nc.publish(subject, data, { reply, headers: h });
          nc.publish(subject, data, { reply });
          sent += 2;
        }
      }
      await nc.flush();
    }
    // Let every service answer what it received (and any bounced write reach JetStream).
    await sleep(3_000);
    await Promise.all(conns.map((c) => c.flush().catch(() => undefined)));
    await sleep(1_000);

    const after = await auditSnapshot();
    expect(after.streams).toEqual(before.streams);
    expect(after.config).toEqual(before.config);
    expect(after.durables).toEqual(before.durables);
    // Nothing purged or deleted: the first message is still there and the sequence has no holes.
    expect(after.state.first_seq).toBe(before.state.first_seq);
    expect(after.state.num_deleted ?? 0).toBe(0);
    expect(after.state.messages).toBeGreaterThanOrEqual(before.state.messages);
    expect(after.state.messages).toBe(after.state.last_seq - after.state.first_seq + 1);

    // Every stored message is a genuine audit event, on the subject of its own kind.
    const stored = await readAuditStream(reader);
    expect(stored.length).toBe(after.state.messages);
    const bogus = stored.filter((m) => {
      const parsed = AuditEvent.safeParse(m.event);
      return !parsed.success || m.subject !== auditSubject(parsed.data.kind);
    });
    expect(bogus.map((m) => ({ subject: m.subject, raw: m.raw.slice(0, 120) }))).toEqual([]);

    // The services are still serving.
    const ping = await host.request(SUBJECTS.api.ping, '{}', { timeout: 10_000 });
    expect(JSON.parse(new TextDecoder().decode(ping.data))).not.toHaveProperty('error');
    report('reply-bounce', { users: users.length, subjects: SERVICE_SUBJECTS.length, targets: TARGETS.length, sent, stored: stored.length });
  }, 120_000);
});

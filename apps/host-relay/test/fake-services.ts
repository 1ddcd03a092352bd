import { BusError, encodeBody, errorReply, decodeBody, parseBearer, SUBJECTS } from '@auth-bus/contracts';
import type { NatsHarness } from '@auth-bus/testing';
import type { Msg, NatsConnection } from 'nats';

/**
 * Tiny stand-ins for api-service and auth-service on a real nats-server, connected with the
 * real users and permissions. Their answers depend on the bearer token, so that tests can
 * produce every outcome on purpose:
 * - `good` → OK; `bob` → FORBIDDEN on pong-scoped; `slow` → OK after 600 ms; `silent` → no reply;
 * - no token → UNAUTHENTICATED (missing); anything else → UNAUTHENTICATED (bad_signature).
 * A token is either the bare name (HTTP tests) or `fakeJwt(name)`, the name inside something
 * shaped like a JWT (the relay refuses to report anything that is not).
 */

/** A JWT-shaped token (unsigned; only these stand-ins accept it) carrying `name`. */
export function fakeJwt(name: string): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg: 'RS256', typ: 'JWT', kid: 'fake' })}.${b64({ fake: name })}.${Buffer.from('not-a-signature').toString('base64url')}`;
}

/** The name a token stands for: the `fake` claim of a fakeJwt, else the token itself. */
function nameOf(token: string): string {
  const parts = token.split('.');
  if (parts.length !== 3) return token;
  try {
    const claim = JSON.parse(Buffer.from(parts[1], 'base64url').toString()).fake;
    return typeof claim === 'string' ? claim : token;
  } catch {
    return token;
  }
}
export interface FakeServices {
  /** Authorization headers seen on api.* requests, in order. */
  apiHeaders: (string | undefined)[];
  /** auth.session.* events received. */
  sessionEvents: { subject: string; authorization?: string; body: any }[];
  stop(): Promise<void>;
}

export async function startFakeServices(nats: NatsHarness): Promise<FakeServices> {
  const api: NatsConnection = await nats.connectAs('api-service');
  const auth: NatsConnection = await nats.connectAs('auth-service');
  const state: FakeServices = {
    apiHeaders: [],
    sessionEvents: [],
    stop: async () => {
      await api.close();
      await auth.close();
    },
  };
  const at = () => new Date().toISOString();
  const reply = (msg: Msg, body: unknown, delay = 0) => (delay ? setTimeout(() => msg.respond(encodeBody(body)), delay) : msg.respond(encodeBody(body)));

  const protectedHandler = (scoped: boolean) => (_err: unknown, msg: Msg) => {
    const header = msg.headers?.get('Authorization') || undefined;
    state.apiHeaders.push(header);
    const bearer = parseBearer(header);
    if (!bearer) return reply(msg, errorReply(BusError.unauthenticated('missing')));
    const token = nameOf(bearer);
    if (token === 'silent') return;
    if (token === 'bob' && scoped) return reply(msg, errorReply(BusError.forbidden('read:messages')));
    if (token === 'good' || token === 'slow' || token === 'bob') {
      const body = scoped
        ? { data: 'Hello from a SCOPED endpoint!', sub: 'alice', permission: 'read:messages', instance: 'fake-api', at: at() }
        : { data: `Hello from a SECURE endpoint! ${token}`, sub: token === 'bob' ? 'bob' : 'alice', instance: 'fake-api', at: at() };
      return reply(msg, body, token === 'slow' ? 600 : 0);
    }
    return reply(msg, errorReply(BusError.unauthenticated('bad_signature')));
  };

  api.subscribe(SUBJECTS.api.ping, {
    callback: (_err, msg) => {
      state.apiHeaders.push(msg.headers?.get('Authorization') || undefined);
      reply(msg, { data: 'Hello from a PUBLIC endpoint!', instance: 'fake-api', at: at() });
    },
  });
  api.subscribe(SUBJECTS.api.pong, { callback: protectedHandler(false) });
  api.subscribe(SUBJECTS.api.pongScoped, { callback: protectedHandler(true) });
  auth.subscribe(SUBJECTS.auth.verify, {
    callback: (_err, msg) => {
      const token = parseBearer(msg.headers?.get('Authorization'));
      reply(msg, errorReply(BusError.unauthenticated(token ? 'bad_signature' : 'missing')));
    },
  });
  auth.subscribe('auth.session.>', {
    callback: (_err, msg) =>
      state.sessionEvents.push({ subject: msg.subject, authorization: msg.headers?.get('Authorization') || undefined, body: decodeBody(msg.data) }),
  });
  await api.flush();
  await auth.flush();
  return state;
}

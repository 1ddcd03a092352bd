import { BusError, SUBJECTS } from '@auth-bus/contracts';
import { loadConfig } from '../config/relay.config';
import type { BusService } from './bus.service';
import { RouteForwarder } from './route-forwarder.service';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (name: string) => `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ name })}.c2ln`;

function setup(env: Record<string, string> = {}) {
  const calls: { subject: string; token?: string }[] = [];
  let answer: (token?: string) => unknown = (token) => {
    if (token === jwt('alice')) return { sub: 'alice' };
    if (token === jwt('bob')) throw BusError.forbidden('read:messages');
    if (token === jwt('flaky')) throw BusError.timeout('api.pong', 10);
    throw BusError.unauthenticated(token ? 'bad_signature' : 'missing');
  };
  const bus = {
    request: async (subject: string, _body: unknown, { token }: { token?: string }) => {
      calls.push({ subject, token });
      return answer(token);
    },
  } as unknown as BusService;
  const forwarder = new RouteForwarder(bus, loadConfig({ RELAY_AUTH_TRIAL_BURST: '3', RELAY_AUTH_TRIALS_PER_MINUTE: '1', ...env }));
  /** `client: null` is a call with no client address. */
  const call = (path: string, token?: string, client: string | null = '10.0.0.9') =>
    forwarder.forward({ method: 'GET', path, token, client: client ?? undefined }).then(
      () => 'ok' as string,
      (e: BusError) => `${e.code}${e.reason ? `:${e.reason}` : ''}`,
    );
  return { forwarder, calls, call, setAnswer: (fn: typeof answer) => (answer = fn) };
}

describe('RouteForwarder: token trials on protected routes', () => {
  it('refuses a token that is not shaped like a JWT without forwarding it', async () => {
    const { call, calls } = setup();
    expect(await call('/api/pong', 'this-is-not-a-jwt')).toBe('UNAUTHENTICATED:malformed');
    expect(calls).toHaveLength(0);
  });

  it('forwards at most the budget of refused tokens per address, then RATE_LIMITED without forwarding', async () => {
    const { call, calls } = setup();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call('/api/pong', jwt(`mallory-${i}`)));
    expect(answers).toEqual(['UNAUTHENTICATED:bad_signature', 'UNAUTHENTICATED:bad_signature', 'UNAUTHENTICATED:bad_signature', 'RATE_LIMITED', 'RATE_LIMITED', 'RATE_LIMITED']);
    expect(calls).toHaveLength(3);
    expect(await call('/api/pong', undefined)).toBe('RATE_LIMITED'); // token-less calls use the same budget
    expect(await call('/api/pong', jwt('mallory-9'), '10.0.0.10')).toBe('UNAUTHENTICATED:bad_signature'); // another address
  });

  it('never limits a real client: an accepted token is charged once and then known', async () => {
    const { call, calls } = setup({ RELAY_AUTH_TRIAL_BURST: '1' });
    for (let i = 0; i < 20; i++) expect(await call('/api/pong', jwt('alice'))).toBe('ok');
    for (let i = 0; i < 5; i++) expect(await call('/api/pong-scoped', jwt('bob'))).toBe('FORBIDDEN:missing_permission');
    expect(calls).toHaveLength(25);
  });

  it('gives the trial back when the call failed for another reason', async () => {
    const { call } = setup({ RELAY_AUTH_TRIAL_BURST: '1' });
    for (let i = 0; i < 3; i++) expect(await call('/api/pong', jwt('flaky'))).toBe('TIMEOUT');
  });

  it('leaves public routes, and callers without an address (internal), alone', async () => {
    const { call, calls, setAnswer } = setup({ RELAY_AUTH_TRIAL_BURST: '1' });
    setAnswer(() => ({ data: 'pong' }));
    for (let i = 0; i < 5; i++) expect(await call('/api/ping', `junk-${i}`)).toBe('ok');
    expect(calls.map((c) => c.subject)).toEqual(Array(5).fill(SUBJECTS.api.ping));
    setAnswer(() => {
      throw BusError.unauthenticated('missing');
    });
    for (let i = 0; i < 3; i++) expect(await call('/api/pong', undefined, null)).toBe('UNAUTHENTICATED:missing');
  });
});

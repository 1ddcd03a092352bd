import { BusError, encodeBody, errorReply, RPC, SUBJECTS } from '@auth-bus/contracts';
import { BusClient, IDEMPOTENT_SUBJECTS, NON_IDEMPOTENT_SUBJECTS, type RetryInfo } from '../src/client';
import { standInService } from './support/stand-in-service';

/**
 * The BusClient's opt-in retries for idempotent requests (UNAVAILABLE / TIMEOUT only), against a
 * real nats-server with hand-made responders that lose requests on purpose.
 */
describe('BusClient retries (real nats-server)', () => {
  let seen = { ping: 0, pong: 0, verify: 0 };
  const bus = standInService({
    // Loses every other request (as a replica killed mid-request would), answers the rest.
    [SUBJECTS.api.ping]: (msg) => {
      if (seen.ping++ % 2 === 0) return;
      msg.respond(encodeBody({ data: 'Hello from a PUBLIC endpoint!', instance: 'test-1', at: new Date().toISOString() }));
    },
    // Always answers with a typed error: a service's own answer is never retried.
    [SUBJECTS.api.pong]: (msg) => {
      seen.pong++;
      msg.respond(encodeBody(errorReply(BusError.unauthenticated('expired'))));
    },
  });

  beforeEach(() => {
    seen = { ping: 0, pong: 0, verify: 0 };
  });

  it('does not retry unless asked (the default is unchanged)', async () => {
    await expect(new BusClient(bus.requester).request(SUBJECTS.api.ping, {}, { timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen.ping).toBe(1);
  });

  it('retries a lost idempotent request and succeeds, reporting each retry', async () => {
    const retried: RetryInfo[] = [];
    const client = new BusClient(bus.requester, { retries: 2, retryDelayMs: 10, onRetry: (info) => retried.push(info) });
    await expect(client.request(SUBJECTS.api.ping, {}, { timeout: 200 })).resolves.toMatchObject({ instance: 'test-1' });
    expect(seen.ping).toBe(2);
    expect(retried).toEqual([{ subject: SUBJECTS.api.ping, attempt: 1, error: expect.objectContaining({ code: 'TIMEOUT' }) }]);
  });

  it('gives up after the retries with the last typed error', async () => {
    const client = new BusClient(bus.requester, { retries: 2, retryDelayMs: 10 });
    // No responder at all: UNAVAILABLE (no responders) on every attempt.
    const started = Date.now();
    await expect(client.request(SUBJECTS.auth.verify, {}, { timeout: 200 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('never retries an answer of the service (only UNAVAILABLE and TIMEOUT)', async () => {
    const client = new BusClient(bus.requester, { retries: 3, retryDelayMs: 10 });
    await expect(client.request(SUBJECTS.api.pong, {}, { timeout: 200 })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'expired' });
    expect(seen.pong).toBe(1);
  });

  it('lets a request turn retrying off, and never retries a subject that is not idempotent', async () => {
    const client = new BusClient(bus.requester, { retries: 3, retryDelayMs: 10 });
    await expect(client.request(SUBJECTS.api.ping, {}, { timeout: 200, retries: 0 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen.ping).toBe(1);
    const strict = new BusClient(bus.requester, { retries: 3, retryDelayMs: 10, idempotent: () => false });
    seen.ping = 0;
    await expect(strict.requestRaw(SUBJECTS.api.ping, {}, { timeout: 200 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(seen.ping).toBe(1);
  });

  it('treats every request–reply subject of the contract as idempotent except the writing ones, and nothing else (a new subject needs a decision)', () => {
    expect([...IDEMPOTENT_SUBJECTS].sort()).toEqual(Object.keys(RPC).filter((s) => !(NON_IDEMPOTENT_SUBJECTS as ReadonlySet<string>).has(s)).sort());
    expect([...NON_IDEMPOTENT_SUBJECTS].every((s) => s in RPC && !(IDEMPOTENT_SUBJECTS as ReadonlySet<string>).has(s))).toBe(true);
    expect((IDEMPOTENT_SUBJECTS as ReadonlySet<string>).has(SUBJECTS.auth.sessionReported)).toBe(false);
  });
});

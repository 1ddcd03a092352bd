import type { ClientFrame, WebResultFrame } from '@auth-bus/contracts';
import type { ActionOutcome } from './frame-state';
import { FakeTimers } from './fakes';
import { ACTION_TIMEOUT_MS, WebRequests } from './web-requests';

function setup(ready = true) {
  const timers = new FakeTimers();
  const sent: ClientFrame[] = [];
  const relay = { isReady: ready, send: (frame: ClientFrame) => (relay.isReady ? (sent.push(frame), true) : false) };
  const finished: { result: WebResultFrame; outcome: ActionOutcome }[] = [];
  const requests = new WebRequests(relay, timers.clock, (result, outcome) => finished.push({ result, outcome }));
  return { timers, sent, relay, finished, requests };
}

describe('WebRequests', () => {
  it('sends a host request once per id, and a button click with a new id each time', () => {
    const t = setup();
    expect(t.requests.requestOnce({ id: 'a1', method: 'GET', path: '/api/pong', useauth: true })).toBe(true);
    expect(t.requests.requestOnce({ id: 'a1', method: 'GET', path: '/api/pong', useauth: true })).toBe(false);
    expect(t.requests.runButton({ id: 'b', method: 'GET', path: '/api/ping', useauth: false })).toBe(true);
    t.timers.now += 1;
    expect(t.requests.runButton({ id: 'b', method: 'GET', path: '/api/ping', useauth: false })).toBe(true);
    expect(t.sent.map((f) => (f as { id: string }).id)).toEqual(['a1', expect.stringMatching(/^b\./), expect.stringMatching(/^b\./)]);
    expect(new Set(t.requests.ids()).size).toBe(3);
  });

  it('waits for the relay, then sends what was queued', () => {
    const t = setup(false);
    t.requests.requestOnce({ id: 'q', method: 'GET', path: '/api/pong', useauth: false });
    expect(t.sent).toEqual([]);
    t.relay.isReady = true;
    t.requests.flush();
    t.requests.flush(); // sent once only
    expect(t.sent).toHaveLength(1);
  });

  it('ends every request in exactly one result: answered, refused by the relay, or timed out', () => {
    const t = setup();
    for (const id of ['ok', 'err', 'slow']) t.requests.requestOnce({ id, label: id.toUpperCase(), method: 'GET', path: '/api/pong', useauth: false });
    t.requests.onRelayFrame({ type: 'web.result', id: 'ok', ok: true, status: 200, data: { data: 'Hello' } });
    expect(t.requests.onRelayFrame({ type: 'error', id: 'err', error: { code: 'RATE_LIMITED', message: 'slow down' } })).toBe(true);
    expect(t.requests.onRelayFrame({ type: 'error', error: { code: 'FORBIDDEN', message: 'no' } })).toBe(false); // not a request's: the host hears of it
    t.timers.advance(ACTION_TIMEOUT_MS);
    t.requests.onRelayFrame({ type: 'web.result', id: 'ok', ok: true, status: 200, data: {} }); // late duplicate: nothing
    expect(t.finished.map((f) => [f.result.id, f.result.label, f.result.status, f.outcome.summary])).toEqual([
      ['ok', 'OK', 200, 'Hello'],
      ['err', 'ERR', 429, 'RATE_LIMITED: slow down'],
      ['slow', 'SLOW', 504, 'TIMEOUT: No answer from host-relay in time'],
    ]);
    expect(t.requests.ids()).toEqual([]);
  });
});

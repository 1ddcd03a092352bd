import type { ServerFrame } from '@auth-bus/contracts';
import { FakeSocket, FakeTimers } from './fakes';
import { RelayClient, type RelayState } from './relay';

function setup() {
  const timers = new FakeTimers();
  const sockets: FakeSocket[] = [];
  const frames: ServerFrame[] = [];
  const states: [RelayState, number | undefined][] = [];
  let ready = 0;
  const client = new RelayClient({
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    onFrame: (f) => frames.push(f),
    onReady: () => ready++,
    onState: (s, retry) => states.push([s, retry]),
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 1,
  });
  return { timers, sockets, frames, states, client, ready: () => ready };
}

describe('RelayClient', () => {
  it('says hello, becomes ready on welcome, and passes valid frames on', () => {
    const t = setup();
    t.client.connect('ws://relay/ws', 'sess-1');
    expect(t.client.send({ type: 'session.ended' })).toBe(false);
    t.sockets[0].welcome();
    expect(t.sockets[0].sent[0]).toEqual({ type: 'hello', v: 1, session_id: 'sess-1' });
    expect(t.ready()).toBe(1);
    expect(t.client.state).toBe('open');
    t.sockets[0].receive({ type: 'session.ack', state: 'reported' });
    t.sockets[0].receive({ type: 'session.ack', state: 'bogus' });
    t.sockets[0].receive('not json');
    expect(t.frames).toEqual([{ type: 'session.ack', state: 'reported' }]);
    expect(t.client.send({ type: 'session.ended' })).toBe(true);
  });

  it('reconnects with exponential backoff and resets it after a welcome', () => {
    const t = setup();
    t.client.connect('ws://relay/ws', 'sess-1');
    t.sockets[0].drop();
    expect(t.states.at(-1)).toEqual(['offline', 500]);
    t.timers.advance(500);
    expect(t.sockets).toHaveLength(2);
    t.sockets[1].drop();
    expect(t.states.at(-1)).toEqual(['offline', 1000]);
    t.timers.advance(1000);
    t.sockets[2].drop();
    expect(t.states.at(-1)).toEqual(['offline', 2000]);
    t.timers.advance(2000);
    t.sockets[3].welcome();
    expect(t.client.state).toBe('open');
    t.sockets[3].drop();
    expect(t.states.at(-1)).toEqual(['offline', 500]);
  });

  it('drops a connection that never says welcome, or never opens', () => {
    const t = setup();
    t.client.connect('ws://relay/ws', 'sess-1');
    t.sockets[0].open();
    t.timers.advance(8000);
    expect(t.sockets[0].closed).toBe(true);
    expect(t.client.state).toBe('offline');
    t.timers.advance(500);
    expect(t.sockets).toHaveLength(2);
    t.timers.advance(8000); // never opens: dropped too
    expect(t.sockets[1].closed).toBe(true);
    expect(t.client.state).toBe('offline');
  });

  it('reconnects when the session id changes and stops on close', () => {
    const t = setup();
    t.client.connect('ws://relay/ws', 'sess-1');
    t.client.connect('ws://relay/ws', 'sess-1');
    expect(t.sockets).toHaveLength(1);
    t.client.connect('ws://relay/ws', 'sess-2');
    expect(t.sockets).toHaveLength(2);
    expect(t.sockets[0].closed).toBe(true);
    t.client.close();
    expect(t.client.state).toBe('idle');
    t.timers.advance(60_000);
    expect(t.sockets).toHaveLength(2);
  });
});

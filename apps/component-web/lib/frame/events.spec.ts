import { sessionFor } from './fakes';
import type { ComponentEventValue } from '@auth-bus/contracts';
import { EventSender, mountStatusCause } from './events';

describe('EventSender', () => {
  it('sends only allowed names, with an increasing seq', () => {
    const sent: ComponentEventValue[] = [];
    const events = new EventSender((v) => sent.push(v), 1000);
    events.setAllowed(['onStatusUpdate']);
    const data = { user: null, token: null, cause: 'logout' };
    expect(events.emit('onStatusUpdate', data)).toBe(true);
    expect(events.emit('onError', { code: 'X', message: 'nope' })).toBe(false);
    expect(events.emit('onStatusUpdate', data)).toBe(true);
    expect(sent).toEqual([
      { name: 'onStatusUpdate', data, seq: 1001 },
      { name: 'onStatusUpdate', data, seq: 1002 },
    ]);
    expect(events.suppressed).toEqual(['onError']);
  });

  it('refuses data that does not match the contract', () => {
    const sent: ComponentEventValue[] = [];
    const events = new EventSender((v) => sent.push(v), 0);
    events.setAllowed(['onStatusUpdate']);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(events.emit('onStatusUpdate', { user: null, token: null, cause: 'bogus' })).toBe(false);
    warn.mockRestore();
    expect(sent).toEqual([]);
  });
});

describe('mountStatusCause', () => {
  const session = sessionFor(1_700_000_000_000);
  it('tells the host at mount only when what it believes differs from what the frame has', () => {
    expect(mountStatusCause(session, { loggedIn: false }, false)).toBe('mount');
    expect(mountStatusCause(session, { loggedIn: true, tokenValue: 'other' }, false)).toBe('mount');
    expect(mountStatusCause(session, { loggedIn: true, tokenValue: session.token.value }, false)).toBeNull();
    expect(mountStatusCause(session, { loggedIn: true }, false)).toBeNull();
    expect(mountStatusCause(null, { loggedIn: true, tokenValue: 'old' }, false)).toBe('mount');
    expect(mountStatusCause(null, { loggedIn: true, tokenValue: 'old' }, true)).toBe('expired');
    expect(mountStatusCause(null, { loggedIn: false }, true)).toBeNull();
  });
});

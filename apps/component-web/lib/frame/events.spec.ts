import type { ComponentEventValue } from '@auth-bus/contracts';
import { EventSender } from './events';

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

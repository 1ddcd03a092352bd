import { FakeTimers } from './fakes';
import { PopupWindow, type WindowLike } from './popup-window';

describe('PopupWindow', () => {
  it('opens the named popup, notices when it is closed by hand, and says when it was blocked', () => {
    const timers = new FakeTimers();
    const opened: [string, string, string][] = [];
    let block = false;
    const win: WindowLike = { closed: false, focus: jest.fn() };
    let closedByHand = 0;
    const popup = new PopupWindow(
      (url, name, features) => (block ? null : (opened.push([url, name, features]), win)),
      'auth-bus-login',
      'popup,width=425',
      timers.clock,
      () => (closedByHand += 1),
    );
    expect(popup.focusOpen()).toBe(false);
    expect(popup.open('/auth/login')).toBe(win);
    expect(opened).toEqual([['/auth/login', 'auth-bus-login', 'popup,width=425']]);
    expect(popup.focusOpen()).toBe(true);
    expect(win.focus).toHaveBeenCalled();
    timers.advance(2_000);
    expect(closedByHand).toBe(0);
    win.closed = true;
    timers.advance(500);
    expect(closedByHand).toBe(1);
    expect(timers.pending).toBe(0);
    block = true;
    expect(popup.open('/auth/login')).toBeNull();
  });
});

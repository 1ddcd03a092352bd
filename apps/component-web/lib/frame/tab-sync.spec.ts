import { FakeChannelHub, sessionFor } from './fakes';
import { TAB_SYNC_CHANNEL, TabSync, type TabMessage } from './tab-sync';

describe('TabSync', () => {
  it('delivers valid messages to the other tabs, never back to the sender', () => {
    const hub = new FakeChannelHub();
    const got: Record<string, TabMessage[]> = { a: [], b: [] };
    const a = new TabSync(hub.create, (m) => got.a.push(m));
    new TabSync(hub.create, (m) => got.b.push(m));
    const login: TabMessage = { v: 1, kind: 'login', session: sessionFor(1_700_000_000_000) };
    a.post(login);
    expect(got).toEqual({ a: [], b: [login] });
  });

  it('drops messages of the wrong shape', () => {
    const hub = new FakeChannelHub();
    const got: TabMessage[] = [];
    new TabSync(hub.create, (m) => got.push(m));
    hub.inject({ v: 2, kind: 'logout', cause: 'logout' });
    hub.inject({ v: 1, kind: 'logout', cause: 'logout', extra: true });
    hub.inject(null);
    hub.inject({ v: 1, kind: 'logout', cause: 'revoked' });
    expect(got).toEqual([{ v: 1, kind: 'logout', cause: 'revoked' }]);
  });

  it('opens the shared channel by name, and works alone where there is none or it is refused', () => {
    const names: string[] = [];
    new TabSync((name) => (names.push(name), null), () => undefined).post({ v: 1, kind: 'logout', cause: 'logout' });
    expect(names).toEqual([TAB_SYNC_CHANNEL]);
    const refused = new TabSync(() => {
      throw new Error('SecurityError');
    }, () => undefined);
    expect(() => refused.post({ v: 1, kind: 'logout', cause: 'logout' })).not.toThrow();
    expect(() => new TabSync(undefined, () => undefined).close()).not.toThrow();
  });

  it('stops hearing the others once closed', () => {
    const hub = new FakeChannelHub();
    const got: TabMessage[] = [];
    const b = new TabSync(hub.create, (m) => got.push(m));
    const a = new TabSync(hub.create, () => undefined);
    b.close();
    a.post({ v: 1, kind: 'logout', cause: 'logout' });
    expect(got).toEqual([]);
  });
});

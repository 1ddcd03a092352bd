import { sessionFor } from './fakes';
import { SessionApi } from './session-api';
import { SessionKeeper } from './session-keeper';
import { memoryStore } from './session-store';

const NOW = 1_700_000_000_000;
const URLS = { refresh: '/api/session/refresh', adopt: '/api/session/adopt', forget: '/api/session/forget' };

function setup(answers: Record<string, () => Response>, stored: ReturnType<typeof sessionFor> | null = null) {
  const calls: { url: string; headers: unknown; body?: string }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, headers: init.headers, body: init.body as string | undefined });
    return answers[url]?.() ?? new Response(null, { status: 401 });
  }) as typeof globalThis.fetch;
  const store = memoryStore(stored);
  return { calls, store, keeper: new SessionKeeper(store, new SessionApi(fetch, URLS)) };
}

describe('SessionKeeper', () => {
  it('uses the stored session at mount while it is fresh, asking the server nothing', async () => {
    const t = setup({}, sessionFor(NOW, 300));
    expect(await t.keeper.atMount(() => NOW)).toEqual({ session: sessionFor(NOW, 300), expiredOnLoad: false });
    expect(t.calls).toEqual([]);
  });

  it('restores from the cookie when storage is empty, and refreshes a stale one (or forgets it)', async () => {
    const restored = sessionFor(NOW, 300, 'restored.token.sig');
    const t = setup({ '/api/session/refresh?restore=1': () => Response.json(restored) });
    expect(await t.keeper.atMount(() => NOW)).toEqual({ session: restored, expiredOnLoad: false });
    expect(t.store.value).toEqual(restored);
    expect(t.calls[0].headers).toEqual({ 'x-auth-bus-frame': '1' });

    const stale = setup({}, sessionFor(NOW, 3));
    expect(await stale.keeper.atMount(() => NOW)).toEqual({ session: null, expiredOnLoad: true });
    expect(stale.calls.map((c) => c.url)).toEqual(['/api/session/refresh']);
    expect(stale.store.value).toBeNull();
  });

  it('keeps a login in storage and adopts its hand-off once; false when neither keeps it', async () => {
    const handoff = { secret: 's'.repeat(43), sealed: `h1.${'x'.repeat(64)}` };
    const t = setup({ '/api/session/adopt': () => new Response(null, { status: 204 }) });
    expect(await t.keeper.keep(sessionFor(NOW), handoff)).toBe(true);
    expect(t.calls.map((c) => [c.url, c.body])).toEqual([['/api/session/adopt', JSON.stringify(handoff)]]);

    const refused = setup({});
    refused.store.save = () => Promise.reject(new Error('denied'));
    expect(await refused.keeper.keep(sessionFor(NOW), handoff)).toBe(false); // adopt answered 401
    expect(await refused.keeper.keep(sessionFor(NOW))).toBe(false);
  });

  it('forgets in storage and on the server', async () => {
    const t = setup({}, sessionFor(NOW));
    t.keeper.forget();
    await new Promise((r) => setImmediate(r));
    expect(t.store.value).toBeNull();
    expect(t.calls.map((c) => c.url)).toEqual(['/api/session/forget']);
  });
});

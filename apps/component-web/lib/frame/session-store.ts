import { ComponentSession, type ComponentSession as ComponentSessionT } from '@auth-bus/contracts';

/**
 * Where the frame keeps the session between page loads. In the browser this is `localforage`
 * (IndexedDB), which browsers partition by the top-level site: the frame's copy belongs to the
 * frame inside this Streamlit site, and the popup (a first-party window) cannot see it — which
 * is why the popup hands the session over with postMessage and the frame persists it itself.
 */
export interface SessionStore {
  load(): Promise<ComponentSessionT | null>;
  save(session: ComponentSessionT): Promise<void>;
  clear(): Promise<void>;
}

const KEY = 'session';

interface ForageLike {
  getItem<T>(key: string): Promise<T | null>;
  setItem<T>(key: string, value: T): Promise<T>;
  removeItem(key: string): Promise<void>;
}

export function forageStore(forage: ForageLike): SessionStore {
  return {
    async load() {
      try {
        const raw = await forage.getItem<unknown>(KEY);
        if (raw === null || raw === undefined) return null;
        const parsed = ComponentSession.safeParse(raw);
        if (!parsed.success) {
          await forage.removeItem(KEY);
          return null;
        }
        return parsed.data;
      } catch {
        return null;
      }
    },
    async save(session) {
      await forage.setItem(KEY, session);
    },
    async clear() {
      await forage.removeItem(KEY);
    },
  };
}

/** The real store: a dedicated localforage instance (lazy import: browser only). */
export async function browserStore(): Promise<SessionStore> {
  const localforage = (await import('localforage')).default;
  const instance = localforage.createInstance({ name: 'auth-bus-component', storeName: 'session' });
  return forageStore(instance);
}

/** A store in memory (unit tests, or when the browser refuses storage). */
export function memoryStore(initial: ComponentSessionT | null = null): SessionStore & { value: ComponentSessionT | null } {
  const store = {
    value: initial,
    async load() {
      return store.value;
    },
    async save(session: ComponentSessionT) {
      store.value = session;
    },
    async clear() {
      store.value = null;
    },
  };
  return store;
}

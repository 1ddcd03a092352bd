import type { ComponentSession } from '@auth-bus/contracts';
import type { Handoff } from '../shared/popup-message';
import type { SessionApi } from './session-api';
import type { SessionStore } from './session-store';

/** A stored access token this close to its expiry is refreshed before the frame uses it. */
const STALE_AT_MOUNT_MS = 5_000;

/**
 * Where the frame's session survives a reload: its own storage (session-store.ts) and the
 * partitioned cookie the server keeps for it (session-api.ts). Storage failures never throw.
 */
export class SessionKeeper {
  constructor(
    private readonly store: SessionStore,
    private readonly api: SessionApi,
  ) {}

  /** The session at page load: stored, else restored from the cookie; refreshed when (about to be) stale. */
  async atMount(now: () => number): Promise<{ session: ComponentSession | null; expiredOnLoad: boolean }> {
    let stored = await this.store.load().catch(() => null);
    if (!stored) {
      // Nothing in the frame's storage — empty, or refused (Chromium refuses IndexedDB to a frame
      // on another site than the page): the session adopted at login lives on in the partitioned
      // cookie; ask for it (the stored token while valid, refreshed otherwise).
      stored = await this.api.refresh(true).catch(() => null);
      if (stored) await this.store.save(stored).catch(() => undefined);
    }
    if (!stored || stored.token.expiry * 1000 > now() + STALE_AT_MOUNT_MS) return { session: stored, expiredOnLoad: false };
    const fresh = await this.api.refresh().catch(() => null);
    if (fresh) await this.store.save(fresh).catch(() => undefined);
    else await this.store.clear().catch(() => undefined);
    return { session: fresh, expiredOnLoad: !fresh };
  }

  /**
   * Keeps a new session. After a login the one-time hand-off goes to the server once (then only
   * the cookie holds it); resolves false when neither storage nor cookie keeps the session.
   */
  keep(session: ComponentSession, handoff?: Handoff | null): Promise<boolean> {
    // Where the browser refuses the frame's storage (a frame on another site than the Streamlit
    // page, in Chromium), the adopted partitioned cookie still restores the session at reload.
    const saved = this.store.save(session).then(
      () => true,
      () => false,
    );
    const adopted = handoff ? this.api.adopt(handoff) : Promise.resolve(false);
    return Promise.all([saved, adopted]).then(([stored, kept]) => stored || kept);
  }

  /** Logout or expiry: the storage and the server's cookie forget the session. */
  forget(): void {
    this.store.clear().catch(() => undefined);
    void this.api.forget();
  }
}

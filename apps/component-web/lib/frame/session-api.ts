import { ComponentSession } from '@auth-bus/contracts';
import type { Handoff } from '../shared/popup-message';
import { FRAME_REQUEST_HEADER } from '../shared/routes';

export interface SessionApiUrls {
  /** `/api/session/refresh` */
  refresh: string;
  /** `/api/session/adopt`: the frame takes over the session its popup created (partitioned cookie). */
  adopt: string;
  /** `/api/session/forget`: drops the frame's copy at logout/expiry. */
  forget: string;
}

/** The frame's same-origin calls to component-web's session routes (app/api/session). */
export class SessionApi {
  constructor(
    private readonly fetch: typeof globalThis.fetch,
    private readonly urls: SessionApiUrls,
  ) {}

  /**
   * A fresh session from the refresh route (`restore`: the one adopted earlier, for a page whose
   * own storage is empty); null when the route says the session is over; throws otherwise.
   */
  async refresh(restore = false): Promise<ComponentSession | null> {
    const res = await this.fetch(restore ? `${this.urls.refresh}?restore=1` : this.urls.refresh, {
      method: 'POST',
      credentials: 'include',
      cache: 'no-store',
      headers: { [FRAME_REQUEST_HEADER]: '1' },
    });
    if (res.status === 401 || res.status === 403) return null;
    if (!res.ok) throw new Error(`refresh failed with ${res.status}`);
    const parsed = ComponentSession.safeParse(await res.json());
    if (!parsed.success) throw new Error('refresh returned an invalid session');
    return parsed.data;
  }

  /** Hands the popup's one-time hand-off to the server once; true when the cookie now holds the session. */
  adopt(handoff: Handoff): Promise<boolean> {
    return this.post(this.urls.adopt, handoff);
  }

  forget(): Promise<boolean> {
    return this.post(this.urls.forget);
  }

  /** Failures only matter later (no cookie to restore from), so they resolve to false. */
  private async post(url: string, body?: unknown): Promise<boolean> {
    try {
      const res = await this.fetch(url, {
        method: 'POST',
        credentials: 'include',
        cache: 'no-store',
        headers: { [FRAME_REQUEST_HEADER]: '1', ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return res.ok;
    } catch {
      return false;
    }
  }
}

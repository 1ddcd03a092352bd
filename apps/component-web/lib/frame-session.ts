import { FRAME_COOKIE_PATH, FRAME_REQUEST_HEADER } from './routes';

/**
 * The frame's own copy of the login session, for the silent refresh.
 *
 * The login popup is a first-party window: the SDK's session cookie (`__session`, holding the
 * encrypted refresh token) lands in the browser's first-party cookie jar, scoped to `/auth`. The
 * frame is an iframe on the Streamlit page — usually another site — and browsers that block
 * third-party cookies (Chromium does, headless included; Safari; Firefox partitions them) never
 * send that cookie from inside the frame. So the session is handed over once:
 *
 * 1. The login callback (lib/auth0.ts `onCallback`, or `/auth/popup/complete`) seals the new
 *    session with a one-time secret (lib/handoff.ts) and posts both to the frame with the login
 *    message (origin-checked postMessage). Nothing is kept in any component-web process.
 * 2. The frame POSTs secret + sealed value to `/api/session/adopt` — on any replica — which
 *    opens it and sets the session as `__cwf`: `Partitioned; SameSite=None; Secure; HttpOnly;
 *    Path=/api/session`, a cookie (CHIPS) that belongs to component-web *inside this Streamlit
 *    site*, sent only to the session routes.
 * 3. `/api/session/refresh` refreshes through the SDK (`getAccessToken({ refresh: true })`) with
 *    that cookie and writes the updated session back, partitioned again; at page load, a frame
 *    whose own storage is empty or refused restores the session from it (issue 14.4).
 */

export interface CookieValue {
  name: string;
  value: string;
}

/** `__session`, `__session__0`, … → the same names with another base. */
export function renameSessionCookie(name: string, from: string, to: string): string | null {
  if (name === from) return to;
  const m = new RegExp(`^${from}(__\\d+)$`).exec(name);
  return m ? `${to}${m[1]}` : null;
}

export function sessionCookies(all: CookieValue[], base: string): CookieValue[] {
  return all.filter((c) => c.name === base || new RegExp(`^${base}__\\d+$`).test(c.name));
}

/**
 * Only the frame may call the session routes: a same-origin fetch from a browser, with the custom
 * header (a cross-origin page cannot add it without a CORS preflight, which these routes never
 * grant). The browser's own signal is required: `Sec-Fetch-Site: same-origin` (every current
 * browser sends it), or — from a browser without Fetch Metadata — an `Origin` of this app (sent on
 * every POST). A request with neither (a plain HTTP client) is refused; it could forge them, which
 * is why adopting a session also needs the popup's one-time secret (lib/handoff.ts).
 */
export function isFrameRequest(request: Request, appOrigin: string): boolean {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const ownOrigin = new URL(request.url).origin;
  if (request.headers.get(FRAME_REQUEST_HEADER) !== '1') return false;
  if (origin && origin !== ownOrigin && origin !== appOrigin) return false;
  if (fetchSite) return fetchSite === 'same-origin';
  return Boolean(origin);
}

/** Attributes of the frame's cookie: partitioned by the top-level (Streamlit) site. */
export const FRAME_COOKIE_ATTRIBUTES = {
  httpOnly: true,
  secure: true,
  sameSite: 'none' as const,
  partitioned: true,
  path: FRAME_COOKIE_PATH,
};

/** The SDK's default rolling session: 1 day of inactivity. */
export const FRAME_COOKIE_MAX_AGE_S = 86_400;

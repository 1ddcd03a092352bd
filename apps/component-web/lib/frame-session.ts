import { createHash } from 'node:crypto';
import { FRAME_REQUEST_HEADER } from './routes';

/**
 * The frame's own copy of the login session, for the silent refresh.
 *
 * The login popup is a first-party window: the SDK's session cookie (`__session`, holding the
 * encrypted refresh token) lands in the browser's first-party cookie jar. The frame is an iframe
 * on the Streamlit page — usually another site — and browsers that block third-party cookies
 * (Chromium does, headless included; Safari; Firefox partitions them) never send that cookie
 * from inside the frame. So the session is handed over once, server-side:
 *
 * 1. The login callback (lib/auth0.ts `onCallback`, or `/popup/complete`) keeps the session
 *    cookie's value for two minutes, keyed by the SHA-256 of the access token it hands to the
 *    frame (`putHandoff`).
 * 2. The frame, which now holds that access token, POSTs it to `/api/session/adopt`; the route
 *    takes the entry (once) and sets it as `__cwf` — `Partitioned; SameSite=None; Secure;
 *    HttpOnly` — a cookie (CHIPS) that belongs to component-web *inside this Streamlit site*.
 * 3. `/api/session/refresh` refreshes through the SDK (`getAccessToken({ refresh: true })`) with
 *    that cookie, and writes the updated session back, partitioned again.
 *
 * The hand-off store is in process memory: with several component-web replicas behind a
 * balancer without affinity an adopt can miss, and the frame then falls back to the
 * first-party cookie (works where third-party cookies are allowed) or, at expiry, to
 * "Session expired — log in again".
 */

export interface CookieValue {
  name: string;
  value: string;
}

interface Handoff {
  /** The cookies, or how to read them once the SDK has written them onto its response. */
  cookies: CookieValue[] | (() => CookieValue[]);
  expiresAt: number;
}

const HANDOFF_TTL_MS = 120_000;
const MAX_HANDOFFS = 1000;

const store = ((globalThis as { __componentWebHandoffs?: Map<string, Handoff> }).__componentWebHandoffs ??= new Map());

function key(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex');
}

function sweep(now: number): void {
  for (const [k, v] of store) if (v.expiresAt <= now) store.delete(k);
  while (store.size >= MAX_HANDOFFS) store.delete(store.keys().next().value as string);
}

export function putHandoff(accessToken: string, cookies: Handoff['cookies'], now = Date.now()): void {
  if (Array.isArray(cookies) && !cookies.length) return;
  sweep(now);
  store.set(key(accessToken), { cookies, expiresAt: now + HANDOFF_TTL_MS });
}

/** The hand-off for this access token, once. */
export function takeHandoff(accessToken: string, now = Date.now()): CookieValue[] | null {
  const k = key(accessToken);
  const entry = store.get(k);
  store.delete(k);
  if (!entry || entry.expiresAt <= now) return null;
  const cookies = typeof entry.cookies === 'function' ? entry.cookies() : entry.cookies;
  return cookies.length ? cookies : null;
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
 * Only the frame may call the session routes: a same-origin fetch with the custom header (a
 * cross-origin page cannot add it without a CORS preflight, which these routes never grant).
 */
export function isFrameRequest(request: Request, appOrigin: string): boolean {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const ownOrigin = new URL(request.url).origin;
  return (
    request.headers.get(FRAME_REQUEST_HEADER) === '1' &&
    (!origin || origin === ownOrigin || origin === appOrigin) &&
    (!fetchSite || fetchSite === 'same-origin')
  );
}

/** Attributes of the frame's cookie: partitioned by the top-level (Streamlit) site. */
export const FRAME_COOKIE_ATTRIBUTES = {
  httpOnly: true,
  secure: true,
  sameSite: 'none' as const,
  partitioned: true,
  path: '/',
};

/** The SDK's default rolling session: 1 day of inactivity. */
export const FRAME_COOKIE_MAX_AGE_S = 86_400;

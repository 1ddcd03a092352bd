import { NextResponse, type NextRequest } from 'next/server';
import { FRAME_COOKIE_PATH } from '../shared/routes';

/**
 * The frame's own copy of the login session (cookie `__cwf`), for the silent refresh.
 *
 * The login popup is a first-party window: the SDK's session cookie (`__session`, holding the
 * encrypted refresh token) lands in the browser's first-party cookie jar, scoped to `/auth`. The
 * frame is an iframe on the Streamlit page — usually another site — and browsers that block
 * third-party cookies (Chromium does, headless included; Safari; Firefox partitions them) never
 * send that cookie from inside the frame. So the session is handed over once:
 *
 * 1. The login callback (lib/server/auth0.ts `onCallback`, or `/auth/popup/complete`) seals the
 *    new session with a one-time secret (lib/server/handoff-seal.ts) and posts both to the frame
 *    with the login message (origin-checked postMessage). Nothing is kept in any component-web process.
 * 2. The frame POSTs secret + sealed value to `/api/session/adopt` — on any replica — which
 *    opens it and sets the session as `__cwf`: `Partitioned; SameSite=None; Secure; HttpOnly;
 *    Path=/api/session`, a cookie (CHIPS) that belongs to component-web *inside this Streamlit
 *    site*, sent only to the session routes.
 * 3. `/api/session/refresh` refreshes through the SDK (`getAccessToken({ refresh: true })`) with
 *    that cookie and writes the updated session back, partitioned again; at page load, a frame
 *    whose own storage is empty or refused restores the session from it (issue 14.4).
 */

/** The parts of the SDK's `SessionData` this module looks at (the rest is carried as is). */
export interface SdkSessionData {
  tokenSet: { refreshToken?: string; scope?: string; requestedScope?: string; audience?: string; token_type?: string };
}

/** Name of the frame's own (partitioned) copy of the session cookie. */
export const FRAME_SESSION_COOKIE = '__cwf';

/** Attributes of the frame's cookie: partitioned by the top-level (Streamlit) site. */
export const FRAME_COOKIE_ATTRIBUTES = {
  httpOnly: true,
  secure: true,
  sameSite: 'none' as const,
  partitioned: true,
  path: FRAME_COOKIE_PATH,
};

export interface CookieValue {
  name: string;
  value: string;
}

/** The cookie `base` and its chunks (`base__0`, `base__1`, … — the SDK splits big sessions). */
export function sessionCookies<C extends CookieValue>(all: C[], base: string): C[] {
  return all.filter((c) => c.name === base || new RegExp(`^${base}__\\d+$`).test(c.name));
}

/**
 * What the frame's cookie keeps: the refresh token, the user and the SDK's internals — not the
 * access and ID tokens. Browsers cap partitioned (CHIPS) cookies at 10 KiB per frame site and
 * Streamlit site (Chromium drops the oldest chunk beyond that), and a big provider token alone is
 * 7 KB or more. The frame holds the tokens itself; with `expiresAt: 0` every use of this cookie
 * refreshes (the refresh route's purpose anyway).
 */
export function slimFrameSession<S extends SdkSessionData>(session: S): S {
  const { refreshToken, scope, requestedScope, audience, token_type } = session.tokenSet;
  return {
    ...session,
    tokenSet: { accessToken: '', expiresAt: 0, ...(refreshToken ? { refreshToken } : {}), scope, requestedScope, audience, token_type },
    accessTokens: undefined,
    connectionTokenSets: undefined,
  } as unknown as S;
}

/** The SDK's own writer of its session cookie (encryption, chunking): the frame client's store. */
interface SessionStoreWriter {
  set(reqCookies: NextRequest['cookies'], resCookies: NextResponse['cookies'], session: SdkSessionData, isNew?: boolean): Promise<void>;
}

function sessionStoreOf(frameClient: object): SessionStoreWriter {
  const store = (frameClient as { sessionStore?: Partial<SessionStoreWriter> }).sessionStore;
  if (typeof store?.set !== 'function') throw new Error('@auth0/nextjs-auth0 changed: Auth0Client.sessionStore.set is gone');
  return store as SessionStoreWriter;
}

/**
 * Writes the frame's partitioned session cookie (`__cwf`, chunked by the SDK) onto `response`,
 * through `frameClient` (lib/server/auth0.ts `auth0Frame`, the SDK client of that cookie).
 */
export async function writeFrameSession(frameClient: object, request: NextRequest, response: NextResponse, session: SdkSessionData): Promise<void> {
  const carrier = new NextResponse(null);
  await sessionStoreOf(frameClient).set(request.cookies, carrier.cookies, slimFrameSession(session), true);
  const written = new Set<string>();
  for (const cookie of carrier.cookies.getAll()) {
    if (!sessionCookies([cookie], FRAME_SESSION_COOKIE).length) continue;
    if (cookie.value) written.add(cookie.name);
    response.cookies.set({ ...cookie, ...FRAME_COOKIE_ATTRIBUTES });
  }
  // chunks of an earlier, longer session would corrupt this one
  for (const stale of sessionCookies(request.cookies.getAll(), FRAME_SESSION_COOKIE)) {
    if (!written.has(stale.name)) response.cookies.set({ name: stale.name, value: '', maxAge: 0, ...FRAME_COOKIE_ATTRIBUTES });
  }
}

/** Expires the frame's cookie and every chunk of it the request carries (logout, expiry). */
export function clearFrameSession(request: NextRequest, response: NextResponse): void {
  const names = new Set([FRAME_SESSION_COOKIE, ...sessionCookies(request.cookies.getAll(), FRAME_SESSION_COOKIE).map((c) => c.name)]);
  for (const name of names) response.cookies.set({ name, value: '', maxAge: 0, ...FRAME_COOKIE_ATTRIBUTES });
}

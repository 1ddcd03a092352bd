import type { SessionData } from '@auth0/nextjs-auth0/types';
import { NextResponse, type NextRequest } from 'next/server';
import { auth0Frame, FRAME_SESSION_COOKIE } from './auth0';
import { FRAME_COOKIE_ATTRIBUTES, sessionCookies } from './frame-session';

/** The SDK's own writer of its session cookie (encryption, chunking): the frame client's store. */
interface SessionStoreWriter {
  set(reqCookies: NextRequest['cookies'], resCookies: NextResponse['cookies'], session: SessionData, isNew?: boolean): Promise<void>;
}

function frameSessionStore(): SessionStoreWriter {
  const store = (auth0Frame as unknown as { sessionStore?: Partial<SessionStoreWriter> }).sessionStore;
  if (typeof store?.set !== 'function') throw new Error('@auth0/nextjs-auth0 changed: Auth0Client.sessionStore.set is gone');
  return store as SessionStoreWriter;
}

/**
 * What the frame's cookie keeps: the refresh token, the user and the SDK's internals — not the
 * access and ID tokens. Browsers cap partitioned (CHIPS) cookies at 10 KiB per frame site and
 * Streamlit site (Chromium drops the oldest chunk beyond that), and a big provider token alone is
 * 7 KB or more. The frame holds the tokens itself; with `expiresAt: 0` every use of this cookie
 * refreshes (the refresh route's purpose anyway).
 */
export function slimFrameSession(session: SessionData): SessionData {
  const { refreshToken, scope, requestedScope, audience, token_type } = session.tokenSet;
  return {
    ...session,
    tokenSet: { accessToken: '', expiresAt: 0, ...(refreshToken ? { refreshToken } : {}), scope, requestedScope, audience, token_type },
    accessTokens: undefined,
    connectionTokenSets: undefined,
  } as SessionData;
}

/** Writes the frame's partitioned session cookie (`__cwf`, chunked by the SDK) onto `response`. */
export async function writeFrameSession(request: NextRequest, response: NextResponse, session: SessionData): Promise<void> {
  const carrier = new NextResponse(null);
  await frameSessionStore().set(request.cookies, carrier.cookies, slimFrameSession(session), true);
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

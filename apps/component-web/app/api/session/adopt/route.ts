import type { SessionData } from '@auth0/nextjs-auth0/types';
import { NextResponse, type NextRequest } from 'next/server';
import { auth0Frame, FRAME_SESSION_COOKIE } from '../../../../lib/auth0';
import { config } from '../../../../lib/config';
import { FRAME_COOKIE_ATTRIBUTES, isFrameRequest, sessionCookies } from '../../../../lib/frame-session';
import { HANDOFF_MAX_SEALED_CHARS, HandoffError, openHandoff } from '../../../../lib/handoff';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store, max-age=0' };

function refuse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: NO_STORE });
}

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
 * The frame adopts the session its login popup just created (see lib/frame-session.ts and
 * lib/handoff.ts): it presents the popup's one-time secret and sealed session — which only that
 * popup/frame pair ever held; the access token alone is not enough — and gets the session as its
 * partitioned cookie `__cwf`. Works on any replica that shares AUTH0_SECRET.
 */
export async function POST(request: NextRequest): Promise<Response> {
  if (!isFrameRequest(request, config().appOrigin)) {
    return refuse(403, 'FORBIDDEN', 'Only the component frame may adopt a session');
  }
  const text = await request.text();
  let body: { secret?: unknown; sealed?: unknown } = {};
  try {
    if (text.length <= HANDOFF_MAX_SEALED_CHARS + 1024) body = JSON.parse(text) as typeof body;
  } catch {
    body = {};
  }
  let session: SessionData;
  try {
    session = openHandoff<SessionData>(body ?? {}, config().secret);
  } catch (err) {
    if (!(err instanceof HandoffError)) throw err;
    // the reason only (malformed, forged, expired, wrong_secret): never the values
    console.warn(`[component-web] session adopt refused: ${err.code}`);
    return refuse(403, 'FORBIDDEN', 'Nothing to adopt: the login hand-off is missing, expired or not yours');
  }
  const carrier = new NextResponse(null);
  await frameSessionStore().set(request.cookies, carrier.cookies, session, true);
  const response = new NextResponse(null, { status: 204, headers: NO_STORE });
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
  return response;
}

import { NextResponse, type NextRequest } from 'next/server';
import { FRAME_SESSION_COOKIE } from '../../../../lib/auth0';
import { config } from '../../../../lib/config';
import {
  FRAME_COOKIE_ATTRIBUTES,
  FRAME_COOKIE_MAX_AGE_S,
  isFrameRequest,
  renameSessionCookie,
  sessionCookies,
  takeHandoff,
} from '../../../../lib/frame-session';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store, max-age=0' };

/**
 * The frame adopts the session its login popup just created (see lib/frame-session.ts): it proves
 * it holds the access token the popup handed over, and gets the session as a partitioned cookie.
 */
export async function POST(request: NextRequest): Promise<Response> {
  if (!isFrameRequest(request, config().appOrigin)) {
    return Response.json({ error: { code: 'FORBIDDEN', message: 'Only the component frame may adopt a session' } }, { status: 403, headers: NO_STORE });
  }
  const text = await request.text();
  let token: unknown;
  try {
    token = text.length <= 16_384 ? (JSON.parse(text) as { token?: unknown }).token : undefined;
  } catch {
    token = undefined;
  }
  const cookies = typeof token === 'string' ? takeHandoff(token) : null;
  if (!cookies) {
    return Response.json({ error: { code: 'NOT_FOUND', message: 'Nothing to adopt (expired, used, or another instance)' } }, { status: 404, headers: NO_STORE });
  }
  const response = new NextResponse(null, { status: 204, headers: NO_STORE });
  const written = new Set<string>();
  for (const cookie of cookies) {
    const name = renameSessionCookie(cookie.name, '__session', FRAME_SESSION_COOKIE);
    if (!name) continue;
    written.add(name);
    response.cookies.set({ name, value: cookie.value, maxAge: FRAME_COOKIE_MAX_AGE_S, ...FRAME_COOKIE_ATTRIBUTES });
  }
  // chunks of an earlier, longer session would corrupt this one
  for (const stale of sessionCookies(request.cookies.getAll(), FRAME_SESSION_COOKIE)) {
    if (!written.has(stale.name)) response.cookies.set({ name: stale.name, value: '', maxAge: 0, ...FRAME_COOKIE_ATTRIBUTES });
  }
  return response;
}

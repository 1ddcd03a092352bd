import { NextRequest, NextResponse } from 'next/server';
import { auth0Frame } from '../../../../lib/server/auth0';
import { config } from '../../../../lib/server/config';
import { FRAME_SESSION_COOKIE, sessionCookies, writeFrameSession } from '../../../../lib/server/frame-cookie';
import { isFrameRequest } from '../../../../lib/server/frame-request';
import { toComponentSession } from '../../../../lib/server/sdk-session';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store, max-age=0' };

function error(status: number, code: string, message: string, reason?: string): Response {
  return Response.json({ error: { code, message, ...(reason ? { reason } : {}) } }, { status, headers: NO_STORE });
}

/** The request as the SDK should see it after its own cookie updates (for the fresh session). */
function withCookies(request: NextRequest, carrier: NextResponse): NextRequest {
  const jar = new Map(request.cookies.getAll().map((c) => [c.name, c.value]));
  for (const c of carrier.cookies.getAll()) {
    if (!c.value || c.maxAge === 0) jar.delete(c.name);
    else jar.set(c.name, c.value);
  }
  const headers = new Headers(request.headers);
  headers.set('cookie', [...jar].map(([n, v]) => `${n}=${v}`).join('; '));
  return new NextRequest(request.url, { headers });
}

/**
 * Silent refresh for the frame: the SDK's `getAccessToken({ refresh: true })` (refresh-token
 * grant at the provider) on the frame's partitioned copy of the session (`__cwf`, see
 * lib/server/frame-cookie.ts). Answers with a fresh `ComponentSession`; 401 when there is no session.
 *
 * `?restore=1`: the frame's page loaded with nothing in its own storage — refused, as Chromium
 * does for a frame on another site than the Streamlit page, or just empty — and asks for the
 * session it adopted earlier (refreshed: the cookie keeps no access token).
 * (The popup's first-party `__session` is scoped to `/auth` and never sent here.)
 */
export async function POST(request: NextRequest): Promise<Response> {
  if (!isFrameRequest(request, config().appOrigin)) {
    return error(403, 'FORBIDDEN', 'Refresh is only available to the component frame');
  }
  const restore = request.nextUrl.searchParams.get('restore') === '1';
  if (!sessionCookies(request.cookies.getAll(), FRAME_SESSION_COOKIE).length) {
    return error(401, 'UNAUTHENTICATED', 'Session expired — log in again', 'missing_session');
  }
  const carrier = new NextResponse(null);
  try {
    // (the frame's cookie holds no access token — lib/server/frame-cookie.ts — so this always refreshes)
    const fresh = await auth0Frame.getAccessToken(request, carrier, { refresh: true });
    const stored = await auth0Frame.getSession(withCookies(request, carrier));
    const session = toComponentSession(
      stored && {
        user: stored.user,
        tokenSet: { accessToken: fresh.token, expiresAt: fresh.expiresAt, idToken: stored.tokenSet.idToken },
      },
    );
    if (!session) return error(401, 'UNAUTHENTICATED', 'Session expired — log in again', 'missing');
    const response = NextResponse.json(session, { headers: NO_STORE });
    await writeFrameSession(auth0Frame, request, response, stored!);
    return response;
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown';
    // the code only (missing_session, failed_to_refresh_token, …): never a token
    console.warn(`[component-web] silent ${restore ? 'restore' : 'refresh'} refused: ${code}`);
    return error(401, 'UNAUTHENTICATED', 'Session expired — log in again', code.slice(0, 64));
  }
}

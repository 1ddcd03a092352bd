import { NextResponse, type NextRequest } from 'next/server';
import { FRAME_SESSION_COOKIE } from '../../../../lib/auth0';
import { config } from '../../../../lib/config';
import { FRAME_COOKIE_ATTRIBUTES, isFrameRequest, sessionCookies } from '../../../../lib/frame-session';

export const dynamic = 'force-dynamic';

/** The frame logged out (or its session expired): drop its partitioned copy of the session. */
export async function POST(request: NextRequest): Promise<Response> {
  if (!isFrameRequest(request, config().appOrigin)) {
    return Response.json({ error: { code: 'FORBIDDEN', message: 'Only the component frame may do this' } }, { status: 403 });
  }
  const response = new NextResponse(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  const names = new Set([FRAME_SESSION_COOKIE, ...sessionCookies(request.cookies.getAll(), FRAME_SESSION_COOKIE).map((c) => c.name)]);
  for (const name of names) response.cookies.set({ name, value: '', maxAge: 0, ...FRAME_COOKIE_ATTRIBUTES });
  return response;
}

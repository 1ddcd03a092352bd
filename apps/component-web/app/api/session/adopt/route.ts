import type { SessionData } from '@auth0/nextjs-auth0/types';
import { NextResponse, type NextRequest } from 'next/server';
import { auth0Frame } from '../../../../lib/server/auth0';
import { config } from '../../../../lib/server/config';
import { writeFrameSession } from '../../../../lib/server/frame-cookie';
import { isFrameRequest } from '../../../../lib/server/frame-request';
import { HANDOFF_MAX_SEALED_CHARS, HandoffError, openHandoff } from '../../../../lib/server/handoff-seal';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store, max-age=0' };

function refuse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: NO_STORE });
}

/**
 * The frame adopts the session its login popup just created (see lib/server/frame-cookie.ts
 * and lib/server/handoff-seal.ts): it presents the popup's one-time secret and sealed session — which only that
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
  const response = new NextResponse(null, { status: 204, headers: NO_STORE });
  await writeFrameSession(auth0Frame, request, response, session);
  return response;
}

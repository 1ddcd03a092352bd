import { NextResponse, type NextRequest } from 'next/server';
import { config } from '../../../../lib/server/config';
import { clearFrameSession } from '../../../../lib/server/frame-cookie';
import { isFrameRequest } from '../../../../lib/server/frame-request';

export const dynamic = 'force-dynamic';

/** The frame logged out (or its session expired): drop its partitioned copy of the session. */
export async function POST(request: NextRequest): Promise<Response> {
  if (!isFrameRequest(request, config().appOrigin)) {
    return Response.json({ error: { code: 'FORBIDDEN', message: 'Only the component frame may do this' } }, { status: 403 });
  }
  const response = new NextResponse(null, { status: 204, headers: { 'cache-control': 'no-store' } });
  clearFrameSession(request, response);
  return response;
}

import { auth0 } from '../../../../lib/auth0';
import { config } from '../../../../lib/config';
import { FRAME_REQUEST_HEADER } from '../../../../lib/routes';
import { toComponentSession } from '../../../../lib/session';

export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store, max-age=0' };

function error(status: number, code: string, message: string, reason?: string): Response {
  return Response.json({ error: { code, message, ...(reason ? { reason } : {}) } }, { status, headers: NO_STORE });
}

/**
 * Silent refresh for the frame: uses the SDK session cookie that the login popup set and
 * `getAccessToken({ refresh: true })` (refresh token grant at the provider), and answers with a
 * fresh `ComponentSession`. Only same-origin calls from the frame are served: the custom header
 * cannot be sent cross-origin without a CORS preflight (which this route never grants), and a
 * browser-sent Origin / Sec-Fetch-Site must say same-origin.
 */
export async function POST(request: Request): Promise<Response> {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const ownOrigin = new URL(request.url).origin;
  if (
    request.headers.get(FRAME_REQUEST_HEADER) !== '1' ||
    (origin && origin !== ownOrigin && origin !== config().appOrigin) ||
    (fetchSite && fetchSite !== 'same-origin')
  ) {
    return error(403, 'FORBIDDEN', 'Refresh is only available to the component frame');
  }
  try {
    const fresh = await auth0.getAccessToken({ refresh: true });
    const stored = await auth0.getSession();
    const session = toComponentSession(
      stored && {
        user: stored.user,
        tokenSet: {
          accessToken: fresh.token,
          expiresAt: fresh.expiresAt,
          idToken: stored.tokenSet.idToken,
        },
      },
    );
    if (!session) return error(401, 'UNAUTHENTICATED', 'Session expired — log in again', 'missing');
    return Response.json(session, { headers: NO_STORE });
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'unknown';
    // the code only (e.g. missing_session, failed_to_refresh_token): never a token
    console.warn(`[component-web] silent refresh refused: ${code}`);
    return error(401, 'UNAUTHENTICATED', 'Session expired — log in again', code.slice(0, 64));
  }
}

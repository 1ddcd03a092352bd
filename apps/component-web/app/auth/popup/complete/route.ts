import { cookies } from 'next/headers';
import { auth0 } from '../../../lib/auth0';
import { putHandoff, sessionCookies } from '../../../lib/frame-session';
import { popupPage, popupResponse } from '../../../lib/popup-page';
import { loginOutcome } from '../../../lib/popup-messages';

export const dynamic = 'force-dynamic';

/**
 * The login popup's hand-off page for a session that already exists (the callback normally
 * answers with this page itself, see lib/auth0.ts): reads the SDK session (user, access token,
 * ID token, expiry) and posts it to the frame.
 */
export async function GET(request: Request): Promise<Response> {
  const error = new URL(request.url).searchParams.get('error');
  const outcome = loginOutcome(error ? null : await auth0.getSession(), error);
  if (outcome.accessToken) putHandoff(outcome.accessToken, sessionCookies((await cookies()).getAll(), '__session'));
  return popupResponse(popupPage(outcome));
}

import { auth0 } from '../../../../lib/server/auth0';
import { config } from '../../../../lib/server/config';
import { loginOutcomeWithHandoff, popupPage, popupResponse } from '../../../../lib/server/popup-page';

export const dynamic = 'force-dynamic';

/**
 * The login popup's hand-off page for a session that already exists (the callback normally
 * answers with this page itself, see lib/server/auth0.ts): reads the SDK session (user, access token,
 * ID token, expiry) and posts it, with the frame's sealed hand-off, to the frame.
 */
export async function GET(request: Request): Promise<Response> {
  const error = new URL(request.url).searchParams.get('error');
  return popupResponse(popupPage(loginOutcomeWithHandoff(error ? null : await auth0.getSession(), error, config().secret)));
}

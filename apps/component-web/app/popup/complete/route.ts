import { POPUP_MESSAGE_SOURCE, type PopupMessage } from '@auth-bus/contracts';
import { cookies } from 'next/headers';
import { auth0 } from '../../../lib/auth0';
import { putHandoff, sessionCookies } from '../../../lib/frame-session';
import { popupPage, popupResponse } from '../../../lib/popup-page';
import { requestCsp } from '../../../lib/request-csp';
import { toComponentSession } from '../../../lib/session';

export const dynamic = 'force-dynamic';

const ERROR_TEXT: Record<string, string> = {
  authorization_error: 'The identity provider refused the login.',
  missing_state: 'The login could not be completed (missing state). Please try again.',
  invalid_state: 'The login took too long or was started elsewhere. Please try again.',
};

/**
 * Where the login popup lands after `/auth/callback`: reads the session the SDK just stored
 * (user, access token, ID token, expiry) and hands it to the frame with `postMessage`.
 */
export async function GET(request: Request): Promise<Response> {
  const { nonce, csp } = requestCsp(request.headers);
  const error = new URL(request.url).searchParams.get('error');
  let message: PopupMessage;
  let title: string;
  let text: string;
  const session = error ? null : toComponentSession(await auth0.getSession());
  if (session) {
    // the frame adopts this session for its silent refresh (lib/frame-session.ts)
    putHandoff(session.token.value, sessionCookies((await cookies()).getAll(), '__session'));
    message = { source: POPUP_MESSAGE_SOURCE, kind: 'login', session };
    title = 'Logged in';
    text = `Logged in${session.user.name ? ` as ${session.user.name}` : ''}.`;
  } else {
    const why = error ? (ERROR_TEXT[error] ?? 'The login failed. Please try again.') : 'No login session was found. Please try again.';
    message = { source: POPUP_MESSAGE_SOURCE, kind: 'error', message: why };
    title = 'Login failed';
    text = why;
  }
  return popupResponse(popupPage({ message, nonce, title, text }), csp);
}

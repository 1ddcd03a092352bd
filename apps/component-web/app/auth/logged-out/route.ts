import { POPUP_MESSAGE_SOURCE } from '@auth-bus/contracts';
import { popupPage, popupResponse } from '../../../lib/popup-page';
import { requestCsp } from '../../../lib/request-csp';

export const dynamic = 'force-dynamic';

/** Where the logout popup lands after the provider's logout: tells the frame, then closes. */
export async function GET(request: Request): Promise<Response> {
  const { nonce, csp } = requestCsp(request.headers);
  return popupResponse(
    popupPage({
      message: { source: POPUP_MESSAGE_SOURCE, kind: 'logout' },
      nonce,
      title: 'Logged out',
      text: 'You are logged out.',
    }),
    csp,
  );
}

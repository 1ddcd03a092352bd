import { popupPage, popupResponse } from '../../../lib/popup-page';
import { LOGOUT_OUTCOME } from '../../../lib/popup-messages';

export const dynamic = 'force-dynamic';

/** Where the logout popup lands after the provider's logout: tells the frame, then closes. */
export async function GET(): Promise<Response> {
  return popupResponse(popupPage(LOGOUT_OUTCOME));
}

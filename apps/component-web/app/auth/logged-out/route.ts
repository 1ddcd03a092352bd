import { LOGOUT_OUTCOME, popupPage, popupResponse } from '../../../lib/server/popup-page';

export const dynamic = 'force-dynamic';

/** Where the logout popup lands after the provider's logout: tells the frame, then closes. */
export async function GET(): Promise<Response> {
  return popupResponse(popupPage(LOGOUT_OUTCOME));
}

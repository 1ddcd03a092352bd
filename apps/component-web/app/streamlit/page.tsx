import { headers } from 'next/headers';
import { config } from '../../lib/server/config';
import {
  LOGIN_PATH,
  LOGOUT_PATH,
  POPUP_COMPLETE_PATH,
  POPUP_HEIGHT,
  POPUP_LOGGED_OUT_PATH,
  POPUP_WIDTH,
  POPUP_WINDOW_NAME,
  REFRESH_PATH,
  ADOPT_PATH,
  FORGET_PATH,
} from '../../lib/shared/routes';
import { Frame } from './frame';

// Rendered per request: the CSP nonce is per request, and the URLs come from run-time config.
export const dynamic = 'force-dynamic';

export default async function StreamlitFramePage() {
  await headers();
  const cfg = config();
  // (scope and audience come from the server's configuration only: proxy.ts drops any other parameter)
  const login = `${LOGIN_PATH}?${new URLSearchParams({ returnTo: POPUP_COMPLETE_PATH })}`;
  const logout = `${LOGOUT_PATH}?${new URLSearchParams({ returnTo: `${cfg.appBaseUrl}${POPUP_LOGGED_OUT_PATH}` })}`;
  return (
    <Frame
      urls={{ login, logout, refresh: REFRESH_PATH, adopt: ADOPT_PATH, forget: FORGET_PATH, popupName: POPUP_WINDOW_NAME }}
      popupSize={{ width: POPUP_WIDTH, height: POPUP_HEIGHT }}
    />
  );
}

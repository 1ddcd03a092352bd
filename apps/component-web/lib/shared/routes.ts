/** Paths of component-web, shared by the server and the frame. */
export const FRAME_PATH = '/streamlit';
export const LOGIN_PATH = '/auth/login';
export const LOGOUT_PATH = '/auth/logout';
export const CALLBACK_PATH = '/auth/callback';
/**
 * The popup's hand-off page for a session that already exists (the callback normally answers
 * with that page itself). Under `/auth`, the only path the SDK's session cookie is sent to.
 */
export const POPUP_COMPLETE_PATH = '/auth/popup/complete';
/** Where the logout popup lands after the provider's logout: tells the frame. */
// (dev-idp's default Allowed Logout URLs include http://localhost:3001/auth/logged-out)
export const POPUP_LOGGED_OUT_PATH = '/auth/logged-out';
/** Silent refresh (same-origin POST from the frame). */
export const REFRESH_PATH = '/api/session/refresh';
/** The frame adopts its popup's session / forgets it (partitioned cookie, lib/server/frame-cookie.ts). */
export const ADOPT_PATH = '/api/session/adopt';
export const FORGET_PATH = '/api/session/forget';
export const HEALTH_PATH = '/api/health';

/** Path of the SDK's session and transaction cookies (never `/`: see lib/server/auth0.ts). */
export const AUTH_COOKIE_PATH = '/auth';
/** Path of the frame's partitioned copy of the session (`__cwf`). */
export const FRAME_COOKIE_PATH = '/api/session';

/** Name of the login/logout popup window; reusing it focuses an existing popup. */
export const POPUP_WINDOW_NAME = 'auth-bus-login';
export const POPUP_WIDTH = 425;
export const POPUP_HEIGHT = 525;

/** Header the frame adds to its refresh request: a cross-site form cannot set it. */
export const FRAME_REQUEST_HEADER = 'x-auth-bus-frame';

/** Popup pages that send their own (hash-based) Content-Security-Policy: proxy.ts leaves them be. */
export const SELF_CSP_PATHS: readonly string[] = [POPUP_COMPLETE_PATH, POPUP_LOGGED_OUT_PATH];

import { Auth0Client } from '@auth0/nextjs-auth0/server';
import { NextResponse } from 'next/server';
import { config } from './config';
import { putHandoff, sessionCookies } from './frame-session';
import { POPUP_HEADERS, popupPage } from './popup-page';
import { loginOutcome } from './popup-messages';
import { POPUP_COMPLETE_PATH } from './routes';

/**
 * The one `@auth0/nextjs-auth0` v4 client of component-web. It mounts `/auth/login`,
 * `/auth/callback`, `/auth/logout` (through `proxy.ts`) against dev-idp by default, or against a
 * real Auth0 tenant when AUTH0_DOMAIN & co. say so (see lib/config.ts).
 *
 * Session cookie: the frame lives in an iframe on the Streamlit page, which is usually another
 * site. For the frame's silent refresh to see the session cookie that the login popup (a
 * first-party window) set, the cookie is `SameSite=None; Secure` whenever the browser accepts a
 * Secure cookie from this origin (https, or http://localhost / 127.0.0.1, which browsers treat as
 * secure contexts). Where third-party cookies are blocked the refresh cannot see it; the frame then
 * says "Session expired — log in again" (see README "Token lifetime").
 */
const cfg = config();

function potentiallyTrustworthy(origin: string): boolean {
  const url = new URL(origin);
  return url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1';
}

const crossSiteCookie = !process.env.AUTH0_COOKIE_SAME_SITE && potentiallyTrustworthy(cfg.appOrigin);

const shared = {
  domain: cfg.domain,
  clientId: cfg.clientId,
  clientSecret: cfg.clientSecret,
  secret: cfg.secret,
  appBaseUrl: cfg.appBaseUrl,
  authorizationParameters: { audience: cfg.audience, scope: cfg.scope },
  // Only for a plain-HTTP provider on this machine (dev-idp); never for a real tenant.
  allowInsecureRequests: cfg.allowInsecureRequests,
  signInReturnToPath: POPUP_COMPLETE_PATH,
  // The frame never needs the SDK's JSON token endpoint: the popup hands the token over, and
  // the refresh goes through /api/session/refresh (origin-checked).
  enableAccessTokenEndpoint: false,
};

export const auth0 = new Auth0Client({
  ...shared,
  session: crossSiteCookie ? { cookie: { sameSite: 'none', secure: true } } : undefined,
  // The callback answers with the popup's hand-off page itself (no second round trip to
  // /popup/complete): it posts the session — or the failure — to the frame and closes.
  async onCallback(error, _ctx, session) {
    if (error) console.warn(`[component-web] login callback failed: ${error.code ?? error.name}`);
    const outcome = loginOutcome(error ? null : session, error ? (error.code ?? 'login_failed') : null);
    const response = new NextResponse(popupPage(outcome), { status: 200, headers: POPUP_HEADERS });
    if (outcome.accessToken) {
      // the SDK writes the session cookie onto this response after the hook returns; the frame
      // adopts it moments later (lib/frame-session.ts)
      putHandoff(outcome.accessToken, () => sessionCookies(response.cookies.getAll(), '__session'));
    }
    return response;
  },
});

/** Name of the frame's own (partitioned) copy of the session cookie; see lib/frame-session.ts. */
export const FRAME_SESSION_COOKIE = '__cwf';

/**
 * The same client reading and writing the frame's copy of the session (cookie `__cwf`, set
 * `Partitioned` by the routes that use it). Never mounted as routes: only `getAccessToken` /
 * `getSession` with an explicit request and response.
 */
export const auth0Frame = new Auth0Client({
  ...shared,
  session: { cookie: { name: FRAME_SESSION_COOKIE, sameSite: 'none', secure: true } },
});

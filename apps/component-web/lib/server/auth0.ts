import { Auth0Client } from '@auth0/nextjs-auth0/server';
import { NextResponse } from 'next/server';
import { config } from './config';
import { AUTH_COOKIE_PATH, FRAME_COOKIE_PATH, POPUP_COMPLETE_PATH } from '../shared/routes';
import { FRAME_SESSION_COOKIE } from './frame-cookie';
import { loginOutcomeWithHandoff, POPUP_HEADERS, popupPage } from './popup-page';

/**
 * The one `@auth0/nextjs-auth0` v4 client of component-web. It mounts `/auth/login`,
 * `/auth/callback`, `/auth/logout` (through `proxy.ts`) against dev-idp by default, or against a
 * real Auth0 tenant when AUTH0_DOMAIN & co. say so (see lib/server/config.ts).
 *
 * Cookie paths (issue 14): cookies ignore ports, so a cookie of `localhost` with path `/` also
 * rides on every request to Streamlit on `localhost:4010` — its WebSocket handshake included,
 * which fails above 8,192 bytes per header line; the SDK's session cookie alone is ~5–10 KB with
 * big tokens. So every cookie of component-web is scoped to the paths that read it: the SDK's
 * session and transaction cookies to `/auth` (login, callback, logout, the popup's hand-off page),
 * the frame's copy (`__cwf`) to `/api/session` (adopt, refresh, forget). Nothing reaches
 * Streamlit's paths (`/`, `/_stcore/…`).
 *
 * Session cookie: `SameSite=None; Secure` whenever the browser accepts a Secure cookie from this
 * origin (https, or http://localhost / 127.0.0.1, which browsers treat as secure contexts), so
 * that the popup's logout still sees it when opened from a frame on another site.
 */
const cfg = config();

function potentiallyTrustworthy(origin: string): boolean {
  const url = new URL(origin);
  return url.protocol === 'https:' || url.hostname === 'localhost' || url.hostname === '127.0.0.1';
}

const crossSiteCookie = !process.env.AUTH0_COOKIE_SAME_SITE && potentiallyTrustworthy(cfg.appOrigin);

const sessionCookie = crossSiteCookie ? { sameSite: 'none' as const, secure: true } : {};

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
  transactionCookie: { path: AUTH_COOKIE_PATH },
};

/**
 * The SDK warns "allowInsecureRequests is enabled in a production environment" from every client
 * it builds (two clients, in the proxy's and the routes' bundles: four times per start), because
 * `next start` always runs with NODE_ENV=production. The switch is only ever on for a plain-HTTP
 * provider on this machine (lib/server/config.ts), so that one warning is dropped and component-web says
 * it once per process, in its own words.
 */
function quietInsecureWarning<T>(build: () => T): T {
  if (!cfg.allowInsecureRequests) return build();
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('allowInsecureRequests is enabled')) return;
    warn(...args);
  };
  try {
    return build();
  } finally {
    console.warn = warn;
  }
}

const once = globalThis as typeof globalThis & { __componentWebInsecureNotice?: boolean };
if (cfg.allowInsecureRequests && !once.__componentWebInsecureNotice) {
  once.__componentWebInsecureNotice = true;
  console.log(`[component-web] development identity provider ${cfg.issuerOrigin} runs over plain HTTP (allowed for localhost only)`);
}

export const auth0 = quietInsecureWarning(
  () =>
    new Auth0Client({
      ...shared,
      session: { cookie: { ...sessionCookie, path: AUTH_COOKIE_PATH } },
      // The callback answers with the popup's hand-off page itself (no second round trip): it
      // posts the session — or the failure — and the frame's sealed hand-off (lib/server/handoff-seal.ts) to
      // the frame, and closes. Nothing is kept in this process.
      async onCallback(error, _ctx, session) {
        if (error) console.warn(`[component-web] login callback failed: ${error.code ?? error.name}`);
        const outcome = loginOutcomeWithHandoff(error ? null : session, error ? (error.code ?? 'login_failed') : null, cfg.secret);
        return new NextResponse(popupPage(outcome), { status: 200, headers: POPUP_HEADERS });
      },
    }),
);

/**
 * The same client reading and writing the frame's copy of the session (cookie `__cwf`, set
 * `Partitioned` by the routes that use it). Never mounted as routes: only `getAccessToken` /
 * `getSession` with an explicit request and response.
 */
export const auth0Frame = quietInsecureWarning(
  () =>
    new Auth0Client({
      ...shared,
      session: { cookie: { name: FRAME_SESSION_COOKIE, sameSite: 'none', secure: true, path: FRAME_COOKIE_PATH } },
    }),
);

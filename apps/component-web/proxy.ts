import { NextResponse, type NextRequest } from 'next/server';
import { auth0 } from './lib/server/auth0';
import { config as componentWebConfig } from './lib/server/config';
import { buildCsp, createNonce } from './lib/server/csp';
import { frameSourceCheckAnswer } from './lib/server/frame-source-check';
import { legacyRootCookieDeletions } from './lib/server/legacy-cookies';
import { serverOnlyLoginRequest } from './lib/server/login-request';
import { FRAME_PATH, SELF_CSP_PATHS } from './lib/shared/routes';

/**
 * Next.js 16 proxy (formerly middleware): mounts the @auth0/nextjs-auth0 routes under `/auth/*`
 * and rolls the session cookie, and gives every response a nonce-based Content-Security-Policy.
 * The nonce reaches the renderer through the request's CSP header (Next.js reads it from there)
 * and `x-nonce`.
 */
export async function proxy(request: NextRequest) {
  const cfg = componentWebConfig();
  // Streamlit's mount-time check of the component URL: answered here, no page render.
  const sourceCheck = frameSourceCheckAnswer(request, cfg.streamlitOrigins);
  if (sourceCheck) return sourceCheck;
  const nonce = createNonce();
  const csp = buildCsp({
    nonce,
    frame: request.nextUrl.pathname === FRAME_PATH,
    streamlitOrigins: cfg.frameAncestors,
    relayOrigins: cfg.relayOrigins,
    issuerOrigin: cfg.issuerOrigin,
    dev: process.env.NODE_ENV === 'development',
  });

  const authResponse = await auth0.middleware(serverOnlyLoginRequest(request));
  // An SDK route (/auth/login, /auth/callback, /auth/logout, …) answered: pass its response on.
  if (!authResponse.headers.has('x-middleware-next')) {
    // (the callback's hand-off page brings its own, hash-based policy)
    if (!authResponse.headers.has('content-security-policy')) authResponse.headers.set('content-security-policy', csp);
    authResponse.headers.set('referrer-policy', 'no-referrer');
    for (const line of legacyRootCookieDeletions(request.cookies.getAll().map((c) => c.name))) authResponse.headers.append('set-cookie', line);
    return authResponse;
  }

  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set('content-security-policy', csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  // keep the SDK's rolling-session cookie, if it set one
  for (const cookie of authResponse.cookies.getAll()) response.cookies.set(cookie);
  if (!SELF_CSP_PATHS.includes(request.nextUrl.pathname)) response.headers.set('content-security-policy', csp);
  response.headers.set('referrer-policy', 'no-referrer');
  response.headers.set('x-content-type-options', 'nosniff');
  // (after every cookies.set: that API rewrites the set-cookie header)
  for (const line of legacyRootCookieDeletions(request.cookies.getAll().map((c) => c.name))) response.headers.append('set-cookie', line);
  return response;
}

export const config = {
  matcher: ['/((?!_next/static|_next/image|favicon.ico|sitemap.xml|robots.txt).*)'],
};

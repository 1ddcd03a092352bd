import { NextRequest } from 'next/server';
import { LOGIN_PATH, POPUP_COMPLETE_PATH } from '../shared/routes';

/**
 * The SDK forwards every query parameter of `/auth/login` to the provider's authorization
 * request — `scope`, `audience`, `prompt`, anything. The browser must not choose what it is
 * granted (issue 13.11): the login starts from the server's configuration (AUTH0_SCOPE,
 * AUTH0_AUDIENCE) only, and always returns to the popup's hand-off page.
 */
export function serverOnlyLoginRequest(request: NextRequest): NextRequest {
  const url = request.nextUrl.clone();
  if (url.pathname !== LOGIN_PATH) return request;
  const clean = [...url.searchParams.keys()].length === 1 && url.searchParams.get('returnTo') === POPUP_COMPLETE_PATH;
  if (clean) return request;
  url.search = new URLSearchParams({ returnTo: POPUP_COMPLETE_PATH }).toString();
  return new NextRequest(url, { headers: request.headers, method: request.method });
}

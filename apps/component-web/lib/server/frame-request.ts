import { FRAME_REQUEST_HEADER } from '../shared/routes';

/**
 * Only the frame may call the session routes: a same-origin fetch from a browser, with the custom
 * header (a cross-origin page cannot add it without a CORS preflight, which these routes never
 * grant). The browser's own signal is required: `Sec-Fetch-Site: same-origin` (every current
 * browser sends it), or — from a browser without Fetch Metadata — an `Origin` of this app (sent on
 * every POST). A request with neither (a plain HTTP client) is refused; it could forge them, which
 * is why adopting a session also needs the popup's one-time secret (lib/server/handoff-seal.ts).
 */
export function isFrameRequest(request: Request, appOrigin: string): boolean {
  const origin = request.headers.get('origin');
  const fetchSite = request.headers.get('sec-fetch-site');
  const ownOrigin = new URL(request.url).origin;
  if (request.headers.get(FRAME_REQUEST_HEADER) !== '1') return false;
  if (origin && origin !== ownOrigin && origin !== appOrigin) return false;
  if (fetchSite) return fetchSite === 'same-origin';
  return Boolean(origin);
}

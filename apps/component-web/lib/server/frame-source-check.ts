import { FRAME_PATH } from '../shared/routes';

/**
 * Streamlit's frontend fetches a custom component's URL once each time it mounts it
 * (`ComponentInstance` → `checkSourceUrlResponse`, a plain cross-origin `fetch(src)`) only to
 * report a load error. For the frame that fetch cost a second server render of the page on every
 * Streamlit page load, racing the iframe's own, and — without CORS — failed anyway, logging
 * "Client Error: Custom Component … fetch error" in the browser each time.
 *
 * So a GET of the frame that the browser marks as a script's fetch (`Sec-Fetch-Dest: empty`,
 * `Sec-Fetch-Mode: cors`; the iframe's navigation says `iframe`/`navigate`) from one of
 * STREAMLIT_ORIGINS gets an empty 204 that this origin may read: the frame is there. Nothing of
 * the page is in it. Any other request (the iframe, another origin, a wildcard-only
 * configuration, a browser without Fetch Metadata) goes on to the page as before.
 */
export function frameSourceCheckAnswer(request: Request, streamlitOrigins: readonly string[]): Response | null {
  if (request.method !== 'GET' || new URL(request.url).pathname !== FRAME_PATH) return null;
  if (request.headers.get('sec-fetch-dest') !== 'empty' || request.headers.get('sec-fetch-mode') !== 'cors') return null;
  const origin = request.headers.get('origin');
  if (!origin || !streamlitOrigins.includes(origin)) return null;
  return new Response(null, {
    status: 204,
    headers: { 'access-control-allow-origin': origin, vary: 'Origin', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  });
}

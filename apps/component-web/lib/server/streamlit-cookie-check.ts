import { AUTH_COOKIE_PATH, FRAME_COOKIE_PATH } from '../shared/routes';
import { readSettings, type Env } from './config';

/**
 * Does any cookie of component-web also ride on Streamlit's requests? Cookies ignore ports: a
 * cookie of `localhost` with path `/` set by component-web on :3001 is sent to Streamlit on
 * :4010 too — on every WebSocket handshake of `/_stcore/stream`. Streamlit's server (uvicorn +
 * `websockets`) refuses a handshake with a header line over 8,192 bytes, and the page stays blank.
 * The SDK's session cookie holds the access, ID and refresh tokens: 5–13 KB with a big provider
 * token. component-web scopes its cookies to its own paths (lib/server/auth0.ts); this check says when a
 * setting (or a change) would bring them back to Streamlit's paths. Plain module, no Next.js:
 * instrumentation.ts runs it at start.
 */

/** Streamlit's (uvicorn + websockets) limit for one request header line, the `Cookie:` line included. */
export const STREAMLIT_HEADER_LINE_LIMIT = 8192;
/** The path of Streamlit's WebSocket (the request that fails first). */
export const STREAMLIT_STREAM_PATH = '/_stcore/stream';

export interface ComponentWebCookie {
  name: string;
  path: string;
  /** `Domain` attribute, when set (the cookie then also goes to subdomains). */
  domain?: string;
  /** Its largest size in bytes (name=value), when known (e.g. measured in a browser). */
  bytes?: number;
}

export interface StreamlitCookieWarning {
  cookie: string;
  streamlitUrl: string;
  message: string;
}

/** The cookies component-web sets (SDK session and transaction cookies, the frame's copy). */
export function componentWebCookies(env: Env = process.env): ComponentWebCookie[] {
  const domain = env.AUTH0_COOKIE_DOMAIN?.trim() || undefined;
  return [
    { name: '__session', path: AUTH_COOKIE_PATH, domain },
    { name: '__txn_*', path: AUTH_COOKIE_PATH, domain },
    { name: '__cwf', path: FRAME_COOKIE_PATH },
  ];
}

/** RFC 6265 §5.1.4 path-match. */
export function pathMatches(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function domainMatches(cookieHost: string, domain: string | undefined, requestHost: string): boolean {
  if (!domain) return cookieHost === requestHost;
  const d = domain.replace(/^\./, '').toLowerCase();
  return requestHost === d || requestHost.endsWith(`.${d}`);
}

/**
 * Warnings for every component-web cookie that a browser would send to Streamlit's WebSocket
 * (same host, any port; a path that matches `/_stcore/stream`), and an error-level one when the
 * known sizes of those cookies add up to more than Streamlit's header line limit. Empty when
 * nothing of component-web reaches Streamlit.
 *
 *   streamlitCookieWarnings({ appBaseUrl: 'http://localhost:3001', streamlitUrls: ['http://localhost:4010'] })
 */
export function streamlitCookieWarnings(options: {
  appBaseUrl: string;
  streamlitUrls: string[];
  cookies?: ComponentWebCookie[];
}): StreamlitCookieWarning[] {
  const appHost = new URL(options.appBaseUrl).hostname.toLowerCase();
  const cookies = options.cookies ?? componentWebCookies();
  const warnings: StreamlitCookieWarning[] = [];
  for (const streamlitUrl of options.streamlitUrls) {
    let host: string;
    try {
      host = new URL(streamlitUrl).hostname.toLowerCase();
    } catch {
      continue;
    }
    const reaching = cookies.filter((c) => domainMatches(appHost, c.domain, host) && pathMatches(c.path, STREAMLIT_STREAM_PATH));
    for (const c of reaching) {
      warnings.push({
        cookie: c.name,
        streamlitUrl,
        message:
          `component-web's cookie ${c.name} (path ${c.path}${c.domain ? `, domain ${c.domain}` : ''}) is also sent to Streamlit at ${streamlitUrl} ` +
          `(cookies ignore ports); with big tokens Streamlit's WebSocket handshake exceeds ${STREAMLIT_HEADER_LINE_LIMIT} bytes per header line ` +
          `and the page stays blank — keep component-web's cookies off '/' (and unset AUTH0_COOKIE_DOMAIN), or serve it on another host name`,
      });
    }
    // "Cookie: " + "a=1; b=2"
    const total = 'Cookie: '.length + reaching.reduce((sum, c) => sum + (c.bytes ?? 0), 0) + 2 * Math.max(0, reaching.length - 1);
    if (reaching.some((c) => c.bytes) && total > STREAMLIT_HEADER_LINE_LIMIT) {
      warnings.push({
        cookie: reaching.map((c) => c.name).join(', '),
        streamlitUrl,
        message: `the Cookie header to Streamlit at ${streamlitUrl} would be ${total} bytes, over its ${STREAMLIT_HEADER_LINE_LIMIT}-byte header line limit: the WebSocket cannot connect`,
      });
    }
  }
  return warnings;
}

/**
 * The check run at start: component-web's cookies (from the environment it is started with)
 * against the Streamlit URLs (STREAMLIT_ORIGINS, or the local default; read by lib/server/config.ts).
 * Returns the lines to print.
 */
export function streamlitCookieCheck(env: Env = process.env): string[] {
  const settings = readSettings(env);
  // (a development wildcard such as http://localhost:* names no host to check)
  const streamlitUrls = settings.streamlitOrigins.filter((o) => !o.includes('*'));
  return streamlitCookieWarnings({ appBaseUrl: settings.appBaseUrl, streamlitUrls, cookies: componentWebCookies(env) }).map((w) => `[component-web] warning: ${w.message}`);
}

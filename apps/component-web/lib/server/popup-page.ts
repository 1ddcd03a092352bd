import { createHash } from 'node:crypto';
import { errorMessage, LOGOUT_MESSAGE, loginMessage, type PopupMessageWithHandoff } from '../shared/popup-message';
import { sealHandoff } from './handoff-seal';
import { toComponentSession, type SdkSessionLike } from './sdk-session';

/**
 * The tiny HTML page that ends a popup flow: it posts one `PopupMessage` to `window.opener`
 * with the exact target origin — its own, `location.origin`: the frame is component-web too, so a
 * frame of any other origin never receives it — then closes the window.
 *
 * It is plain HTML from a route handler or straight from the SDK's callback (no React page), so
 * the hand-off runs while the HTML is parsed: no bundle to download and hydrate first. The
 * message travels in a JSON data block; the one inline script is constant and allowed by its
 * SHA-256 hash in the page's Content-Security-Policy (no nonce needed, so the SDK's callback
 * response can carry it too).
 */

const SCRIPT =
  "(function(){var d=JSON.parse(document.getElementById('popup-data').textContent);" +
  "var s=document.getElementById('status');" +
  'if(window.opener&&!window.opener.closed){try{window.opener.postMessage(d.message,window.location.origin);}catch(e){}' +
  'setTimeout(function(){window.close();},50);}' +
  "else{s.textContent=d.text+' You can close this window.';}})();";

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

/** CSP of the popup pages: only that script, never framed, nothing loaded. */
export const POPUP_CSP = [
  "default-src 'none'",
  `script-src ${SCRIPT_HASH}`,
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** JSON that is safe inside a `<script>` element (no `</script>`, no U+2028/2029 surprises). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a popup page says: the message for the frame, and the text for a human. */
export interface PopupOutcome {
  /**
   * The message; a login's carries the frame's one-time hand-off (lib/server/handoff-seal.ts) next
   * to the contract's fields — it travels only in this postMessage to the popup's own origin.
   */
  message: PopupMessageWithHandoff;
  title: string;
  text: string;
  /** The access token handed over (login only). */
  accessToken?: string;
}

const ERROR_TEXT: Record<string, string> = {
  authorization_error: 'The identity provider refused the login.',
  missing_state: 'The login could not be completed (missing state). Please try again.',
  invalid_state: 'The login took too long or was started elsewhere. Please try again.',
};

/** What the login popup tells the frame, from an SDK session or an error code. */
export function loginOutcome(sdkSession: SdkSessionLike | null, errorCode?: string | null): PopupOutcome {
  const session = errorCode ? null : toComponentSession(sdkSession);
  if (session) {
    return {
      message: loginMessage(session),
      title: 'Logged in',
      text: `Logged in${session.user.name ? ` as ${session.user.name}` : ''}.`,
      accessToken: session.token.value,
    };
  }
  const why = errorCode
    ? (ERROR_TEXT[errorCode] ?? 'The login failed. Please try again.')
    : 'No login session was found. Please try again.';
  return { message: errorMessage(why), title: 'Login failed', text: why };
}

/**
 * The login outcome with the frame's hand-off attached: the full SDK session (refresh token
 * included), sealed with a key derived from AUTH0_SECRET, plus its one-time secret.
 */
export function loginOutcomeWithHandoff(sdkSession: (SdkSessionLike & object) | null, errorCode: string | null, appSecret: string): PopupOutcome {
  const outcome = loginOutcome(sdkSession, errorCode);
  if (!outcome.accessToken || !sdkSession || outcome.message.kind !== 'login') return outcome;
  return { ...outcome, message: { ...outcome.message, handoff: sealHandoff(sdkSession, appSecret) } };
}

export const LOGOUT_OUTCOME: PopupOutcome = { message: LOGOUT_MESSAGE, title: 'Logged out', text: 'You are logged out.' };

export function popupPage({ message, title, text }: Pick<PopupOutcome, 'message' | 'title' | 'text'>): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.1rem}@media (prefers-color-scheme:dark){body{background:#111;color:#eee}}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p id="status">${escapeHtml(text)}</p></main>
<script type="application/json" id="popup-data">${jsonForScript({ message, text })}</script>
<script>${SCRIPT}</script>
</body></html>`;
}

export const POPUP_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store, max-age=0',
  'content-security-policy': POPUP_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

export function popupResponse(html: string): Response {
  return new Response(html, { status: 200, headers: POPUP_HEADERS });
}

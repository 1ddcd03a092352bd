import { POPUP_MESSAGE_SOURCE, type PopupMessage } from '@auth-bus/contracts';

/**
 * The tiny HTML page that ends a popup flow: it posts one `PopupMessage` to `window.opener`
 * with the exact target origin — its own, `location.origin`: the frame is component-web too, so a
 * frame of any other origin never receives it — then closes the window.
 * It is a plain route handler, not a React page, so that the hand-off runs while the HTML is
 * parsed — no bundle to download and hydrate first. The inline script carries the CSP nonce.
 */

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

export interface PopupPageOptions {
  message: PopupMessage;
  nonce: string;
  title: string;
  text: string;
}

export function popupPage({ message, nonce, title, text }: PopupPageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style nonce="${nonce}">body{font:15px/1.4 system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.1rem}@media (prefers-color-scheme:dark){body{background:#111;color:#eee}}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p id="status">${escapeHtml(text)}</p></main>
<script nonce="${nonce}">(function(){var m=${jsonForScript(message)};var o=window.location.origin;
var s=document.getElementById('status');
if(window.opener&&!window.opener.closed){try{window.opener.postMessage(m,o);}catch(e){}
setTimeout(function(){window.close();},50);}
else{s.textContent=${jsonForScript(text)}+' You can close this window.';}})();</script>
</body></html>`;
}

export function popupResponse(html: string, csp: string): Response {
  return new Response(html, {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store, max-age=0',
      'content-security-policy': csp,
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    },
  });
}

export { POPUP_MESSAGE_SOURCE };

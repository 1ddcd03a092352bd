/**
 * Content-Security-Policy of component-web. Every response gets one (set in proxy.ts, or by the
 * popup route handlers themselves, with the same builder):
 * - scripts only from this origin and with the per-request nonce (`'strict-dynamic'` lets the
 *   nonce'd Next.js loader add its chunks);
 * - `connect-src` this origin + the relay origins (RELAY_ORIGINS);
 * - `frame-ancestors`: the configured Streamlit origins for the frame (`/streamlit`), `'none'`
 *   for everything else (the login popup and SDK routes must never be framed).
 */
export interface CspOptions {
  nonce: string;
  /** Is this the embeddable frame page? */
  frame: boolean;
  streamlitOrigins: string[];
  relayOrigins: string[];
  /** The identity provider's origin (the login/logout navigations go there). */
  issuerOrigin: string;
  dev?: boolean;
}

export function buildCsp(o: CspOptions): string {
  const directives: [string, string[]][] = [
    ['default-src', ["'self'"]],
    ['script-src', ["'self'", `'nonce-${o.nonce}'`, "'strict-dynamic'", ...(o.dev ? ["'unsafe-eval'"] : [])]],
    // Streamlit's library injects its theme as a <style> element; React sets style attributes.
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['img-src', ["'self'", 'data:', 'https:', ...(o.issuerOrigin.startsWith('http:') ? [o.issuerOrigin] : [])]],
    ['font-src', ["'self'", 'data:']],
    ['connect-src', ["'self'", ...o.relayOrigins]],
    ['form-action', ["'self'", o.issuerOrigin]],
    ['frame-ancestors', o.frame ? (o.streamlitOrigins.length ? o.streamlitOrigins : ["'none'"]) : ["'none'"]],
    ['frame-src', ["'none'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'none'"]],
  ];
  return directives.map(([name, values]) => `${name} ${values.join(' ')}`).join('; ');
}

/** A fresh nonce (base64 of 16 random bytes), Web Crypto so it runs in any runtime. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

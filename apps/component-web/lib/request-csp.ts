import { config } from './config';
import { buildCsp, createNonce } from './csp';

/** The nonce and CSP that proxy.ts put on this request (or fresh ones if it did not run). */
export function requestCsp(headers: Headers): { nonce: string; csp: string } {
  const nonce = headers.get('x-nonce');
  const csp = headers.get('content-security-policy');
  if (nonce && csp) return { nonce, csp };
  const cfg = config();
  const fresh = createNonce();
  return {
    nonce: fresh,
    csp: buildCsp({
      nonce: fresh,
      frame: false,
      streamlitOrigins: cfg.streamlitOrigins,
      relayOrigins: cfg.relayOrigins,
      issuerOrigin: cfg.issuerOrigin,
    }),
  };
}

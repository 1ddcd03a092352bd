import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Handoff } from '../shared/popup-message';

/**
 * The login hand-off from the popup to the frame (see lib/server/frame-cookie.ts for why there is one),
 * with no state in any component-web process (issue 18) and bound to the browser that logged in
 * (issue 13.8).
 *
 * Where it lives — the browser carries it, sealed: the callback seals the new session (AES-256-GCM,
 * which encrypts and authenticates, with a key derived from AUTH0_SECRET — the key every replica
 * already shares to read the SDK's own cookies) together with its expiry (60 s) and the SHA-256
 * of a fresh random hand-off secret. A NATS KV bucket with a TTL was the alternative; it would give
 * component-web bus credentials, a NATS user and a network dependency for every login, for data
 * that only ever travels from one browser window to its sibling. A sealed value needs none of that
 * and works on any replica that has the secret.
 *
 * Bound to the browser: the secret and the sealed value exist only in the popup's page and, via
 * the origin-checked postMessage, in the frame's memory; `/api/session/adopt` wants both (plus
 * the browser's same-origin signals). The access token — which the Streamlit host, host-relay and
 * every API see — is not enough any more. Once adopted, the frame drops them. Without shared
 * state the server cannot count uses: a replay needs the secret and the sealed value within the
 * 60 s, i.e. a copy of what only that popup/frame pair ever held — which is the session already.
 */

/** How long the popup's hand-off can be adopted (the frame adopts within milliseconds). */
export const HANDOFF_TTL_S = 60;
/** Upper bound for a sealed hand-off (a session with very large tokens stays well below). */
export const HANDOFF_MAX_SEALED_CHARS = 96 * 1024;

const VERSION = 'h1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type HandoffErrorCode = 'malformed' | 'forged' | 'expired' | 'wrong_secret';

export class HandoffError extends Error {
  constructor(readonly code: HandoffErrorCode) {
    super(`login hand-off refused: ${code}`);
    this.name = 'HandoffError';
  }
}

function key(appSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', appSecret, 'auth-bus/component-web', 'login hand-off v1', 32));
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Seals `session` for the frame; returns the secret and the sealed value. */
export function sealHandoff(session: unknown, appSecret: string, now = Date.now()): Handoff {
  const secret = randomBytes(32).toString('base64url');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key(appSecret), iv);
  cipher.setAAD(Buffer.from(VERSION));
  const plain = JSON.stringify({ exp: Math.floor(now / 1000) + HANDOFF_TTL_S, sh: digest(secret).toString('base64url'), session });
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return { secret, sealed: `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}` };
}

/** The session inside a sealed hand-off, when `secret` is its own and it has not expired. */
export function openHandoff<T = unknown>(handoff: { secret?: unknown; sealed?: unknown }, appSecret: string, now = Date.now()): T {
  const { secret, sealed } = handoff;
  if (typeof secret !== 'string' || typeof sealed !== 'string' || secret.length > 128 || sealed.length > HANDOFF_MAX_SEALED_CHARS) {
    throw new HandoffError('malformed');
  }
  if (!sealed.startsWith(`${VERSION}.`)) throw new HandoffError('malformed');
  const raw = Buffer.from(sealed.slice(VERSION.length + 1), 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw new HandoffError('malformed');
  let plain: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(appSecret), raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(VERSION));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    plain = Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    throw new HandoffError('forged'); // another key, or altered
  }
  const payload = JSON.parse(plain) as { exp: number; sh: string; session: T };
  if (payload.exp * 1000 <= now) throw new HandoffError('expired');
  const expected = Buffer.from(payload.sh, 'base64url');
  const given = digest(secret);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new HandoffError('wrong_secret');
  return payload.session;
}

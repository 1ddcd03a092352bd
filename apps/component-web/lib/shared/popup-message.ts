import { POPUP_MESSAGE_SOURCE, PopupMessage, type ComponentSession } from '@auth-bus/contracts';

/**
 * The one message a popup page posts to the frame (`component.popup-message.v1`), both
 * directions: the server builds it (lib/server/popup-page.ts), the frame accepts it
 * (lib/frame/controller.ts). Pure: no Node.js, no DOM.
 */

/**
 * The frame's one-time hand-off that a login message carries next to the session: sealed by the
 * server (lib/server/handoff-seal.ts), adopted by the frame through `/api/session/adopt`.
 */
export interface Handoff {
  /** Random, 32 bytes, base64url: proves the adopting request comes from this popup's frame. */
  secret: string;
  /** `h1.<base64url(iv | tag | ciphertext)>` */
  sealed: string;
}

/** The contract's message; a login's also carries the hand-off (it travels only in this postMessage). */
export type PopupMessageWithHandoff = PopupMessage & { handoff?: Handoff };

// ---- server → popup page → frame ------------------------------------------------------------

export function loginMessage(session: ComponentSession, handoff?: Handoff): PopupMessageWithHandoff {
  return { source: POPUP_MESSAGE_SOURCE, kind: 'login', session, ...(handoff ? { handoff } : {}) };
}

export function errorMessage(message: string): PopupMessageWithHandoff {
  return { source: POPUP_MESSAGE_SOURCE, kind: 'error', message };
}

export const LOGOUT_MESSAGE: PopupMessageWithHandoff = { source: POPUP_MESSAGE_SOURCE, kind: 'logout' };

// ---- frame: accepting it --------------------------------------------------------------------

export interface AcceptedPopupMessage {
  message: PopupMessage;
  /** Login messages only; null when absent or not well-formed (the frame then adopts nothing). */
  handoff: Handoff | null;
}

const SECRET = /^[A-Za-z0-9_-]{43}$/;
const SEALED = /^h1\.[A-Za-z0-9_-]{40,131072}$/;

function handoffOf(value: unknown): Handoff | null {
  if (!value || typeof value !== 'object') return null;
  const { secret, sealed, ...rest } = value as Record<string, unknown>;
  if (Object.keys(rest).length || typeof secret !== 'string' || typeof sealed !== 'string') return null;
  return SECRET.test(secret) && SEALED.test(sealed) ? { secret, sealed } : null;
}

/**
 * The frame accepts a popup message only from its own origin (the popup is component-web) and
 * only when it has exactly the contract's shape (plus, for a login, the hand-off). Anything else
 * returns null and is ignored.
 */
export function acceptPopupMessage(event: { origin: string; data: unknown }, ownOrigin: string): AcceptedPopupMessage | null {
  if (event.origin !== ownOrigin) return null;
  let data = event.data;
  let handoff: Handoff | null = null;
  if (data && typeof data === 'object' && 'handoff' in data) {
    const { handoff: raw, ...message } = data as Record<string, unknown>;
    if ((message as { kind?: unknown }).kind !== 'login') return null;
    handoff = handoffOf(raw);
    data = message;
  }
  const parsed = PopupMessage.safeParse(data);
  return parsed.success ? { message: parsed.data, handoff } : null;
}

import { PopupMessage } from '@auth-bus/contracts';

/** The frame's one-time hand-off that a login message carries next to the session (lib/handoff.ts). */
export interface FrameHandoff {
  secret: string;
  sealed: string;
}

export interface AcceptedPopupMessage {
  message: PopupMessage;
  /** Login messages only; null when absent or not well-formed (the frame then adopts nothing). */
  handoff: FrameHandoff | null;
}

const SECRET = /^[A-Za-z0-9_-]{43}$/;
const SEALED = /^h1\.[A-Za-z0-9_-]{40,131072}$/;

function handoffOf(value: unknown): FrameHandoff | null {
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
  let handoff: FrameHandoff | null = null;
  if (data && typeof data === 'object' && 'handoff' in data) {
    const { handoff: raw, ...message } = data as Record<string, unknown>;
    if ((message as { kind?: unknown }).kind !== 'login') return null;
    handoff = handoffOf(raw);
    data = message;
  }
  const parsed = PopupMessage.safeParse(data);
  return parsed.success ? { message: parsed.data, handoff } : null;
}

import { PopupMessage } from '@auth-bus/contracts';

/**
 * The frame accepts a popup message only from its own origin (the popup is component-web) and
 * only when it has exactly the contract's shape. Anything else returns null and is ignored.
 */
export function acceptPopupMessage(event: { origin: string; data: unknown }, ownOrigin: string): PopupMessage | null {
  if (event.origin !== ownOrigin) return null;
  const parsed = PopupMessage.safeParse(event.data);
  return parsed.success ? parsed.data : null;
}

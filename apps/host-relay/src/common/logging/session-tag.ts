import { createHash } from 'node:crypto';

/**
 * What the logs may say about a frame's session id: the first 12 hex digits of its SHA-256.
 * Enough to follow one session through the log, useless to present to Streamlit (which would
 * re-attach a WebSocket to a session whose id it is shown), so the id itself is never logged.
 */
export function sessionTag(sessionId: string | undefined): string | undefined {
  if (sessionId === undefined) return undefined;
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 12);
}

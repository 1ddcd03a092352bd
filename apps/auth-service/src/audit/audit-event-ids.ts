import { createHash } from 'node:crypto';

/**
 * A deterministic audit event id from what identifies the fact being recorded. JetStream stores
 * one message per `Nats-Msg-Id` within the stream's duplicate window, so the same login reported
 * by host-relay (`auth.session.reported`) and verified again by the Streamlit host (`auth.verify`)
 * with the same session and token is recorded once, and a re-sent event is not recorded twice.
 */
export function auditEventId(...parts: Array<string | undefined>): string {
  return createHash('sha256')
    .update(parts.map((p) => p ?? '').join('\u0000'))
    .digest('hex')
    .slice(0, 32);
}

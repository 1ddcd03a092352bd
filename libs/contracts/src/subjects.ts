/**
 * Subject names on the bus. Every publisher and subscriber takes its subject from here,
 * never from a string literal, so that a rename is one edit and a typo is a compile error.
 *
 * Versioning: a breaking change to a message keeps the old subject and adds a new one with a
 * `.v2` suffix (and a new schema id), so old and new clients can run side by side.
 */
export const SUBJECTS = {
  api: {
    ping: 'api.ping',
    pong: 'api.pong',
    pongScoped: 'api.pong-scoped',
  },
  auth: {
    verify: 'auth.verify',
    sessionReported: 'auth.session.reported',
    sessionEnded: 'auth.session.ended',
  },
  audit: {
    /** Request–reply query of recent audit events (needs the `read:audit` permission). */
    query: 'audit.query',
    /** Prefix of the event subjects captured by the audit stream: `audit.events.<kind>`. */
    eventsPrefix: 'audit.events',
  },
} as const;

/** Wildcards for whole families, used in NATS permissions and stream configuration. */
export const SUBJECT_FAMILIES = {
  api: 'api.>',
  auth: 'auth.>',
  authSession: 'auth.session.>',
  audit: 'audit.>',
  auditEvents: 'audit.events.>',
} as const;

/** NATS queue groups: every replica of a service joins the same one and shares the load. */
export const QUEUE_GROUPS = {
  apiService: 'api-service',
  authService: 'auth-service',
} as const;

/** The JetStream stream that keeps the audit trail. */
export const AUDIT_STREAM = {
  name: 'AUDIT',
  subjects: [SUBJECT_FAMILIES.auditEvents],
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type Subject = Exclude<Leaves<typeof SUBJECTS>, typeof SUBJECTS.audit.eventsPrefix>;

export function auditSubject(kind: string): string {
  return `${SUBJECTS.audit.eventsPrefix}.${kind}`;
}

/**
 * Subject names on the bus. Every publisher and subscriber takes its subject from here,
 * never from a string literal, so that a rename is one edit and a typo is a compile error.
 *
 * Versioning: a breaking change to a message keeps the old subject and adds a new one with a
 * `.v2` suffix (and a new schema id), so old and new clients can run side by side.
 */
import { AUDIT_KINDS, type AuditKind } from './schemas/audit';

export const SUBJECTS = {
  api: {
    ping: 'api.ping',
    pong: 'api.pong',
    pongScoped: 'api.pong-scoped',
    /** The caller's notes (issue 20 item 3): stored in the NOTES_BUCKET key-value bucket. */
    notesCreate: 'api.notes.create',
    notesList: 'api.notes.list',
  },
  auth: {
    verify: 'auth.verify',
    sessionReported: 'auth.session.reported',
    sessionEnded: 'auth.session.ended',
    /** Request–reply: revoke the caller's own tokens, or (with `admin:sessions`) anyone's. */
    revoke: 'auth.revoke',
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
  /** http-bridge's routes, one subject each: `bridge.<route id>` (bridgeSubject). */
  bridge: 'bridge.>',
  auditEvents: 'audit.events.>',
} as const;

/**
 * The JetStream KV bucket of revocations (issue 21). Keys: `user.<base64url(sub)>` (every token
 * of that user issued at or before `revoked_at`) and `token.<token hash>` (one token). Entries
 * expire with the bucket's TTL, set longer than any access token can live (see
 * auth-service's AUTH_REVOCATION_TTL), so an expired entry can no longer cover a valid token.
 */
export const REVOCATIONS_BUCKET = 'REVOCATIONS';
/** The JetStream key-value bucket of api-service's notes (its stream is `KV_<bucket>`). */
export const NOTES_BUCKET = 'notes';

/** NATS queue groups: every replica of a service joins the same one and shares the load. */
export const QUEUE_GROUPS = {
  apiService: 'api-service',
  authService: 'auth-service',
  httpBridge: 'http-bridge',
} as const;

/** A route id of the bridge's configuration file: lowercase letters, digits and `-`. */
export const BRIDGE_ROUTE_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** The bus subject of one http-bridge route (`bridge.<route id>`). */
export function bridgeSubject(routeId: string): string {
  if (!BRIDGE_ROUTE_ID_PATTERN.test(routeId)) throw new Error(`Bad bridge route id "${routeId}": lowercase letters, digits and - only`);
  return `bridge.${routeId}`;
}

/**
 * The JetStream stream that keeps the audit trail. It captures exactly one subject per audit
 * kind of the contract (`audit.events.<kind>`, from AUDIT_KINDS), not the whole family: a
 * message on any other `audit.events.…` subject is not stored at all.
 */
export const AUDIT_STREAM = {
  name: 'AUDIT',
  subjects: AUDIT_KINDS.map((kind) => auditSubject(kind)),
} as const;

type Leaves<T> = T extends string ? T : { [K in keyof T]: Leaves<T[K]> }[keyof T];
export type Subject = Exclude<Leaves<typeof SUBJECTS>, typeof SUBJECTS.audit.eventsPrefix>;

export function auditSubject(kind: string): string {
  return `${SUBJECTS.audit.eventsPrefix}.${kind}`;
}

/**
 * Whether a message stored on `subject` may carry an event of `kind`: each kind travels on its
 * own subject only, so `audit.events.api.allowed` never carries a `login.verified` (api-service
 * may publish on `audit.events.api.>` only — its credentials cannot forge a login).
 */
export function auditSubjectCarries(subject: string, kind: AuditKind): boolean {
  return subject === auditSubject(kind);
}

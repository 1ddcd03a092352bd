import type { z } from 'zod';
import {
  ApiNotesCreateReply,
  ApiNotesCreateRequest,
  ApiNotesListReply,
  ApiNotesListRequest,
  ApiPingReply,
  ApiPingRequest,
  ApiPongReply,
  ApiPongRequest,
  ApiPongScopedReply,
  ApiPongScopedRequest,
} from './schemas/api';
import { AuditEvent, AuditQueryReply, AuditQueryRequest } from './schemas/audit';
import { AuthRevokeReply, AuthRevokeRequest, AuthVerifyRequest, RevocationRecord, SessionEndedEvent, SessionReportedEvent, VerifiedIdentity } from './schemas/auth';
import { BridgeReply, BridgeRequest } from './schemas/bridge';
import {
  ClientFrame,
  ComponentEventValue,
  ComponentSession,
  PopupMessage,
  ServerFrame,
  StatusUpdateData,
} from './schemas/component';
import { SUBJECTS } from './subjects';
import { ErrorReplySchema } from './wire';

/** Request–reply subjects with their request and reply schemas. */
export const RPC = {
  [SUBJECTS.api.ping]: { request: ApiPingRequest, reply: ApiPingReply },
  [SUBJECTS.api.pong]: { request: ApiPongRequest, reply: ApiPongReply },
  [SUBJECTS.api.pongScoped]: { request: ApiPongScopedRequest, reply: ApiPongScopedReply },
  [SUBJECTS.api.notesCreate]: { request: ApiNotesCreateRequest, reply: ApiNotesCreateReply },
  [SUBJECTS.api.notesList]: { request: ApiNotesListRequest, reply: ApiNotesListReply },
  [SUBJECTS.auth.verify]: { request: AuthVerifyRequest, reply: VerifiedIdentity },
  [SUBJECTS.auth.revoke]: { request: AuthRevokeRequest, reply: AuthRevokeReply },
  [SUBJECTS.audit.query]: { request: AuditQueryRequest, reply: AuditQueryReply },
} as const;
export type RpcSubject = keyof typeof RPC;

/**
 * Request–reply subjects whose requests may be sent again without changing anything twice:
 * each one only reads (api.ping/pong, api.notes.list, audit.query), or records what it did under
 * a deterministic audit id that JetStream stores once (auth.verify). Clients in every language
 * retry only these (the JSON export carries the list as `idempotent_subjects`).
 */
export const IDEMPOTENT_SUBJECTS: ReadonlySet<RpcSubject> = new Set<RpcSubject>([
  SUBJECTS.api.ping,
  SUBJECTS.api.pong,
  SUBJECTS.api.pongScoped,
  SUBJECTS.api.notesList,
  SUBJECTS.auth.verify,
  SUBJECTS.audit.query,
]);

/**
 * Request–reply subjects that write: sent once, never retried (a second api.notes.create stores a
 * second note; a second auth.revoke a second audit event and a later revocation time). Every RPC
 * subject is in exactly one of the two sets — a test keeps it so, so a new subject needs a decision.
 */
export const NON_IDEMPOTENT_SUBJECTS: ReadonlySet<RpcSubject> = new Set<RpcSubject>([SUBJECTS.api.notesCreate, SUBJECTS.auth.revoke]);
export type RequestOf<S extends RpcSubject> = z.input<(typeof RPC)[S]['request']>;
export type ReplyOf<S extends RpcSubject> = z.infer<(typeof RPC)[S]['reply']>;

/** Fire-and-forget event subjects with their schemas. */
export const EVENTS = {
  [SUBJECTS.auth.sessionReported]: SessionReportedEvent,
  [SUBJECTS.auth.sessionEnded]: SessionEndedEvent,
} as const;
export type EventSubject = keyof typeof EVENTS;
export type EventOf<S extends EventSubject> = z.input<(typeof EVENTS)[S]>;

/**
 * Every schema by its versioned name: the names of the exported JSON Schema files
 * (`<name>.json`) and of the shared test vectors (`vectors/<name>.json`).
 */
export const SCHEMAS: Record<string, z.ZodType> = {
  'error-reply.v1': ErrorReplySchema,
  'api.ping.request.v1': ApiPingRequest,
  'api.ping.reply.v1': ApiPingReply,
  'api.pong.request.v1': ApiPongRequest,
  'api.pong.reply.v1': ApiPongReply,
  'api.pong-scoped.request.v1': ApiPongScopedRequest,
  'api.pong-scoped.reply.v1': ApiPongScopedReply,
  'api.notes.create.request.v1': ApiNotesCreateRequest,
  'api.notes.create.reply.v1': ApiNotesCreateReply,
  'api.notes.list.request.v1': ApiNotesListRequest,
  'api.notes.list.reply.v1': ApiNotesListReply,
  'auth.verify.request.v1': AuthVerifyRequest,
  'auth.verify.reply.v1': VerifiedIdentity,
  'auth.revoke.request.v1': AuthRevokeRequest,
  'auth.revoke.reply.v1': AuthRevokeReply,
  'auth.revocation.v1': RevocationRecord,
  'auth.session.reported.v1': SessionReportedEvent,
  'auth.session.ended.v1': SessionEndedEvent,
  'audit.event.v1': AuditEvent,
  'audit.query.request.v1': AuditQueryRequest,
  'audit.query.reply.v1': AuditQueryReply,
  'bridge.request.v1': BridgeRequest,
  'bridge.reply.v1': BridgeReply,
  'component.client-frame.v1': ClientFrame,
  'component.server-frame.v1': ServerFrame,
  'component.session.v1': ComponentSession,
  'component.status-update.v1': StatusUpdateData,
  'component.event.v1': ComponentEventValue,
  'component.popup-message.v1': PopupMessage,
};

/** Which schema names belong to which subject, for clients in other languages. */
export const SUBJECT_SCHEMAS: Record<string, { request?: string; reply?: string; event?: string }> = {
  [SUBJECTS.api.ping]: { request: 'api.ping.request.v1', reply: 'api.ping.reply.v1' },
  [SUBJECTS.api.pong]: { request: 'api.pong.request.v1', reply: 'api.pong.reply.v1' },
  [SUBJECTS.api.pongScoped]: { request: 'api.pong-scoped.request.v1', reply: 'api.pong-scoped.reply.v1' },
  [SUBJECTS.api.notesCreate]: { request: 'api.notes.create.request.v1', reply: 'api.notes.create.reply.v1' },
  [SUBJECTS.api.notesList]: { request: 'api.notes.list.request.v1', reply: 'api.notes.list.reply.v1' },
  [SUBJECTS.auth.verify]: { request: 'auth.verify.request.v1', reply: 'auth.verify.reply.v1' },
  [SUBJECTS.auth.revoke]: { request: 'auth.revoke.request.v1', reply: 'auth.revoke.reply.v1' },
  [SUBJECTS.audit.query]: { request: 'audit.query.request.v1', reply: 'audit.query.reply.v1' },
  [SUBJECTS.auth.sessionReported]: { event: 'auth.session.reported.v1' },
  [SUBJECTS.auth.sessionEnded]: { event: 'auth.session.ended.v1' },
  [`${SUBJECTS.audit.eventsPrefix}.*`]: { event: 'audit.event.v1' },
};

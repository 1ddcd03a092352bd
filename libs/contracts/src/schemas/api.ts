import { z } from 'zod';
import { EmptyRequest, InstanceId, Permission, Sub, Timestamp } from './common';

export const ApiPingRequest = EmptyRequest;
export type ApiPingRequest = z.infer<typeof ApiPingRequest>;

/** `api.ping` reply: `data` is "Hello from a PUBLIC endpoint! <time>". */
export const ApiPingReply = z
  .object({ data: z.string().max(1024), instance: InstanceId, at: Timestamp })
  .strict();
export type ApiPingReply = z.infer<typeof ApiPingReply>;

export const ApiPongRequest = EmptyRequest;
export type ApiPongRequest = z.infer<typeof ApiPongRequest>;

/** `api.pong` reply: a SECURE greeting naming the verified caller. */
export const ApiPongReply = z
  .object({ data: z.string().max(1024), sub: Sub, instance: InstanceId, at: Timestamp })
  .strict();
export type ApiPongReply = z.infer<typeof ApiPongReply>;

export const ApiPongScopedRequest = EmptyRequest;
export type ApiPongScopedRequest = z.infer<typeof ApiPongScopedRequest>;

/** `api.pong-scoped` reply: like `api.pong`, for callers holding `read:messages`. */
export const ApiPongScopedReply = z
  .object({
    data: z.string().max(1024),
    sub: Sub,
    permission: Permission,
    instance: InstanceId,
    at: Timestamp,
  })
  .strict();
export type ApiPongScopedReply = z.infer<typeof ApiPongScopedReply>;

/** One note (issue 20 item 3): `id` is the server's, `sub` the verified caller's. */
export const Note = z
  .object({ id: z.uuid(), text: z.string().min(1).max(2000), sub: Sub, at: Timestamp })
  .strict();
export type Note = z.infer<typeof Note>;

/** `api.notes.create` (`POST /api/notes`): a note of 1–2000 characters, not only white space (stored as sent). */
export const ApiNotesCreateRequest = z
  .object({ text: z.string().min(1).max(2000).regex(/\S/, 'must not be only white space') })
  .strict();
export type ApiNotesCreateRequest = z.infer<typeof ApiNotesCreateRequest>;
export const ApiNotesCreateReply = Note;
export type ApiNotesCreateReply = Note;

/** `api.notes.list` (`GET /api/notes`): the caller's own notes, oldest first (at most 500). */
export const ApiNotesListRequest = EmptyRequest;
export type ApiNotesListRequest = z.infer<typeof ApiNotesListRequest>;
export const ApiNotesListReply = z.object({ notes: z.array(Note).max(500) }).strict();
export type ApiNotesListReply = z.infer<typeof ApiNotesListReply>;

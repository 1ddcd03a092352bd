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

import { z } from 'zod';
import { ROUTE_METHODS } from '../routes';
import { WireErrorSchema } from '../wire';
import { ClaimedUser } from './auth';
import { SessionId } from './common';

/**
 * The component family: what the component frame says to host-relay over its WebSocket,
 * what the relay answers, and the events the frame sends to the Streamlit host.
 */

const Token = z.string().min(1).max(8192);
const RequestId = z.string().min(1).max(64);

/** The session the popup hands to the frame, and the frame to the host (`onStatusUpdate`). */
export const ComponentToken = z
  .object({
    value: Token,
    value_id_token: Token.optional(),
    /** Expiry of the access token, seconds since the epoch. */
    expiry: z.number().int().positive(),
  })
  .strict();
export type ComponentToken = z.infer<typeof ComponentToken>;

export const ComponentSession = z.object({ user: ClaimedUser, token: ComponentToken }).strict();
export type ComponentSession = z.infer<typeof ComponentSession>;

// ---- frame → relay -------------------------------------------------------------------------

export const HelloFrame = z
  .object({ type: z.literal('hello'), v: z.literal(1), session_id: SessionId })
  .strict();

export const SessionReportedFrame = z
  .object({ type: z.literal('session.reported'), token: Token, user: ClaimedUser.optional() })
  .strict();

export const SessionEndedFrame = z.object({ type: z.literal('session.ended') }).strict();

/** A route's HTTP method; POST, PUT, PATCH and DELETE carry `body` (a JSON object, `{}` when absent). */
export const WebRequestMethod = z.enum(ROUTE_METHODS);
export type WebRequestMethod = z.infer<typeof WebRequestMethod>;

/** A delegated web request (`WebRequest` in the article), carried to the bus by the relay. */
export const WebRequestFrame = z
  .object({
    type: z.literal('web.request'),
    id: RequestId,
    label: z.string().max(128).optional(),
    method: WebRequestMethod,
    path: z.string().min(1).max(256).regex(/^\//),
    body: z.record(z.string(), z.unknown()).optional(),
    useauth: z.boolean().default(false),
    auth_kind: z.literal('BEARER').default('BEARER'),
  })
  .strict();
export type WebRequestFrame = z.infer<typeof WebRequestFrame>;

export const ClientFrame = z.discriminatedUnion('type', [
  HelloFrame,
  SessionReportedFrame,
  SessionEndedFrame,
  WebRequestFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// ---- relay → frame -------------------------------------------------------------------------

export const WelcomeFrame = z
  .object({ type: z.literal('welcome'), connection_id: z.string().max(64), session_id: SessionId })
  .strict();

export const SessionAckFrame = z
  .object({ type: z.literal('session.ack'), state: z.enum(['reported', 'ended']) })
  .strict();

export const WebResultFrame = z.discriminatedUnion('ok', [
  z
    .object({
      type: z.literal('web.result'),
      id: RequestId,
      ok: z.literal(true),
      label: z.string().max(128).optional(),
      status: z.number().int(),
      data: z.unknown(),
    })
    .strict(),
  z
    .object({
      type: z.literal('web.result'),
      id: RequestId,
      ok: z.literal(false),
      label: z.string().max(128).optional(),
      status: z.number().int(),
      error: WireErrorSchema,
    })
    .strict(),
]);
export type WebResultFrame = z.infer<typeof WebResultFrame>;

/** A frame the relay could not accept (invalid, too large, too many); the socket stays open. */
export const ErrorFrame = z
  .object({ type: z.literal('error'), id: RequestId.optional(), error: WireErrorSchema })
  .strict();

/**
 * Pushed by the relay when the session reported on this socket was revoked (issue 21): the
 * frame forgets it and tells its host (`onStatusUpdate`, cause `revoked`). `revoked_at` (seconds
 * since the epoch) when the relay knows it: a push as the revocation arrives carries it; a token
 * found already revoked when reported does not.
 */
export const SessionRevokedFrame = z
  .object({ type: z.literal('session.revoked'), revoked_at: z.number().int().positive().optional() })
  .strict();

export const ServerFrame = z.union([WelcomeFrame, SessionAckFrame, WebResultFrame, ErrorFrame, SessionRevokedFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

// ---- frame → Streamlit host ----------------------------------------------------------------

export const COMPONENT_EVENT_NAMES = ['onStatusUpdate', 'onActionResult', 'onError'] as const;

/** `onStatusUpdate`: the current session, or `null` user/token after logout or expiry. */
export const StatusUpdateData = z
  .object({
    user: ClaimedUser.nullable(),
    token: ComponentToken.nullable(),
    /** Why the state changed: `login`, `logout`, `refresh`, `mount`, `expired`, `revoked` (issue 21). */
    cause: z.enum(['login', 'logout', 'refresh', 'mount', 'expired', 'revoked']),
  })
  .strict();
export type StatusUpdateData = z.infer<typeof StatusUpdateData>;

export const ActionResultData = WebResultFrame;

export const ComponentErrorData = z
  .object({ code: z.string().max(64), message: z.string().max(500) })
  .strict();

export const ComponentEventValue = z.discriminatedUnion('name', [
  z.object({ name: z.literal('onStatusUpdate'), data: StatusUpdateData, seq: z.number().int().nonnegative() }).strict(),
  z.object({ name: z.literal('onActionResult'), data: ActionResultData, seq: z.number().int().nonnegative() }).strict(),
  z.object({ name: z.literal('onError'), data: ComponentErrorData, seq: z.number().int().nonnegative() }).strict(),
]);
export type ComponentEventValue = z.infer<typeof ComponentEventValue>;

// ---- popup → frame (window.postMessage) ----------------------------------------------------

export const POPUP_MESSAGE_SOURCE = 'auth-bus/login-popup';

export const PopupMessage = z.discriminatedUnion('kind', [
  z.object({ source: z.literal(POPUP_MESSAGE_SOURCE), kind: z.literal('login'), session: ComponentSession }).strict(),
  z.object({ source: z.literal(POPUP_MESSAGE_SOURCE), kind: z.literal('logout') }).strict(),
  z
    .object({ source: z.literal(POPUP_MESSAGE_SOURCE), kind: z.literal('error'), message: z.string().max(500) })
    .strict(),
]);
export type PopupMessage = z.infer<typeof PopupMessage>;

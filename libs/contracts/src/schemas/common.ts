import { z } from 'zod';

/** An ISO-8601 UTC timestamp, as produced by `Date.prototype.toISOString()`. */
export const Timestamp = z.iso.datetime();
/** A Streamlit session id (or any opaque session id a client chooses). */
export const SessionId = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:-]+$/);
/** A replica id, e.g. `api-service-7f3a`. */
export const InstanceId = z.string().min(1).max(128);
/** An OAuth subject (`auth0|abc`, `google-oauth2|123`, a dev-idp user id). */
export const Sub = z.string().min(1).max(256);
export const Permission = z.string().min(1).max(128);
/** The first 16 hex characters of the SHA-256 of a token: enough to correlate, useless to replay. */
export const TokenHash = z.string().regex(/^[0-9a-f]{16}$/);
/** Requests without parameters still send an object, so that fields can be added later. */
export const EmptyRequest = z.object({}).strict();

import { ComponentSession, type ComponentSession as ComponentSessionT } from '@auth-bus/contracts';

/** The parts of the SDK's `SessionData` that the frame gets (never the refresh token). */
export interface SdkSessionLike {
  user: Record<string, unknown>;
  tokenSet: { accessToken?: string; idToken?: string; expiresAt?: number };
}

const USER_FIELDS = ['sub', 'name', 'email', 'picture', 'nickname', 'email_verified'] as const;

/**
 * `{user, token: {value, value_id_token, expiry}}` from an SDK session, validated against the
 * contract; `null` when the session has no usable access token.
 */
export function toComponentSession(session: SdkSessionLike | null | undefined): ComponentSessionT | null {
  if (!session?.tokenSet?.accessToken || !session.tokenSet.expiresAt) return null;
  const user: Record<string, unknown> = {};
  for (const field of USER_FIELDS) {
    const value = session.user?.[field];
    if (value !== undefined && value !== null) user[field] = value;
  }
  const parsed = ComponentSession.safeParse({
    user,
    token: {
      value: session.tokenSet.accessToken,
      ...(session.tokenSet.idToken ? { value_id_token: session.tokenSet.idToken } : {}),
      expiry: Math.floor(session.tokenSet.expiresAt),
    },
  });
  return parsed.success ? parsed.data : null;
}

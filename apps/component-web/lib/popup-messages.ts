import { POPUP_MESSAGE_SOURCE, type PopupMessage } from '@auth-bus/contracts';
import { sealHandoff, type Handoff } from './handoff';
import { toComponentSession, type SdkSessionLike } from './session';

const ERROR_TEXT: Record<string, string> = {
  authorization_error: 'The identity provider refused the login.',
  missing_state: 'The login could not be completed (missing state). Please try again.',
  invalid_state: 'The login took too long or was started elsewhere. Please try again.',
};

export interface PopupOutcome {
  message: PopupMessage & { handoff?: Handoff };
  title: string;
  text: string;
  /** The access token handed over (login only). */
  accessToken?: string;
}

/**
 * The login outcome with the frame's hand-off attached (lib/handoff.ts): the full SDK session
 * (refresh token included), sealed with a key derived from AUTH0_SECRET, plus its one-time secret.
 */
export function loginOutcomeWithHandoff(sdkSession: (SdkSessionLike & object) | null, errorCode: string | null, appSecret: string): PopupOutcome {
  const outcome = loginOutcome(sdkSession, errorCode);
  if (!outcome.accessToken || !sdkSession || outcome.message.kind !== 'login') return outcome;
  return { ...outcome, message: { ...outcome.message, handoff: sealHandoff(sdkSession, appSecret) } };
}

/** What the login popup tells the frame, from an SDK session or an error code. */
export function loginOutcome(sdkSession: SdkSessionLike | null, errorCode?: string | null): PopupOutcome {
  const session = errorCode ? null : toComponentSession(sdkSession);
  if (session) {
    return {
      message: { source: POPUP_MESSAGE_SOURCE, kind: 'login', session },
      title: 'Logged in',
      text: `Logged in${session.user.name ? ` as ${session.user.name}` : ''}.`,
      accessToken: session.token.value,
    };
  }
  const why = errorCode
    ? (ERROR_TEXT[errorCode] ?? 'The login failed. Please try again.')
    : 'No login session was found. Please try again.';
  return { message: { source: POPUP_MESSAGE_SOURCE, kind: 'error', message: why }, title: 'Login failed', text: why };
}

export const LOGOUT_OUTCOME: PopupOutcome = {
  message: { source: POPUP_MESSAGE_SOURCE, kind: 'logout' },
  title: 'Logged out',
  text: 'You are logged out.',
};

/** Injection token of the resolved TokenVerifierOptions. */
export const TOKEN_VERIFIER_OPTIONS = Symbol('TOKEN_VERIFIER_OPTIONS');
/** Injection token of an optional AuthDecisionListener (e.g. an audit publisher). */
export const AUTH_DECISION_LISTENER = Symbol('AUTH_DECISION_LISTENER');
/** Metadata key of @RequirePermission. */
export const REQUIRED_PERMISSIONS_KEY = 'auth-bus:required-permissions';
/** Name of the Passport strategy. */
export const JWT_STRATEGY_NAME = 'auth-bus-jwt';

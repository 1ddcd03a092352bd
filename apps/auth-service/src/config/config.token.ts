/** Injection token of the AuthServiceConfig. */
export const AUTH_SERVICE_CONFIG = Symbol('AUTH_SERVICE_CONFIG');

// OIDC clients for tests: log in over HTTP like a browser (against dev-idp or any provider with the
// same login form), then the OAuth grants. Works against the harness's dev-idp or `npm start`'s :4400.
export * from './dev-idp-defaults';
export { CookieJar } from './cookie-jar';
export { pkcePair } from './pkce';
export * from './login-driver';
export * from './grants';

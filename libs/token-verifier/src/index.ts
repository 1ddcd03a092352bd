/**
 * @auth-bus/token-verifier — access-token verification for the bus services:
 * a Passport JWT strategy (passport-jwt + jwks-rsa, RS256 only, iss/aud/exp/nbf checked with a
 * bounded clock tolerance), a verification cache, and an RPC guard with typed errors.
 * Test helpers (a local issuer with a JWKS endpoint, token forgeries) are in `./testing`.
 */
export * from './tokens';
export * from './token-verifier.options';
export * from './config/oidc-env';
export * from './claim-path';
export * from './verification-cache';
export * from './verified-token';
export * from './token-rejection';
export * from './jwt-inspect';
export * from './jwks-key-store';
export * from './jwt-access.strategy';
export * from './revocation-index';
export * from './token-verifier.service';
export * from './bearer';
export * from './token-hash';
export * from './auth-decision.listener';
export * from './auth-identity.decorator';
export * from './require-permission.decorator';
export * from './bus-auth.guard';
export * from './token-verifier.module';

import { isValidClaimPath } from './claim-path';

/**
 * What the verifier trusts and how hard it works. Every service builds this from its own
 * configuration (see `tokenVerifierOptionsFromEnv` in `./config/oidc-env`, whose variables each
 * app documents in `src/config/`).
 */
export interface TokenVerifierOptions {
  /**
   * The provider's issuer URL (Auth0: `https://<tenant>/`, Keycloak:
   * `http://host/realms/<realm>`, dev-idp: `http://localhost:4400/`). Its
   * `/.well-known/openid-configuration` names the issuer tokens must carry and the JWKS; the
   * configured value may differ from the discovered one by one trailing slash.
   */
  issuer: string;
  /** The API identifier(s) a token must carry in `aud` (one match is enough). */
  audience: string | string[];
  /**
   * Where the issuer publishes its keys. When given, discovery is not used at all and `iss` must
   * equal `issuer` (with or without one trailing slash).
   */
  jwksUri?: string;
  /** Where permissions live in the token: a dotted claim path (`permissions`, `scope`, `realm_access.roles`, …). */
  permissionsClaim?: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf` (bounded to 0…300). */
  clockToleranceSec?: number;
  /** How long the fetched keys (and discovery document) are trusted before they are read again (ms). */
  jwksCacheMaxAgeMs?: number;
  /**
   * JWKS refetches per minute that tokens with an unknown `kid` may cause (spread evenly: at most
   * one every 60 s / this). Refreshing keys already known is not counted against it.
   */
  jwksRequestsPerMinute?: number;
  /** Deadline of one JWKS or discovery fetch (ms). */
  jwksTimeoutMs?: number;
  /** Successful verifications kept (LRU); 0 turns the cache off. */
  cacheMaxEntries?: number;
  /** Longest time a successful verification is reused (ms); never past the token's own expiry. */
  cacheTtlMs?: number;
  /**
   * How long a protected call waits for the revocation list to load before it is refused with
   * UNAVAILABLE (ms; only with revocations enabled).
   */
  revocationWaitMs?: number;
  /**
   * The names of the settings the values came from, for error messages that say what to change
   * (e.g. `{ issuer: 'AUTH0_DOMAIN' }`).
   */
  settingNames?: Partial<TokenVerifierSettingNames>;
}

export interface TokenVerifierSettingNames {
  issuer: string;
  audience: string;
  jwksUri: string;
  permissionsClaim: string;
}

export const DEFAULT_SETTING_NAMES: TokenVerifierSettingNames = {
  issuer: 'OIDC_ISSUER',
  audience: 'AUTH_AUDIENCE',
  jwksUri: 'AUTH_JWKS_URI',
  permissionsClaim: 'AUTH_PERMISSIONS_CLAIM',
};

export type ResolvedTokenVerifierOptions = Required<Omit<TokenVerifierOptions, 'audience' | 'jwksUri' | 'settingNames'>> & {
  audience: string[];
  /** The JWKS given in the configuration; undefined = taken from the discovery document. */
  jwksUri?: string;
  /** `<issuer>/.well-known/openid-configuration`, when discovery is used. */
  discoveryUrl?: string;
  settingNames: TokenVerifierSettingNames;
};

export const TOKEN_VERIFIER_DEFAULTS = {
  permissionsClaim: 'permissions',
  clockToleranceSec: 30,
  jwksCacheMaxAgeMs: 10 * 60_000,
  jwksRequestsPerMinute: 10,
  jwksTimeoutMs: 5_000,
  cacheMaxEntries: 10_000,
  cacheTtlMs: 5 * 60_000,
  revocationWaitMs: 3_000,
} as const;

export const MAX_CLOCK_TOLERANCE_SEC = 300;

/** The issuer without one trailing slash: how configured and discovered issuers are compared. */
export function withoutTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4), whatever the trailing slash. */
export function discoveryUrlFor(issuer: string): string {
  return `${withoutTrailingSlash(issuer)}/.well-known/openid-configuration`;
}

export function resolveTokenVerifierOptions(options: TokenVerifierOptions): ResolvedTokenVerifierOptions {
  const names = { ...DEFAULT_SETTING_NAMES, ...options.settingNames };
  if (!options.issuer) throw new Error(`Token verifier: the issuer is required (${names.issuer})`);
  if (!/^https?:\/\/[^/]/i.test(options.issuer)) {
    throw new Error(`${names.issuer} must be the provider's issuer URL, e.g. https://<tenant>.auth0.com/ (got "${options.issuer}")`);
  }
  if (options.jwksUri && !/^https?:\/\/[^/]/i.test(options.jwksUri)) throw new Error(`${names.jwksUri} must be an http(s) URL (got "${options.jwksUri}")`);
  const audience = (Array.isArray(options.audience) ? options.audience : [options.audience]).filter(Boolean);
  if (audience.length === 0) throw new Error(`Token verifier: at least one audience is required (${names.audience})`);
  const permissionsClaim = options.permissionsClaim ?? TOKEN_VERIFIER_DEFAULTS.permissionsClaim;
  if (!isValidClaimPath(permissionsClaim)) {
    throw new Error(`${names.permissionsClaim} must be a claim name or a dotted path such as realm_access.roles (got "${permissionsClaim}")`);
  }
  const tolerance = options.clockToleranceSec ?? TOKEN_VERIFIER_DEFAULTS.clockToleranceSec;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > MAX_CLOCK_TOLERANCE_SEC) {
    throw new Error(`Token verifier: clock tolerance must be between 0 and ${MAX_CLOCK_TOLERANCE_SEC} s`);
  }
  const positive = (name: string, value: number, allowZero = false) => {
    if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new Error(`Token verifier: ${name} must be a positive number`);
    return value;
  };
  return {
    issuer: options.issuer,
    audience,
    jwksUri: options.jwksUri || undefined,
    discoveryUrl: options.jwksUri ? undefined : discoveryUrlFor(options.issuer),
    permissionsClaim,
    clockToleranceSec: tolerance,
    jwksCacheMaxAgeMs: positive('jwksCacheMaxAgeMs', options.jwksCacheMaxAgeMs ?? TOKEN_VERIFIER_DEFAULTS.jwksCacheMaxAgeMs),
    jwksRequestsPerMinute: positive('jwksRequestsPerMinute', options.jwksRequestsPerMinute ?? TOKEN_VERIFIER_DEFAULTS.jwksRequestsPerMinute),
    jwksTimeoutMs: positive('jwksTimeoutMs', options.jwksTimeoutMs ?? TOKEN_VERIFIER_DEFAULTS.jwksTimeoutMs),
    cacheMaxEntries: positive('cacheMaxEntries', options.cacheMaxEntries ?? TOKEN_VERIFIER_DEFAULTS.cacheMaxEntries, true),
    cacheTtlMs: positive('cacheTtlMs', options.cacheTtlMs ?? TOKEN_VERIFIER_DEFAULTS.cacheTtlMs, true),
    revocationWaitMs: positive('revocationWaitMs', options.revocationWaitMs ?? TOKEN_VERIFIER_DEFAULTS.revocationWaitMs, true),
    settingNames: names,
  };
}

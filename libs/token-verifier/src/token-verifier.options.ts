/**
 * What the verifier trusts and how hard it works. Every service builds this from its own
 * configuration (see `tokenVerifierOptionsFromEnv`, whose variables each app documents in
 * `src/config/`).
 */
export interface TokenVerifierOptions {
  /** The expected `iss`, compared exactly (Auth0: `https://<tenant>/`, dev-idp: `http://localhost:4400/`). */
  issuer: string;
  /** The API identifier(s) a token must carry in `aud` (one match is enough). */
  audience: string | string[];
  /** Where the issuer publishes its keys; derived from the issuer when not given. */
  jwksUri?: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf` (bounded to 0…300). */
  clockToleranceSec?: number;
  /** How long a fetched signing key is trusted before the JWKS is read again (ms). */
  jwksCacheMaxAgeMs?: number;
  /** JWKS fetches allowed per minute, in total, for keys not in the cache (unknown `kid`). */
  jwksRequestsPerMinute?: number;
  /** Deadline of one JWKS fetch (ms). */
  jwksTimeoutMs?: number;
  /** Successful verifications kept (LRU); 0 turns the cache off. */
  cacheMaxEntries?: number;
  /** Longest time a successful verification is reused (ms); never past the token's own expiry. */
  cacheTtlMs?: number;
}

export type ResolvedTokenVerifierOptions = Required<Omit<TokenVerifierOptions, 'audience'>> & { audience: string[] };

export const TOKEN_VERIFIER_DEFAULTS = {
  clockToleranceSec: 30,
  jwksCacheMaxAgeMs: 10 * 60_000,
  jwksRequestsPerMinute: 10,
  jwksTimeoutMs: 5_000,
  cacheMaxEntries: 10_000,
  cacheTtlMs: 5 * 60_000,
} as const;

export const MAX_CLOCK_TOLERANCE_SEC = 300;

/** `<issuer>.well-known/jwks.json`, as Auth0 and dev-idp publish it. */
export function jwksUriFor(issuer: string): string {
  return new URL('.well-known/jwks.json', issuer.endsWith('/') ? issuer : `${issuer}/`).toString();
}

export function resolveTokenVerifierOptions(options: TokenVerifierOptions): ResolvedTokenVerifierOptions {
  if (!options.issuer) throw new Error('Token verifier: issuer is required');
  const audience = (Array.isArray(options.audience) ? options.audience : [options.audience]).filter(Boolean);
  if (audience.length === 0) throw new Error('Token verifier: at least one audience is required');
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
    jwksUri: options.jwksUri || jwksUriFor(options.issuer),
    clockToleranceSec: tolerance,
    jwksCacheMaxAgeMs: positive('jwksCacheMaxAgeMs', options.jwksCacheMaxAgeMs ?? TOKEN_VERIFIER_DEFAULTS.jwksCacheMaxAgeMs),
    jwksRequestsPerMinute: positive('jwksRequestsPerMinute', options.jwksRequestsPerMinute ?? TOKEN_VERIFIER_DEFAULTS.jwksRequestsPerMinute),
    jwksTimeoutMs: positive('jwksTimeoutMs', options.jwksTimeoutMs ?? TOKEN_VERIFIER_DEFAULTS.jwksTimeoutMs),
    cacheMaxEntries: positive('cacheMaxEntries', options.cacheMaxEntries ?? TOKEN_VERIFIER_DEFAULTS.cacheMaxEntries, true),
    cacheTtlMs: positive('cacheTtlMs', options.cacheTtlMs ?? TOKEN_VERIFIER_DEFAULTS.cacheTtlMs, true),
  };
}

type Env = Record<string, string | undefined>;

function num(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number (got "${raw}")`);
  return value;
}

/**
 * The shared `AUTH_*` variables (each app's `src/config/` documents them):
 * AUTH_ISSUER, AUTH_AUDIENCE (comma-separated), AUTH_JWKS_URI, AUTH_CLOCK_TOLERANCE_SEC,
 * AUTH_JWKS_CACHE_MAX_AGE_MS, AUTH_JWKS_REQUESTS_PER_MINUTE, AUTH_JWKS_TIMEOUT_MS,
 * AUTH_TOKEN_CACHE_MAX, AUTH_TOKEN_CACHE_TTL_MS. Without AUTH_ISSUER, dev-idp on
 * DEV_IDP_PORT (4400) is trusted.
 */
export function tokenVerifierOptionsFromEnv(env: Env = process.env): ResolvedTokenVerifierOptions {
  const issuer = env.AUTH_ISSUER?.trim() || `http://localhost:${env.DEV_IDP_PORT?.trim() || '4400'}/`;
  const audience = (env.AUTH_AUDIENCE?.trim() || 'http://localhost:8888/api')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return resolveTokenVerifierOptions({
    issuer,
    audience,
    jwksUri: env.AUTH_JWKS_URI?.trim() || undefined,
    clockToleranceSec: num(env, 'AUTH_CLOCK_TOLERANCE_SEC'),
    jwksCacheMaxAgeMs: num(env, 'AUTH_JWKS_CACHE_MAX_AGE_MS'),
    jwksRequestsPerMinute: num(env, 'AUTH_JWKS_REQUESTS_PER_MINUTE'),
    jwksTimeoutMs: num(env, 'AUTH_JWKS_TIMEOUT_MS'),
    cacheMaxEntries: num(env, 'AUTH_TOKEN_CACHE_MAX'),
    cacheTtlMs: num(env, 'AUTH_TOKEN_CACHE_TTL_MS'),
  });
}

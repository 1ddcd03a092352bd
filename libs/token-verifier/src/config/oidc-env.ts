import { resolveTokenVerifierOptions, type ResolvedTokenVerifierOptions } from '../token-verifier.options';

type Env = Record<string, string | undefined>;

/**
 * The one place where the services' token settings are read from the environment (auth-service
 * and api-service both call `tokenVerifierOptionsFromEnv`; each documents the variables in its
 * `src/config/` and `.env.sample`).
 *
 * The provider, first one set wins:
 *   OIDC_ISSUER             the issuer URL, as the provider's discovery document names it
 *                           (Keycloak: http://localhost:8080/realms/auth-bus; Auth0: https://<tenant>/)
 *   AUTH_ISSUER             older name of the same setting
 *   AUTH0_ISSUER_BASE_URL   what @auth0/nextjs-auth0 calls it (component-web)
 *   AUTH0_DOMAIN            an Auth0 domain: `tenant.eu.auth0.com` → https://tenant.eu.auth0.com/
 *   (none)                  dev-idp: http://localhost:<DEV_IDP_PORT or 4400>/
 * One trailing slash more or less does not matter: the token's `iss` must equal the issuer that
 * `<issuer>/.well-known/openid-configuration` announces.
 *
 *   AUTH_AUDIENCE (aliases AUTH0_AUDIENCE, API_AUDIENCE — the article's Flask API's name)
 *                             API identifier(s), comma-separated             http://localhost:8888/api
 *   AUTH_JWKS_URI             the JWKS; set only to bypass discovery         (from discovery)
 *   AUTH_PERMISSIONS_CLAIM    where permissions live: dotted path to an      permissions
 *                             array or a space-separated string (scope,
 *                             realm_access.roles, resource_access.<client>.roles)
 *   AUTH_CLOCK_TOLERANCE_SEC, AUTH_JWKS_CACHE_MAX_AGE_MS, AUTH_JWKS_REQUESTS_PER_MINUTE,
 *   AUTH_JWKS_TIMEOUT_MS, AUTH_TOKEN_CACHE_MAX, AUTH_TOKEN_CACHE_TTL_MS   (see TokenVerifierOptions)
 */
export function tokenVerifierOptionsFromEnv(env: Env = process.env): ResolvedTokenVerifierOptions {
  const { issuer, from } = oidcIssuerFromEnv(env);
  const audienceFrom = first(env, ['AUTH_AUDIENCE', 'AUTH0_AUDIENCE', 'API_AUDIENCE']);
  const audience = (audienceFrom?.value ?? 'http://localhost:8888/api')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  return resolveTokenVerifierOptions({
    issuer,
    audience,
    jwksUri: env.AUTH_JWKS_URI?.trim() || undefined,
    permissionsClaim: env.AUTH_PERMISSIONS_CLAIM?.trim() || undefined,
    clockToleranceSec: num(env, 'AUTH_CLOCK_TOLERANCE_SEC'),
    jwksCacheMaxAgeMs: num(env, 'AUTH_JWKS_CACHE_MAX_AGE_MS'),
    jwksRequestsPerMinute: num(env, 'AUTH_JWKS_REQUESTS_PER_MINUTE'),
    jwksTimeoutMs: num(env, 'AUTH_JWKS_TIMEOUT_MS'),
    cacheMaxEntries: num(env, 'AUTH_TOKEN_CACHE_MAX'),
    cacheTtlMs: num(env, 'AUTH_TOKEN_CACHE_TTL_MS'),
    settingNames: { issuer: from, audience: audienceFrom?.name ?? 'AUTH_AUDIENCE' },
  });
}

export const ISSUER_VARIABLES = ['OIDC_ISSUER', 'AUTH_ISSUER', 'AUTH0_ISSUER_BASE_URL', 'AUTH0_DOMAIN'] as const;

/** The issuer URL and the variable it came from (see tokenVerifierOptionsFromEnv). */
export function oidcIssuerFromEnv(env: Env = process.env): { issuer: string; from: string } {
  const found = first(env, ISSUER_VARIABLES);
  if (!found) return { issuer: `http://localhost:${env.DEV_IDP_PORT?.trim() || '4400'}/`, from: 'OIDC_ISSUER' };
  if (found.name === 'AUTH0_DOMAIN') {
    // Auth0's domain is a host name; its issuer is https://<domain>/ (a scheme given is kept).
    const base = /^https?:\/\//i.test(found.value) ? found.value : `https://${found.value}`;
    return { issuer: base.endsWith('/') ? base : `${base}/`, from: found.name };
  }
  return { issuer: found.value, from: found.name };
}

function first(env: Env, names: readonly string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name]?.trim();
    if (value) return { name, value };
  }
  return undefined;
}

function num(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number (got "${raw}")`);
  return value;
}

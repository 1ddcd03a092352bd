import { envField, natsConfigFromEnv, readServiceEnv, type BusServiceSettings, type Env } from '@auth-bus/service-kit/config';
import { tokenVerifierOptionsFromEnv, type ResolvedTokenVerifierOptions } from '@auth-bus/token-verifier';

export const SERVICE_NAME = 'api-service';

/**
 * api-service configuration, from the environment (and `apps/api-service/.env` if present).
 * Every variable, with its default — the defaults point at the local parts (`npm start`):
 *
 * Identity and logs
 *   INSTANCE_ID        replica id, in every reply and audit event      api-service-<6 random hex>
 *                      (letters, digits, . _ -)
 *   LOG_LEVEL          fatal | error | warn | info | debug | trace | silent   info
 *
 * NATS (user `api-service`: subscribe api.>, publish audit.events.api.>)
 *   NATS_URL           comma-separated server URLs                      nats://127.0.0.1:4222 (NATS_PORT)
 *   NATS_USER          NATS user                                        api-service
 *   NATS_PASSWORD      its password                                     $NATS_API_SERVICE_PASSWORD, else the
 *                                                                       dev password of infra/nats/nats.env.sample
 *
 * Access tokens (shared with auth-service; read in one place: @auth-bus/token-verifier, config/oidc-env.ts)
 *   OIDC_ISSUER                  the provider's issuer URL               http://localhost:4400/ (dev-idp, DEV_IDP_PORT)
 *                                Auth0: https://<tenant>/ · Keycloak: http://<host>:8080/realms/<realm>
 *                                aliases, first set wins: AUTH_ISSUER, AUTH0_ISSUER_BASE_URL, AUTH0_DOMAIN (a host
 *                                name: tenant.eu.auth0.com → https://tenant.eu.auth0.com/). The token's `iss` must
 *                                equal the `issuer` of <OIDC_ISSUER>/.well-known/openid-configuration (one trailing
 *                                slash more or less in OIDC_ISSUER does not matter).
 *   AUTH_AUDIENCE                API identifier(s) in `aud`, comma-sep.  http://localhost:8888/api   (alias AUTH0_AUDIENCE)
 *   AUTH_JWKS_URI                signing keys; set only to bypass        the discovery document's jwks_uri
 *                                discovery (then `iss` must be OIDC_ISSUER, with or without one trailing slash)
 *   AUTH_PERMISSIONS_CLAIM       where permissions live: a dotted path   permissions
 *                                to an array or a space-separated string (Auth0 RBAC: permissions — turn on RBAC and
 *                                "Add Permissions in the Access Token" for the API; scope; Keycloak:
 *                                realm_access.roles or resource_access.<client>.roles). Only this claim grants
 *                                what @RequirePermission asks for (api.pong-scoped: read:messages).
 *   AUTH_CLOCK_TOLERANCE_SEC     skew allowed on exp/nbf (0…300)         30
 *   AUTH_JWKS_CACHE_MAX_AGE_MS   how long fetched keys and discovery     600000 (10 min; refreshed in the background,
 *                                are trusted                             the old keys keep working meanwhile)
 *   AUTH_JWKS_REQUESTS_PER_MINUTE  JWKS refetches that tokens with       10 (at most one every 60 s / this)
 *                                unknown kids may cause
 *   AUTH_JWKS_TIMEOUT_MS         deadline of one JWKS/discovery fetch    5000
 *   AUTH_TOKEN_CACHE_MAX         verified tokens remembered (LRU, 0=off) 10000
 *   AUTH_TOKEN_CACHE_TTL_MS      longest reuse of a verification         300000 (never past the token's exp)
 *   Machine-to-machine (client-credentials) tokens are accepted here; only logins (auth-service) refuse them.
 *
 * Audit (api.allowed / api.denied events, published asynchronously to JetStream)
 *   AUDIT_COALESCE_WINDOW  identical calls (same caller, token, subject, outcome) within this     1s
 *                          window are stored as one event with `count` and `until`; 0 = one
 *                          stored event per call
 *   AUDIT_MAX_PENDING      events queued while NATS/the stream is away    10000 (oldest dropped beyond)
 *   AUDIT_MAX_IN_FLIGHT    publishes awaiting an ack                      256
 *   AUDIT_ACK_TIMEOUT      wait for one ack before retrying               5s
 *   AUDIT_FLUSH_TIMEOUT    wait for queued events at shutdown             5s
 *
 * Shutdown
 *   DRAIN_TIMEOUT          wait for in-flight requests on SIGTERM         10s
 */
export interface ApiServiceConfig extends BusServiceSettings<typeof SERVICE_NAME> {
  auth: ResolvedTokenVerifierOptions;
}

export function loadApiServiceConfig(env: Env = process.env): ApiServiceConfig {
  const { settings, e } = readServiceEnv(SERVICE_NAME, { AUDIT_COALESCE_WINDOW: envField.duration(1_000) }, env);
  return {
    service: SERVICE_NAME,
    ...settings,
    nats: natsConfigFromEnv(env, SERVICE_NAME),
    auth: tokenVerifierOptionsFromEnv(env),
    audit: { ...settings.audit, coalesceWindowMs: e.AUDIT_COALESCE_WINDOW },
  };
}

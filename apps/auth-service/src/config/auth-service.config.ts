import {
  ConfigError,
  envField,
  natsConfigForUser,
  natsConfigFromEnv,
  readServiceEnv,
  splitList,
  type Env,
  type BusServiceSettings,
  type NatsConfig,
} from '@auth-bus/service-kit/config';
import { tokenVerifierOptionsFromEnv, type ResolvedTokenVerifierOptions } from '@auth-bus/token-verifier';
import { AUDIT_KINDS } from '@auth-bus/contracts';

export const SERVICE_NAME = 'auth-service';

/** The JetStream stream auth-service owns (name and subjects come from the contracts). */
export interface AuditStreamSettings {
  maxAgeMs: number;
  maxBytes: number;
  /** Events kept per kind (one stream subject per kind): a flood of one kind evicts only its own. */
  maxEventsPerKind: number;
  duplicateWindowMs: number;
  replicas: number;
}

/**
 * Room counted per event when the per-kind limit is checked against the byte cap: an audit event
 * is ~350 bytes stored (login.rejected measured at 354), so 512 leaves headroom. With
 * kinds × per-kind × 512 ≤ max bytes the byte cap is never what evicts, so refusals
 * (login.rejected, api.denied — what an attacker can produce) never push out real history.
 */
export const AUDIT_EVENT_BUDGET_BYTES = 512;

export interface AuditQuerySettings {
  /** Most stored events one query reads (newest first window) when no `since` narrows it. */
  scanMax: number;
  timeoutMs: number;
}

/** Who may log in through auth.verify (purpose `user`). */
export interface LoginSettings {
  /** Client ids (`azp`/`client_id`) whose user tokens are logins. */
  clientIds: string[];
}

/**
 * auth-service configuration, from the environment (and `apps/auth-service/.env` if present).
 * Every variable, with its default — the defaults point at the local parts (`npm start`):
 *
 * Identity and logs
 *   INSTANCE_ID        replica id, in replies and audit events             auth-service-<6 random hex>
 *   LOG_LEVEL          fatal | error | warn | info | debug | trace | silent info
 *
 * NATS, two users (infra/nats/nats.conf): `auth-service` answers auth.verify, auth.session.>, audit.query
 * and may publish only into the requesters' inboxes; `audit-writer` (a second connection that answers
 * nothing) writes audit events and owns/reads the AUDIT stream. Both refuse development passwords
 * when AUTH_BUS_ENV=production.
 *   NATS_URL                     comma-separated server URLs                nats://127.0.0.1:4222 (NATS_PORT)
 *   NATS_USER                    NATS user                                  auth-service
 *   NATS_PASSWORD                its password                               $NATS_AUTH_SERVICE_PASSWORD, else the
 *                                                                           dev password of infra/nats/nats.env.sample
 *   NATS_AUDIT_WRITER_PASSWORD   password of the `audit-writer` user        its dev password (nats.env.sample)
 *
 * Access tokens (shared with api-service; read in one place: @auth-bus/token-verifier, config/oidc-env.ts)
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
 *                                realm_access.roles or resource_access.<client>.roles). Only this claim grants them.
 *   AUTH_CLOCK_TOLERANCE_SEC     skew allowed on exp/nbf (0…300)         30
 *   AUTH_JWKS_CACHE_MAX_AGE_MS   how long fetched keys and discovery     600000 (10 min; refreshed in the background,
 *                                are trusted                             the old keys keep working meanwhile)
 *   AUTH_JWKS_REQUESTS_PER_MINUTE  JWKS refetches that tokens with       10 (at most one every 60 s / this)
 *                                unknown kids may cause
 *   AUTH_JWKS_TIMEOUT_MS         deadline of one JWKS/discovery fetch    5000
 *   AUTH_TOKEN_CACHE_MAX         verified tokens remembered (LRU, 0=off) 10000
 *   AUTH_TOKEN_CACHE_TTL_MS      longest reuse of a verification         300000 (never past the token's exp)
 *
 * Logins (auth.verify with purpose `user`, the default)
 *   AUTH_LOGIN_CLIENT_IDS        clients whose user tokens may log in    $AUTH0_CLIENT_ID, else component-web
 *                                (the token's azp / client_id), comma-separated; machine tokens (gty
 *                                client-credentials, sub …@clients) never may
 *
 * The AUDIT stream (created at start if missing, limits updated if changed)
 *   AUDIT_MAX_AGE          events older than this are removed               30d
 *   AUDIT_MAX_BYTES        size cap; the oldest events go first             256MB
 *   AUDIT_MAX_EVENTS_PER_KIND events kept per kind (login.verified, …, api.denied): a flood of
 *                          refusals evicts older refusals, never logins or API calls; must fit in
 *                          AUDIT_MAX_BYTES at 512 B an event                MAX_BYTES ÷ (kinds × 512 B)
 *   AUDIT_DUPLICATE_WINDOW same Nats-Msg-Id within it is stored once        2m
 *   AUDIT_REPLICAS         stream replicas (1 on a single server)           1
 *
 * Audit publishing (login.*, logout events)
 *   AUDIT_MAX_PENDING      events queued while NATS/the stream is away       10000
 *   AUDIT_MAX_IN_FLIGHT    publishes awaiting an ack                         256
 *   AUDIT_ACK_TIMEOUT      wait for one ack before retrying                  5s
 *   AUDIT_FLUSH_TIMEOUT    wait for queued events at shutdown                5s
 *
 * audit.query
 *   AUDIT_QUERY_SCAN_MAX   stored events one query reads at most             100000
 *   AUDIT_QUERY_TIMEOUT    deadline of one query's scan                      5s
 *
 * Revocations (the REVOCATIONS KV bucket, created at start by the `audit-writer` connection)
 *   AUTH_REVOCATION_TTL    how long a revocation is kept: at least the longest 24h5m
 *                          access-token lifetime plus the clock tolerance, so it
 *                          outlives every token it covers (Auth0's default API
 *                          token lifetime is 24h; +5 min = the largest tolerance)
 *
 * Shutdown
 *   DRAIN_TIMEOUT          wait for in-flight requests on SIGTERM            10s
 */
export interface AuthServiceConfig extends BusServiceSettings<typeof SERVICE_NAME> {
  /** The `audit-writer` connection (audit events, AUDIT stream, audit.query reads). */
  auditNats: NatsConfig;
  auth: ResolvedTokenVerifierOptions;
  login: LoginSettings;
  stream: AuditStreamSettings;
  query: AuditQuerySettings;
  /** How long the REVOCATIONS bucket keeps an entry (ms). */
  revocationTtlMs: number;
}

const ENV = {
  AUDIT_MAX_AGE: envField.duration(30 * 86_400_000),
  AUDIT_MAX_BYTES: envField.bytes(256 * 1e6),
  AUDIT_DUPLICATE_WINDOW: envField.duration(120_000),
  AUDIT_REPLICAS: envField.int(1, { min: 1, max: 5 }),
  AUDIT_MAX_EVENTS_PER_KIND: envField.optionalInt({ min: 1 }),
  AUDIT_QUERY_SCAN_MAX: envField.int(100_000, { min: 1 }),
  AUDIT_QUERY_TIMEOUT: envField.duration(5_000),
  AUTH_LOGIN_CLIENT_IDS: envField.optionalString(),
  AUTH0_CLIENT_ID: envField.optionalString(),
  AUTH_REVOCATION_TTL: envField.duration(86_400_000 + 300_000),
};

export function loadAuthServiceConfig(env: Env = process.env): AuthServiceConfig {
  const { settings, e } = readServiceEnv(SERVICE_NAME, ENV, env);
  const stream: AuditStreamSettings = {
    maxAgeMs: e.AUDIT_MAX_AGE,
    maxBytes: e.AUDIT_MAX_BYTES,
    maxEventsPerKind: 0,
    duplicateWindowMs: e.AUDIT_DUPLICATE_WINDOW,
    replicas: e.AUDIT_REPLICAS,
  };
  if (stream.duplicateWindowMs > stream.maxAgeMs) throw new ConfigError('AUDIT_DUPLICATE_WINDOW must not exceed AUDIT_MAX_AGE');
  if (stream.maxAgeMs < 1_000) throw new ConfigError('AUDIT_MAX_AGE must be at least 1s');
  const fitting = Math.floor(stream.maxBytes / (AUDIT_KINDS.length * AUDIT_EVENT_BUDGET_BYTES));
  stream.maxEventsPerKind = e.AUDIT_MAX_EVENTS_PER_KIND ?? fitting;
  if (stream.maxEventsPerKind > fitting) {
    throw new ConfigError(
      `AUDIT_MAX_EVENTS_PER_KIND (${stream.maxEventsPerKind}) × ${AUDIT_KINDS.length} kinds × ${AUDIT_EVENT_BUDGET_BYTES} B does not fit in AUDIT_MAX_BYTES (${stream.maxBytes} B): ` +
        `the byte cap would then evict any kind, and a flood of refusals could push out logins. Lower it to at most ${fitting} or raise AUDIT_MAX_BYTES.`,
    );
  }
  const clientIds = splitList(e.AUTH_LOGIN_CLIENT_IDS ?? e.AUTH0_CLIENT_ID ?? 'component-web');
  if (clientIds.length === 0) throw new ConfigError("AUTH_LOGIN_CLIENT_IDS must name at least one client id (the component's, e.g. component-web)");
  return {
    service: SERVICE_NAME,
    ...settings,
    nats: natsConfigFromEnv(env, SERVICE_NAME),
    auditNats: natsConfigForUser(env, 'audit-writer'),
    auth: tokenVerifierOptionsFromEnv(env),
    login: { clientIds },
    revocationTtlMs: e.AUTH_REVOCATION_TTL,
    stream,
    query: {
      scanMax: e.AUDIT_QUERY_SCAN_MAX,
      timeoutMs: e.AUDIT_QUERY_TIMEOUT,
    },
  };
}

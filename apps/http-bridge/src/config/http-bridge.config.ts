import { ConfigError, envString, loadBridgeRoutes, natsConfigFromEnv, readServiceEnv, type BridgeRoutes, type BusServiceSettings, type Env } from '@auth-bus/service-kit/config';
import { tokenVerifierOptionsFromEnv, type ResolvedTokenVerifierOptions } from '@auth-bus/token-verifier';
import { isAbsolute, join, resolve } from 'node:path';

export const SERVICE_NAME = 'http-bridge';
/** The routes file used when BRIDGE_ROUTES_FILE is not set: the article's API on the local machine. */
export const DEFAULT_ROUTES_FILE = join(__dirname, '..', '..', 'routes.sample.yaml');

/**
 * http-bridge configuration, from the environment (and `apps/http-bridge/.env` if present).
 * Every variable, with its default — the defaults point at the local parts (`npm start`):
 *
 * Routes
 *   BRIDGE_ROUTES_FILE  YAML or JSON file of the routes (see routes.sample.yaml and the README):
 *                       id, method, path, upstream, permission?, token (bearer | accesstoken |
 *                       none), timeout, body_limit. Checked at start; a bad entry stops the
 *                       service with its line.                          apps/http-bridge/routes.sample.yaml
 *                       (relative paths are resolved from the working directory)
 *
 * Identity, logs, shutdown, audit: INSTANCE_ID, LOG_LEVEL, DRAIN_TIMEOUT, AUDIT_MAX_PENDING,
 *   AUDIT_MAX_IN_FLIGHT, AUDIT_ACK_TIMEOUT, AUDIT_FLUSH_TIMEOUT — as api-service (its config file
 *   documents each). Every call is one audit event (bridge.allowed / bridge.denied), not coalesced:
 *   each carries its upstream status and latency.
 *
 * NATS (user `http-bridge`: subscribe bridge.>, publish audit.events.bridge.>)
 *   NATS_URL, NATS_USER (http-bridge), NATS_PASSWORD ($NATS_HTTP_BRIDGE_PASSWORD, else the dev
 *   password of infra/nats/nats.env.sample)
 *
 * Access tokens: OIDC_ISSUER, AUTH_AUDIENCE, AUTH_PERMISSIONS_CLAIM, … exactly as api-service
 *   (read in one place: @auth-bus/token-verifier, config/oidc-env.ts).
 */
export interface HttpBridgeConfig extends BusServiceSettings<typeof SERVICE_NAME> {
  auth: ResolvedTokenVerifierOptions;
  routesFile: string;
  routes: BridgeRoutes;
}

export function loadHttpBridgeConfig(env: Env = process.env): HttpBridgeConfig {
  const { settings } = readServiceEnv(SERVICE_NAME, {}, env);
  const named = envString(env, 'BRIDGE_ROUTES_FILE', '');
  const routesFile = named ? (isAbsolute(named) ? named : resolve(named)) : DEFAULT_ROUTES_FILE;
  const routes = loadBridgeRoutes(routesFile);
  if (routes.routes.length === 0) throw new ConfigError('BRIDGE_ROUTES_FILE: no routes');
  return {
    service: SERVICE_NAME,
    ...settings,
    nats: natsConfigFromEnv(env, SERVICE_NAME),
    auth: tokenVerifierOptionsFromEnv(env),
    audit: { ...settings.audit, coalesceWindowMs: 0 },
    routesFile,
    routes,
  };
}

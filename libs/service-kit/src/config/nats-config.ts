import { ConfigError, type Env } from './env';
import { envList, envString } from './env-schema';

/**
 * Every NATS user of infra/nats/nats.conf, one per part (a test keeps the two in step).
 * `audit-writer` is auth-service's second connection, for the AUDIT stream only: it answers no
 * request, so no reply can ever be bounced onto its JetStream rights (see nats.conf).
 */
export const NATS_USERS = ['host-relay', 'auth-service', 'api-service', 'streamlit-host', 'audit-reader', 'audit-writer', 'http-bridge', 'revoker'] as const;
export type NatsUserName = (typeof NATS_USERS)[number];

/**
 * The users that send requests to the services. Responders (auth-service, api-service) may
 * publish replies only into these users' inboxes — in nats.conf and in the bus server's code.
 */
export const SERVICE_REQUESTERS: readonly NatsUserName[] = ['host-relay', 'streamlit-host'];

/**
 * Development passwords of the NATS users, as documented in infra/nats/nats.env.sample (a test
 * keeps the two in step). Deployments set NATS_PASSWORD (or NATS_<USER>_PASSWORD) instead.
 */
export const DEV_NATS_PASSWORDS: Readonly<Record<string, string>> = {
  'host-relay': 'host-relay-dev-password',
  'auth-service': 'auth-service-dev-password',
  'api-service': 'api-service-dev-password',
  'streamlit-host': 'streamlit-host-dev-password',
  'audit-reader': 'audit-reader-dev-password',
  'audit-writer': 'audit-writer-dev-password',
  'http-bridge': 'http-bridge-dev-password',
  revoker: 'revoker-dev-password',
};

/** The per-user password variable of infra/nats (`auth-service` → `NATS_AUTH_SERVICE_PASSWORD`). */
export function natsPasswordVar(user: string): string {
  return `NATS_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
}

/**
 * The reply inbox prefix of a NATS user: `_INBOX_<user>` (nats.js `inboxPrefix`, nats-py
 * `inbox_prefix`). nats.conf lets each user subscribe only to its own `_INBOX_<user>.>`, so no
 * part reads the replies meant for another.
 */
export function natsInboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

// ---- Production mode (one variable for every part) ----

/** `AUTH_BUS_ENV`: `development` (default: local runs, tests) or `production` (compose, deployments). */
export const DEPLOYMENT_MODE_VAR = 'AUTH_BUS_ENV';
export type DeploymentMode = 'development' | 'production';

export function deploymentMode(env: Env): DeploymentMode {
  const raw = envString(env, DEPLOYMENT_MODE_VAR, 'development').toLowerCase();
  if (raw === 'development' || raw === 'production') return raw;
  throw new ConfigError(`${DEPLOYMENT_MODE_VAR} must be development or production (got "${env[DEPLOYMENT_MODE_VAR]}")`);
}

/**
 * The rule every part applies (TypeScript parts through this function; host-relay,
 * component-web, the Python host and infra/nats/index.cjs apply the same rule): a secret is a
 * development one if it is one of the committed defaults, i.e. it ends with `-dev-password` or
 * `-dev-secret` (`<user>-dev-password` in infra/nats/nats.env.sample, `component-web-dev-secret`, …),
 * or it is empty.
 */
export const DEVELOPMENT_SECRET_PATTERN = /-dev-(password|secret)$/;

export function isDevelopmentSecret(value: string | undefined): boolean {
  return !value || !value.trim() || DEVELOPMENT_SECRET_PATTERN.test(value.trim()) || Object.values(DEV_NATS_PASSWORDS).includes(value.trim());
}

/**
 * In production mode (`AUTH_BUS_ENV=production`), throws a ConfigError naming the first
 * variable whose value is a development secret (or unset). Does nothing in development mode.
 */
export function refuseDevelopmentSecrets(env: Env, secrets: ReadonlyArray<{ variable: string; value: string | undefined }>): void {
  if (deploymentMode(env) !== 'production') return;
  for (const { variable, value } of secrets) {
    if (isDevelopmentSecret(value)) {
      throw new ConfigError(
        `${variable} is ${value ? 'a development default' : 'not set'}, which ${DEPLOYMENT_MODE_VAR}=production refuses: set ${variable} to a real secret (e.g. \`openssl rand -hex 32\`)`,
      );
    }
  }
}

export interface NatsConfig {
  servers: string[];
  user: string;
  pass: string;
  /**
   * Reply inbox prefix; BusConnection defaults it to `natsInboxPrefix(user)`, the only inboxes
   * nats.conf lets the user read (set only to override).
   */
  inboxPrefix?: string;
}

function natsServers(env: Env): string[] {
  const port = envString(env, 'NATS_PORT', '4222');
  return envList(env, 'NATS_URL', [`nats://127.0.0.1:${port}`]);
}

/**
 * NATS_URL (comma-separated; default nats://127.0.0.1:$NATS_PORT, port 4222), NATS_USER
 * (default: the service's own user), NATS_PASSWORD (default: NATS_<USER>_PASSWORD, then the
 * development password of that user — refused when AUTH_BUS_ENV=production).
 */
export function natsConfigFromEnv(env: Env, defaultUser: string): NatsConfig {
  const user = envString(env, 'NATS_USER', defaultUser);
  const own = envString(env, 'NATS_PASSWORD', '');
  const perUser = envString(env, natsPasswordVar(user), '');
  const pass = own || perUser || DEV_NATS_PASSWORDS[user] || '';
  refuseDevelopmentSecrets(env, [{ variable: own ? 'NATS_PASSWORD' : perUser ? natsPasswordVar(user) : `NATS_PASSWORD (or ${natsPasswordVar(user)})`, value: pass }]);
  return { servers: natsServers(env), user, pass };
}

/**
 * A second, fixed NATS user of the same process (auth-service's `audit-writer`): the same
 * NATS_URL, the password from NATS_<USER>_PASSWORD only (NATS_USER/NATS_PASSWORD are the main
 * connection's), development default refused in production.
 */
export function natsConfigForUser(env: Env, user: string): NatsConfig {
  const variable = natsPasswordVar(user);
  const pass = envString(env, variable, DEV_NATS_PASSWORDS[user] ?? '');
  refuseDevelopmentSecrets(env, [{ variable, value: pass }]);
  return { servers: natsServers(env), user, pass };
}

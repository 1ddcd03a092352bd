import { envList, envString, type Env } from './env';

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
};

/** The per-user password variable of infra/nats (`auth-service` → `NATS_AUTH_SERVICE_PASSWORD`). */
export function natsPasswordVar(user: string): string {
  return `NATS_${user.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PASSWORD`;
}

export interface NatsConfig {
  servers: string[];
  user: string;
  pass: string;
}

/**
 * NATS_URL (comma-separated; default nats://127.0.0.1:$NATS_PORT, port 4222), NATS_USER
 * (default: the service's own user), NATS_PASSWORD (default: NATS_<USER>_PASSWORD, then the
 * development password of that user).
 */
export function natsConfigFromEnv(env: Env, defaultUser: string): NatsConfig {
  const user = envString(env, 'NATS_USER', defaultUser);
  const port = envString(env, 'NATS_PORT', '4222');
  return {
    servers: envList(env, 'NATS_URL', [`nats://127.0.0.1:${port}`]),
    user,
    pass: envString(env, 'NATS_PASSWORD', envString(env, natsPasswordVar(user), DEV_NATS_PASSWORDS[user] ?? '')),
  };
}

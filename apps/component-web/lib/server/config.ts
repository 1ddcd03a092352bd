import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Server-side configuration of component-web, read from the environment at run time (never
 * inlined at build time, so one `next build` serves every environment). Every variable is also
 * listed in `.env.sample`.
 *
 * - AUTH0_DOMAIN          The identity provider: an Auth0 tenant domain (`tenant.eu.auth0.com`)
 *                         or a full URL. Default `http://localhost:4400` (dev-idp; the port
 *                         follows DEV_IDP_PORT, as the local defaults below follow
 *                         COMPONENT_WEB_PORT, RELAY_PORT and STREAMLIT_PORT).
 * - AUTH0_CLIENT_ID       Default `component-web` (dev-idp's development client).
 * - AUTH0_CLIENT_SECRET   Default `component-web-dev-secret`.
 * - AUTH0_SECRET          32-byte hex key that encrypts the SDK's session/transaction cookies.
 *                         When unset, a random one is generated on first start and kept in
 *                         `apps/component-web/.data/auth0-secret` (git-ignored) so sessions
 *                         survive restarts. Set it explicitly everywhere but on a dev machine.
 * - APP_BASE_URL          Where component-web is served. Default `http://localhost:3001`.
 * - AUTH0_AUDIENCE        The API identifier access tokens are issued for.
 *                         Default `http://localhost:8888/api`.
 * - AUTH0_SCOPE           Default `openid profile email offline_access` (offline_access is what
 *                         gets a refresh token, used for the silent refresh).
 * - STREAMLIT_ORIGINS     Space-separated origins allowed to embed `/streamlit`
 *                         (CSP `frame-ancestors`). Default `http://localhost:4010 http://127.0.0.1:4010`.
 * - RELAY_ORIGINS         Space-separated WebSocket origins the frame may connect to (CSP
 *                         `connect-src`). Default `ws://localhost:8888 ws://127.0.0.1:8888`.
 *
 * - AUTH_BUS_ENV          `production` for a deployment; anything else is development. (Not
 *                         NODE_ENV: `next start` always sets that to production.) In development
 *                         the frame may also be embedded by any `http://localhost:<port>` and
 *                         `http://127.0.0.1:<port>` page (`streamlit run my_app.py` on 8501, …).
 *                         In production STREAMLIT_ORIGINS is the whole list, a wildcard is
 *                         refused, and so are a missing AUTH0_SECRET and the development
 *                         AUTH0_CLIENT_SECRET: component-web refuses to start, naming the variable.
 *
 * `allowInsecureRequests` (plain-HTTP calls to the provider) is switched on only when the
 * provider is `http://localhost[:port]` or `http://127.0.0.1[:port]`, never for anything else.
 */

/** The environment to read (process.env by default). */
export type Env = Record<string, string | undefined>;

export interface ComponentWebConfig {
  domain: string;
  /** Issuer origin as a URL (scheme + host + port), for CSP `form-action` and logs. */
  issuerOrigin: string;
  clientId: string;
  clientSecret: string;
  secret: string;
  secretSource: 'env' | 'file' | 'memory';
  appBaseUrl: string;
  appOrigin: string;
  audience: string;
  scope: string;
  allowInsecureRequests: boolean;
  streamlitOrigins: string[];
  /** CSP `frame-ancestors` of the frame: STREAMLIT_ORIGINS, plus local wildcards in development. */
  frameAncestors: string[];
  relayOrigins: string[];
  /** AUTH_BUS_ENV=production */
  production: boolean;
}

/** A setting that cannot work; the message names the variable to change. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Development only: any local Streamlit port may embed the frame (CSP port wildcards). */
export const DEV_FRAME_ANCESTORS = ['http://localhost:*', 'http://127.0.0.1:*'];
const DEV_CLIENT_SECRET = 'component-web-dev-secret';

export function isProduction(source: Env = process.env): boolean {
  return source.AUTH_BUS_ENV?.trim().toLowerCase() === 'production';
}

/** Defaults; the local ports follow the system's port variables (tools/dev, README). */
function defaults(source: Env) {
  const port = (name: string, fallback: number) => (/^\d+$/.test(source[name] ?? '') ? Number(source[name]) : fallback);
  const web = port('COMPONENT_WEB_PORT', 3001);
  const relay = port('RELAY_PORT', 8888);
  const streamlit = port('STREAMLIT_PORT', 4010);
  return {
    AUTH0_DOMAIN: `http://localhost:${port('DEV_IDP_PORT', 4400)}`,
    AUTH0_CLIENT_ID: 'component-web',
    AUTH0_CLIENT_SECRET: DEV_CLIENT_SECRET,
    APP_BASE_URL: `http://localhost:${web}`,
    AUTH0_AUDIENCE: 'http://localhost:8888/api',
    AUTH0_SCOPE: 'openid profile email offline_access',
    STREAMLIT_ORIGINS: `http://localhost:${streamlit} http://127.0.0.1:${streamlit}`,
    RELAY_ORIGINS: `ws://localhost:${relay} ws://127.0.0.1:${relay}`,
  };
}

function env(name: keyof ReturnType<typeof defaults>, source: Env): string {
  const value = source[name]?.trim();
  return value ? value : defaults(source)[name];
}

/** True only for a plain-HTTP provider on the local machine (dev-idp). */
export function isLocalInsecureProvider(domain: string): boolean {
  let url: URL;
  try {
    url = new URL(domain);
  } catch {
    return false; // a bare hostname means https
  }
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1');
}

function toOrigin(domain: string): string {
  try {
    return new URL(domain).origin;
  } catch {
    return `https://${domain.replace(/\/+$/, '')}`;
  }
}

/** Origins from a space- or comma-separated list; anything that is not an origin is dropped. */
export function parseOrigins(list: string, protocols: string[]): string[] {
  const out: string[] = [];
  for (const item of list.split(/[\s,]+/)) {
    if (!item) continue;
    try {
      const url = new URL(item);
      if (!protocols.includes(url.protocol)) continue;
      const origin = `${url.protocol}//${url.host}`;
      if (!out.includes(origin)) out.push(origin);
    } catch {
      // ignored: not a URL
    }
  }
  return out;
}

const HEX_32_BYTES = /^[0-9a-f]{64}$/i;

/** Folder for generated development state (git-ignored `.data/`). */
function dataDir(source: Env): string | undefined {
  if (source.COMPONENT_WEB_DATA_DIR) return source.COMPONENT_WEB_DATA_DIR;
  const candidates = [source.COMPONENT_WEB_DIR, join(process.cwd(), 'apps/component-web'), process.cwd()];
  for (const dir of candidates) {
    if (dir && existsSync(join(dir, 'project.json')) && existsSync(join(dir, 'proxy.ts'))) return join(dir, '.data');
  }
  return undefined;
}

// Shared through globalThis: the proxy and the route handlers are separate bundles in one process.
const shared = globalThis as typeof globalThis & { __componentWebSecret?: string };

function resolveSecret(source: Env): { secret: string; secretSource: ComponentWebConfig['secretSource'] } {
  const fromEnv = source.AUTH0_SECRET?.trim();
  if (fromEnv) return { secret: fromEnv, secretSource: 'env' };
  const dir = dataDir(source);
  if (dir) {
    const file = join(dir, 'auth0-secret');
    try {
      if (existsSync(file)) {
        const stored = readFileSync(file, 'utf8').trim();
        if (HEX_32_BYTES.test(stored)) return { secret: stored, secretSource: 'file' };
      }
      mkdirSync(dirname(file), { recursive: true });
      try {
        // exclusive create: when two bundles (proxy, routes) start at once, one secret wins
        writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
        chmodSync(file, 0o600);
        console.warn(`[component-web] AUTH0_SECRET is not set: generated a development secret in ${file}`);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const secret = readFileSync(file, 'utf8').trim();
      if (!HEX_32_BYTES.test(secret)) throw new Error('unreadable secret file');
      return { secret, secretSource: 'file' };
    } catch {
      // fall through to a per-process secret
    }
  }
  if (!shared.__componentWebSecret) {
    shared.__componentWebSecret = randomBytes(32).toString('hex');
    console.warn('[component-web] AUTH0_SECRET is not set: using a per-process secret (sessions end on restart)');
  }
  return { secret: shared.__componentWebSecret, secretSource: 'memory' };
}

export function loadConfig(source: Env = process.env): ComponentWebConfig {
  const production = isProduction(source);
  const domain = env('AUTH0_DOMAIN', source);
  const appBaseUrl = env('APP_BASE_URL', source).replace(/\/+$/, '');
  const streamlitList = env('STREAMLIT_ORIGINS', source);
  if (production) {
    const wildcard = streamlitList.split(/[\s,]+/).find((o) => o.includes('*'));
    if (wildcard) {
      throw new ConfigError('STREAMLIT_ORIGINS', `STREAMLIT_ORIGINS must list the Streamlit origins explicitly in production (AUTH_BUS_ENV=production); "${wildcard}" is a wildcard`);
    }
    if (!source.AUTH0_SECRET?.trim()) {
      throw new ConfigError('AUTH0_SECRET', 'AUTH0_SECRET must be set in production (AUTH_BUS_ENV=production): a random 32-byte hex key shared by every component-web replica (openssl rand -hex 32)');
    }
    if (env('AUTH0_CLIENT_SECRET', source) === DEV_CLIENT_SECRET) {
      throw new ConfigError('AUTH0_CLIENT_SECRET', 'AUTH0_CLIENT_SECRET is the development default; set the client secret of your identity provider (AUTH_BUS_ENV=production)');
    }
  }
  const streamlitOrigins = parseOrigins(streamlitList, ['http:', 'https:']);
  return {
    domain,
    issuerOrigin: toOrigin(domain),
    clientId: env('AUTH0_CLIENT_ID', source),
    clientSecret: env('AUTH0_CLIENT_SECRET', source),
    ...resolveSecret(source),
    appBaseUrl,
    appOrigin: new URL(appBaseUrl).origin,
    audience: env('AUTH0_AUDIENCE', source),
    scope: env('AUTH0_SCOPE', source),
    allowInsecureRequests: isLocalInsecureProvider(domain),
    streamlitOrigins,
    frameAncestors: production ? streamlitOrigins : [...streamlitOrigins, ...DEV_FRAME_ANCESTORS],
    relayOrigins: parseOrigins(env('RELAY_ORIGINS', source), ['ws:', 'wss:']),
    production,
  };
}

let cached: ComponentWebConfig | undefined;

/** The process-wide configuration (read once). */
export function config(): ComponentWebConfig {
  cached ??= loadConfig();
  return cached;
}

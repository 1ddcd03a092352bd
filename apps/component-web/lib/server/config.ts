import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/**
 * Server-side configuration of component-web, read from the environment at run time (never
 * inlined at build time, so one `next build` serves every environment) with one zod schema: a
 * value that cannot work stops component-web at start (instrumentation.ts) with a `ConfigError`
 * naming the variable. Empty means unset. Every variable is also listed in `.env.sample`.
 *
 * - OIDC_ISSUER           The identity provider, the same variable the services read (aliases,
 *   (AUTH_ISSUER,         first set wins, as there): an Auth0 tenant domain (`tenant.eu.auth0.com`)
 *   AUTH0_ISSUER_BASE_URL, or a full http(s) URL (Keycloak: `http://host/realms/NAME`). Trailing
 *   AUTH0_DOMAIN)         slashes are dropped: the SDK compares the discovered issuer with what it
 *                         is given, and providers differ on the slash. Default `http://localhost:4400` (dev-idp; the
 *                         port follows DEV_IDP_PORT, as the local defaults below follow
 *                         COMPONENT_WEB_PORT, RELAY_PORT and STREAMLIT_PORT — each a port number).
 * - AUTH0_CLIENT_ID       Default `component-web` (dev-idp's development client).
 * - AUTH0_CLIENT_SECRET   Default `component-web-dev-secret`.
 * - AUTH0_SECRET          32-byte hex key that encrypts the SDK's session/transaction cookies.
 *                         When unset, a random one is generated on first start and kept in
 *                         `apps/component-web/.data/auth0-secret` (git-ignored) so sessions
 *                         survive restarts. Set it explicitly everywhere but on a dev machine.
 * - APP_BASE_URL          Where component-web is served (an http(s) URL). Default `http://localhost:3001`.
 *   (AUTH0_BASE_URL)      The article's name (nextjs-auth0 v1) is accepted too; APP_BASE_URL wins.
 * - AUTH0_AUDIENCE        The API identifier access tokens are issued for.
 *   (API_AUDIENCE)        The article's name is accepted too; AUTH0_AUDIENCE wins.
 *                         Default `http://localhost:8888/api`.
 * - AUTH0_SCOPE           Default `openid profile email offline_access` (offline_access is what
 *                         gets a refresh token, used for the silent refresh).
 * - STREAMLIT_ORIGINS     Space- or comma-separated http(s) origins allowed to embed `/streamlit`
 *                         (CSP `frame-ancestors`). Default `http://localhost:4010 http://127.0.0.1:4010`.
 *                         Anything that is not an origin is refused (naming it); a CSP wildcard
 *                         (`http://localhost:*`) only in development.
 * - RELAY_ORIGINS         Space- or comma-separated ws(s) origins the frame may connect to (CSP
 *                         `connect-src`). Default `ws://localhost:8888 ws://127.0.0.1:8888`.
 *
 * - AUTH_BUS_ENV          `production` for a deployment, `development` (default) otherwise; any
 *                         other value is refused (as by every part). (Not NODE_ENV: `next start`
 *                         always sets that to production.) In development the frame may also be
 *                         embedded by any `http://localhost:<port>` and `http://127.0.0.1:<port>`
 *                         page (`streamlit run my_app.py` on 8501, …). In production
 *                         STREAMLIT_ORIGINS is the whole list, a wildcard is refused, and so are
 *                         a missing AUTH0_SECRET and a development AUTH0_CLIENT_SECRET (one that
 *                         ends with `-dev-secret`): component-web refuses to start, naming the variable.
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
/** The committed development secrets end like this (the rule every part applies, service-kit's isDevelopmentSecret). */
const DEVELOPMENT_SECRET = /-dev-(password|secret)$/;

// ---- the schema -----------------------------------------------------------------------------

/** Empty or blank means unset; values are trimmed. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' ? value.trim() || undefined : value), schema.optional());

const port = optional(
  z
    .string()
    .regex(/^\d+$/, 'must be a port number')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65_535, 'must be a port number (1–65535)'),
);

const httpUrl = z.string().refine((value) => {
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}, 'must be an http(s) URL');

/** A full http(s) URL, or a bare host name (`tenant.eu.auth0.com`, which means https). */
const providerDomain = z.string().refine((value) => /^[A-Za-z0-9.-]+(:\d+)?\/*$/.test(value) || httpUrl.safeParse(value).success, 'must be a host name (tenant.eu.auth0.com) or an http(s) URL');

const EnvSchema = z.object({
  AUTH_BUS_ENV: optional(z.string().toLowerCase().pipe(z.enum(['development', 'production'], 'must be development or production'))),
  COMPONENT_WEB_PORT: port,
  RELAY_PORT: port,
  STREAMLIT_PORT: port,
  DEV_IDP_PORT: port,
  OIDC_ISSUER: optional(providerDomain),
  AUTH_ISSUER: optional(providerDomain),
  AUTH0_ISSUER_BASE_URL: optional(providerDomain),
  AUTH0_DOMAIN: optional(providerDomain),
  AUTH0_CLIENT_ID: optional(z.string()),
  AUTH0_CLIENT_SECRET: optional(z.string()),
  AUTH0_SECRET: optional(z.string()),
  APP_BASE_URL: optional(httpUrl),
  AUTH0_BASE_URL: optional(httpUrl),
  AUTH0_AUDIENCE: optional(z.string()),
  API_AUDIENCE: optional(z.string()),
  AUTH0_SCOPE: optional(z.string()),
  STREAMLIT_ORIGINS: optional(z.string()),
  RELAY_ORIGINS: optional(z.string()),
});

type ParsedEnv = z.infer<typeof EnvSchema>;

function parseEnv(source: Env): ParsedEnv {
  const parsed = EnvSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const variable = String(issue.path[0]);
  throw new ConfigError(variable, `${variable} ${issue.message} (got "${source[variable]}")`);
}

// ---- helpers (exported for the tests) -----------------------------------------------------------

export function isProduction(source: Env = process.env): boolean {
  return parseEnv(source).AUTH_BUS_ENV === 'production';
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

/** A CSP host-source with a wildcard port or subdomain: `http://localhost:*`, `https://*.example.com`. */
const CSP_WILDCARD = /^([a-z][a-z0-9+.-]*:)\/\/(\*\.)?[A-Za-z0-9.-]+(:(\d+|\*))?\/?$/;

/**
 * Origins from a space- or comma-separated list of `variable` (duplicates dropped). Anything that
 * is not an origin of one of `protocols` throws a ConfigError naming the variable and the item;
 * a CSP wildcard (`http://localhost:*`) only when `wildcards` allows it.
 */
export function parseOrigins(list: string, protocols: string[], variable = 'origins', { wildcards = false } = {}): string[] {
  const out: string[] = [];
  const expected = `${protocols.map((p) => `${p}//`).join(' or ')}host[:port]`;
  for (const item of list.split(/[\s,]+/)) {
    if (!item) continue;
    let origin: string;
    if (item.includes('*')) {
      const match = CSP_WILDCARD.exec(item);
      if (!wildcards) throw new ConfigError(variable, `${variable} must list each origin exactly (${expected}); "${item}" is a wildcard`);
      if (!match || !protocols.includes(match[1])) throw new ConfigError(variable, `${variable}: "${item}" is not an origin or a wildcard of one (${expected})`);
      origin = item.replace(/\/$/, '');
    } else {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new ConfigError(variable, `${variable}: "${item}" is not an origin (${expected})`);
      }
      if (!protocols.includes(url.protocol)) throw new ConfigError(variable, `${variable}: "${item}" is not an origin (${expected})`);
      origin = `${url.protocol}//${url.host}`;
      if (item.replace(/\/$/, '') !== origin) throw new ConfigError(variable, `${variable}: "${item}" is not an origin (expected "${origin}")`);
    }
    if (!out.includes(origin)) out.push(origin);
  }
  return out;
}

// ---- AUTH0_SECRET: from the environment, a development file, or per process ------------------

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

function resolveSecret(fromEnv: string | undefined, source: Env): { secret: string; secretSource: ComponentWebConfig['secretSource'] } {
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

// ---- the configuration ----------------------------------------------------------------------

/** Everything but the secret (no side effects): what the start-up checks need too. */
export type ComponentWebSettings = Omit<ComponentWebConfig, 'secret' | 'secretSource'>;

export function readSettings(source: Env = process.env): ComponentWebSettings {
  return settingsOf(parseEnv(source));
}

function settingsOf(e: ParsedEnv): ComponentWebSettings {
  const production = e.AUTH_BUS_ENV === 'production';
  // local defaults follow the system's port variables (tools/dev, README)
  const streamlitPort = e.STREAMLIT_PORT ?? 4010;
  const relayPort = e.RELAY_PORT ?? 8888;
  const provider = e.OIDC_ISSUER ?? e.AUTH_ISSUER ?? e.AUTH0_ISSUER_BASE_URL ?? e.AUTH0_DOMAIN;
  const domain = provider ? provider.replace(/\/+$/, '') : `http://localhost:${e.DEV_IDP_PORT ?? 4400}`;
  const appBaseUrl = (e.APP_BASE_URL ?? e.AUTH0_BASE_URL ?? `http://localhost:${e.COMPONENT_WEB_PORT ?? 3001}`).replace(/\/+$/, '');
  const clientSecret = e.AUTH0_CLIENT_SECRET ?? 'component-web-dev-secret';
  const streamlitList = e.STREAMLIT_ORIGINS ?? `http://localhost:${streamlitPort} http://127.0.0.1:${streamlitPort}`;
  if (production) {
    const wildcard = streamlitList.split(/[\s,]+/).find((o) => o.includes('*'));
    if (wildcard) {
      throw new ConfigError('STREAMLIT_ORIGINS', `STREAMLIT_ORIGINS must list the Streamlit origins explicitly in production (AUTH_BUS_ENV=production); "${wildcard}" is a wildcard`);
    }
    if (!e.AUTH0_SECRET) {
      throw new ConfigError('AUTH0_SECRET', 'AUTH0_SECRET must be set in production (AUTH_BUS_ENV=production): a random 32-byte hex key shared by every component-web replica (openssl rand -hex 32)');
    }
    if (DEVELOPMENT_SECRET.test(clientSecret)) {
      throw new ConfigError('AUTH0_CLIENT_SECRET', 'AUTH0_CLIENT_SECRET is the development default; set the client secret of your identity provider (AUTH_BUS_ENV=production)');
    }
  }
  const streamlitOrigins = parseOrigins(streamlitList, ['http:', 'https:'], 'STREAMLIT_ORIGINS', { wildcards: !production });
  return {
    domain,
    issuerOrigin: toOrigin(domain),
    clientId: e.AUTH0_CLIENT_ID ?? 'component-web',
    clientSecret,
    appBaseUrl,
    appOrigin: new URL(appBaseUrl).origin,
    audience: e.AUTH0_AUDIENCE ?? e.API_AUDIENCE ?? 'http://localhost:8888/api',
    scope: e.AUTH0_SCOPE ?? 'openid profile email offline_access',
    allowInsecureRequests: isLocalInsecureProvider(domain),
    streamlitOrigins,
    frameAncestors: production ? streamlitOrigins : [...new Set([...streamlitOrigins, ...DEV_FRAME_ANCESTORS])],
    relayOrigins: parseOrigins(e.RELAY_ORIGINS ?? `ws://localhost:${relayPort} ws://127.0.0.1:${relayPort}`, ['ws:', 'wss:'], 'RELAY_ORIGINS'),
    production,
  };
}

/** The configuration, with AUTH0_SECRET (generated and kept in `.data/` on a dev machine when unset). */
export function loadConfig(source: Env = process.env): ComponentWebConfig {
  const e = parseEnv(source);
  return { ...settingsOf(e), ...resolveSecret(e.AUTH0_SECRET, source) };
}

let cached: ComponentWebConfig | undefined;

/** The process-wide configuration (read once). */
export function config(): ComponentWebConfig {
  cached ??= loadConfig();
  return cached;
}

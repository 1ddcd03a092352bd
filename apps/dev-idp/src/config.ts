// dev-idp configuration: every option, its environment variable and its development default.
// `.env.sample` lists the same variables; README.md explains how they map onto a real Auth0 tenant.
//
// Lists (redirect URIs, logout URLs, web origins, permissions) are separated by commas and/or
// spaces. Durations are whole seconds.
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { envField, readEnv, splitList } from '@auth-bus/service-kit/config';
import { z } from 'zod';

/** The OpenID Connect scopes the provider knows (the API's own permissions come on top). */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface ApiConfig {
  /** Auth0 "API identifier": the `audience` parameter and the `aud` of access tokens. */
  identifier: string;
  /** Display name (login/consent pages). */
  name: string;
  /** Auth0 RBAC permissions the API defines (scopes a client may ask for). */
  permissions: string[];
}

export interface ClientConfig {
  clientId: string;
  /** Absent for public clients (token endpoint auth method `none`, PKCE required). */
  clientSecret?: string;
  name: string;
  /**
   * First-party clients get consent granted automatically (as Auth0 does for first-party
   * applications); the consent page appears only for third-party clients or `prompt=consent`.
   */
  firstParty: boolean;
  grantTypes: Array<'authorization_code' | 'refresh_token' | 'client_credentials'>;
  /** Auth0 "Allowed Callback URLs". */
  redirectUris: string[];
  /** Auth0 "Allowed Logout URLs" (`post_logout_redirect_uri` and `/v2/logout?returnTo=`). */
  postLogoutRedirectUris: string[];
  /** Auth0 "Allowed Web Origins": origins allowed to call the token/userinfo endpoints with CORS. */
  webOrigins: string[];
  /**
   * Auth0 "client grant" for machine-to-machine clients: API identifier → permissions this
   * client receives with the client-credentials grant.
   */
  clientGrants: Record<string, string[]>;
}

export interface TtlConfig {
  accessToken: number;
  idToken: number;
  refreshToken: number;
  clientCredentials: number;
  authorizationCode: number;
  session: number;
  interaction: number;
  grant: number;
}

export interface DevIdpConfig {
  /** Directory of the dev-idp app (seed file, default keys folder). */
  appRoot: string;
  port: number;
  /** Interface to listen on; undefined = all interfaces (IPv4 and IPv6). */
  host?: string;
  /** Issuer identifier, always with a trailing slash like Auth0's `https://TENANT.auth0.com/`. */
  issuer: string;
  trustProxy: boolean;
  keysDir: string;
  usersFile: string;
  logLevel: string;
  nodeEnv?: string;
  allowProduction: boolean;
  /** Tenant "default audience" applied when a request names none (Auth0 tenant setting). */
  defaultAudience?: string;
  apis: ApiConfig[];
  clients: ClientConfig[];
  ttl: TtlConfig;
  /** Secret that signs cookies; undefined = generated once and kept in `keysDir`. */
  cookieSecret?: string;
  /** Keep sessions, grants and refresh tokens in `keysDir/state.json` across restarts. */
  persistState: boolean;
}

type Env = Record<string, string | undefined>;

/** Splits a list setting: commas and/or whitespace. */
export function list(value: string | undefined, fallback: string[]): string[] {
  if (value === undefined || value.trim() === '') return fallback;
  return splitList(value, /[\s,]+/);
}

const seconds = (fallback: number) => envField.int(fallback, { min: 1 });

/** Every variable (service-kit's `readEnv`: empty = unset, a bad value stops dev-idp naming the variable). */
const ENV = {
  DEV_IDP_PORT: envField.int(4400, { min: 0, max: 65535 }),
  DEV_IDP_HOST: envField.optionalString(),
  DEV_IDP_ISSUER: envField.url().optional(),
  DEV_IDP_TRUST_PROXY: envField.bool(false),
  DEV_IDP_KEYS_DIR: envField.optionalString(),
  DEV_IDP_USERS_FILE: envField.optionalString(),
  DEV_IDP_LOG_LEVEL: envField.logLevel(),
  DEV_IDP_ALLOW_PRODUCTION: envField.bool(false),
  DEV_IDP_API_AUDIENCE: envField.url().default('http://localhost:8888/api'),
  DEV_IDP_API_NAME: envField.string('Component Auth0 API'),
  DEV_IDP_API_PERMISSIONS: envField.list(['read:messages', 'read:audit', 'admin:sessions'], /[\s,]+/),
  DEV_IDP_DEFAULT_AUDIENCE: envField.optionalString(),
  DEV_IDP_COMPONENT_WEB_CLIENT_ID: envField.string('component-web'),
  DEV_IDP_COMPONENT_WEB_SECRET: envField.string('component-web-dev-secret'),
  DEV_IDP_COMPONENT_WEB_REDIRECT_URIS: envField.urls().default(['http://localhost:3001/auth/callback']),
  DEV_IDP_COMPONENT_WEB_LOGOUT_URLS: envField.urls().default(['http://localhost:3001/', 'http://localhost:3001/auth/logged-out']),
  DEV_IDP_COMPONENT_WEB_WEB_ORIGINS: envField.urls().optional(),
  DEV_IDP_M2M_CLIENT_ID: envField.string('dev-m2m'),
  DEV_IDP_M2M_SECRET: envField.string('dev-m2m-secret'),
  DEV_IDP_M2M_PERMISSIONS: envField.optionalString(),
  DEV_IDP_CLIENTS_FILE: envField.optionalString(),
  DEV_IDP_ACCESS_TOKEN_TTL: seconds(86_400),
  DEV_IDP_ID_TOKEN_TTL: seconds(36_000),
  DEV_IDP_REFRESH_TOKEN_TTL: seconds(2_592_000),
  DEV_IDP_CLIENT_CREDENTIALS_TTL: seconds(86_400),
  DEV_IDP_AUTHORIZATION_CODE_TTL: seconds(60),
  DEV_IDP_SESSION_TTL: seconds(604_800),
  DEV_IDP_INTERACTION_TTL: seconds(3_600),
  DEV_IDP_GRANT_TTL: envField.optionalInt({ min: 1 }),
  DEV_IDP_COOKIE_SECRET: envField.optionalString(),
  DEV_IDP_PERSIST_STATE: envField.bool(true),
};

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Extra clients from DEV_IDP_CLIENTS_FILE (JSON array); same fields as ClientConfig. */
const clientFileSchema = z.array(
  z.object({
    clientId: z.string().min(1),
    clientSecret: z.string().min(1).optional(),
    name: z.string().min(1).optional(),
    firstParty: z.boolean().optional(),
    grantTypes: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials'])).optional(),
    redirectUris: z.array(z.url()).optional(),
    postLogoutRedirectUris: z.array(z.url()).optional(),
    webOrigins: z.array(z.url()).optional(),
    clientGrants: z.record(z.string(), z.array(z.string())).optional(),
  }),
);

function clientsFromFile(file: string): ClientConfig[] {
  const parsed = clientFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`DEV_IDP_CLIENTS_FILE ${file} is invalid: ${parsed.error.message}`);
  return parsed.data.map((c) => {
    const grantTypes = c.grantTypes ?? ['authorization_code', 'refresh_token'];
    return {
      clientId: c.clientId,
      clientSecret: c.clientSecret,
      name: c.name ?? c.clientId,
      firstParty: c.firstParty ?? true,
      grantTypes,
      redirectUris: c.redirectUris ?? [],
      postLogoutRedirectUris: c.postLogoutRedirectUris ?? [],
      webOrigins: c.webOrigins ?? originsOf(c.redirectUris ?? []),
      clientGrants: c.clientGrants ?? {},
    };
  });
}

function originsOf(urls: string[]): string[] {
  return [...new Set(urls.map((u) => new URL(u).origin))];
}

/**
 * DEV_IDP_ENV_FILE — a dotenv file read at startup (server and rotate-keys); variables already
 * in the environment win. Default `apps/dev-idp/.env` if it exists; empty = read no file.
 * Returns the file read, if any.
 */
export function applyEnvFile(env: Env, appRoot: string): string | undefined {
  const file = env.DEV_IDP_ENV_FILE ?? join(appRoot, '.env');
  if (!file || !existsSync(file)) return undefined;
  for (const [key, value] of Object.entries(parseEnv(readFileSync(file, 'utf8')))) {
    if (env[key] === undefined) env[key] = value;
  }
  return file;
}

/**
 * Reads the configuration from environment variables (`env`, normally `process.env`).
 * `appRoot` is the dev-idp folder (where `seed/` lives and `.keys/` is created by default).
 */
export function loadConfig(env: Env, appRoot: string): DevIdpConfig {
  const e = readEnv('dev-idp', ENV, env);
  // DEV_IDP_PORT — TCP port to listen on. Default 4400 (the port everything else expects).
  const listenPort = e.DEV_IDP_PORT;
  // DEV_IDP_HOST — interface to bind. Default: all interfaces (needed inside containers).
  const host = e.DEV_IDP_HOST;
  // DEV_IDP_ISSUER — the issuer identifier as clients and token verifiers see it. Default
  // `http://localhost:<DEV_IDP_PORT>/`. A trailing slash is always added, as Auth0 does.
  const issuer = withTrailingSlash(e.DEV_IDP_ISSUER ?? `http://localhost:${listenPort}/`);
  if (new URL(issuer).pathname !== '/') throw new Error(`DEV_IDP_ISSUER must have no path (like https://TENANT.auth0.com/), got "${issuer}"`);
  // DEV_IDP_TRUST_PROXY — trust X-Forwarded-* headers (set when behind a TLS-terminating proxy).
  const trustProxy = e.DEV_IDP_TRUST_PROXY;

  // DEV_IDP_KEYS_DIR — where signing keys and the cookie secret are kept (created on first
  // start, git-ignored). Default `apps/dev-idp/.keys`. Relative paths are taken from the cwd.
  const keysDir = resolve(e.DEV_IDP_KEYS_DIR ?? resolve(appRoot, '.keys'));
  // DEV_IDP_USERS_FILE — JSON seed file with the users (password hashes, profile, permissions).
  // Default `apps/dev-idp/seed/users.json` (alice and bob, see README).
  const usersFileRaw = e.DEV_IDP_USERS_FILE;
  const usersFile = usersFileRaw ? (isAbsolute(usersFileRaw) ? usersFileRaw : resolve(usersFileRaw)) : resolve(appRoot, 'seed', 'users.json');

  // DEV_IDP_LOG_LEVEL — pino level: fatal, error, warn, info (default), debug, trace, silent.
  const logLevel = e.DEV_IDP_LOG_LEVEL;
  // DEV_IDP_ALLOW_PRODUCTION — dev-idp refuses to start when NODE_ENV=production unless this is
  // `true`. It has well-known passwords and secrets: never expose it to real users.
  const allowProduction = e.DEV_IDP_ALLOW_PRODUCTION;

  // DEV_IDP_API_AUDIENCE — the API identifier (Auth0 "Identifier" of the API, the `audience`
  // parameter, the `aud` of access tokens). Default `http://localhost:8888/api` (host-relay).
  const apiIdentifier = e.DEV_IDP_API_AUDIENCE;
  // DEV_IDP_API_NAME — display name of the API. Default "Component Auth0 API".
  const apiName = e.DEV_IDP_API_NAME;
  // DEV_IDP_API_PERMISSIONS — the API's RBAC permissions. Default `read:messages read:audit admin:sessions` (admin:sessions: revoke anyone's sessions, issue 21).
  const apiPermissions = e.DEV_IDP_API_PERMISSIONS;
  // DEV_IDP_DEFAULT_AUDIENCE — tenant default audience, used when a request has no `audience`.
  // Default: none (like a new Auth0 tenant: no audience = opaque access token for /userinfo,
  // and client credentials without an audience are refused).
  const defaultAudience = e.DEV_IDP_DEFAULT_AUDIENCE;

  // --- the component-web client (confidential, authorization code + PKCE + refresh tokens) ---
  // DEV_IDP_COMPONENT_WEB_CLIENT_ID — default `component-web` (= AUTH0_CLIENT_ID of component-web).
  const webClientId = e.DEV_IDP_COMPONENT_WEB_CLIENT_ID;
  // DEV_IDP_COMPONENT_WEB_SECRET — default `component-web-dev-secret` (= AUTH0_CLIENT_SECRET).
  const webSecret = e.DEV_IDP_COMPONENT_WEB_SECRET;
  // DEV_IDP_COMPONENT_WEB_REDIRECT_URIS — allowed callback URLs.
  // Default `http://localhost:3001/auth/callback` (the @auth0/nextjs-auth0 v4 callback route).
  const webRedirects = e.DEV_IDP_COMPONENT_WEB_REDIRECT_URIS;
  // DEV_IDP_COMPONENT_WEB_LOGOUT_URLS — allowed logout URLs (post_logout_redirect_uri, returnTo).
  // Default `http://localhost:3001/ http://localhost:3001/auth/logged-out`. An origin-only URL
  // is accepted with and without its trailing slash.
  const webLogout = e.DEV_IDP_COMPONENT_WEB_LOGOUT_URLS;
  // DEV_IDP_COMPONENT_WEB_WEB_ORIGINS — CORS origins. Default: the origins of the callback URLs.
  const webOrigins = e.DEV_IDP_COMPONENT_WEB_WEB_ORIGINS ?? originsOf(webRedirects);

  // --- the machine-to-machine client (client credentials, all API permissions) ---
  // DEV_IDP_M2M_CLIENT_ID — default `dev-m2m`.
  const m2mId = e.DEV_IDP_M2M_CLIENT_ID;
  // DEV_IDP_M2M_SECRET — default `dev-m2m-secret`.
  const m2mSecret = e.DEV_IDP_M2M_SECRET;
  // DEV_IDP_M2M_PERMISSIONS — what the machine client is granted on the API (space or comma
  // separated, within DEV_IDP_API_PERMISSIONS). Default: every API permission but
  // `admin:sessions` — no machine revokes people's sessions unless told to.
  const m2mPermissions = e.DEV_IDP_M2M_PERMISSIONS
    ? splitList(e.DEV_IDP_M2M_PERMISSIONS, /[\s,]+/).filter((p) => apiPermissions.includes(p))
    : apiPermissions.filter((p) => p !== 'admin:sessions');

  const clients: ClientConfig[] = [
    {
      clientId: webClientId,
      clientSecret: webSecret,
      name: 'Component Auth0 (component-web)',
      firstParty: true,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: webRedirects,
      postLogoutRedirectUris: webLogout,
      webOrigins,
      clientGrants: {},
    },
    {
      clientId: m2mId,
      clientSecret: m2mSecret,
      name: 'Development machine-to-machine client',
      firstParty: true,
      grantTypes: ['client_credentials'],
      redirectUris: [],
      postLogoutRedirectUris: [],
      webOrigins: [],
      clientGrants: { [apiIdentifier]: m2mPermissions },
    },
  ];

  // DEV_IDP_CLIENTS_FILE — optional JSON array of further clients (fields as ClientConfig; a
  // client with the same clientId replaces a default one). Default: none.
  const clientsFile = e.DEV_IDP_CLIENTS_FILE;
  if (clientsFile) {
    for (const extra of clientsFromFile(resolve(clientsFile))) {
      const at = clients.findIndex((c) => c.clientId === extra.clientId);
      if (at >= 0) clients[at] = extra;
      else clients.push(extra);
    }
  }

  // Token and session lifetimes, in seconds. Defaults follow Auth0's defaults.
  const ttl: TtlConfig = {
    // DEV_IDP_ACCESS_TOKEN_TTL — access tokens from user logins. Default 86400 (24 h).
    accessToken: e.DEV_IDP_ACCESS_TOKEN_TTL,
    // DEV_IDP_ID_TOKEN_TTL — ID tokens. Default 36000 (10 h).
    idToken: e.DEV_IDP_ID_TOKEN_TTL,
    // DEV_IDP_REFRESH_TOKEN_TTL — refresh tokens (absolute lifetime). Default 2592000 (30 days).
    refreshToken: e.DEV_IDP_REFRESH_TOKEN_TTL,
    // DEV_IDP_CLIENT_CREDENTIALS_TTL — machine-to-machine access tokens. Default 86400 (24 h).
    clientCredentials: e.DEV_IDP_CLIENT_CREDENTIALS_TTL,
    // DEV_IDP_AUTHORIZATION_CODE_TTL — authorization codes. Default 60.
    authorizationCode: e.DEV_IDP_AUTHORIZATION_CODE_TTL,
    // DEV_IDP_SESSION_TTL — the login session at dev-idp (the SSO cookie). Default 604800 (7 days).
    session: e.DEV_IDP_SESSION_TTL,
    // DEV_IDP_INTERACTION_TTL — how long a login page stays valid. Default 3600.
    interaction: e.DEV_IDP_INTERACTION_TTL,
    // DEV_IDP_GRANT_TTL — a user's grant to a client (refresh tokens die with it).
    // Default: the refresh token lifetime.
    grant: e.DEV_IDP_GRANT_TTL ?? e.DEV_IDP_REFRESH_TOKEN_TTL,
  };

  // DEV_IDP_COOKIE_SECRET — signs dev-idp's own cookies. Default: random, generated on first
  // start and kept in DEV_IDP_KEYS_DIR, so browser sessions survive a restart.
  const cookieSecret = e.DEV_IDP_COOKIE_SECRET;
  // DEV_IDP_PERSIST_STATE — keep sessions, grants and refresh tokens in DEV_IDP_KEYS_DIR/state.json
  // so that they survive a restart (default true); false = memory only.
  const persistState = e.DEV_IDP_PERSIST_STATE;

  const apis: ApiConfig[] = [{ identifier: apiIdentifier, name: apiName, permissions: apiPermissions }];
  if (defaultAudience && !apis.some((a) => a.identifier === defaultAudience)) {
    throw new Error(`DEV_IDP_DEFAULT_AUDIENCE ${defaultAudience} is not a configured API (DEV_IDP_API_AUDIENCE=${apiIdentifier})`);
  }

  return {
    appRoot,
    port: listenPort,
    host,
    issuer,
    trustProxy,
    keysDir,
    usersFile,
    logLevel,
    nodeEnv: env.NODE_ENV,
    allowProduction,
    defaultAudience,
    apis,
    clients,
    ttl,
    cookieSecret,
    persistState,
  };
}

/** Why dev-idp must not start (NODE_ENV=production without the override), or undefined. */
export function productionRefusal(config: DevIdpConfig): string | undefined {
  if (config.nodeEnv === 'production' && !config.allowProduction) {
    return 'dev-idp refuses to start with NODE_ENV=production: it is a development identity provider with well-known users and secrets. Use a real Auth0 tenant (see apps/dev-idp/README.md), or set DEV_IDP_ALLOW_PRODUCTION=true if you really mean it.';
  }
  return undefined;
}

/** The userinfo URL that Auth0 adds to `aud` when `openid` was requested. */
export function userinfoUrl(config: Pick<DevIdpConfig, 'issuer'>): string {
  return new URL('userinfo', config.issuer).href;
}

/** Longest lifetime of a token signed by a key: how long a retired key stays in the JWKS. */
export function keyRetentionSeconds(ttl: TtlConfig): number {
  return Math.max(ttl.accessToken, ttl.idToken, ttl.clientCredentials);
}

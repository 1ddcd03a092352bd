/**
 * dev-idp for tests: starts the real Auth0-compatible provider (`apps/dev-idp`) as a child
 * process on a free port with a temporary keys folder, and gets real tokens from it over HTTP.
 *
 *   const idp = await DevIdpHarness.start();          // builds apps/dev-idp first if needed
 *   const { access_token } = await idp.tokenFor('alice');   // full authorization code + PKCE login
 *   const m2m = await idp.m2mToken();                  // client credentials (dev-m2m)
 *   service env: { ...idp.auth0Env() }                 // AUTH0_DOMAIN, AUTH0_AUDIENCE, JWKS …
 *   await idp.stop();                                  // in afterAll
 *
 * - `issuer` is `http://localhost:<port>/` (trailing slash, like Auth0); `url` has no slash (what
 *   AUTH0_DOMAIN takes); `audience` is the API identifier (default `http://localhost:8888/api`).
 * - Users: alice (`read:messages`, `read:audit`), bob (no permissions) and carol (`read:messages`,
 *   with a large custom claim: her access token is 6–7.5 KB) — DEV_IDP_USERS.
 * - Tokens are RS256 JWTs signed by keys published at `jwksUri`. `rotateKeys()` rotates the
 *   signing key of the running provider (old tokens keep verifying).
 * - The login driver (`authorize`, `authorizationCodeLogin`, `clientCredentialsToken`, …) is
 *   exported on its own and works against any dev-idp, e.g. the one `npm start` runs on :4400.
 * - The child gets no inherited DEV_IDP_* variables: pass settings with `start({ env })`.
 * - Startup waits on /healthz; output is kept for failure reports (`logs()`, TEST_VERBOSE=1).
 *
 * The app is ESM and Jest is CJS, so it always runs as a process (`apps/dev-idp/dist/main.js`).
 * It is built through Nx first (cached; `buildWithNx`), so a test never runs a stale provider.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { processAlive } from './managed-process';
import { buildWithNx } from './nx-build';
import { StackRun } from './stack-client';

const ROOT = join(__dirname, '..', '..', '..');
const APP_DIR = join(ROOT, 'apps', 'dev-idp');
const ROTATE_JS = join(APP_DIR, 'dist', 'rotate-keys.js');

/** The development defaults of dev-idp (apps/dev-idp/README.md). */
export const DEV_IDP_DEFAULTS = {
  audience: 'http://localhost:8888/api',
  webClient: { clientId: 'component-web', clientSecret: 'component-web-dev-secret', redirectUri: 'http://localhost:3001/auth/callback' },
  m2mClient: { clientId: 'dev-m2m', clientSecret: 'dev-m2m-secret' },
  scope: 'openid profile email offline_access',
} as const;

export const DEV_IDP_USERS = {
  alice: { email: 'alice@example.com', password: 'alice-password', sub: 'auth0|alice', name: 'Alice Example', permissions: ['read:messages', 'read:audit', 'admin:sessions'] },
  bob: { email: 'bob@example.com', password: 'bob-password', sub: 'auth0|bob', name: 'Bob Example', permissions: [] as string[] },
  carol: { email: 'carol@example.com', password: 'carol-password', sub: 'auth0|carol', name: 'Carol Example', permissions: ['read:messages'] },
} as const;

export type DevIdpUser = keyof typeof DEV_IDP_USERS;

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
}

// ---------------------------------------------------------------------------------------------
// HTTP login driver
// ---------------------------------------------------------------------------------------------

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires?: number;
}

/** A minimal cookie jar for one host: path matching and expiry, enough for the login flow. */
export class CookieJar {
  private cookies: StoredCookie[] = [];

  store(requestUrl: URL, setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair, ...attrs] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const cookie: StoredCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: defaultPath(requestUrl.pathname) };
      for (const attr of attrs) {
        const [k, ...v] = attr.split('=');
        const key = k.trim().toLowerCase();
        const val = v.join('=').trim();
        if (key === 'path' && val.startsWith('/')) cookie.path = val;
        else if (key === 'expires') cookie.expires ??= Date.parse(val);
        else if (key === 'max-age') cookie.expires = Date.now() + Number(val) * 1000;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === cookie.name && c.path === cookie.path));
      if (cookie.expires === undefined || cookie.expires > Date.now()) this.cookies.push(cookie);
    }
  }

  header(url: URL): string | undefined {
    const now = Date.now();
    this.cookies = this.cookies.filter((c) => c.expires === undefined || c.expires > now);
    const matching = this.cookies
      .filter((c) => pathMatches(url.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((c) => `${c.name}=${c.value}`);
    return matching.length ? matching.join('; ') : undefined;
  }

  names(): string[] {
    return this.cookies.map((c) => c.name);
  }

  /** fetch with this jar, never following redirects. */
  async fetch(url: URL | string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.header(target);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(target, res.headers.getSetCookie());
    return res;
  }
}

function defaultPath(pathname: string): string {
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

const b64url = (buf: Buffer) => buf.toString('base64url');

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The forms of a page: action and hidden inputs. */
function forms(html: string): Array<{ id?: string; action: string; html: string; hidden: Record<string, string> }> {
  const out = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attrs = m[1];
    const action = /action="([^"]*)"/i.exec(attrs)?.[1];
    if (action === undefined) continue;
    const hidden: Record<string, string> = {};
    for (const input of m[2].matchAll(/<input\b[^>]*>/gi)) {
      if (!/type="hidden"/i.test(input[0])) continue;
      const name = /name="([^"]*)"/i.exec(input[0])?.[1];
      if (name) hidden[unescapeHtml(name)] = unescapeHtml(/value="([^"]*)"/i.exec(input[0])?.[1] ?? '');
    }
    out.push({ id: /id="([^"]*)"/i.exec(attrs)?.[1], action: unescapeHtml(action), html: m[2], hidden });
  }
  return out;
}

function alertText(html: string): string | undefined {
  const m = /role="alert"[^>]*>([\s\S]*?)<\//i.exec(html);
  return m ? unescapeHtml(m[1].replace(/<[^>]+>/g, '').trim()) : undefined;
}

/** Thrown when the login does not reach the redirect URI (wrong password, error page, …). */
export class LoginError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly page: string,
  ) {
    super(message);
    this.name = 'LoginError';
  }
}

/** Thrown when the provider redirects back with `error=` (or the token endpoint refuses). */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly errorDescription: string | undefined,
    readonly status?: number,
  ) {
    super(`${error}${errorDescription ? `: ${errorDescription}` : ''}`);
    this.name = 'OAuthError';
  }
}

export interface AuthorizeOptions {
  /** Issuer with trailing slash, e.g. `http://localhost:4400/`. */
  issuer: string;
  email: string;
  password: string;
  clientId?: string;
  redirectUri?: string;
  /** Default `openid profile email offline_access` (what @auth0/nextjs-auth0 asks for). */
  scope?: string;
  /** Auth0 `audience`; default the dev API; `null` = none (opaque token for /userinfo only). */
  audience?: string | null;
  prompt?: string;
  /** Answer a consent page with Allow (default) or Deny. */
  consent?: 'allow' | 'deny';
  /** Reuse a browser (to test SSO sessions and logout). */
  jar?: CookieJar;
  extraParams?: Record<string, string>;
  /**
   * A `request_uri` from /oauth/par: the query then carries only client_id and request_uri, and
   * state/PKCE/nonce are the ones the caller pushed (the returned ones are unused).
   */
  requestUri?: string;
}

export interface AuthorizeResult {
  /** The redirect back to redirect_uri, with `code` or `error`. */
  callback: URL;
  params: URLSearchParams;
  codeVerifier: string;
  state: string;
  nonce: string;
  jar: CookieJar;
  /** Pages passed through: 'login', 'consent'. */
  pages: string[];
}

/**
 * Drives /authorize like a browser: follows redirects, fills the login form (ids `username`,
 * `password`), answers consent, and stops at the redirect to `redirectUri`. Does not throw on an
 * `error=` redirect (see `params`); throws LoginError when the login page refuses.
 */
export async function authorize(opts: AuthorizeOptions): Promise<AuthorizeResult> {
  const redirectUri = opts.redirectUri ?? DEV_IDP_DEFAULTS.webClient.redirectUri;
  const jar = opts.jar ?? new CookieJar();
  const { verifier, challenge } = pkcePair();
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));
  const url = new URL('authorize', opts.issuer);
  const params: Record<string, string> = {
    client_id: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    response_mode: 'query',
    scope: opts.scope ?? DEV_IDP_DEFAULTS.scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(opts.audience === null ? {} : { audience: opts.audience ?? DEV_IDP_DEFAULTS.audience }),
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
    ...opts.extraParams,
  };
  const query = opts.requestUri ? { client_id: params.client_id, request_uri: opts.requestUri } : params;
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);

  const pages: string[] = [];
  let current = url;
  let res = await jar.fetch(current);
  let postedLogin = false;
  for (let step = 0; step < 25; step++) {
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location') ?? '', current);
      await res.body?.cancel();
      if (`${next.origin}${next.pathname}` === redirectUri.split('?')[0]) {
        return { callback: next, params: next.searchParams, codeVerifier: verifier, state, nonce, jar, pages };
      }
      current = next;
      res = await jar.fetch(current);
      continue;
    }
    const page = await res.text();
    if (res.status === 200 || res.status === 401) {
      const all = forms(page);
      const login = all.find((f) => /name="password"/.test(f.html));
      if (login) {
        if (postedLogin) throw new LoginError(alertText(page) ?? `login refused (HTTP ${res.status})`, res.status, page);
        postedLogin = true;
        pages.push('login');
        current = new URL(login.action, current);
        res = await jar.fetch(current, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ ...login.hidden, username: opts.email, password: opts.password }) });
        continue;
      }
      const consent = all.find((f) => /\/confirm$/.test(f.action));
      if (consent) {
        pages.push('consent');
        const choice = opts.consent === 'deny' ? all.find((f) => /\/abort$/.test(f.action))! : consent;
        current = new URL(choice.action, current);
        res = await jar.fetch(current, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(choice.hidden) });
        continue;
      }
    }
    throw new LoginError(alertText(page) ?? `unexpected HTTP ${res.status} at ${current.pathname}`, res.status, page);
  }
  throw new LoginError('too many redirects', 0, '');
}

export interface ClientAuth {
  clientId: string;
  clientSecret?: string;
  /** `post` (client_secret_post, default) or `basic` (HTTP Basic). */
  method?: 'post' | 'basic';
}

/** POSTs to /oauth/token; `encoding: 'json'` sends a JSON body as Auth0 allows. */
export async function tokenRequest(
  issuer: string,
  params: Record<string, string | undefined>,
  auth: ClientAuth,
  encoding: 'form' | 'json' = 'form',
): Promise<{ status: number; body: any }> {
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (v !== undefined) fields[k] = v;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth.method === 'basic') {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(auth.clientId)}:${enc(auth.clientSecret ?? '')}`).toString('base64')}`;
  } else {
    fields.client_id = auth.clientId;
    if (auth.clientSecret !== undefined) fields.client_secret = auth.clientSecret;
  }
  const body = encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  headers['content-type'] = encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  const res = await fetch(new URL('oauth/token', issuer), { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { error: 'invalid_response', error_description: text.slice(0, 200) };
  }
  return { status: res.status, body: parsed };
}

function tokensOrThrow(r: { status: number; body: any }): TokenResponse {
  if (r.status !== 200 || typeof r.body?.access_token !== 'string') {
    throw new OAuthError(r.body?.error ?? 'token_request_failed', r.body?.error_description, r.status);
  }
  return r.body as TokenResponse;
}

export interface LoginOptions extends AuthorizeOptions {
  clientSecret?: string;
  clientAuth?: 'post' | 'basic';
}

export interface LoginResult extends AuthorizeResult {
  tokens: TokenResponse;
}

/** The whole authorization code + PKCE flow: login over HTTP, then the code exchange. */
export async function authorizationCodeLogin(opts: LoginOptions): Promise<LoginResult> {
  const result = await authorize(opts);
  const error = result.params.get('error');
  if (error) throw new OAuthError(error, result.params.get('error_description') ?? undefined);
  if (result.params.get('state') !== result.state) throw new OAuthError('state_mismatch', 'the state in the callback does not match');
  const code = result.params.get('code');
  if (!code) throw new OAuthError('missing_code', 'no code in the callback');
  const tokens = tokensOrThrow(
    await tokenRequest(
      opts.issuer,
      { grant_type: 'authorization_code', code, redirect_uri: opts.redirectUri ?? DEV_IDP_DEFAULTS.webClient.redirectUri, code_verifier: result.codeVerifier },
      {
        clientId: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
        clientSecret: opts.clientSecret ?? (opts.clientId ? undefined : DEV_IDP_DEFAULTS.webClient.clientSecret),
        method: opts.clientAuth,
      },
    ),
  );
  return { ...result, tokens };
}

export interface ClientCredentialsOptions {
  issuer: string;
  clientId?: string;
  clientSecret?: string;
  /** Default the dev API; `null` sends none. */
  audience?: string | null;
  scope?: string;
  encoding?: 'form' | 'json';
  clientAuth?: 'post' | 'basic';
}

/** Raw client-credentials request (status + body), for tests of refusals. */
export function clientCredentialsRequest(opts: ClientCredentialsOptions): Promise<{ status: number; body: any }> {
  return tokenRequest(
    opts.issuer,
    { grant_type: 'client_credentials', audience: opts.audience === null ? undefined : (opts.audience ?? DEV_IDP_DEFAULTS.audience), scope: opts.scope },
    {
      clientId: opts.clientId ?? DEV_IDP_DEFAULTS.m2mClient.clientId,
      clientSecret: opts.clientSecret ?? DEV_IDP_DEFAULTS.m2mClient.clientSecret,
      method: opts.clientAuth,
    },
    opts.encoding,
  );
}

export async function clientCredentialsToken(opts: ClientCredentialsOptions): Promise<TokenResponse> {
  return tokensOrThrow(await clientCredentialsRequest(opts));
}

export async function refreshTokens(
  issuer: string,
  refreshToken: string,
  opts: { clientId?: string; clientSecret?: string; clientAuth?: 'post' | 'basic'; scope?: string; audience?: string } = {},
): Promise<TokenResponse> {
  return tokensOrThrow(
    await tokenRequest(
      issuer,
      { grant_type: 'refresh_token', refresh_token: refreshToken, scope: opts.scope, audience: opts.audience },
      {
        clientId: opts.clientId ?? DEV_IDP_DEFAULTS.webClient.clientId,
        clientSecret: opts.clientSecret ?? DEV_IDP_DEFAULTS.webClient.clientSecret,
        method: opts.clientAuth,
      },
    ),
  );
}

/** Header and payload of a JWT, unverified (verify with jsonwebtoken/jwks-rsa in the test). */
export function decodeJwt(token: string): { header: Record<string, any>; payload: Record<string, any> } {
  const [h, p] = token.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString('utf8')), payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) };
}

// ---------------------------------------------------------------------------------------------
// Building and running apps/dev-idp
// ---------------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Env = Record<string, string | undefined>;

function run(command: string, args: string[], env: Env = process.env): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      output += d;
    });
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, output }));
  });
}

/**
 * Builds apps/dev-idp through Nx (cached: a no-op when nothing changed). If the build fails but an
 * older one exists, that one is used (with a warning), so that half-finished edits to dev-idp do
 * not break other projects' suites.
 */
export async function ensureDevIdpBuilt(): Promise<void> {
  buildWithNx(['dev-idp'], ['apps/dev-idp/dist/main.js', 'apps/dev-idp/dist/rotate-keys.js']);
}

export interface DevIdpHarnessOptions {
  /** Extra DEV_IDP_* settings for the provider (see apps/dev-idp/.env.sample). */
  env?: Record<string, string>;
  /** API identifier (DEV_IDP_API_AUDIENCE). Default `http://localhost:8888/api`. */
  audience?: string;
  /** Keys folder to use; default a fresh temporary one, deleted by stop(). */
  keysDir?: string;
  /** Fixed port; default a free one. */
  port?: number;
  startTimeoutMs?: number;
}

export class DevIdpHarness {
  private run?: StackRun;

  private constructor(
    readonly port: number,
    readonly keysDir: string,
    private readonly ownsKeysDir: boolean,
    private readonly env: Record<string, string>,
    readonly audience: string,
  ) {}

  static async start(opts: DevIdpHarnessOptions = {}): Promise<DevIdpHarness> {
    await ensureDevIdpBuilt();
    const ownsKeysDir = !opts.keysDir;
    const keysDir = opts.keysDir ?? mkdtempSync(join(tmpdir(), 'auth-bus-dev-idp-keys-'));
    const audience = opts.audience ?? opts.env?.DEV_IDP_API_AUDIENCE ?? DEV_IDP_DEFAULTS.audience;
    let lastError: unknown;
    for (let attempt = 0; attempt < (opts.port ? 1 : 3); attempt++) {
      const harness = new DevIdpHarness(opts.port ?? (await freePort()), keysDir, ownsKeysDir, { ...opts.env, DEV_IDP_API_AUDIENCE: audience }, audience);
      try {
        await harness.startProcess(opts.startTimeoutMs ?? 20_000);
        return harness;
      } catch (err) {
        lastError = err;
        if (!/EADDRINUSE|port in use/.test((err as Error).message)) break;
      }
    }
    if (ownsKeysDir) rmSync(keysDir, { recursive: true, force: true });
    throw lastError;
  }

  /** `http://localhost:<port>/` — the `iss` of every token. */
  get issuer(): string {
    return `http://localhost:${this.port}/`;
  }

  /** `http://localhost:<port>` — what AUTH0_DOMAIN takes. */
  get url(): string {
    return `http://localhost:${this.port}`;
  }

  get jwksUri(): string {
    return `${this.issuer}.well-known/jwks.json`;
  }

  get discoveryUrl(): string {
    return `${this.issuer}.well-known/openid-configuration`;
  }

  /** Environment that points a service at this provider the way it would point at Auth0. */
  auth0Env(): Record<string, string> {
    return {
      AUTH0_DOMAIN: this.url,
      AUTH0_ISSUER_BASE_URL: this.issuer,
      AUTH0_AUDIENCE: this.audience,
      AUTH0_CLIENT_ID: DEV_IDP_DEFAULTS.webClient.clientId,
      AUTH0_CLIENT_SECRET: DEV_IDP_DEFAULTS.webClient.clientSecret,
      AUTH0_JWKS_URI: this.jwksUri,
    };
  }

  private childEnv(): Env {
    // Inherited DEV_IDP_* variables are unset (an undefined value is left out by spawn).
    const env: Env = {};
    for (const k of Object.keys(process.env)) if (k.startsWith('DEV_IDP_')) env[k] = undefined;
    if (process.env.NODE_ENV === 'production') env.NODE_ENV = 'test';
    // DEV_IDP_ENV_FILE='' keeps a developer's apps/dev-idp/.env out of the tests.
    return { ...env, DEV_IDP_ENV_FILE: '', DEV_IDP_PORT: String(this.port), DEV_IDP_KEYS_DIR: this.keysDir, ...this.env };
  }

  /** dev-idp as the stack launcher runs it (tools/stack/stack.cjs), on this port with these keys and settings. */
  private async startProcess(timeoutMs: number): Promise<void> {
    const env = { DEV_IDP_ENV_FILE: '', DEV_IDP_KEYS_DIR: this.keysDir, ...this.env };
    this.run = await StackRun.up({ parts: ['dev-idp'], only: true, ports: { devIdp: this.port }, env: { 'dev-idp': env }, timeout: Math.max(timeoutMs, 60_000) });
  }

  private get pid(): number | undefined {
    return this.run?.running ? this.run.instance('dev-idp').pid : undefined;
  }

  logs(n = 40): string {
    return (this.run?.logLines('dev-idp') ?? []).slice(-n).join('\n');
  }

  get running(): boolean {
    return processAlive(this.pid);
  }

  /** Logs `user` in (authorization code + PKCE over HTTP) and returns the token response. */
  async tokenFor(user: DevIdpUser, opts: Partial<LoginOptions> = {}): Promise<TokenResponse> {
    return (await this.login(user, opts)).tokens;
  }

  /** Like tokenFor, with the cookie jar, callback and pages for tests that need them. */
  login(user: DevIdpUser, opts: Partial<LoginOptions> = {}): Promise<LoginResult> {
    const { email, password } = DEV_IDP_USERS[user];
    return authorizationCodeLogin({ audience: this.audience, email, password, ...opts, issuer: this.issuer });
  }

  /** A machine-to-machine token (client credentials, dev-m2m, all API permissions). */
  m2mToken(opts: Partial<ClientCredentialsOptions> = {}): Promise<TokenResponse> {
    return clientCredentialsToken({ audience: this.audience, ...opts, issuer: this.issuer });
  }

  refresh(refreshToken: string, opts: Parameters<typeof refreshTokens>[2] = {}): Promise<TokenResponse> {
    return refreshTokens(this.issuer, refreshToken, opts);
  }

  async jwks(): Promise<{ keys: Array<Record<string, string>> }> {
    const res = await fetch(this.jwksUri);
    if (!res.ok) throw new Error(`JWKS request failed: HTTP ${res.status}`);
    return (await res.json()) as { keys: Array<Record<string, string>> };
  }

  /**
   * Runs the real rotation command against this provider's keys folder, then waits until the
   * running provider publishes the new key. Returns the command's report.
   */
  async rotateKeys(): Promise<{ added: string; retired: string[]; pruned: string[]; published: string[] }> {
    const { code, stdout, output } = await run(process.execPath, [ROTATE_JS], { ...process.env, ...this.childEnv() });
    if (code !== 0) throw new Error(`rotate-keys failed:\n${output}`);
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    if (this.pid) process.kill(this.pid, 'SIGHUP');
    const deadline = Date.now() + 10_000;
    while (!(await this.jwks()).keys.some((k) => k.kid === report.added)) {
      if (Date.now() > deadline) throw new Error(`the provider did not publish the new key ${report.added}:\n${this.logs(20)}`);
      await sleep(100);
    }
    return report;
  }

  /** Stops and starts the provider on the same port with the same keys (sessions are lost). */
  async restart(): Promise<void> {
    if (this.run?.running) await this.run.command('restart dev-idp');
    else await this.startProcess(20_000);
  }

  async stop(): Promise<void> {
    await this.run?.down();
    if (this.ownsKeysDir) rmSync(this.keysDir, { recursive: true, force: true });
  }
}

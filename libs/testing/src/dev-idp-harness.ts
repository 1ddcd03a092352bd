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
 * Jest's global setup (tools/stack/jest-global-setup.cjs) built it through Nx, so a test never runs a stale provider.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { processAlive } from './managed-process';
import { StackRun } from './stack-client';
import { authorizationCodeLogin, clientCredentialsToken, refreshTokens, type ClientCredentialsOptions, type LoginOptions, type LoginResult } from './oidc/grants';
import { DEV_IDP_DEFAULTS, DEV_IDP_USERS, type DevIdpUser, type TokenResponse } from './oidc/dev-idp-defaults';

const ROOT = join(__dirname, '..', '..', '..');
const APP_DIR = join(ROOT, 'apps', 'dev-idp');
const ROTATE_JS = join(APP_DIR, 'dist', 'rotate-keys.js');

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

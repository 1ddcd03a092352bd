// Startup behaviour: the production guard, the banner, keys on disk, configurable lifetimes,
// and logs without secrets.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  authorize,
  clientCredentialsRequest,
  decodeJwt,
  DEV_IDP_DEFAULTS,
  DEV_IDP_USERS,
  DevIdpHarness,
  freePort,
  ManagedProcess,
  waitFor,
} from '@auth-bus/testing';

const ROOT = join(__dirname, '..', '..', '..');
const MAIN = join(ROOT, 'apps', 'dev-idp', 'dist', 'main.js');

/** Unsets inherited DEV_IDP_* variables (spawn leaves undefined values out). */
const cleanEnv = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('DEV_IDP_')).map((k) => [k, undefined])),
  DEV_IDP_ENV_FILE: '',
});

describe('production guard', () => {
  let keysDir: string;
  beforeEach(() => {
    keysDir = mkdtempSync(join(tmpdir(), 'dev-idp-startup-'));
  });
  afterEach(() => rmSync(keysDir, { recursive: true, force: true }));

  it('refuses to start with NODE_ENV=production', async () => {
    const port = await freePort();
    const proc = ManagedProcess.start('dev-idp', process.execPath, [MAIN], { ...cleanEnv(), NODE_ENV: 'production', DEV_IDP_PORT: String(port), DEV_IDP_KEYS_DIR: keysDir });
    const code = await proc.waitForExit();
    expect(code).toBe(1);
    expect(proc.tail()).toMatch(/refuses to start with NODE_ENV=production/);
    expect(proc.tail()).toMatch(/DEV_IDP_ALLOW_PRODUCTION=true/);
  });

  it('starts in production only when DEV_IDP_ALLOW_PRODUCTION=true, with a loud banner', async () => {
    const port = await freePort();
    const proc = ManagedProcess.start('dev-idp-prod', process.execPath, [MAIN], {
      ...cleanEnv(),
      NODE_ENV: 'production',
      DEV_IDP_ALLOW_PRODUCTION: 'true',
      DEV_IDP_PORT: String(port),
      DEV_IDP_KEYS_DIR: keysDir,
    });
    try {
      await waitFor(() => fetch(`http://localhost:${port}/healthz`).then((r) => r.ok), { timeout: 20_000, interval: 50, what: 'dev-idp /healthz' });
      expect(proc.running).toBe(true);
      await waitFor(() => /"event":"started"/.test(proc.tail(40)), { what: 'the started log line' });
      expect(proc.tail(40)).toMatch(/DEVELOPMENT identity provider\. NOT FOR PRODUCTION/);
      expect(proc.tail(40)).toMatch(/"production_override":true/);
    } finally {
      await proc.stop();
    }
  });
});

describe('a configured provider', () => {
  let idp: DevIdpHarness;
  let keysDir: string;

  beforeAll(async () => {
    keysDir = join(mkdtempSync(join(tmpdir(), 'dev-idp-startup-')), 'keys');
    const clientsFile = join(keysDir, '..', 'clients.json');
    writeFileSync(
      clientsFile,
      JSON.stringify([
        { clientId: 'partner-app', clientSecret: 'partner-secret', name: 'Partner App', firstParty: false, redirectUris: ['http://partner.test/cb'] },
      ]),
    );
    idp = await DevIdpHarness.start({
      keysDir,
      audience: 'https://api.startup.test/',
      env: {
        DEV_IDP_CLIENTS_FILE: clientsFile,
        DEV_IDP_ACCESS_TOKEN_TTL: '120',
        DEV_IDP_ID_TOKEN_TTL: '90',
        DEV_IDP_CLIENT_CREDENTIALS_TTL: '60',
        DEV_IDP_COMPONENT_WEB_SECRET: 'another-web-secret',
      },
    });
  }, 90_000);

  afterAll(async () => {
    await idp?.stop();
    rmSync(join(keysDir, '..'), { recursive: true, force: true });
  });

  it('creates its keys folder on first start, readable only by the owner', () => {
    expect(statSync(keysDir).mode & 0o077).toBe(0);
    expect(statSync(join(keysDir, 'signing-keys.json')).mode & 0o077).toBe(0);
    expect(statSync(join(keysDir, 'cookie-secret')).mode & 0o077).toBe(0);
  });

  it('uses the configured API identifier, secrets and token lifetimes', async () => {
    const tokens = await idp.tokenFor('alice', { clientSecret: 'another-web-secret' });
    const at = decodeJwt(tokens.access_token).payload;
    expect(at.aud).toEqual(['https://api.startup.test/', `${idp.issuer}userinfo`]);
    expect(at.exp - at.iat).toBe(120);
    expect(tokens.expires_in).toBe(120);
    const id = decodeJwt(tokens.id_token!).payload;
    expect(id.exp - id.iat).toBe(90);
    const m2m = await idp.m2mToken();
    const m2mPayload = decodeJwt(m2m.access_token).payload;
    expect(m2mPayload.exp - m2mPayload.iat).toBe(60);
    expect(m2mPayload.aud).toBe('https://api.startup.test/');
    // the default audience of other projects is not known here
    const other = await clientCredentialsRequest({ issuer: idp.issuer, audience: DEV_IDP_DEFAULTS.audience });
    expect(other.body.error).toBe('invalid_target');
  });

  it('loads further clients from DEV_IDP_CLIENTS_FILE; a third-party client gets a consent page', async () => {
    const partner = { clientId: 'partner-app', clientSecret: 'partner-secret', redirectUri: 'http://partner.test/cb' };
    const first = await idp.login('alice', partner);
    expect(first.pages).toEqual(['login', 'consent']);
    expect(decodeJwt(first.tokens.access_token).payload.azp).toBe('partner-app');
    // OpenID Connect: offline_access needs prompt=consent for a client that is not first-party
    expect(first.tokens.refresh_token).toBeUndefined();
    const offline = await idp.login('alice', { ...partner, prompt: 'consent', jar: first.jar });
    expect(offline.pages).toEqual(['consent']);
    expect(typeof offline.tokens.refresh_token).toBe('string');
  });

  it('logs structured JSON lines and no secrets', async () => {
    const tokens = await idp.tokenFor('bob', { clientSecret: 'another-web-secret' });
    await idp.m2mToken({ encoding: 'json' });
    await expect(authorize({ issuer: idp.issuer, audience: idp.audience, email: DEV_IDP_USERS.alice.email, password: 'wrong-password-123' })).rejects.toThrow('Wrong email or password.');
    await waitFor(() => idp.logs(400).includes('"event":"login.failed"'), { what: 'the login.failed log line' });
    const logs = idp.logs(400);
    const jsonLines = logs.split('\n').filter((l) => l.startsWith('{'));
    expect(jsonLines.length).toBeGreaterThan(10);
    for (const line of jsonLines) expect(() => JSON.parse(line)).not.toThrow();
    expect(logs).toContain('"event":"login.success"');
    expect(logs).toContain('"event":"login.failed"');
    for (const secret of [
      DEV_IDP_USERS.bob.password,
      'wrong-password-123',
      'another-web-secret',
      DEV_IDP_DEFAULTS.m2mClient.clientSecret,
      tokens.access_token,
      tokens.id_token!,
      tokens.refresh_token!,
      tokens.access_token.split('.')[2],
    ]) {
      expect(logs).not.toContain(secret);
    }
  });
});

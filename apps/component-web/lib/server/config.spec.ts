import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isLocalInsecureProvider, loadConfig, parseOrigins } from './config';

describe('component-web config', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cw-config-'));
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('defaults to dev-idp and the local ports', () => {
    const cfg = loadConfig({ COMPONENT_WEB_DATA_DIR: dir });
    expect(cfg).toMatchObject({
      domain: 'http://localhost:4400',
      issuerOrigin: 'http://localhost:4400',
      clientId: 'component-web',
      clientSecret: 'component-web-dev-secret',
      appBaseUrl: 'http://localhost:3001',
      audience: 'http://localhost:8888/api',
      scope: 'openid profile email offline_access',
      allowInsecureRequests: true,
      streamlitOrigins: ['http://localhost:4010', 'http://127.0.0.1:4010'],
      relayOrigins: ['ws://localhost:8888', 'ws://127.0.0.1:8888'],
    });
  });

  it('moves the local defaults with the system port variables', () => {
    const cfg = loadConfig({ COMPONENT_WEB_DATA_DIR: dir, COMPONENT_WEB_PORT: '3101', RELAY_PORT: '8988', STREAMLIT_PORT: '4110', DEV_IDP_PORT: '4500' });
    expect(cfg).toMatchObject({
      appBaseUrl: 'http://localhost:3101',
      domain: 'http://localhost:4500',
      streamlitOrigins: ['http://localhost:4110', 'http://127.0.0.1:4110'],
      relayOrigins: ['ws://localhost:8988', 'ws://127.0.0.1:8988'],
    });
  });

  it('takes the provider from the one variable every part reads, and a trailing slash is not a trap (issue 14)', () => {
    // Keycloak's issuer has no trailing slash; the SDK compares the discovered issuer with what it
    // was given, so `…/realms/auth-bus/` failed at login with OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED.
    const keycloak = 'http://localhost:8080/realms/auth-bus';
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_DOMAIN: `${keycloak}/` }).domain).toBe(keycloak);
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, OIDC_ISSUER: `${keycloak}/` }).domain).toBe(keycloak);
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, OIDC_ISSUER: keycloak, AUTH0_DOMAIN: 'tenant.eu.auth0.com' }).domain).toBe(keycloak);
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_ISSUER_BASE_URL: 'https://tenant.eu.auth0.com/' }).domain).toBe('https://tenant.eu.auth0.com');
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_DOMAIN: 'tenant.eu.auth0.com' }).domain).toBe('tenant.eu.auth0.com');
    expect(() => loadConfig({ COMPONENT_WEB_DATA_DIR: dir, OIDC_ISSUER: 'not a url' })).toThrow(/OIDC_ISSUER/);
  });

  it("accepts the article's names (AUTH0_BASE_URL, API_AUDIENCE) when ours are unset", () => {
    const article = loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_BASE_URL: 'https://login.example.com/', API_AUDIENCE: 'https://api.example.com' });
    expect(article).toMatchObject({ appBaseUrl: 'https://login.example.com', audience: 'https://api.example.com' });
    const both = loadConfig({ COMPONENT_WEB_DATA_DIR: dir, APP_BASE_URL: 'https://a.example.com', AUTH0_BASE_URL: 'https://b.example.com', AUTH0_AUDIENCE: 'x', API_AUDIENCE: 'y' });
    expect(both).toMatchObject({ appBaseUrl: 'https://a.example.com', audience: 'x' });
    expect(() => loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_BASE_URL: 'login.example.com' })).toThrow(/AUTH0_BASE_URL/);
  });

  it('generates a development AUTH0_SECRET once, kept on disk with mode 0600', () => {
    const a = loadConfig({ COMPONENT_WEB_DATA_DIR: dir });
    const b = loadConfig({ COMPONENT_WEB_DATA_DIR: dir });
    expect(a.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(b.secret).toBe(a.secret);
    expect(a.secretSource).toBe('file');
    expect(readFileSync(join(dir, 'auth0-secret'), 'utf8').trim()).toBe(a.secret);
    expect(statSync(join(dir, 'auth0-secret')).mode & 0o777).toBe(0o600);
    expect(loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_SECRET: 'f'.repeat(64) })).toMatchObject({ secret: 'f'.repeat(64), secretSource: 'env' });
  });

  it('allows insecure (plain HTTP) provider calls only for a local provider', () => {
    expect(isLocalInsecureProvider('http://localhost:4400')).toBe(true);
    expect(isLocalInsecureProvider('http://127.0.0.1:4400/')).toBe(true);
    expect(isLocalInsecureProvider('https://localhost:4400')).toBe(false);
    expect(isLocalInsecureProvider('http://idp.example.com')).toBe(false);
    expect(isLocalInsecureProvider('tenant.eu.auth0.com')).toBe(false);
    const tenant = loadConfig({ COMPONENT_WEB_DATA_DIR: dir, AUTH0_DOMAIN: 'tenant.eu.auth0.com' });
    expect(tenant).toMatchObject({ allowInsecureRequests: false, issuerOrigin: 'https://tenant.eu.auth0.com' });
  });

  it('parses origin lists, refusing — by name — anything that is not an origin of the right kind', () => {
    expect(parseOrigins('http://a:1 https://b/, http://a:1', ['http:', 'https:'], 'STREAMLIT_ORIGINS')).toEqual(['http://a:1', 'https://b']);
    expect(parseOrigins('ws://r:8888 wss://r', ['ws:', 'wss:'], 'RELAY_ORIGINS')).toEqual(['ws://r:8888', 'wss://r']);
    const refusal = (list: string, protocols: string[], options?: { wildcards?: boolean }) => {
      try {
        parseOrigins(list, protocols, 'STREAMLIT_ORIGINS', options);
      } catch (err) {
        return err instanceof ConfigError ? `${err.variable}: ${err.message}` : `other: ${String(err)}`;
      }
      return 'accepted';
    };
    expect(refusal('http://a:1 nonsense', ['http:'])).toBe('STREAMLIT_ORIGINS: STREAMLIT_ORIGINS: "nonsense" is not an origin (http://host[:port])');
    expect(refusal('ftp://c', ['http:', 'https:'])).toMatch(/^STREAMLIT_ORIGINS: .*"ftp:\/\/c" is not an origin/);
    expect(refusal('https://b/path', ['https:'])).toMatch(/"https:\/\/b\/path" is not an origin \(expected "https:\/\/b"\)/);
    expect(refusal('http://localhost:*', ['http:'])).toMatch(/^STREAMLIT_ORIGINS: .*"http:\/\/localhost:\*" is a wildcard/);
    expect(refusal('http://localhost:* https://*.example.com', ['http:', 'https:'], { wildcards: true })).toBe('accepted');
    expect(refusal('ws://*.example.com', ['http:'], { wildcards: true })).toMatch(/is not an origin or a wildcard of one/);
  });

  it('refuses at start, naming the variable, a value that cannot work', () => {
    const refusal = (env: Record<string, string | undefined>) => {
      try {
        loadConfig({ COMPONENT_WEB_DATA_DIR: dir, ...env });
      } catch (err) {
        return err instanceof ConfigError ? `${err.variable}: ${err.message}` : `other: ${String(err)}`;
      }
      return 'accepted';
    };
    expect(refusal({ COMPONENT_WEB_PORT: '30o1' })).toBe('COMPONENT_WEB_PORT: COMPONENT_WEB_PORT must be a port number (got "30o1")');
    expect(refusal({ RELAY_PORT: '70000' })).toMatch(/^RELAY_PORT: RELAY_PORT must be a port number \(1–65535\)/);
    expect(refusal({ APP_BASE_URL: 'localhost:3001' })).toMatch(/^APP_BASE_URL: APP_BASE_URL must be an http\(s\) URL/);
    expect(refusal({ AUTH0_DOMAIN: 'not a domain' })).toMatch(/^AUTH0_DOMAIN: /);
    expect(refusal({ RELAY_ORIGINS: 'http://localhost:8888' })).toMatch(/^RELAY_ORIGINS: .*"http:\/\/localhost:8888" is not an origin \(ws:\/\/ or wss:\/\/host\[:port\]\)/);
    expect(refusal({ STREAMLIT_ORIGINS: 'http://localhost:4010 localhost:8501' })).toMatch(/^STREAMLIT_ORIGINS: /);
    expect(refusal({ AUTH_BUS_ENV: 'prod' })).toMatch(/^AUTH_BUS_ENV: AUTH_BUS_ENV must be development or production \(got "prod"\)/);
    // empty means unset; case and blanks do not matter
    expect(refusal({ COMPONENT_WEB_PORT: '', APP_BASE_URL: '  ', AUTH_BUS_ENV: 'Development' })).toBe('accepted');
  });

  it('lets any local Streamlit port frame the component in development, only the listed origins in production', () => {
    const dev = loadConfig({ COMPONENT_WEB_DATA_DIR: dir, STREAMLIT_ORIGINS: 'https://apps.example.com' });
    expect(dev.production).toBe(false);
    expect(dev.frameAncestors).toEqual(['https://apps.example.com', 'http://localhost:*', 'http://127.0.0.1:*']);
    // NODE_ENV is not the switch (next start always sets production)
    const prodEnv = {
      AUTH_BUS_ENV: 'production',
      NODE_ENV: 'production',
      STREAMLIT_ORIGINS: 'https://apps.example.com',
      AUTH0_SECRET: 'ef'.repeat(32),
      AUTH0_CLIENT_SECRET: 'tenant-secret',
    };
    expect(loadConfig({ ...prodEnv, NODE_ENV: 'development', AUTH_BUS_ENV: 'development' }).production).toBe(false);
    const prod = loadConfig(prodEnv);
    expect(prod.frameAncestors).toEqual(['https://apps.example.com']);
  });

  it('refuses, in production, a wildcard origin and the development secrets — naming the variable', () => {
    const prodEnv = { AUTH_BUS_ENV: 'production', STREAMLIT_ORIGINS: 'https://apps.example.com', AUTH0_SECRET: 'ef'.repeat(32), AUTH0_CLIENT_SECRET: 'tenant-secret' };
    const refusal = (env: Record<string, string | undefined>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return err instanceof ConfigError ? `${err.variable}: ${err.message}` : `other: ${String(err)}`;
      }
      return 'accepted';
    };
    expect(refusal({ ...prodEnv, STREAMLIT_ORIGINS: 'https://apps.example.com http://localhost:*' })).toMatch(/^STREAMLIT_ORIGINS: STREAMLIT_ORIGINS .*"http:\/\/localhost:\*"/);
    expect(refusal({ ...prodEnv, AUTH0_SECRET: undefined, COMPONENT_WEB_DATA_DIR: dir })).toMatch(/^AUTH0_SECRET: AUTH0_SECRET must be set/);
    expect(refusal({ ...prodEnv, AUTH0_CLIENT_SECRET: undefined })).toMatch(/^AUTH0_CLIENT_SECRET: .*development default/);
    expect(refusal({ ...prodEnv, AUTH0_CLIENT_SECRET: 'component-web-dev-secret' })).toMatch(/^AUTH0_CLIENT_SECRET:/);
    expect(refusal({ ...prodEnv, AUTH0_CLIENT_SECRET: 'my-client-dev-secret' })).toMatch(/^AUTH0_CLIENT_SECRET:/); // the rule every part applies
    expect(refusal(prodEnv)).toBe('accepted');
    // development keeps working with every default
    expect(refusal({ COMPONENT_WEB_DATA_DIR: dir, STREAMLIT_ORIGINS: 'http://localhost:*' })).toBe('accepted');
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyEnvFile, keyRetentionSeconds, list, loadConfig, productionRefusal, userinfoUrl } from './config.js';

const ROOT = '/srv/dev-idp';

describe('loadConfig', () => {
  it('has the documented development defaults', () => {
    const c = loadConfig({}, ROOT);
    expect(c.port).toBe(4400);
    expect(c.issuer).toBe('http://localhost:4400/');
    expect(c.keysDir).toBe('/srv/dev-idp/.keys');
    expect(c.usersFile).toBe('/srv/dev-idp/seed/users.json');
    expect(c.apis).toEqual([{ identifier: 'http://localhost:8888/api', name: 'Component Auth0 API', permissions: ['read:messages', 'read:audit', 'admin:sessions'] }]);
    const web = c.clients.find((x) => x.clientId === 'component-web')!;
    expect(web).toMatchObject({
      clientSecret: 'component-web-dev-secret',
      firstParty: true,
      grantTypes: ['authorization_code', 'refresh_token'],
      redirectUris: ['http://localhost:3001/auth/callback'],
      postLogoutRedirectUris: ['http://localhost:3001/', 'http://localhost:3001/auth/logged-out'],
      webOrigins: ['http://localhost:3001'],
    });
    const m2m = c.clients.find((x) => x.clientId === 'dev-m2m')!;
    expect(m2m).toMatchObject({ clientSecret: 'dev-m2m-secret', grantTypes: ['client_credentials'], clientGrants: { 'http://localhost:8888/api': ['read:messages', 'read:audit'] } });
    expect(c.ttl).toEqual({
      accessToken: 86_400,
      idToken: 36_000,
      refreshToken: 2_592_000,
      clientCredentials: 86_400,
      authorizationCode: 60,
      session: 604_800,
      interaction: 3_600,
      grant: 2_592_000,
    });
    expect(c.defaultAudience).toBeUndefined();
    expect(c.persistState).toBe(true);
    expect(loadConfig({ DEV_IDP_PERSIST_STATE: 'false' }, ROOT).persistState).toBe(false);
  });

  it('derives the issuer from the port and always adds the trailing slash', () => {
    expect(loadConfig({ DEV_IDP_PORT: '5111' }, ROOT).issuer).toBe('http://localhost:5111/');
    expect(loadConfig({ DEV_IDP_ISSUER: 'http://idp.test:8080' }, ROOT).issuer).toBe('http://idp.test:8080/');
    expect(() => loadConfig({ DEV_IDP_ISSUER: 'http://idp.test/tenant' }, ROOT)).toThrow(/no path/);
  });

  it('reads secrets, lists and lifetimes from the environment', () => {
    const c = loadConfig(
      {
        DEV_IDP_COMPONENT_WEB_SECRET: 's3',
        DEV_IDP_COMPONENT_WEB_LOGOUT_URLS: 'http://a.test/, http://a.test/bye',
        DEV_IDP_M2M_SECRET: 'm2',
        DEV_IDP_API_AUDIENCE: 'https://api.test/',
        DEV_IDP_API_PERMISSIONS: 'a:b,c:d',
        DEV_IDP_ACCESS_TOKEN_TTL: '120',
      },
      ROOT,
    );
    expect(c.clients[0].clientSecret).toBe('s3');
    expect(c.clients[0].postLogoutRedirectUris).toEqual(['http://a.test/', 'http://a.test/bye']);
    expect(c.clients[1]).toMatchObject({ clientSecret: 'm2', clientGrants: { 'https://api.test/': ['a:b', 'c:d'] } });
    // The machine client never gets admin:sessions unless named, and only API permissions.
    expect(loadConfig({ DEV_IDP_API_PERMISSIONS: 'a:b admin:sessions' }, ROOT).clients[1].clientGrants).toEqual({ 'http://localhost:8888/api': ['a:b'] });
    expect(loadConfig({ DEV_IDP_API_PERMISSIONS: 'a:b admin:sessions', DEV_IDP_M2M_PERMISSIONS: 'admin:sessions x:y' }, ROOT).clients[1].clientGrants).toEqual({ 'http://localhost:8888/api': ['admin:sessions'] });
    expect(c.ttl.accessToken).toBe(120);
  });

  it('rejects nonsense with the variable name in the message', () => {
    expect(() => loadConfig({ DEV_IDP_ACCESS_TOKEN_TTL: '-1' }, ROOT)).toThrow(/DEV_IDP_ACCESS_TOKEN_TTL/);
    expect(() => loadConfig({ DEV_IDP_PORT: 'x' }, ROOT)).toThrow(/DEV_IDP_PORT/);
    expect(() => loadConfig({ DEV_IDP_API_AUDIENCE: 'not a url' }, ROOT)).toThrow(/DEV_IDP_API_AUDIENCE/);
    expect(() => loadConfig({ DEV_IDP_DEFAULT_AUDIENCE: 'https://other.test/' }, ROOT)).toThrow(/DEV_IDP_DEFAULT_AUDIENCE/);
    expect(() => loadConfig({ DEV_IDP_ALLOW_PRODUCTION: 'maybe' }, ROOT)).toThrow(/DEV_IDP_ALLOW_PRODUCTION/);
  });

  it('refuses NODE_ENV=production unless explicitly allowed', () => {
    expect(productionRefusal(loadConfig({ NODE_ENV: 'production' }, ROOT))).toMatch(/refuses to start/);
    expect(productionRefusal(loadConfig({ NODE_ENV: 'production', DEV_IDP_ALLOW_PRODUCTION: 'true' }, ROOT))).toBeUndefined();
    expect(productionRefusal(loadConfig({ NODE_ENV: 'development' }, ROOT))).toBeUndefined();
  });

  it('has helpers for lists, the userinfo URL and key retention', () => {
    expect(list(' a, b  c ', [])).toEqual(['a', 'b', 'c']);
    expect(list('', ['x'])).toEqual(['x']);
    expect(userinfoUrl({ issuer: 'http://localhost:4400/' })).toBe('http://localhost:4400/userinfo');
    expect(keyRetentionSeconds({ ...loadConfig({}, ROOT).ttl, idToken: 999_999 })).toBe(999_999);
  });
});

describe('applyEnvFile', () => {
  it('reads apps/dev-idp/.env (or DEV_IDP_ENV_FILE) without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-idp-env-'));
    try {
      writeFileSync(join(dir, '.env'), 'DEV_IDP_PORT=4999\nDEV_IDP_M2M_SECRET=from-file\n');
      const env: Record<string, string | undefined> = { DEV_IDP_M2M_SECRET: 'from-env' };
      expect(applyEnvFile(env, dir)).toBe(join(dir, '.env'));
      expect(env).toEqual({ DEV_IDP_PORT: '4999', DEV_IDP_M2M_SECRET: 'from-env' });
      expect(applyEnvFile({ DEV_IDP_ENV_FILE: '' }, dir)).toBeUndefined();
      expect(applyEnvFile({}, join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

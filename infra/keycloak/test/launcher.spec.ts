import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The launcher's pure parts (settings, paths, the environment it hands to the other parts, the
 * realm-import bookkeeping) and the realm file's agreement with the rest of the repository.
 * Starting Keycloak itself is the browser journey's job (e2e/test/keycloak.e2e.spec.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const launcher = require('../index.cjs');

const ROOT = resolve(__dirname, '..', '..', '..');
const realm = JSON.parse(readFileSync(join(__dirname, '..', 'realm-auth-bus.json'), 'utf8'));
const client = (id: string) => realm.clients.find((c: { clientId: string }) => c.clientId === id);
const mapper = (type: string) => client('component-web').protocolMappers.find((m: { protocolMapper: string }) => m.protocolMapper === type);

describe('keycloakSettings', () => {
  it('defaults to port 8080 on this machine only, the cache under .cache/keycloak and ~/.m2', () => {
    const s = launcher.keycloakSettings({});
    expect(s).toMatchObject({ version: '26.0.7', port: 8080, host: '127.0.0.1', homeFromEnv: false, adminPassword: 'admin' });
    expect(s.cacheDir).toBe(join(ROOT, '.cache', 'keycloak'));
    expect(s.home).toBe(join(ROOT, '.cache', 'keycloak', 'keycloak-26.0.7'));
    expect(s.mavenRepo).toBe(join(homedir(), '.m2', 'repository'));
  });

  it('follows its variables; relative folders are taken from the repository root', () => {
    const s = launcher.keycloakSettings({ KEYCLOAK_PORT: '18080', KEYCLOAK_HOST: '0.0.0.0', KEYCLOAK_HOME: 'opt/kc', KEYCLOAK_CACHE_DIR: '/var/cache/kc', MAVEN_REPO_LOCAL: '/m2' });
    expect(s).toMatchObject({ port: 18080, host: '0.0.0.0', home: join(ROOT, 'opt/kc'), homeFromEnv: true, cacheDir: '/var/cache/kc', mavenRepo: '/m2' });
  });

  it.each(['http', '0', '70000', '80.5'])('refuses KEYCLOAK_PORT=%s with a message naming the variable', (port) => {
    expect(() => launcher.keycloakSettings({ KEYCLOAK_PORT: port })).toThrow(/KEYCLOAK_PORT/);
  });
});

describe('paths and versions', () => {
  it('finds the zip where `mvn dependency:get` leaves it', () => {
    expect(launcher.mavenZipPath('/m2')).toBe('/m2/org/keycloak/keycloak-quarkus-dist/26.0.7/keycloak-quarkus-dist-26.0.7.zip');
    expect(launcher.MAVEN_ARTIFACT).toBe('org.keycloak:keycloak-quarkus-dist:26.0.7:zip');
  });

  it('names the issuer as Keycloak does: the realm path, no trailing slash', () => {
    expect(launcher.issuerFor(8080)).toBe('http://localhost:8080/realms/auth-bus');
  });

  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ['nothing useful', undefined],
  ])('reads the Java major version from `%s`', (output, major) => {
    expect(launcher.javaMajorVersion(output)).toBe(major);
  });

  it('starts dev mode on the given port and interface with the realm import', () => {
    expect(launcher.startArgs({ port: 18080, host: '127.0.0.1' })).toEqual(['start-dev', '--http-port=18080', '--http-host=127.0.0.1', '--import-realm']);
  });
});

describe('keycloakEnv', () => {
  const env = launcher.keycloakEnv(18080);

  it('points component-web at the realm with the realm’s own client and secret', () => {
    expect(env).toMatchObject({
      AUTH0_DOMAIN: 'http://localhost:18080/realms/auth-bus',
      AUTH0_CLIENT_ID: 'component-web',
      AUTH0_CLIENT_SECRET: client('component-web').secret,
      AUTH0_AUDIENCE: 'http://localhost:8888/api',
    });
  });

  it('gives the services the issuer exactly as the tokens carry it (the JWKS comes from discovery) and where permissions live', () => {
    expect(env).toMatchObject({
      OIDC_ISSUER: 'http://localhost:18080/realms/auth-bus',
      AUTH_AUDIENCE: 'http://localhost:8888/api',
      AUTH_PERMISSIONS_CLAIM: 'permissions',
    });
    expect(env).not.toHaveProperty('AUTH_JWKS_URI');
    expect(launcher.keycloakEnv(8080, { permissionsClaim: 'realm_access.roles' }).AUTH_PERMISSIONS_CLAIM).toBe('realm_access.roles');
  });

  it('fails clearly for a realm without the confidential client', () => {
    expect(() => launcher.keycloakEnv(8080, { realm: { realm: 'x', clients: [] } })).toThrow(/component-web/);
  });
});

describe('prepareRealmImport', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'kc-home-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const h2 = () => join(home, 'data', 'h2');
  const makeDatabase = () => {
    mkdirSync(h2(), { recursive: true });
    writeFileSync(join(h2(), 'keycloakdb.mv.db'), 'db');
  };

  it('puts the realm into data/import and keeps a database made from the same realm', () => {
    expect(launcher.prepareRealmImport(home, '{"realm":"auth-bus"}').fresh).toBe(true);
    expect(readFileSync(join(home, 'data', 'import', 'realm-auth-bus.json'), 'utf8')).toBe('{"realm":"auth-bus"}');
    makeDatabase();
    expect(launcher.prepareRealmImport(home, '{"realm":"auth-bus"}').fresh).toBe(false);
    expect(existsSync(h2())).toBe(true);
  });

  it('drops the database when the realm changed, so that Keycloak imports the new one', () => {
    launcher.prepareRealmImport(home, '{"realm":"auth-bus"}');
    makeDatabase();
    expect(launcher.prepareRealmImport(home, '{"realm":"auth-bus","accessTokenLifespan":30}').fresh).toBe(true);
    expect(existsSync(h2())).toBe(false);
  });

  it('applies test-only realm overrides on top of the file', () => {
    expect(launcher.realmWith(realm, { accessTokenLifespan: 30 })).toMatchObject({ realm: 'auth-bus', accessTokenLifespan: 30 });
    expect(realm.accessTokenLifespan).toBe(60);
  });
});

describe('the realm file agrees with the rest of the repository', () => {
  const routes = readFileSync(join(ROOT, 'apps/component-web/lib/shared/routes.ts'), 'utf8');
  const route = (name: string) => new RegExp(`export const ${name} = '([^']+)'`).exec(routes)?.[1];
  const webSample = readFileSync(join(ROOT, 'apps/component-web/.env.sample'), 'utf8');
  const sample = (name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(webSample)?.[1];

  it('lets component-web log in and out at its own routes', () => {
    const web = client('component-web');
    const base = sample('APP_BASE_URL');
    expect(web.redirectUris).toEqual([`${base}${route('CALLBACK_PATH')}`]);
    expect(web.attributes['post.logout.redirect.uris']).toBe(`${base}${route('POPUP_LOGGED_OUT_PATH')}`);
    expect(web.webOrigins).toEqual([base]);
    expect(web.publicClient).toBe(false);
    expect(web.attributes['pkce.code.challenge.method']).toBe('S256');
  });

  it('adds the API audience that component-web asks for and the services require', () => {
    expect(mapper('oidc-audience-mapper').config).toMatchObject({ 'included.custom.audience': sample('AUTH0_AUDIENCE'), 'access.token.claim': 'true' });
  });

  it('puts the API’s roles into a top-level `permissions` array, as Auth0 RBAC does', () => {
    expect(mapper('oidc-usermodel-client-role-mapper').config).toMatchObject({
      'usermodel.clientRoleMapping.clientId': 'auth-bus-api',
      'claim.name': 'permissions',
      multivalued: 'true',
      'access.token.claim': 'true',
    });
  });

  it('has alice and bob with dev-idp’s emails, names and permissions', () => {
    const seed = JSON.parse(readFileSync(join(ROOT, 'apps/dev-idp/seed/users.json'), 'utf8')).users;
    const realmRoles = new Set(realm.roles.realm.map((r: { name: string }) => r.name));
    for (const devUser of seed.filter((u: { email: string }) => /^(alice|bob)@/.test(u.email))) {
      const user = realm.users.find((u: { email: string }) => u.email === devUser.email);
      expect(user).toBeDefined();
      expect(`${user.firstName} ${user.lastName}`).toBe(devUser.name);
      // each realm role the user holds grants the API permission of the same name (composite)
      const granted = user.realmRoles.filter((r: string) => realmRoles.has(r));
      expect(granted.sort()).toEqual([...devUser.permissions].sort());
      const password = devUser.email.replace(/@.*/, '-password');
      expect(user.credentials).toEqual([{ type: 'password', value: password, temporary: false }]);
    }
    expect(realm.users).toHaveLength(2);
    for (const role of realm.roles.realm) expect(role.composites.client['auth-bus-api']).toEqual([role.name]);
  });

  it('issues 60-second access tokens (the silent refresh is exercised within a minute)', () => {
    expect(realm.accessTokenLifespan).toBe(60);
  });
});

describe('providerFromArgs (npm start -- --provider keycloak)', () => {
  it.each([
    [['node', 'start.mjs'], 'dev-idp'],
    [['node', 'start.mjs', '--quiet'], 'dev-idp'],
    [['node', 'start.mjs', '--provider', 'keycloak'], 'keycloak'],
    [['node', 'start.mjs', '--provider=keycloak', '--quiet'], 'keycloak'],
    [['node', 'start.mjs', '--provider', 'dev-idp'], 'dev-idp'],
  ])('%j → %s', (argv, name) => {
    expect(launcher.providerFromArgs(argv)).toBe(name);
  });

  it.each([[['--provider', 'auth0']], [['--provider']]])('refuses %j, naming the choices', (argv) => {
    expect(() => launcher.providerFromArgs(argv)).toThrow(/--provider.*dev-idp.*keycloak/);
  });

  it('with dev-idp starts nothing and adds no environment', async () => {
    const provider = launcher.startProvider({ argv: ['node', 'start.mjs'] });
    expect(provider).toMatchObject({ name: 'dev-idp', env: {} });
    await expect(provider.ready).resolves.toBeUndefined();
    expect(provider.describe()).toBe('');
  });
});

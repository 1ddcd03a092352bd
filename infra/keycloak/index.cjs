// Keycloak for development and tests: fetch the distribution from Maven Central when missing
// (`mvn dependency:get`), unpack it into a git-ignored cache, start it in dev mode with the
// realm of realm-auth-bus.json imported, and tell every part of the system how to use it
// (`keycloakEnv`). Used by `npm start -- --provider keycloak`, the Keycloak browser journey
// (e2e/test/keycloak.e2e.spec.ts), `.ci/run` and `nx run keycloak:start`.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const KEYCLOAK_VERSION = '26.0.7';
const MAVEN_ARTIFACT = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
const REALM = 'auth-bus';
const REALM_FILE = path.join(__dirname, 'realm-auth-bus.json');
const ENV_SAMPLE = path.join(__dirname, 'keycloak.env.sample');
const REPO_ROOT = path.resolve(__dirname, '..', '..');
// outside every project folder, so that no tool (Jest, Nx, ESLint) crawls its ~3,000 files
const DEFAULT_CACHE_DIR = path.join(REPO_ROOT, '.cache', 'keycloak');
const DEFAULT_PORT = 8080;
/** The API identifier the realm's audience mapper adds (= AUTH0_AUDIENCE / AUTH_AUDIENCE). */
const API_AUDIENCE = 'http://localhost:8888/api';
/** The login client of the realm (= AUTH0_CLIENT_ID). */
const CLIENT_ID = 'component-web';
/** Written next to the database: the hash of the realm it was imported from. */
const REALM_STAMP = 'auth-bus-realm.sha256';

function parsePort(name, raw, fallback) {
  if (raw === undefined || String(raw).trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a TCP port (1–65535), got "${raw}"`);
  }
  return value;
}

/**
 * The launcher's settings from the environment (each documented in keycloak.env.sample):
 * KEYCLOAK_PORT, KEYCLOAK_HOST, KEYCLOAK_HOME, KEYCLOAK_CACHE_DIR, KEYCLOAK_ADMIN_PASSWORD,
 * MAVEN_REPO_LOCAL. A wrong value throws with the variable's name.
 */
function keycloakSettings(env = process.env) {
  const cacheDir = path.resolve(REPO_ROOT, env.KEYCLOAK_CACHE_DIR?.trim() || DEFAULT_CACHE_DIR);
  const home = env.KEYCLOAK_HOME?.trim() ? path.resolve(REPO_ROOT, env.KEYCLOAK_HOME.trim()) : path.join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
  return {
    version: KEYCLOAK_VERSION,
    port: parsePort('KEYCLOAK_PORT', env.KEYCLOAK_PORT, DEFAULT_PORT),
    // dev mode listens on plain HTTP: only on this machine unless asked otherwise
    host: env.KEYCLOAK_HOST?.trim() || '127.0.0.1',
    cacheDir,
    home,
    homeFromEnv: Boolean(env.KEYCLOAK_HOME?.trim()),
    adminPassword: env.KEYCLOAK_ADMIN_PASSWORD?.trim() || 'admin',
    mavenRepo: env.MAVEN_REPO_LOCAL?.trim() || path.join(os.homedir(), '.m2', 'repository'),
  };
}

/** Where `mvn dependency:get` leaves the distribution in a Maven local repository. */
function mavenZipPath(mavenRepo, version = KEYCLOAK_VERSION) {
  return path.join(mavenRepo, 'org', 'keycloak', 'keycloak-quarkus-dist', version, `keycloak-quarkus-dist-${version}.zip`);
}

/** The realm's issuer as Keycloak names it (no trailing slash). */
function issuerFor(port, realm = REALM) {
  return `http://localhost:${port}/realms/${realm}`;
}

/** The realm file as parsed JSON (the client secret and users come from here, not a copy). */
function readRealm(file = REALM_FILE) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** The realm with test-only changes applied (e.g. a shorter `accessTokenLifespan`). */
function realmWith(realm, overrides = {}) {
  return { ...realm, ...overrides };
}

function clientSecret(realm) {
  const client = (realm.clients ?? []).find((c) => c.clientId === CLIENT_ID);
  if (!client?.secret) throw new Error(`The realm has no confidential client "${CLIENT_ID}" with a secret`);
  return client.secret;
}

/**
 * Environment for every part of the system to use Keycloak on `port` instead of dev-idp:
 * component-web's login client (AUTH0_*: @auth0/nextjs-auth0 v4 takes a URL with a path as the
 * issuer, verbatim), the services' verifier (issuer, JWKS, audience, where permissions live) and
 * the Streamlit host (audience). dev-idp keeps running; nothing points at it any more.
 */
function keycloakEnv(port = DEFAULT_PORT, { realm = readRealm(), permissionsClaim = 'permissions' } = {}) {
  const issuer = issuerFor(port, realm.realm);
  return {
    // component-web (the login popup, the frame's silent refresh, the logout)
    AUTH0_DOMAIN: issuer,
    AUTH0_CLIENT_ID: CLIENT_ID,
    AUTH0_CLIENT_SECRET: clientSecret(realm),
    AUTH0_AUDIENCE: API_AUDIENCE,
    // auth-service and api-service: issuer and JWKS from <issuer>/.well-known/openid-configuration
    OIDC_ISSUER: issuer,
    AUTH_AUDIENCE: API_AUDIENCE,
    // `permissions` is the realm's mapper (Auth0's shape); `realm_access.roles` and
    // `resource_access.auth-bus-api.roles` carry the same grants
    AUTH_PERMISSIONS_CLAIM: permissionsClaim,
  };
}

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** The major version in `java -version` output ("17.0.15", "1.8.0_392" → 8, "21" → 21). */
function javaMajorVersion(versionOutput) {
  const m = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput ?? '');
  if (!m) return undefined;
  return m[1] === '1' && m[2] ? Number(m[2]) : Number(m[1]);
}

function ensureJava() {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : which('java');
  const r = java ? spawnSync(java, ['-version'], { encoding: 'utf8' }) : undefined;
  const major = r && r.status === 0 ? javaMajorVersion(`${r.stderr}${r.stdout}`) : undefined;
  if (!major || major < 17) {
    throw new Error(
      `Keycloak ${KEYCLOAK_VERSION} needs Java 17 or newer${major ? ` (found Java ${major})` : ''}. ` +
        'Install it (Debian/Ubuntu: `sudo apt-get install openjdk-17-jre-headless`) or set JAVA_HOME.',
    );
  }
}

/** `mvn`, installed with apt-get when missing and that is possible (root), as for nats-server. */
function ensureMaven({ log }) {
  const found = which('mvn');
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log('mvn is missing: installing maven with apt-get …');
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', 'maven'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    const bin = install && install.status === 0 ? which('mvn') : undefined;
    if (bin) return bin;
  }
  throw new Error(
    `Maven (mvn) fetches Keycloak ${KEYCLOAK_VERSION} from Maven Central and is not installed. ` +
      'Install it (Debian/Ubuntu: `sudo apt-get install maven`), or unpack keycloak-' +
      `${KEYCLOAK_VERSION}.zip yourself and set KEYCLOAK_HOME to its folder.`,
  );
}

function unzip(zip, intoDir) {
  if (which('unzip')) {
    const r = spawnSync('unzip', ['-q', '-o', zip, '-d', intoDir], { stdio: 'inherit' });
    if (r.status === 0) return;
  }
  // no unzip: Python's zipfile (the Python host needs python3 anyway); it drops the exec bits
  const r = spawnSync('python3', ['-m', 'zipfile', '-e', zip, intoDir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`Could not unpack ${zip} (install unzip)`);
}

/**
 * Makes sure the Keycloak distribution is there and returns its folder: downloads it with
 * `mvn dependency:get` when it is not in the Maven local repository, unpacks it into the cache
 * (.cache/keycloak, git-ignored) and runs dev mode's Quarkus build once, so that later
 * starts skip it. With KEYCLOAK_HOME set, that folder is used as it is.
 */
function ensureKeycloak({ env = process.env, log = console.log } = {}) {
  const settings = keycloakSettings(env);
  const kcSh = path.join(settings.home, 'bin', 'kc.sh');
  ensureJava();
  if (fs.existsSync(kcSh)) return settings.home;
  if (settings.homeFromEnv) throw new Error(`KEYCLOAK_HOME=${settings.home} has no bin/kc.sh: point it at an unpacked Keycloak ${KEYCLOAK_VERSION}`);

  let zip = mavenZipPath(settings.mavenRepo);
  if (!fs.existsSync(zip)) {
    const mvn = ensureMaven({ log });
    log(`Fetching Keycloak ${KEYCLOAK_VERSION} from Maven Central (${MAVEN_ARTIFACT}, ~150 MB) …`);
    const get = spawnSync(mvn, ['-q', '-B', 'dependency:get', `-Dartifact=${MAVEN_ARTIFACT}`], { stdio: 'inherit', cwd: os.tmpdir() });
    if (get.status !== 0) throw new Error(`\`mvn dependency:get -Dartifact=${MAVEN_ARTIFACT}\` failed (exit ${get.status})`);
    if (!fs.existsSync(zip)) {
      // a local repository elsewhere (settings.xml): let Maven copy the artifact out of it
      fs.mkdirSync(settings.cacheDir, { recursive: true });
      const copy = spawnSync(mvn, ['-q', '-B', 'dependency:copy', `-Dartifact=${MAVEN_ARTIFACT}`, `-DoutputDirectory=${settings.cacheDir}`], { stdio: 'inherit', cwd: os.tmpdir() });
      zip = path.join(settings.cacheDir, path.basename(zip));
      if (copy.status !== 0 || !fs.existsSync(zip)) throw new Error(`Keycloak's zip is not in ${settings.mavenRepo}: set MAVEN_REPO_LOCAL to your Maven local repository`);
    }
  }

  // unpack beside the target and rename: an interrupted unpack never looks complete
  const staging = path.join(settings.cacheDir, `.unpack-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  log(`Unpacking Keycloak ${KEYCLOAK_VERSION} into ${settings.cacheDir} …`);
  unzip(zip, staging);
  const unpacked = path.join(staging, `keycloak-${KEYCLOAK_VERSION}`);
  for (const script of fs.readdirSync(path.join(unpacked, 'bin'))) {
    if (script.endsWith('.sh')) fs.chmodSync(path.join(unpacked, 'bin', script), 0o755);
  }
  // dev mode's Quarkus build (~10–15 s), once, instead of on the first start
  log('Building Keycloak for dev mode (once) …');
  const build = spawnSync(path.join(unpacked, 'bin', 'kc.sh'), ['start-dev', '-Dkc.config.build-and-exit=true'], { stdio: 'ignore', cwd: unpacked });
  if (build.status !== 0) log(`(the dev-mode build failed with exit ${build.status}; the first start will build instead)`);
  try {
    fs.renameSync(unpacked, settings.home);
  } catch (err) {
    // another process unpacked it meanwhile: use theirs
    if (!fs.existsSync(kcSh)) throw err;
  }
  fs.rmSync(staging, { recursive: true, force: true });
  if (zip.startsWith(settings.cacheDir)) fs.rmSync(zip, { force: true });
  return settings.home;
}

function sha256(text) {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Puts the realm into `<home>/data/import` for `--import-realm`. Keycloak skips a realm that
 * already exists in its (file) database, so when the realm differs from the one the database
 * was made from, the database is dropped and the realm imported afresh; otherwise the start
 * reuses it (seconds faster).
 */
function prepareRealmImport(home, realmJson) {
  const dataDir = path.join(home, 'data');
  const importDir = path.join(dataDir, 'import');
  fs.mkdirSync(importDir, { recursive: true });
  const stampFile = path.join(dataDir, REALM_STAMP);
  const hash = sha256(realmJson);
  const stamp = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : '';
  const fresh = stamp !== hash;
  if (fresh) fs.rmSync(path.join(dataDir, 'h2'), { recursive: true, force: true });
  fs.writeFileSync(path.join(importDir, 'realm-auth-bus.json'), realmJson);
  fs.writeFileSync(stampFile, `${hash}\n`);
  return { fresh };
}

/** The `kc.sh` arguments of a dev-mode start. */
function startArgs({ port, host }) {
  return ['start-dev', `--http-port=${port}`, `--http-host=${host}`, '--import-realm'];
}

function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

async function discoveryAnswers(issuer) {
  try {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(2000) });
    return res.ok && (await res.json()).issuer === issuer;
  } catch {
    return false;
  }
}

/**
 * Starts Keycloak in dev mode on `port` with the realm imported and resolves once the realm's
 * discovery document answers. Returns `{ port, issuer, url, startedInMs, freshRealm, lines,
 * stop() }`. `realmOverrides` change top-level realm settings for this start (tests).
 */
async function startKeycloak({
  port,
  env = process.env,
  realmOverrides = {},
  timeoutMs = 240_000,
  output = () => undefined,
  log = console.log,
} = {}) {
  const settings = keycloakSettings(env);
  const listenPort = port ?? settings.port;
  if (await portInUse(listenPort)) throw new Error(`Port ${listenPort} is in use: stop what runs there or set KEYCLOAK_PORT`);
  const home = ensureKeycloak({ env, log });
  const realm = realmWith(readRealm(), realmOverrides);
  const { fresh } = prepareRealmImport(home, `${JSON.stringify(realm, null, 2)}\n`);
  const issuer = issuerFor(listenPort, realm.realm);

  const startedAt = Date.now();
  const child = spawn(path.join(home, 'bin', 'kc.sh'), startArgs({ port: listenPort, host: settings.host }), {
    cwd: home,
    detached: true, // its own process group: stop() ends kc.sh's pre-build and the server alike
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...env,
      // the admin console (http://localhost:<port>/admin), created with the database only
      KC_BOOTSTRAP_ADMIN_USERNAME: 'admin',
      KC_BOOTSTRAP_ADMIN_PASSWORD: settings.adminPassword,
    },
  });
  const lines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 500) lines.shift();
      output(line);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve((exitCode = code ?? signal))));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      if (exitCode !== undefined) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        return; // already gone
      }
      let timer;
      const killed = await Promise.race([exited.then(() => true), new Promise((r) => (timer = setTimeout(() => r(false), 15_000)))]);
      clearTimeout(timer); // a pending timer would keep the caller (e.g. Jest) alive
      if (!killed) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await exited;
      }
    })());

  const deadline = Date.now() + timeoutMs;
  while (!(await discoveryAnswers(issuer))) {
    if (exitCode !== undefined) {
      throw new Error(`Keycloak exited (${exitCode}) before it was ready:\n${lines.slice(-30).join('\n')}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Keycloak was not ready after ${timeoutMs / 1000} s:\n${lines.slice(-30).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { port: listenPort, issuer, url: `http://localhost:${listenPort}`, startedInMs: Date.now() - startedAt, freshRealm: fresh, lines, exited, pid: child.pid, stop };
}

/**
 * The identity provider `npm start` was asked for: `--provider keycloak` / `--provider=keycloak`,
 * else dev-idp. Throws for anything else.
 */
function providerFromArgs(argv) {
  let name = 'dev-idp';
  argv.forEach((arg, i) => {
    if (arg === '--provider') name = argv[i + 1] ?? '';
    else if (arg.startsWith('--provider=')) name = arg.slice('--provider='.length);
  });
  if (name !== 'dev-idp' && name !== 'keycloak') throw new Error(`Unknown --provider "${name}": use dev-idp (the default) or keycloak`);
  return name;
}

/**
 * For `npm start`: starts the provider named on the command line next to the system. Returns
 * `{ name, env, ready, stop, describe }` at once — `env` (for `startSystem({ extraEnv })`) is
 * known before Keycloak is up, `ready` resolves when it is. With dev-idp it does nothing.
 */
function startProvider({ argv = process.argv, env = process.env, log = console.log } = {}) {
  const name = providerFromArgs(argv);
  if (name !== 'keycloak') return { name, env: {}, ready: Promise.resolve(), stop: async () => undefined, describe: () => '' };
  const { port } = keycloakSettings(env);
  ensureKeycloak({ env, log });
  log(`Starting Keycloak ${KEYCLOAK_VERSION} on :${port} (realm ${REALM}) …`);
  const started = startKeycloak({ port, env, log });
  let handle;
  const ready = started.then((kc) => {
    handle = kc;
    log(`Keycloak ready in ${(kc.startedInMs / 1000).toFixed(1)} s.`);
  });
  ready.catch(() => undefined); // the caller awaits it later: not an unhandled rejection meanwhile
  return {
    name,
    env: keycloakEnv(port),
    ready,
    stop: async () => (handle ?? (await started.catch(() => undefined)))?.stop(),
    describe: () => `Identity provider: Keycloak ${issuerFor(port)} (admin console http://localhost:${port}/admin)`,
  };
}

module.exports = {
  KEYCLOAK_VERSION,
  MAVEN_ARTIFACT,
  REALM,
  REALM_FILE,
  ENV_SAMPLE,
  API_AUDIENCE,
  CLIENT_ID,
  keycloakSettings,
  mavenZipPath,
  issuerFor,
  readRealm,
  realmWith,
  keycloakEnv,
  javaMajorVersion,
  prepareRealmImport,
  startArgs,
  ensureKeycloak,
  startKeycloak,
  providerFromArgs,
  startProvider,
};

// The stack, declared once: every part with its command, the ports it listens on, the environment
// that points it at the others (a function of the resolved ports and NATS passwords), its health
// probe, what it needs first and how many replicas run. `npm start` (tools/dev/system.cjs), the
// launcher CLI (tools/stack/cli.mjs: tests, the pytest session) and the docker-compose check
// (tools/test/docker-compose.spec.ts) all read this file.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const { CONFIG_FILE: NATS_CONFIG, natsSettings, ensureNatsServer } = require(path.join(ROOT, 'infra/nats/index.cjs'));
const haproxy = require(path.join(ROOT, 'infra/haproxy/index.cjs'));

/** The port of each listening role, with the variable that moves it (README) and its standard value. */
const PORT_VARIABLES = {
  nats: ['NATS_PORT', 4222],
  natsMonitor: ['NATS_MONITOR_PORT', 8222],
  devIdp: ['DEV_IDP_PORT', 4400],
  hostRelay: ['RELAY_PORT', 8888],
  componentWeb: ['COMPONENT_WEB_PORT', 3001],
  streamlit: ['STREAMLIT_PORT', 4010],
  legacyApi: ['LEGACY_API_PORT', 5000],
  // HAProxy's stats page (http://localhost:8404/stats, `;csv` for scripts) when parts run replicas.
  loadBalancerStats: ['HAPROXY_STATS_PORT', 8404],
};

/** Ports of every part, from their variables (NATS_PORT, DEV_IDP_PORT, RELAY_PORT …). */
function portsFrom(source = process.env) {
  return Object.fromEntries(Object.entries(PORT_VARIABLES).map(([key, [name, standard]]) => [key, Number(source[name] ?? standard)]));
}
const STANDARD_PORTS = portsFrom({});

/** The API identifier (the `aud` of access tokens): dev-idp's default, not moved with the relay. */
const API_AUDIENCE = 'http://localhost:8888/api';

/**
 * NATS users (infra/nats/nats.conf) and the variable holding each one's password
 * (infra/nats/nats.env.sample, docker-compose's nats nodes).
 */
const NATS_USERS = {
  'host-relay': 'NATS_HOST_RELAY_PASSWORD',
  'auth-service': 'NATS_AUTH_SERVICE_PASSWORD',
  'api-service': 'NATS_API_SERVICE_PASSWORD',
  'streamlit-host': 'NATS_STREAMLIT_HOST_PASSWORD',
  'audit-reader': 'NATS_AUDIT_READER_PASSWORD',
  'audit-writer': 'NATS_AUDIT_WRITER_PASSWORD',
  revoker: 'NATS_REVOKER_PASSWORD',
  'http-bridge': 'NATS_HTTP_BRIDGE_PASSWORD',
};

/** Where each part finds the others when they run on `ports`. */
function crossReferences(ports) {
  const idp = `http://localhost:${ports.devIdp}`;
  const web = `http://localhost:${ports.componentWeb}`;
  const streamlit = [`http://localhost:${ports.streamlit}`, `http://127.0.0.1:${ports.streamlit}`];
  return {
    ...Object.fromEntries(Object.entries(PORT_VARIABLES).filter(([key]) => ports[key] !== undefined).map(([key, [name]]) => [name, String(ports[key])])),
    NATS_URL: `nats://127.0.0.1:${ports.nats}`,
    // dev-idp: its issuer and the component-web client's URLs
    DEV_IDP_ISSUER: `${idp}/`,
    DEV_IDP_COMPONENT_WEB_REDIRECT_URIS: `${web}/auth/callback`,
    DEV_IDP_COMPONENT_WEB_LOGOUT_URLS: `${web}/,${web}/auth/logged-out`,
    // auth-service, api-service
    AUTH_ISSUER: `${idp}/`,
    // component-web
    AUTH0_DOMAIN: idp,
    APP_BASE_URL: web,
    STREAMLIT_ORIGINS: streamlit.join(' '),
    RELAY_ORIGINS: `ws://localhost:${ports.hostRelay} ws://127.0.0.1:${ports.hostRelay}`,
    // host-relay
    RELAY_ALLOWED_ORIGINS: [...streamlit, web, `http://127.0.0.1:${ports.componentWeb}`].join(','),
    // the Streamlit host
    COMPONENT_URL: `${web}/streamlit`,
    RELAY_URL: `ws://localhost:${ports.hostRelay}/ws`,
  };
}

/** A part that connects to NATS as `user`: its URL, user and password (and audit-writer's for auth-service). */
function natsClientEnv(ctx, user, extraUsers = []) {
  const env = { NATS_URL: `nats://127.0.0.1:${ctx.ports.nats}`, NATS_USER: user, NATS_PASSWORD: ctx.passwords[user] };
  for (const extra of extraUsers) env[NATS_USERS[extra]] = ctx.passwords[extra];
  return env;
}

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function monitor(ports, query) {
  const res = await fetch(`http://127.0.0.1:${ports.natsMonitor}/${query}`, { signal: AbortSignal.timeout(2000) });
  return res.json();
}

/**
 * A bus-only service is up when NATS monitoring lists its connection — `<service>:<instance>`, or
 * any instance when `instance` is undefined — holding every one of `subjects`.
 */
async function busServiceUp(ports, service, instance, subjects) {
  try {
    const body = await monitor(ports, 'connz?subs=1&limit=4096');
    return (body.connections ?? []).some(
      (c) => (instance ? c.name === `${service}:${instance}` : (c.name ?? '').startsWith(`${service}:`)) && subjects.every((s) => (c.subscriptions_list ?? []).includes(s)),
    );
  } catch {
    return false;
  }
}

async function auditStreamExists(ports) {
  try {
    const body = await monitor(ports, 'jsz?streams=true');
    return (body.account_details ?? []).some((a) => (a.stream_detail ?? []).some((s) => s.name === 'AUDIT'));
  } catch {
    return false;
  }
}

const node = (entry) => () => [process.execPath, entry];
/** The demo's http-bridge routes (the article's Flask API); host-relay and the Streamlit host read them too. */
const DEMO_BRIDGE_ROUTES = path.join(ROOT, 'infra/bridge/routes.demo.yaml');
const BRIDGE_ENV = (ctx) => ({ BRIDGE_ROUTES_FILE: DEMO_BRIDGE_ROUTES, LEGACY_API_URL: `http://127.0.0.1:${ctx.ports.legacyApi}` });
const BUS_SERVICE_ENV = (ctx) => ({ AUTH_ISSUER: `http://localhost:${ctx.ports.devIdp}/`, AUTH_AUDIENCE: API_AUDIENCE });

/**
 * Every part. `command(ctx)` is argv; `env(ctx)` what the part needs beyond the shared
 * cross-references (ctx: { ports, passwords, instance, dataDir, stateDir(name), secret(name, hexLength),
 * behindLoadBalancer }; an undefined value is not set);
 * `health(ctx)` resolves true when the instance is ready; `entry` is what its Nx `build` produces
 * (checked before a start); `replicas` the default count (a bus service can run several, each
 * with its INSTANCE_ID). `balance: { check }`: an HTTP part that runs replicas behind the load
 * balancer — each replica on an internal port (ctx.ports has the instance's own), HAProxy on the
 * part's public port, probing `check`. ctx.stateDir(name) is a folder of the run in tests and
 * undefined for `npm start` (the part keeps its state where it always does).
 */
const PARTS = [
  {
    name: 'nats',
    project: 'nats',
    ports: ['nats', 'natsMonitor'],
    where: (p) => `nats://localhost:${p.nats}`,
    dependsOn: [],
    command: (ctx) => [ensureNatsServer(), '-c', NATS_CONFIG, '-p', String(ctx.ports.nats), '-m', String(ctx.ports.natsMonitor)],
    env: (ctx) => ({ ...ctx.natsSettings, NATS_STORE_DIR: ctx.stateDir('nats') ?? ctx.natsSettings.NATS_STORE_DIR, NATS_SERVER_NAME: `auth-bus-${ctx.ports.nats}` }),
    health: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.natsMonitor}/healthz?js-enabled-only=true`),
  },
  {
    name: 'dev-idp',
    project: 'dev-idp',
    ports: ['devIdp'],
    where: (p) => `http://localhost:${p.devIdp}`,
    dependsOn: [],
    entry: 'apps/dev-idp/dist/main.js',
    command: node('apps/dev-idp/dist/main.js'),
    env: (ctx) => ({ DEV_IDP_KEYS_DIR: ctx.stateDir('dev-idp-keys'), DEV_IDP_API_AUDIENCE: API_AUDIENCE }),
    health: (ctx) => httpOk(`http://localhost:${ctx.ports.devIdp}/healthz`),
  },
  {
    name: 'auth-service',
    project: 'auth-service',
    natsUser: 'auth-service',
    where: () => 'bus: auth.verify',
    dependsOn: ['nats', 'dev-idp'],
    entry: 'apps/auth-service/dist/main.js',
    command: node('apps/auth-service/dist/main.js'),
    // Its second NATS user writes the AUDIT stream.
    env: (ctx) => ({ ...natsClientEnv(ctx, 'auth-service', ['audit-writer']), ...BUS_SERVICE_ENV(ctx), INSTANCE_ID: ctx.instance }),
    subjects: ['auth.verify', 'auth.session.reported', 'auth.session.ended', 'audit.query'],
    health: async (ctx) => (await busServiceUp(ctx.ports, 'auth-service', ctx.instance, PARTS_BY_NAME['auth-service'].subjects)) && auditStreamExists(ctx.ports),
  },
  {
    name: 'api-service',
    project: 'api-service',
    natsUser: 'api-service',
    where: () => 'bus: api.* (queue api-service)',
    dependsOn: ['nats'], // it fetches the issuer's keys when the first token comes
    replicas: 1,
    entry: 'apps/api-service/dist/main.js',
    command: node('apps/api-service/dist/main.js'),
    env: (ctx) => ({ ...natsClientEnv(ctx, 'api-service'), ...BUS_SERVICE_ENV(ctx), INSTANCE_ID: ctx.instance }),
    subjects: ['api.ping', 'api.pong', 'api.pong-scoped'],
    health: (ctx) => busServiceUp(ctx.ports, 'api-service', ctx.instance, PARTS_BY_NAME['api-service'].subjects),
  },
  {
    // The article's Flask API as published (bench/baseline/server.py), reached only through http-bridge.
    name: 'legacy-api',
    project: 'legacy-api',
    ports: ['legacyApi'],
    published: false,
    where: (p) => `http://127.0.0.1:${p.legacyApi} (internal; /api/legacy/* via the bridge)`,
    dependsOn: ['dev-idp'],
    entry: '.venv/bin/python',
    command: () => [path.join(ROOT, '.venv/bin/python'), path.join(ROOT, 'bench/baseline/server.py')],
    env: (ctx) => ({ ...BUS_SERVICE_ENV(ctx), BASELINE_HOST: '127.0.0.1', BASELINE_PORT: String(ctx.ports.legacyApi) }),
    health: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.legacyApi}/api/ping`),
  },
  {
    name: 'http-bridge',
    project: 'http-bridge',
    natsUser: 'http-bridge',
    where: () => 'bus: bridge.* (queue http-bridge)',
    dependsOn: ['nats', 'legacy-api'],
    replicas: 1,
    entry: 'apps/http-bridge/dist/main.js',
    command: node('apps/http-bridge/dist/main.js'),
    env: (ctx) => ({ ...natsClientEnv(ctx, 'http-bridge'), ...BUS_SERVICE_ENV(ctx), ...BRIDGE_ENV(ctx), INSTANCE_ID: ctx.instance }),
    subjects: ['bridge.>'],
    health: (ctx) => busServiceUp(ctx.ports, 'http-bridge', ctx.instance, PARTS_BY_NAME['http-bridge'].subjects),
  },
  {
    name: 'host-relay',
    project: 'host-relay',
    natsUser: 'host-relay',
    ports: ['hostRelay'],
    where: (p) => `http://localhost:${p.hostRelay}`,
    dependsOn: ['nats'],
    entry: 'apps/host-relay/dist/main.js',
    command: node('apps/host-relay/dist/main.js'),
    // Behind the load balancer, per-address limits see the browser (X-Forwarded-For), not HAProxy.
    env: (ctx) => ({
      ...natsClientEnv(ctx, 'host-relay'),
      ...BRIDGE_ENV(ctx),
      RELAY_HOST: '127.0.0.1',
      RELAY_TRUST_PROXY: ctx.behindLoadBalancer ? '1' : undefined,
    }),
    health: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.hostRelay}/healthz`),
    balance: { check: '/healthz' },
    // Whole-system readiness (`npm start`): the services behind it answer too.
    ready: (ctx) => httpOk(`http://localhost:${ctx.ports.hostRelay}/readyz`),
  },
  {
    name: 'component-web',
    project: 'component-web',
    ports: ['componentWeb'],
    where: (p) => `http://localhost:${p.componentWeb}`,
    dependsOn: ['host-relay', 'dev-idp'],
    entry: 'apps/component-web/.next/BUILD_ID',
    command: (ctx) => [process.execPath, path.join(ROOT, 'node_modules/next/dist/bin/next'), 'start', 'apps/component-web', '-p', String(ctx.ports.componentWeb), '-H', '127.0.0.1'],
    // Replicas share AUTH0_SECRET (session cookies, sealed hand-off); `npm start` keeps it in the data folder.
    env: (ctx) => ({ NEXT_TELEMETRY_DISABLED: '1', AUTH0_SECRET: ctx.stateDir('component-web') && ctx.secret('AUTH0_SECRET', 64) }),
    health: (ctx) => httpOk(`http://127.0.0.1:${ctx.ports.componentWeb}/api/health`),
    balance: { check: '/api/health' },
    // Whole-system readiness (`npm start`): the component page itself renders.
    ready: (ctx) => httpOk(`http://localhost:${ctx.ports.componentWeb}/streamlit`),
  },
  {
    name: 'streamlit-app',
    project: 'streamlit-app',
    natsUser: 'streamlit-host',
    ports: ['streamlit'],
    where: (p) => `http://localhost:${p.streamlit}`,
    dependsOn: ['host-relay'],
    entry: '.venv/bin/streamlit',
    command: (ctx) => [
      path.join(ROOT, '.venv/bin/streamlit'), 'run', 'streamlit-app/app/Home.py', '--server.port', String(ctx.ports.streamlit),
      '--server.headless', 'true', '--browser.gatherUsageStats', 'false', '--client.toolbarMode', 'minimal',
    ],
    // Replicas sign their XSRF cookies with one secret, so a request may land on any of them.
    env: (ctx) => ({
      ...natsClientEnv(ctx, 'streamlit-host'),
      ...BRIDGE_ENV(ctx),
      AUTH0_AUDIENCE: API_AUDIENCE,
      STREAMLIT_SERVER_ENABLE_XSRF_PROTECTION: 'true',
      STREAMLIT_SERVER_COOKIE_SECRET: ctx.secret('STREAMLIT_SERVER_COOKIE_SECRET', 64),
    }),
    health: (ctx) => httpOk(`http://localhost:${ctx.ports.streamlit}/_stcore/health`),
    balance: { check: '/_stcore/health' },
  },
];
const PARTS_BY_NAME = Object.fromEntries(PARTS.map((p) => [p.name, p]));

/**
 * HAProxy (infra/haproxy), started when a part with `balance` runs more than one replica: on each
 * such part's public port, round robin, no stickiness, a health check per replica; its stats page
 * on `loadBalancerStats` (/stats, /stats;csv). ctx.loadBalancer is the generated configuration file.
 */
const LOAD_BALANCER = {
  name: 'load-balancer',
  project: 'haproxy',
  ports: ['loadBalancerStats'],
  where: (p) => `http://localhost:${p.loadBalancerStats}/stats`,
  dependsOn: [],
  command: (ctx) => [haproxy.ensureHaproxy(), '-db', '-f', ctx.loadBalancer.configFile],
  env: () => ({}),
  health: (ctx) => haproxy.allServersUp(`http://127.0.0.1:${ctx.ports.loadBalancerStats}/stats;csv`, ctx.loadBalancer.backends),
};

/** The parts `npm start -- --replicas N` runs N of (every part that can run several). */
const SCALABLE_PARTS = PARTS.filter((p) => p.balance || p.replicas !== undefined).map((p) => p.name);

/** `names` and everything they depend on, in start order (dependencies first). */
function withDependencies(names) {
  const order = [];
  const visit = (name) => {
    const part = PARTS_BY_NAME[name];
    if (!part) throw new Error(`unknown part "${name}" (parts: ${PARTS.map((p) => p.name).join(', ')})`);
    if (order.includes(name)) return;
    part.dependsOn.forEach(visit);
    order.push(name);
  };
  names.forEach(visit);
  return order;
}

/** The NATS passwords of `env` (defaults: infra/nats/nats.env.sample), by user. */
function natsPasswords(env = process.env) {
  const settings = natsSettings(env);
  return Object.fromEntries(Object.entries(NATS_USERS).map(([user, variable]) => [user, settings[variable]]));
}

module.exports = {
  ROOT,
  PORT_VARIABLES,
  STANDARD_PORTS,
  API_AUDIENCE,
  NATS_USERS,
  PARTS,
  PARTS_BY_NAME,
  LOAD_BALANCER,
  SCALABLE_PARTS,
  portsFrom,
  crossReferences,
  natsClientEnv,
  natsPasswords,
  withDependencies,
  httpOk,
  busServiceUp,
};

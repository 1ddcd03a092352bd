// nats-server as a child process: find (or install) the binary, fill in the configuration's
// environment from nats.env.sample, and spawn it. Used by the serve target (start-nats.mjs)
// and by the integration-test harness (libs/testing), so both run the very same configuration.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CONFIG_FILE = path.join(__dirname, 'nats.conf');
const CLUSTER_CONFIG_FILE = path.join(__dirname, 'nats-cluster.conf');
const ENV_SAMPLE = path.join(__dirname, 'nats.env.sample');
const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Parses a KEY=VALUE file (comments and blank lines ignored). */
function readEnvFile(file) {
  const out = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

/** The documented defaults, overridden by whatever the environment sets. */
function natsSettings(env = process.env) {
  const defaults = readEnvFile(ENV_SAMPLE);
  const settings = {};
  for (const key of Object.keys(defaults)) settings[key] = env[key] ?? defaults[key];
  settings.NATS_STORE_DIR = path.resolve(REPO_ROOT, settings.NATS_STORE_DIR);
  return settings;
}

/**
 * Production mode (AUTH_BUS_ENV=production, as docker-compose sets it) refuses every NATS
 * password that is a development default: the same rule as libs/service-kit's
 * refuseDevelopmentSecrets (a value ending in `-dev-password`/`-dev-secret`, or empty). Throws
 * an Error naming the variable to change; returns the mode.
 */
const DEVELOPMENT_SECRET_PATTERN = /-dev-(password|secret)$/;
function checkDeploymentSecrets(settings) {
  const mode = String(settings.AUTH_BUS_ENV || 'development').trim().toLowerCase();
  if (mode !== 'development' && mode !== 'production') {
    throw new Error(`AUTH_BUS_ENV must be development or production (got "${settings.AUTH_BUS_ENV}")`);
  }
  if (mode !== 'production') return mode;
  for (const [name, value] of Object.entries(settings)) {
    if (!/^NATS_[A-Z0-9_]*PASSWORD$/.test(name)) continue;
    const text = String(value ?? '').trim();
    if (!text || DEVELOPMENT_SECRET_PATTERN.test(text)) {
      throw new Error(
        `${name} is ${text ? 'a development default' : 'not set'}, which AUTH_BUS_ENV=production refuses: set ${name} to a real secret (e.g. \`openssl rand -hex 32\`)`,
      );
    }
  }
  return mode;
}

/** A route URL to a peer (`host:port`) carrying the cluster credentials nats-cluster.conf requires. */
function routeUrl(settings, hostPort) {
  return `nats://${encodeURIComponent(settings.NATS_CLUSTER_USER)}:${encodeURIComponent(settings.NATS_CLUSTER_PASSWORD)}@${hostPort}`;
}

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Returns the path of nats-server, installing it from the OS packages when that is possible
 * (root with apt-get). Otherwise throws with a message that says how to install it.
 */
/**
 * Installs the Debian package `pkg` when that is possible (root with apt-get) and returns true
 * when apt-get succeeded; a tool missing from the machine (nats-server, haproxy) comes from here.
 */
function aptInstall(pkg, log = console.log) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !which('apt-get')) return false;
  log(`${pkg} is missing: installing it with apt-get …`);
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  return update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', pkg], { stdio: 'inherit' }).status === 0;
}

function ensureNatsServer({ log = console.log } = {}) {
  const found = process.env.NATS_SERVER_BIN || which('nats-server');
  if (found) return found;
  const bin = aptInstall('nats-server', log) ? which('nats-server') : undefined;
  if (bin) return bin;
  throw new Error(
    'nats-server (2.9 or newer) is not installed. Install it with your package manager ' +
      '(Debian/Ubuntu: `sudo apt-get install nats-server`), or download it from the NATS releases ' +
      'and put it on PATH (or set NATS_SERVER_BIN).',
  );
}

/**
 * Spawns nats-server with our configuration. `port`/`monitorPort` override the settings
 * (tests pass free ports); extra `args` are appended. `cluster: { name, listen, peers }` runs a
 * clustered node (nats-cluster.conf: routes authenticate; `peers` are the other nodes'
 * `host:port` route addresses). Refuses development passwords in production mode.
 */
function spawnNats({ port, monitorPort, storeDir, serverName, cluster, env = process.env, args = [], stdio = 'inherit' } = {}) {
  const settings = natsSettings(env);
  if (storeDir) settings.NATS_STORE_DIR = storeDir;
  if (serverName) settings.NATS_SERVER_NAME = serverName;
  checkDeploymentSecrets(settings);
  fs.mkdirSync(settings.NATS_STORE_DIR, { recursive: true });
  const bin = ensureNatsServer();
  const clusterArgs = [];
  if (cluster) {
    if (cluster.name) settings.NATS_CLUSTER_NAME = cluster.name;
    if (cluster.listen) settings.NATS_CLUSTER_LISTEN = cluster.listen;
    if (cluster.peers && cluster.peers.length) clusterArgs.push('--routes', cluster.peers.map((peer) => routeUrl(settings, peer)).join(','));
  }
  const config = cluster ? CLUSTER_CONFIG_FILE : CONFIG_FILE;
  const argv = ['-c', config, '-p', String(port ?? settings.NATS_PORT), '-m', String(monitorPort ?? settings.NATS_MONITOR_PORT), ...clusterArgs, ...args];
  const child = spawn(bin, argv, { env: { ...env, ...settings }, stdio });
  return { child, settings };
}

module.exports = { CONFIG_FILE, CLUSTER_CONFIG_FILE, ENV_SAMPLE, readEnvFile, natsSettings, checkDeploymentSecrets, routeUrl, which, aptInstall, ensureNatsServer, spawnNats };

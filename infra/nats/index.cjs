// nats-server as a child process: find (or install) the binary, fill in the configuration's
// environment from nats.env.sample, and spawn it. Used by the serve target (start-nats.mjs)
// and by the integration-test harness (libs/testing), so both run the very same configuration.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const CONFIG_FILE = path.join(__dirname, 'nats.conf');
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

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Returns the path of nats-server, installing it from the OS packages when that is possible
 * (root with apt-get). Otherwise throws with a message that says how to install it.
 */
function ensureNatsServer({ log = console.log } = {}) {
  const found = process.env.NATS_SERVER_BIN || which('nats-server');
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && which('apt-get')) {
    log('nats-server is missing: installing it with apt-get …');
    const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-qq', 'nats-server'], { stdio: 'inherit' });
    const bin = install && install.status === 0 ? which('nats-server') : undefined;
    if (bin) return bin;
  }
  throw new Error(
    'nats-server (2.9 or newer) is not installed. Install it with your package manager ' +
      '(Debian/Ubuntu: `sudo apt-get install nats-server`), or download it from the NATS releases ' +
      'and put it on PATH (or set NATS_SERVER_BIN).',
  );
}

/**
 * Spawns nats-server with our configuration. `port`/`monitorPort` override the settings
 * (tests pass free ports); extra `args` are appended (e.g. cluster flags).
 */
function spawnNats({ port, monitorPort, storeDir, serverName, env = process.env, args = [], stdio = 'inherit' } = {}) {
  const settings = natsSettings(env);
  if (storeDir) settings.NATS_STORE_DIR = storeDir;
  if (serverName) settings.NATS_SERVER_NAME = serverName;
  fs.mkdirSync(settings.NATS_STORE_DIR, { recursive: true });
  const bin = ensureNatsServer();
  const argv = ['-c', CONFIG_FILE, '-p', String(port ?? settings.NATS_PORT), '-m', String(monitorPort ?? settings.NATS_MONITOR_PORT), ...args];
  const child = spawn(bin, argv, { env: { ...env, ...settings }, stdio });
  return { child, settings };
}

module.exports = { CONFIG_FILE, ENV_SAMPLE, readEnvFile, natsSettings, ensureNatsServer, spawnNats };

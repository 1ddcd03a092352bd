// The whole system as one: set-up of what is missing, start through `nx run-many --target=serve`,
// health checks per part, and a clean stop. `npm start` (start.mjs) and the end-to-end test use
// this same code, so what the test proves is what a user runs.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const { ensureNatsServer, natsSettings } = require(path.join(ROOT, 'infra/nats/index.cjs'));

const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const env = process.env;

/** Ports of every part; each can be moved with its variable (see README). */
const PORTS = {
  nats: Number(env.NATS_PORT ?? 4222),
  natsMonitor: Number(env.NATS_MONITOR_PORT ?? 8222),
  devIdp: Number(env.DEV_IDP_PORT ?? 4400),
  hostRelay: Number(env.RELAY_PORT ?? 8888),
  componentWeb: Number(env.COMPONENT_WEB_PORT ?? 3001),
  streamlit: Number(env.STREAMLIT_PORT ?? 4010),
};

async function httpOk(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** A bus-only service is up when its named connection holds its subscriptions (NATS monitoring). */
async function natsConnectionUp(namePrefix, subject) {
  try {
    const res = await fetch(`http://127.0.0.1:${PORTS.natsMonitor}/connz?subs=1&limit=1024`, { signal: AbortSignal.timeout(2000) });
    const body = await res.json();
    return (body.connections ?? []).some((c) => (c.name ?? '').startsWith(`${namePrefix}:`) && (c.subscriptions_list ?? []).includes(subject));
  } catch {
    return false;
  }
}

/** Every part, with how to know it is healthy. */
const PARTS = [
  { name: 'nats', where: `nats://localhost:${PORTS.nats}`, check: () => httpOk(`http://127.0.0.1:${PORTS.natsMonitor}/healthz?js-enabled-only=true`) },
  { name: 'dev-idp', where: `http://localhost:${PORTS.devIdp}`, check: () => httpOk(`http://localhost:${PORTS.devIdp}/healthz`) },
  { name: 'auth-service', where: 'bus: auth.verify', check: () => natsConnectionUp('auth-service', 'auth.verify') },
  { name: 'api-service', where: 'bus: api.* (queue api-service)', check: () => natsConnectionUp('api-service', 'api.pong') },
  { name: 'host-relay', where: `http://localhost:${PORTS.hostRelay}`, check: () => httpOk(`http://localhost:${PORTS.hostRelay}/readyz`) },
  { name: 'component-web', where: `http://localhost:${PORTS.componentWeb}`, check: () => httpOk(`http://localhost:${PORTS.componentWeb}/streamlit`) },
  { name: 'streamlit-app', where: `http://localhost:${PORTS.streamlit}`, check: () => httpOk(`http://localhost:${PORTS.streamlit}/_stcore/health`) },
];

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status})`);
}

const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;

/** Installs whatever is missing: npm packages, the Python environment, nats-server. */
function ensureSetup({ log = console.log } = {}) {
  const lockStamp = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(lockStamp) || newer(path.join(ROOT, 'package-lock.json'), lockStamp)) {
    log('Installing npm dependencies (npm ci) …');
    run('npm', ['ci', '--no-audit', '--no-fund']);
  }
  const pyproject = path.join(ROOT, 'streamlit-app', 'pyproject.toml');
  const pyStamp = path.join(ROOT, '.venv', '.installed');
  if (!existsSync(VENV_PYTHON) || newer(pyproject, pyStamp)) {
    log('Setting up the Python environment (.venv, pip install -e streamlit-app) …');
    if (!existsSync(VENV_PYTHON)) run(env.PYTHON ?? 'python3', ['-m', 'venv', '.venv']);
    run(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-e', 'streamlit-app[test]']);
    run('touch', [pyStamp]);
  }
  ensureNatsServer({ log });
}

/** Builds every project (Nx caches what has not changed). */
function buildAll() {
  run('npx', ['nx', 'run-many', '--target=build', '--outputStyle=static'], { env: { ...env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false' } });
}

async function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** Processes whose environment carries this run's marker: everything the run started. */
function processesOfRun(runId) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`AUTH_BUS_RUN_ID=${runId}\0`)) pids.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

/**
 * Starts every part with `nx run-many --target=serve` in its own process group and returns a
 * handle with `stop()`. `output` receives each line of the parts' logs.
 */
async function startSystem({ output = (line) => process.stdout.write(`${line}\n`), extraEnv = {} } = {}) {
  const busy = [];
  for (const [name, port] of Object.entries(PORTS)) if (await portInUse(port)) busy.push(`${name} :${port}`);
  if (busy.length) throw new Error(`Ports already in use: ${busy.join(', ')} — is the system already running?`);

  const runId = randomUUID();
  const child = spawn(
    'npx',
    ['nx', 'run-many', '--target=serve', '--parallel=20', '--outputStyle=stream', '--excludeTaskDependencies'],
    {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, ...natsSettings(env), ...extraEnv, AUTH_BUS_RUN_ID: runId, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false', FORCE_COLOR: '0' },
    },
  );
  const lines = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 2000) lines.shift();
      output(line);
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // group already gone
      }
      for (const pid of processesOfRun(runId)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && processesOfRun(runId).length) await new Promise((r) => setTimeout(r, 200));
      for (const pid of processesOfRun(runId)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    })());

  return { runId, child, lines, exited, stop, processes: () => processesOfRun(runId) };
}

/** Waits until every part answers its health check; resolves with the time each took (ms). */
async function waitHealthy({ timeoutMs = 180_000, onReady = () => undefined, exited } = {}) {
  const started = Date.now();
  const readyAt = {};
  let failedEarly = false;
  exited?.then(() => (failedEarly = true));
  while (Object.keys(readyAt).length < PARTS.length) {
    if (failedEarly) throw new Error('The serve run ended before every part was healthy');
    if (Date.now() - started > timeoutMs) {
      const missing = PARTS.filter((p) => !(p.name in readyAt)).map((p) => p.name);
      throw new Error(`Not healthy after ${timeoutMs / 1000}s: ${missing.join(', ')}`);
    }
    await Promise.all(
      PARTS.filter((p) => !(p.name in readyAt)).map(async (part) => {
        if (await part.check()) {
          readyAt[part.name] = Date.now() - started;
          onReady(part, readyAt[part.name]);
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
  }
  return readyAt;
}

function statusTable(readyAt) {
  const rows = PARTS.map((p) => [p.name, 'healthy', `${(readyAt[p.name] / 1000).toFixed(1)} s`, p.where]);
  const header = ['part', 'status', 'ready after', 'where'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

module.exports = { ROOT, PORTS, PARTS, ensureSetup, buildAll, startSystem, waitHealthy, statusTable };

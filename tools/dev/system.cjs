// The whole system as one: set-up of what is missing, start through the stack launcher
// (tools/stack: the one definition of commands, ports, environment and health probes), health
// checks per part, and a clean stop. `npm start` (start.mjs) and the end-to-end tests use this same
// code, so what the tests prove is what a user runs.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const { ensureNatsServer } = require(path.join(ROOT, 'infra/nats/index.cjs'));
const { ensureHaproxy } = require(path.join(ROOT, 'infra/haproxy/index.cjs'));
// `npm start -- --provider keycloak` (issue 14): Keycloak with the auth-bus realm instead of dev-idp.
const { startProvider } = require(path.join(ROOT, 'infra/keycloak/index.cjs'));

const VENV_PYTHON = path.join(ROOT, '.venv', 'bin', 'python');
const env = process.env;

// The parts, their ports and how they find each other: the one stack definition.
const stack = require(path.join(ROOT, 'tools/stack/stack.cjs'));
const launcher = require(path.join(ROOT, 'tools/stack/launcher.cjs'));
const { portsFrom, crossReferences, STANDARD_PORTS } = stack;
const PORTS = portsFrom(env);

/** The port variables themselves (NATS_PORT, DEV_IDP_PORT …) for `ports`. */
function portVariables(ports) {
  const all = crossReferences(ports);
  return Object.fromEntries(Object.keys(all).filter((k) => k.endsWith('_PORT')).map((k) => [k, all[k]]));
}

/**
 * The environment that points every part at the others on `ports`. Only what differs from the
 * standard layout is set (the parts' own defaults cover that, and a `.env` file still applies),
 * and a variable the caller set explicitly (e.g. AUTH0_DOMAIN of a real tenant) always wins.
 */
function systemEnv(ports = PORTS, base = env) {
  const standard = crossReferences(STANDARD_PORTS);
  const wanted = crossReferences(ports);
  const out = {};
  for (const [key, value] of Object.entries(wanted)) if (value !== standard[key] && base[key] === undefined) out[key] = value;
  return out;
}

/**
 * Every part on `ports`, with how to know it is healthy in the whole system (any instance, through
 * the load balancer when `replicas` > 1 — then it is a part too).
 */
function partsFor(ports = PORTS, replicas = 1) {
  const parts = replicas > 1 ? [...stack.PARTS, stack.LOAD_BALANCER] : stack.PARTS;
  return parts.map((part) => ({
    name: part.name,
    where: part.where(ports),
    count: stack.SCALABLE_PARTS.includes(part.name) ? replicas : 1,
    check: () => (part === stack.LOAD_BALANCER ? stack.httpOk(`http://127.0.0.1:${ports.loadBalancerStats}/stats;csv`) : (part.ready ?? part.health)({ ports })),
  }));
}
const PARTS = partsFor(PORTS);

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (r.status !== 0) throw new Error(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status})`);
}

const newer = (a, b) => !existsSync(b) || statSync(a).mtimeMs > statSync(b).mtimeMs;

/**
 * True when node_modules holds what package-lock.json asks for: npm's own record of what it
 * installed (node_modules/.package-lock.json) has every non-optional package at the locked
 * version. By content, not by file times, which a fresh checkout sets arbitrarily.
 */
function npmPackagesCurrent() {
  const installedFile = path.join(ROOT, 'node_modules', '.package-lock.json');
  if (!existsSync(installedFile)) return false;
  try {
    const locked = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages ?? {};
    const installed = JSON.parse(readFileSync(installedFile, 'utf8')).packages ?? {};
    return Object.entries(locked).every(
      ([where, pkg]) => !where.includes('node_modules/') || pkg.optional || (where in installed && installed[where].version === pkg.version),
    );
  } catch {
    return false;
  }
}

/** npm packages: `npm ci` when node_modules does not match package-lock.json. */
function ensureNpmPackages({ log = console.log } = {}) {
  if (npmPackagesCurrent()) return;
  log('Installing npm dependencies (npm ci) …');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// What `npm start` and `npm test` need of the Python package; commands that need more (the
// benchmarks: `bench`) ask for further extras. The stamp lists the extras installed, so that a
// new extra or a changed pyproject.toml re-runs pip.
const PYTHON_PACKAGE = 'streamlit-app[demo,test]';
const PYTHON_EXTRAS = /\[(.*)\]/.exec(PYTHON_PACKAGE)[1].split(',');
const PY_STAMP = path.join(ROOT, '.venv', '.installed');

/**
 * What pip has to install, or undefined when nothing: the package with every extra wanted now or
 * installed before (so that `bench` stays once installed), when the venv is missing, pyproject.toml
 * changed since, or an extra is missing from the stamp.
 */
function pythonInstallSpec({ venvExists, pyprojectChanged, stamped, extras = [] }) {
  const wanted = [...new Set([...PYTHON_EXTRAS, ...extras])];
  if (venvExists && !pyprojectChanged && wanted.every((x) => stamped.includes(x))) return undefined;
  const all = [...new Set([...wanted, ...stamped])];
  return { extras: all, spec: all.length === PYTHON_EXTRAS.length ? PYTHON_PACKAGE : `streamlit-app[${all.join(',')}]` };
}

/** The Python environment (.venv with the package installed editable, with `extras`). */
function ensurePython({ log = console.log, extras = [] } = {}) {
  const plan = pythonInstallSpec({
    venvExists: existsSync(VENV_PYTHON),
    pyprojectChanged: newer(path.join(ROOT, 'streamlit-app', 'pyproject.toml'), PY_STAMP),
    stamped: existsSync(PY_STAMP) ? readFileSync(PY_STAMP, 'utf8').split(/[\s,]+/).filter(Boolean) : [],
    extras,
  });
  if (!plan) return;
  log(`Setting up the Python environment (.venv, pip install -e '${plan.spec}') …`);
  if (!existsSync(VENV_PYTHON)) run(env.PYTHON ?? 'python3', ['-m', 'venv', '.venv']);
  run(VENV_PYTHON, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-e', plan.spec]);
  writeFileSync(PY_STAMP, `${plan.extras.join(',')}\n`);
}

/**
 * Installs whatever is missing: npm packages, the Python environment (plus `pythonExtras`),
 * nats-server, and haproxy when `loadBalancer` (replicas).
 */
function ensureSetup({ log = console.log, pythonExtras = [], loadBalancer = false } = {}) {
  ensureNpmPackages({ log });
  ensurePython({ log, extras: pythonExtras });
  ensureNatsServer({ log });
  if (loadBalancer) ensureHaproxy({ log });
}

const nxEnv = () => ({ ...env, NX_NO_CLOUD: 'true', NX_DAEMON: 'false', NX_TUI: 'false' });

/** Builds every project (Nx caches what has not changed). */
function buildAll() {
  run('npx', ['nx', 'run-many', '--target=build', '--outputStyle=static'], { env: nxEnv() });
}

/**
 * Builds `projects` (and what they depend on) through Nx without a word on stdout, so that a
 * command's own output (JSON lines) stays clean; Nx's output is shown only when the build fails.
 */
function buildQuietly(projects) {
  const r = spawnSync('npx', ['nx', 'run-many', '--target=build', `--projects=${projects.join(',')}`, '--outputStyle=static'], {
    cwd: ROOT,
    env: nxEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`building ${projects.join(', ')} failed (see above; \`npm run build\` builds everything)`);
  }
}

async function portInUse(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** This process and its ancestors: a caller's marker (npm start's) is in their environment too. */
function selfAndAncestors() {
  const out = new Set();
  for (let pid = process.pid; pid > 1 && !out.has(pid); ) {
    out.add(pid);
    try {
      pid = Number(/^\d+ \(.*\) \S+ (\d+)/s.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1] ?? 0);
    } catch {
      break;
    }
  }
  return out;
}

/** Processes whose environment carries this run's marker: everything the run started (not this process nor its ancestors). */
function processesOfRun(runId) {
  const pids = [];
  const skip = selfAndAncestors();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || skip.has(Number(entry))) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(`AUTH_BUS_RUN_ID=${runId}\0`)) pids.push(Number(entry));
    } catch {
      // gone already, or not ours to read
    }
  }
  return pids;
}

/** `--replicas N` of a command line (default 1): N of every part that scales. Throws on a bad value. */
function replicasFromArgs(argv = process.argv) {
  const i = argv.findIndex((a) => a === '--replicas' || a.startsWith('--replicas='));
  if (i < 0) return 1;
  const value = argv[i].includes('=') ? argv[i].split('=')[1] : argv[i + 1];
  if (!/^[1-9]$/.test(value ?? '')) throw new Error(`--replicas ${value ?? ''}: expected a count from 1 to 9`);
  return Number(value);
}

/**
 * Starts every part through the stack launcher as the user's run (their environment applies,
 * state in the parts' own folders) — `replicas` of every part that scales, behind HAProxy when
 * more than one — and returns once each instance passed its health probe, with a handle:
 * `stop()`, `processes()`, `lines`, `exited` (every process ended by itself), `run` (the
 * launcher's handle: stopPart/startPart). `output` receives each line of the parts' logs;
 * `ports` moves the parts (tests pass free ports).
 */
async function startSystem({ output = (line) => process.stdout.write(`${line}\n`), extraEnv = {}, ports = PORTS, replicas = 1 } = {}) {
  const wanted = Object.entries(ports).filter(([role]) => replicas > 1 || role !== 'loadBalancerStats');
  const busy = [];
  for (const [name, port] of wanted) if (await portInUse(port)) busy.push(`${name} :${port}`);
  if (busy.length) throw new Error(`Ports already in use: ${busy.join(', ')} — is the system already running?`);

  const lines = [];
  const keep = (line) => {
    lines.push(line);
    if (lines.length > 2000) lines.shift();
    output(line);
  };
  const run = await launcher.up({
    ports,
    replicas: Object.fromEntries(stack.SCALABLE_PARTS.map((name) => [name, replicas])),
    env: extraEnv,
    userEnv: true,
    echo: (id, line) => keep(`[${id}] ${line}`),
    log: (msg) => keep(`[stack] ${msg}`),
  });
  const instances = [...run.instances.values()].flat();
  const exited = Promise.all(instances.map((i) => i.exited)).then(() => instances.find((i) => i.exitCode)?.exitCode ?? 0);

  let stopping;
  const stop = () =>
    (stopping ??= (async () => {
      await run.down();
      // Anything a part started itself and left behind carries the run's marker too.
      for (const pid of processesOfRun(run.marker)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    })());

  return { runId: run.marker, run, lines, exited, stop, processes: () => processesOfRun(run.marker) };
}

/** Waits until every part answers its health check; resolves with the time each took (ms). */
async function waitHealthy({ timeoutMs = 180_000, onReady = () => undefined, exited, ports = PORTS, replicas = 1 } = {}) {
  const PARTS = partsFor(ports, replicas);
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

function statusTable(readyAt, ports = PORTS, replicas = 1) {
  const rows = partsFor(ports, replicas).map((p) => [p.name, String(p.count), 'healthy', `${(readyAt[p.name] / 1000).toFixed(1)} s`, p.where]);
  const header = ['part', 'replicas', 'status', 'ready after', 'where'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

module.exports = {
  startProvider,
  ROOT,
  PORTS,
  PARTS,
  PYTHON_PACKAGE,
  portsFrom,
  partsFor,
  systemEnv,
  portVariables,
  ensureSetup,
  ensureNpmPackages,
  ensurePython,
  pythonInstallSpec,
  buildAll,
  buildQuietly,
  startSystem,
  replicasFromArgs,
  waitHealthy,
  portInUse,
  processesOfRun,
  statusTable,
};

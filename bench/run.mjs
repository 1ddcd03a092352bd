#!/usr/bin/env node
// `npm run bench`: the performance claims side by side with the article's design, in one run on
// one machine. Not a test. Every server it starts is stopped at the end (and every cgroup it made
// removed).
//
//   npm run bench [-- --scenario python,http,ws,scaling,bus,login,stlogin] [--replicas 1,2,4]
//                 [--cpu-per-replica 0.2] [--cpu-period-ms 100] [--load-generator go|node]
//                 [--in-flight-per-replica]
//                 [--duration 8] [--reuse-e2e] [--quick]
//
// --scenario: only these scenarios (default: all); the goal table shows n/a for the others and
// bench/README.md is left alone unless every scenario ran.
// --cpu-per-replica: the CPU quota of every api-service replica in the scaling scenario, in cores
// (default 0.2; 0 = no quota). Each replica gets its own cgroup (v2 `cpu.max`, or v1
// `cpu.cfs_quota_us`), so each stands for a small machine of its own and neither the load
// generator nor nats-server is the limit; without cgroups it falls back to taskset + nice, and says so.
// --cpu-period-ms: the CFS period of those quotas (default 100 ms, the kernel's default). A shorter
// one (10 ms: 2 ms of CPU in every 10) was tried to keep a throttled replica from holding its
// requests for 80 ms; here it did worse (1 replica ~5,500 instead of ~7,100 req/s, 2 replicas
// 0.89×): short slices break the replica's batching of replies.
// --load-generator: what sends the scaling scenario's requests — `go` (default when Go is
// installed: bench/loadgen, nats.go, about half the CPU per request of nats.js, so that more of the
// machine is left to the replicas) or `node` (the nats.js loop of the other scenarios).
// --in-flight-per-replica: 100 requests in flight per replica instead of 100 in all. A replica
// whose quota is spent holds the requests routed to it until its next period, so with a fixed 100
// the more replicas, the more of those 100 wait in throttled replicas while the others idle.
// --quick: a few seconds per scenario (replicas 1,2, 2 s loads, small sample counts) and no
// browser login (scenario 5 starts a whole stack and browsers; with --reuse-e2e its figure comes
// from the last e2e run instead). It checks that every scenario runs and prints the goal table; its
// numbers are rough, so it leaves bench/README.md alone. The README smoke test runs it.
//
// Scenarios (bench/README.md explains each):
//   1. python   protected call from Python: bus client → api.pong  vs  requests → Flask /api/pong
//   2. http     HTTP clients, 50 connections: host-relay /api/pong  vs  Flask /api/pong (wrk), and
//               the same concurrency straight on the bus (Node client → api.pong)
//   3. bus      bus only, one replica: api.ping vs api.pong, 50 in flight (bench/bus-api.bench.mjs)
//   4. scaling  api.pong throughput with 1, 2, 4 … api-service replicas, each with its CPU quota
//   5. login    login-to-unlocked in Chromium, split (bench/login.mjs)  vs  the article's 2 s heartbeat
//   6. ws       delegated WebRequests over the WebSocket: 200 sockets × 10 req/s (bench/ws-load.mjs)
//   7. stlogin  Streamlit's native st.login against the same dev-idp in Chromium (bench/st-login.mjs)
// Writes bench/results/bench-<time>.json and .md, and the latest table into bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureLogin } from './login.mjs';
import { measureStLogin } from './st-login.mjs';
import { wsLoad } from './ws-load.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string' },
    replicas: { type: 'string' },
    'cpu-per-replica': { type: 'string' },
    'cpu-period-ms': { type: 'string' },
    'load-generator': { type: 'string' },
    'in-flight-per-replica': { type: 'boolean', default: false },
    duration: { type: 'string' },
    'reuse-e2e': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
const ALL_SCENARIOS = ['python', 'http', 'bus', 'scaling', 'login', 'ws', 'stlogin'];
const SCENARIOS = new Set(args.scenario ? args.scenario.split(',').map((x) => x.trim()) : ALL_SCENARIOS);
for (const name of SCENARIOS) if (!ALL_SCENARIOS.includes(name)) {
  console.error(`✖ npm run bench: unknown scenario "${name}" (--scenario takes ${ALL_SCENARIOS.join(', ')})`);
  process.exit(1);
}
const EVERY_SCENARIO = ALL_SCENARIOS.every((name) => SCENARIOS.has(name));
const CPU_PER_REPLICA = Number(args['cpu-per-replica'] ?? '0.2');
if (!(CPU_PER_REPLICA >= 0)) {
  console.error('✖ npm run bench: --cpu-per-replica takes a number of cores (e.g. 0.2; 0 for no quota)');
  process.exit(1);
}
const IN_FLIGHT_PER_REPLICA = args['in-flight-per-replica'];
const CPU_PERIOD_US = Math.round(Number(args['cpu-period-ms'] ?? '100') * 1000);
if (!(CPU_PERIOD_US >= 1000 && CPU_PERIOD_US <= 1_000_000)) {
  console.error('✖ npm run bench: --cpu-period-ms takes 1 to 1000 (ms)');
  process.exit(1);
}
const WS_CLIENTS = QUICK ? 50 : 200;
const WS_RATE = 10;
const REPLICAS = (args.replicas ?? (QUICK ? '1,2' : '1,2,4')).split(',').map(Number).filter((n) => n > 0);
const DURATION_S = Number(args.duration ?? (QUICK ? '2' : '8'));
const WARMUP_S = QUICK ? 1 : 2;
const started = Date.now();
const log = (msg) => console.log(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${msg}`);

/** Ends the run with one line (no stack trace) for what the user has to fix. */
function fail(err) {
  console.error(`\n✖ npm run bench: ${err.message}`);
  process.exit(1);
}

const system = require(path.join(ROOT, 'tools/dev/system.cjs'));
try {
  // The Flask baseline and the Python clients need the `bench` extra of the Python package.
  system.ensureSetup({ log, pythonExtras: ['bench'] });
  system.buildAll();
} catch (err) {
  fail(err);
}

const { NatsHarness, DevIdpHarness, ServicesHarness, RelayHarness, freePort, ManagedProcess, waitFor } = require(path.join(ROOT, 'libs/testing/dist/index.js'));
const { encodeBody, decodeBody, bearer } = require(path.join(ROOT, 'libs/contracts/dist/index.js'));
const { headers: natsHeaders } = require('nats');
const PYTHON = path.join(ROOT, '.venv/bin/python');

/** Peak resident memory (VmHWM) of a process, in MiB. */
function peakMiB(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system) a process has used so far, in seconds (Linux /proc). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

function pidOnPort(port) {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

function runAsync(cmd, argv, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const pct = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((p / 100) * (sorted.length - 1)))] : NaN);
const r2 = (x) => Math.round(x * 100) / 100;

/** `count` requests with `inFlight` outstanding at a time, on a raw nats.js connection. */
async function busLoad(nc, subject, token, { durationS, inFlight }) {
  const body = encodeBody({});
  const opts = { timeout: 5000, headers: undefined };
  if (token) {
    opts.headers = natsHeaders();
    opts.headers.set('Authorization', bearer(token));
  }
  const latencies = [];
  let errors = 0;
  const until = performance.now() + durationS * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < until) {
        const t = performance.now();
        try {
          const reply = decodeBody((await nc.request(subject, body, opts)).data);
          if (reply.error) errors += 1;
          else latencies.push(performance.now() - t);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const elapsed = (performance.now() - t0) / 1000;
  return { requests: latencies.length, errors, req_per_s: Math.round(latencies.length / elapsed), p50_ms: r2(pct(latencies, 50)), p99_ms: r2(pct(latencies, 99)) };
}

/**
 * The scaling scenario's load generator (bench/loadgen, Go + nats.go), built on first use with the
 * Go toolchain (modules from the Go module proxy, then from Go's cache). Undefined when Go is not
 * installed or the build fails: the scenario then uses busLoad (nats.js), and says so.
 */
function ensureLoadgen() {
  if (args['load-generator'] === 'node') return undefined;
  const dir = path.join(ROOT, 'bench/loadgen');
  const bin = path.join(dir, 'bin/loadgen');
  // (bounded: where the module proxy cannot be reached, the fallback beats a long wait)
  const build = spawnSync('go', ['build', '-o', bin, '.'], { cwd: dir, encoding: 'utf8', timeout: 180_000 });
  if (build.status === 0) return bin;
  const why = build.error?.code === 'ENOENT' ? 'Go is not installed' : build.error ? `go build: ${build.error.message}` : build.stderr.trim().split('\n').pop();
  if (args['load-generator'] === 'go') throw new Error(`--load-generator go: bench/loadgen does not build (${why})`);
  log(`scenario 4: bench/loadgen not built (${why}); the nats.js load generator instead`);
  return undefined;
}

/** `inFlight` requests outstanding for `durationS` (after a warm-up) from bench/loadgen. */
async function goLoad(bin, subject, token, { durationS, warmupS, inFlight }) {
  const run = await runAsync(bin, ['-url', nats.url, '-user', 'streamlit-host', '-subject', subject, '-in-flight', String(inFlight), '-duration', `${durationS}s`, '-warmup', `${warmupS}s`], {
    LOADGEN_PASSWORD: nats.password('streamlit-host'),
    LOADGEN_TOKEN: token,
  });
  if (run.code !== 0) throw new Error(`bench/loadgen failed: ${run.stderr.trim()}`);
  const r = JSON.parse(run.stdout.trim().split('\n').pop());
  return { requests: r.requests, errors: r.errors, req_per_s: r.req_per_s, p50_ms: r2(r.p50_ms), p99_ms: r2(r.p99_ms), generator_cpu_cores: r2(r.cpu_s / durationS) };
}

/** Debian's wrk, installed on first use where that is possible (root with apt-get). */
function ensureWrk() {
  const has = () => spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
  if (!has() && process.getuid?.() === 0) {
    log('installing wrk (apt-get) …');
    spawnSync('sh', ['-c', 'apt-get install -y -qq wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null 2>&1)']);
  }
  if (!has()) throw new Error('wrk is not installed (Debian/Ubuntu: apt-get install wrk)');
}

const toMs = (value, unit) => Number(value) * ({ us: 0.001, ms: 1, s: 1000, m: 60_000 }[unit] ?? 1);

/**
 * 50 connections for DURATION_S with wrk (after a 2 s warm-up). wrk, unlike autocannon, copes
 * with servers that close every connection (Werkzeug does), so both sides are measured alike.
 */
async function loadHttp(url, token) {
  const headers = token ? ['-H', `Authorization: Bearer ${token}`] : [];
  await runAsync('wrk', ['-t2', '-c10', `-d${WARMUP_S}s`, ...headers, url]);
  const { stdout } = await runAsync('wrk', ['-t2', '-c50', `-d${DURATION_S}s`, '--latency', '--timeout', '10s', ...headers, url]);
  const latency = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s|m)`, 'm').exec(stdout);
    return m ? r2(toMs(m[1], m[2])) : NaN;
  };
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { requests, non_2xx: non2xx, errors, req_per_s: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0)), p50_ms: latency(50), p99_ms: latency(99) };
}

/**
 * A CPU quota per process, as a small machine of its own: one cgroup per process with
 * `fraction` of a core (cgroup v2 `cpu.max`, else v1 `cpu.cfs_quota_us`, both over
 * --cpu-period-ms, 100 ms by default; the kernel's minimum quota is 1 ms). Without a writable cgroup file system it falls back to taskset + nice (one core each,
 * lower priority), which bounds nothing exactly, and says so in `how`.
 */
function cpuQuotas(fraction, PERIOD_US = CPU_PERIOD_US) {
  const quotaUs = Math.max(1000, Math.round(fraction * PERIOD_US));
  const tag = `auth-bus-bench-${process.pid}`;
  const made = [];
  const tryWrite = (file, text) => {
    try {
      writeFileSync(file, text);
      return true;
    } catch {
      return false;
    }
  };
  const controllers = (() => {
    try {
      return readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8').split(/\s+/);
    } catch {
      return [];
    }
  })();
  let kind;
  if (controllers.includes('cpu')) {
    kind = 'v2';
    // Children of the root get the cpu controller only if the root hands it down.
    tryWrite('/sys/fs/cgroup/cgroup.subtree_control', '+cpu');
  } else if (existsSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us')) kind = 'v1';
  const place = (pid, name) => {
    if (kind) {
      const dir = kind === 'v2' ? `/sys/fs/cgroup/${tag}-${name}` : `/sys/fs/cgroup/cpu/${tag}-${name}`;
      try {
        mkdirSync(dir);
        made.push(dir);
        const limited = kind === 'v2' ? tryWrite(`${dir}/cpu.max`, `${quotaUs} ${PERIOD_US}`) : tryWrite(`${dir}/cpu.cfs_period_us`, String(PERIOD_US)) && tryWrite(`${dir}/cpu.cfs_quota_us`, String(quotaUs));
        if (limited && tryWrite(`${dir}/cgroup.procs`, String(pid))) return;
      } catch {
        // not permitted: fall through to taskset + nice for this and every later process
      }
      kind = undefined;
    }
    spawnSync('taskset', ['-a', '-cp', String(made.length % os.cpus().length), String(pid)], { stdio: 'ignore' });
    spawnSync('renice', ['-n', '10', '-p', String(pid)], { stdio: 'ignore' });
  };
  return {
    get how() {
      return kind === 'v2'
        ? `cgroup v2 cpu.max ${quotaUs} ${PERIOD_US} per replica`
        : kind === 'v1'
          ? `cgroup v1 cpu.cfs_quota_us ${quotaUs} / cpu.cfs_period_us ${PERIOD_US} per replica`
          : 'no cgroups here: taskset + nice instead (not an exact quota)';
    },
    place,
    /** Removes the cgroups (their processes must have exited, or are moved back to the root first). */
    cleanup() {
      for (const dir of made) {
        try {
          const root = dir.startsWith('/sys/fs/cgroup/cpu/') ? '/sys/fs/cgroup/cpu' : '/sys/fs/cgroup';
          for (const pid of readFileSync(`${dir}/cgroup.procs`, 'utf8').split('\n').filter(Boolean)) tryWrite(`${root}/cgroup.procs`, pid);
          rmdirSync(dir);
        } catch {
          // already gone
        }
      }
      made.length = 0;
    },
  };
}

const results = { benchmark: 'component-auth0-bus', at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` }, scenarios: {} };
let nats, idp, services, relay, baseline, observer, quotas;
let failure;

const NEEDS_STACK = ['python', 'http', 'ws', 'scaling'].some((name) => SCENARIOS.has(name));
if (NEEDS_STACK) try {
  log('starting NATS, dev-idp, auth-service, one api-service replica, host-relay and the Flask baseline …');
  nats = await NatsHarness.start();
  idp = await DevIdpHarness.start();
  services = await ServicesHarness.start({ nats, idp, apiReplicas: 1, env: { LOG_LEVEL: 'warn' } });
  // Bench-only relay settings, all explicit: the HTTP rate limit is off (every wrk connection comes
  // from 127.0.0.1 and the point is the gateway, not the limiter), and the WebSocket scenario's 200
  // sockets — 200 users with 200 addresses in real life — may all come from this one address and
  // each report its session. Every other limit (token trials, body and frame sizes, in-flight and
  // per-socket rates) stays at its default.
  relay = await RelayHarness.start({
    nats,
    env: { LOG_LEVEL: 'warn', RELAY_HTTP_RATE_PER_SEC: '0', RELAY_WS_MAX_CONNECTIONS_PER_IP: '1000', RELAY_SESSION_REPORT_BURST: '10000' },
    waitForReady: true,
  });
  const relayPid = pidOnPort(new URL(relay.url).port);
  const token = (await idp.tokenFor('alice')).access_token;
  const baselinePort = await freePort();
  baseline = ManagedProcess.start('flask-baseline', PYTHON, [path.join(ROOT, 'bench/baseline/server.py')], {
    BASELINE_PORT: String(baselinePort),
    AUTH_ISSUER: idp.issuer,
    AUTH_AUDIENCE: idp.audience,
  });
  const flaskUrl = `http://127.0.0.1:${baselinePort}`;
  await waitFor(async () => (await fetch(`${flaskUrl}/api/ping`)).ok, { what: 'Flask baseline (bench/baseline/server.py)' });
  const pong = await fetch(`${flaskUrl}/api/pong`, { headers: { authorization: `Bearer ${token}` } });
  if (!pong.ok) throw new Error(`baseline /api/pong answered ${pong.status}: the baseline must verify dev-idp tokens`);
  observer = await nats.connectAs('streamlit-host', { name: 'bench', noAsyncTraces: true });

  // 1. Python clients
  if (SCENARIOS.has('python')) {
    log('scenario 1: Python bus client vs Python requests → Flask …');
    // Asynchronous on purpose: a blocked event loop would stop draining the servers' log pipes.
    const sizes = QUICK ? ['--seq', '50', '--in-flight', '10', '--per-thread', '10'] : [];
    const py = await runAsync(PYTHON, [path.join(ROOT, 'bench/python_clients.py'), '--nats-url', nats.url, '--nats-password', nats.password('streamlit-host'), '--token', token, '--flask-url', flaskUrl, ...sizes]);
    if (py.code !== 0) throw new Error(`python_clients.py failed:\n${py.stderr}`);
    results.scenarios.python_clients = JSON.parse(py.stdout.trim().split('\n').pop());
  }

  // 2. HTTP clients, and the same concurrency straight on the bus
  if (SCENARIOS.has('http')) {
    log('scenario 2: wrk, 50 connections: host-relay /api/pong vs Flask /api/pong, and 50 in flight on the bus …');
    ensureWrk();
    const cpuBefore = { relay: cpuSeconds(relayPid), api: cpuSeconds(services.api[0].pid), nats: cpuSeconds(nats.pid) };
    const t0 = performance.now();
    const relayPong = await loadHttp(`${relay.url}/api/pong`, token);
    const wall = (performance.now() - t0) / 1000;
    const cpuShare = (name, pid) => r2((cpuSeconds(pid) - cpuBefore[name]) / wall);
    const cpu = { relay: cpuShare('relay', relayPid), api_service: cpuShare('api', services.api[0].pid), nats_server: cpuShare('nats', nats.pid) };
    const flaskPong = await loadHttp(`${flaskUrl}/api/pong`, token);
    await busLoad(observer, 'api.pong', token, { durationS: WARMUP_S, inFlight: 50 });
    const direct = await busLoad(observer, 'api.pong', token, { durationS: DURATION_S, inFlight: 50 });
    // CPU (in cores) of each process over the relay's run, warm-up included: what one forwarded call costs where.
    results.scenarios.http = { client: 'wrk 2 threads × 50 connections', relay_pong: relayPong, flask_pong: flaskPong, direct_bus_pong: direct, relay_run_cpu_cores: cpu };
  }

  // 6. Delegated WebRequests over the WebSocket (the browser's path)
  if (SCENARIOS.has('ws')) {
    log(`scenario 6: ${WS_CLIENTS} WebSockets × ${WS_RATE} delegated requests/s (GET /api/pong, useauth) …`);
    const cpu0 = cpuSeconds(relayPid);
    const t0 = performance.now();
    const ws = await wsLoad({ wsUrl: relay.wsUrl, origin: 'http://localhost:3001', token, clients: WS_CLIENTS, ratePerClient: WS_RATE, durationS: QUICK ? 2 : Math.max(DURATION_S, 10), warmupS: WARMUP_S });
    results.scenarios.ws = { ...ws, relay_cpu_cores: r2((cpuSeconds(relayPid) - cpu0) / ((performance.now() - t0) / 1000)) };
  }

  results.memory_peak_mib = {
    nats_server: peakMiB(nats.pid),
    api_service_replica: peakMiB(services.api[0].pid),
    host_relay: peakMiB(relayPid),
    flask_baseline: peakMiB(baseline.child.pid),
  };

  // 4. Scaling: every replica in its own CPU quota (last: it moves the replicas into cgroups)
  if (SCENARIOS.has('scaling')) {
    await baseline.stop();
    quotas = CPU_PER_REPLICA > 0 ? cpuQuotas(CPU_PER_REPLICA) : undefined;
    if (quotas) quotas.place(services.api[0].pid, 'api-1');
    const loadgen = ensureLoadgen();
    const generator = loadgen ? 'bench/loadgen (Go, nats.go)' : 'nats.js (this process)';
    results.scenarios.scaling = [];
    for (const n of REPLICAS) {
      while (services.api.length < n) {
        const replica = await services.startApi();
        quotas?.place(replica.pid, `api-${services.api.length}`);
      }
      const inFlight = IN_FLIGHT_PER_REPLICA ? 100 * n : 100;
      log(`scenario 4: api.pong with ${n} replica(s)${quotas ? ` of ${CPU_PER_REPLICA} CPU each (${quotas.how})` : ' (no CPU quota)'}, ${inFlight} in flight from ${generator} …`);
      if (!loadgen) await busLoad(observer, 'api.pong', token, { durationS: WARMUP_S, inFlight: 50 });
      const cpu0 = services.api.map((replica) => cpuSeconds(replica.pid));
      const natsCpu0 = cpuSeconds(nats.pid);
      const ownCpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = loadgen
        ? await goLoad(loadgen, 'api.pong', token, { durationS: DURATION_S, warmupS: WARMUP_S, inFlight })
        : await busLoad(observer, 'api.pong', token, { durationS: DURATION_S, inFlight });
      // CPU shares over the whole call (bench/loadgen's warm-up included: it runs in the same call).
      const wall = (performance.now() - t0) / 1000;
      // CPU (cores) the replicas, nats-server and the generator used: at N × the quota the replicas were the limit; below it, something else was.
      const cpuUsed = r2(services.api.reduce((sum, replica, i) => sum + (cpuSeconds(replica.pid) - cpu0[i]), 0) / wall);
      const natsCpu = r2((cpuSeconds(nats.pid) - natsCpu0) / wall);
      const ownCpu = process.cpuUsage(ownCpu0);
      // bench/loadgen reports its own CPU over the measured run; the nats.js loop is this process.
      const generatorCpu = r.generator_cpu_cores ?? r2((ownCpu.user + ownCpu.system) / 1e6 / wall);
      results.scenarios.scaling.push({ replicas: n, cpu_per_replica: CPU_PER_REPLICA || null, quota: quotas?.how ?? 'none', generator, in_flight: inFlight, replicas_cpu_cores: cpuUsed, nats_server_cpu_cores: natsCpu, ...r, generator_cpu_cores: generatorCpu });
      console.log(`scaling ${n} replicas: ${r.req_per_s} req/s (${r2(r.req_per_s / results.scenarios.scaling[0].req_per_s)}× of 1 replica)`);
      log(`  the ${n} replica(s) used ${cpuUsed} CPU${quotas ? ` of ${r2(n * CPU_PER_REPLICA)} allowed` : ''}; nats-server ${natsCpu}, the load generator ${generatorCpu}`);
    }
    results.memory_peak_mib.api_service_replica_max = Math.max(...services.api.map((r) => peakMiB(r.pid) ?? 0));
  }
} catch (err) {
  failure = err;
} finally {
  await observer?.close().catch(() => undefined);
  await baseline?.stop();
  await relay?.stop();
  await services?.stop();
  quotas?.cleanup();
  await idp?.stop();
  await nats?.dispose();
}
if (failure) fail(failure);

// 3. Bus only, one replica: its own script, which starts (and stops) its own stack.
if (SCENARIOS.has('bus')) {
log('scenario 3: api.ping vs api.pong on one replica (bench/bus-api.bench.mjs) …');
const busApiSizes = QUICK ? ['--seq', '200', '--concurrent', '2000', '--warmup', '200'] : [];
const busApi = spawnSync(process.execPath, [path.join(ROOT, 'bench/bus-api.bench.mjs'), '--rounds', '1', ...busApiSizes], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
if (busApi.status === 0) results.scenarios.bus_only = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/bus-api-latest.json'), 'utf8'));
}

// 5. Login-to-unlocked in Chromium, with its split (bench/login.mjs: its own stack on free ports),
// or with --reuse-e2e the figure the last e2e journey saved (Playwright-polled, so a little longer).
const timingsFile = path.join(ROOT, 'artifacts/e2e/timings.json');
if (!SCENARIOS.has('login')) {
  // not asked for
} else if (args['reuse-e2e']) {
  if (existsSync(timingsFile)) {
    const e2e = JSON.parse(readFileSync(timingsFile, 'utf8'));
    results.scenarios.login = { source: 'e2e journey (artifacts/e2e/timings.json)', submit_to_name_ms: e2e.login_to_unlocked_ms };
  } else log('scenario 5: no artifacts/e2e/timings.json to reuse (run the e2e suite first)');
} else if (QUICK) {
  log('scenario 5: skipped with --quick (a whole stack and fresh browsers; add --reuse-e2e to show the last e2e figure)');
} else {
  log('scenario 5: login-to-unlocked in Chromium (bench/login.mjs), median of 5 fresh browsers …');
  try {
    results.scenarios.login = { source: 'bench/login.mjs', ...(await measureLogin({ rounds: 5 })) };
  } catch (err) {
    log(`scenario 5 failed: ${err.message.split('\n')[0]}`);
  }
}

// 7. The peer: Streamlit's st.login in Chromium (free ports; its own dev-idp and Streamlit).
if (SCENARIOS.has('stlogin')) {
  log('scenario 7: Streamlit st.login against dev-idp in Chromium (bench/st-login.mjs) …');
  try {
    results.scenarios.st_login = await measureStLogin({ rounds: QUICK ? 1 : 3 });
  } catch (err) {
    log(`scenario 7 failed: ${err.message.split('\n')[0]}`);
  }
}

// Headline ratios, all from this run.
const s = results.scenarios;
const busOnly = s.bus_only?.results;
const scalingOf = (n) => s.scaling?.find((r) => r.replicas === n);
const scalingX = (n) => (scalingOf(n) && s.scaling[0].replicas === 1 ? r2(scalingOf(n).req_per_s / s.scaling[0].req_per_s) : undefined);
results.headline = {
  protected_bus_call_p50_ms: s.python_clients?.bus.sequential.p50_ms,
  protected_bus_call_p50_ms_node: busOnly?.['api.pong']?.sequential?.p50_ms,
  protected_over_public_throughput: busOnly ? r2(busOnly['api.pong'].concurrent.req_per_s / busOnly['api.ping'].concurrent.req_per_s) : undefined,
  relay_over_flask_http_req_per_s: s.http ? r2(s.http.relay_pong.req_per_s / s.http.flask_pong.req_per_s) : undefined,
  relay_p99_ms: s.http?.relay_pong.p99_ms,
  relay_over_direct_bus: s.http ? r2(s.http.relay_pong.req_per_s / s.http.direct_bus_pong.req_per_s) : undefined,
  ws_p99_ms: s.ws?.p99_ms,
  python_bus_over_requests_flask_req_per_s: s.python_clients ? r2(s.python_clients.bus.in_flight.req_per_s / s.python_clients.http_baseline.in_flight.req_per_s) : undefined,
  login_to_unlocked_ms: s.login?.submit_to_name_ms,
  reload_to_name_ms: s.login?.reload_to_name_ms,
  scaling_2_x: scalingX(2),
  scaling_4_x: scalingX(4),
  article_heartbeat_ms: 2000,
};
results.duration_s = Math.round((Date.now() - started) / 1000);

const goal = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : 'not met');
const h = results.headline;
const na = (x, unit = '') => (x === undefined ? 'n/a' : `${x}${unit}`);
const fmt = (r) => (r ? `${r.req_per_s} req/s · p50 ${r.p50_ms} ms · p99 ${r.p99_ms} ms${r.errors || r.non_2xx ? ` · ${r.errors ?? 0} errors, ${r.non_2xx ?? 0} non-2xx` : ''}` : 'n/a');
const clean = (r) => r && !r.errors && !r.non_2xx;
const httpClean = s.http ? clean(s.http.relay_pong) && clean(s.http.flask_pong) && clean(s.http.direct_bus_pong) : undefined;
const wsLine = s.ws ? `${fmt(s.ws)} (${s.ws.clients} sockets × ${s.ws.rate_per_client}/s offered ${s.ws.offered_per_s}/s)${s.ws.errors ? ` · ${JSON.stringify(s.ws.error_codes)}` : ''}` : 'n/a';
const loginSplit = s.login?.provider_ms !== undefined
  ? ` (medians of each part: provider ${s.login.provider_ms} · callback + hand-off page → frame ${s.login.callback_ms} · frame → Streamlit rerun request ${s.login.frame_to_streamlit_ms} · rerun with auth.verify ${s.login.streamlit_rerun_ms} · render ${s.login.render_ms}; auth.verify alone p50 ${s.login.auth_verify?.p50_ms} ms)`
  : s.login?.source ? ` (${s.login.source})` : '';
const quotaNote = s.scaling?.[0]?.cpu_per_replica ? `${s.scaling[0].cpu_per_replica} CPU each` : 'no CPU quota';
const command = `npm run bench -- ${QUICK ? '--quick ' : ''}${EVERY_SCENARIO ? '' : `--scenario ${[...SCENARIOS].join(',')} `}--replicas ${REPLICAS.join(',')} --cpu-per-replica ${CPU_PER_REPLICA} --duration ${DURATION_S}`;
const md = [
  `Run of ${results.at} on ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, ${results.duration_s} s in all: \`${command}\``,
  '',
  '| goal | measured | |',
  '|---|---|---|',
  `| protected bus call p50 < 1 ms | ${na(h.protected_bus_call_p50_ms)} ms (Python host) · ${na(h.protected_bus_call_p50_ms_node)} ms (Node client) | ${goal(h.protected_bus_call_p50_ms_node !== undefined ? h.protected_bus_call_p50_ms_node < 1 : undefined)} (Node) · ${goal(h.protected_bus_call_p50_ms === undefined ? undefined : h.protected_bus_call_p50_ms < 1)} (Python) |`,
  `| protected/public throughput ≥ 0.8 | ${na(h.protected_over_public_throughput)} | ${goal(h.protected_over_public_throughput === undefined ? undefined : h.protected_over_public_throughput >= 0.8)} |`,
  `| host-relay /api/pong ≥ 10× baseline req/s | ${na(h.relay_over_flask_http_req_per_s, '×')}${httpClean === false ? ' (some answers were not 200: see scenario 2)' : ''} | ${goal(h.relay_over_flask_http_req_per_s === undefined ? undefined : h.relay_over_flask_http_req_per_s >= 10 && httpClean)} |`,
  `| host-relay /api/pong p99 < 20 ms (50 connections) | ${na(h.relay_p99_ms, ' ms')} | ${goal(h.relay_p99_ms === undefined ? undefined : h.relay_p99_ms < 20)} |`,
  `| host-relay ÷ direct bus (api.pong, 50 in flight) ≥ 0.6 | ${na(h.relay_over_direct_bus)} | ${goal(h.relay_over_direct_bus === undefined ? undefined : h.relay_over_direct_bus >= 0.6)} |`,
  `| delegated WebRequests, ${WS_CLIENTS} sockets × ${WS_RATE}/s: p99 < 50 ms, no errors | ${s.ws ? `p99 ${s.ws.p99_ms} ms, ${s.ws.req_per_s} req/s, ${s.ws.errors} errors` : 'n/a'} | ${goal(s.ws ? s.ws.p99_ms < 50 && s.ws.errors === 0 && s.ws.clients >= 200 : undefined)} |`,
  `| login-to-unlocked < 300 ms (article: up to ${h.article_heartbeat_ms} ms heartbeat) | ${h.login_to_unlocked_ms === undefined ? `n/a${QUICK ? ' (--quick)' : ''}` : `${h.login_to_unlocked_ms} ms`} | ${goal(h.login_to_unlocked_ms === undefined ? undefined : h.login_to_unlocked_ms < 300)} |`,
  `| scaling (${quotaNote}): 2 replicas ≥ 1.6×, 4 replicas ≥ 3.2× | ${h.scaling_2_x === undefined ? 'n/a' : `${h.scaling_2_x}× · ${na(h.scaling_4_x, '×')}`} | ${goal(h.scaling_2_x === undefined || h.scaling_4_x === undefined || !s.scaling[0].cpu_per_replica ? undefined : h.scaling_2_x >= 1.6 && h.scaling_4_x >= 3.2)} |`,
  `| side by side with st.login: ours faster (submit → name, reload → name) | ${s.st_login ? `submit → name: ours ${na(h.login_to_unlocked_ms, ' ms')} vs st.login ${s.st_login.login_ms} ms${h.login_to_unlocked_ms ? ` (${r2(h.login_to_unlocked_ms / s.st_login.login_ms)}×)` : ''}; reload → name: ours ${na(h.reload_to_name_ms, ' ms')} vs st.login ${s.st_login.reload_ms} ms${h.reload_to_name_ms ? ` (${r2(h.reload_to_name_ms / s.st_login.reload_ms)}×)` : ''}` : 'n/a'} | ${goal(s.st_login && h.login_to_unlocked_ms !== undefined ? h.login_to_unlocked_ms < s.st_login.login_ms : undefined)} (submit) · ${goal(s.st_login && h.reload_to_name_ms !== undefined ? h.reload_to_name_ms < s.st_login.reload_ms : undefined)} (reload) |`,
  '',
  '| scenario | ours | article\'s design | ours ÷ baseline |',
  '|---|---|---|---|',
  `| 1. Python, protected call, sequential | bus client → api.pong: ${fmt(s.python_clients?.bus.sequential)} | requests → Flask: ${fmt(s.python_clients?.http_baseline.sequential)} | ${s.python_clients ? r2(s.python_clients.bus.sequential.req_per_s / s.python_clients.http_baseline.sequential.req_per_s) : 'n/a'}× |`,
  `| 1. Python, protected call, 50 in flight | ${fmt(s.python_clients?.bus.in_flight)} | ${fmt(s.python_clients?.http_baseline.in_flight)} | ${h.python_bus_over_requests_flask_req_per_s ?? 'n/a'}× |`,
  `| 2. HTTP, 50 connections, /api/pong (wrk 2 threads) | host-relay: ${fmt(s.http?.relay_pong)} | Flask: ${fmt(s.http?.flask_pong)} | ${h.relay_over_flask_http_req_per_s ?? 'n/a'}× |`,
  `| 2. the same on the bus, api.pong, 50 in flight (Node client) | ${fmt(s.http?.direct_bus_pong)} | — | host-relay ÷ direct ${h.relay_over_direct_bus ?? 'n/a'} |`,
  `| 3. bus, api.ping, 50 in flight (1 replica) | ${fmt(busOnly?.['api.ping']?.concurrent)} | — | — |`,
  `| 3. bus, api.pong, 50 in flight (1 replica) | ${fmt(busOnly?.['api.pong']?.concurrent)} | — | protected/public ${h.protected_over_public_throughput ?? 'n/a'} |`,
  `| 3. bus, api.pong, sequential | ${fmt(busOnly?.['api.pong']?.sequential)} | — | — |`,
  ...(s.scaling ?? []).map((r) => `| 4. scaling, api.pong, ${r.replicas} replica(s), ${r.cpu_per_replica ? `${r.cpu_per_replica} CPU each` : 'no CPU quota'}, ${r.in_flight ?? 100} in flight | ${fmt(r)} · replicas used ${r.replicas_cpu_cores} CPU${r.cpu_per_replica ? ` of ${r2(r.replicas * r.cpu_per_replica)}` : ''}, nats-server ${r.nats_server_cpu_cores ?? '?'}, load generator ${r.generator_cpu_cores ?? '?'} (${r.generator ?? 'nats.js'}) | — | ${r2(r.req_per_s / s.scaling[0].req_per_s)}× of 1 replica |`),
  `| 5. login → name in Streamlit${s.login?.rounds ? `, median of ${s.login.rounds.length} fresh browsers` : ''} | ${h.login_to_unlocked_ms === undefined ? 'n/a' : `${h.login_to_unlocked_ms} ms${loginSplit}`} | up to 2000 ms (heartbeat poll) | ${h.login_to_unlocked_ms ? `${r2(h.login_to_unlocked_ms / 2000)}×` : 'n/a'} |`,
  `| 5. reload → name in Streamlit | ${h.reload_to_name_ms === undefined ? 'n/a' : `${h.reload_to_name_ms} ms (the frame's setComponentValue at ${s.login.to_component_value_ms} ms: Streamlit's page, its first run, then the frame's page load and session restore; then the rerun)`} | — | — |`,
  `| 6. WebSocket, delegated GET /api/pong | ${wsLine} | — | — |`,
  `| 7. Streamlit st.login (Authlib, expose_tokens) in Chromium, median of ${s.st_login?.rounds.length ?? 'n/a'} | ${s.st_login ? `submit → name ${s.st_login.login_ms} ms · reload → name ${s.st_login.reload_ms} ms (full-page redirects; login state in one Streamlit process)` : 'n/a'} | — | — |`,
  '',
  `Peak memory (VmHWM): nats-server ${results.memory_peak_mib?.nats_server ?? '?'} MiB, api-service replica ${results.memory_peak_mib?.api_service_replica ?? '?'} MiB, host-relay ${results.memory_peak_mib?.host_relay ?? '?'} MiB; Flask baseline ${results.memory_peak_mib?.flask_baseline ?? '?'} MiB.` +
    (s.http ? ` CPU during the relay's wrk run (cores): host-relay ${s.http.relay_run_cpu_cores.relay}, api-service ${s.http.relay_run_cpu_cores.api_service}, nats-server ${s.http.relay_run_cpu_cores.nats_server}.` : '') +
    (s.scaling?.[0] ? ` Scaling quota: ${s.scaling[0].quota}.` : ''),
].join('\n');

mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const stamp = `${QUICK ? 'quick-' : ''}${results.at.replace(/[:.]/g, '-')}`;
writeFileSync(path.join(ROOT, `bench/results/bench-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(ROOT, `bench/results/bench-${stamp}.md`), `${md}\n`);
const readme = path.join(ROOT, 'bench/README.md');
if (!QUICK && EVERY_SCENARIO && existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const [head, rest] = text.split('<!-- latest:start -->');
  const tail = rest?.split('<!-- latest:end -->')[1];
  if (tail !== undefined) writeFileSync(readme, `${head}<!-- latest:start -->\n${md}\n<!-- latest:end -->${tail}`);
}
console.log(`\n${md}\n`);
log(`done; results in bench/results/bench-${stamp}.json`);

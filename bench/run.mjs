#!/usr/bin/env node
// `npm run bench`: the performance claims side by side with the article's design, in one run on
// one machine. Not a test. Every server it starts is stopped at the end.
//
//   npm run bench [-- --replicas 1,2,4] [--duration 8] [--reuse-e2e] [--quick]
//
// --quick: a few seconds per scenario (replicas 1,2, 2 s loads, small sample counts) and no
// browser journey (scenario 5 needs the standard ports; its figure comes from the last e2e run
// only with --reuse-e2e). It checks that every scenario runs and prints the goal table; its
// numbers are rough, so it leaves bench/README.md alone. The README smoke test runs it.
//
// Scenarios (bench/README.md explains each):
//   1. protected call from Python: bus client → api.pong  vs  requests → Flask /api/pong
//   2. HTTP clients, 50 connections: host-relay /api/pong  vs  Flask /api/pong (wrk)
//   3. bus only, one replica: api.ping vs api.pong, 50 in flight (bench/bus-api.bench.mjs)
//   4. scaling: api.pong throughput with 1, 2, 4 … api-service replicas
//   5. login-to-unlocked in the browser (the e2e journey)  vs  the article's 2 s heartbeat
// Writes bench/results/bench-<time>.json and .md, and the latest table into bench/README.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { values: args } = parseArgs({
  options: {
    replicas: { type: 'string' },
    duration: { type: 'string' },
    'reuse-e2e': { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
  },
});
const QUICK = args.quick;
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

function pidOnPort(port) {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

function runAsync(cmd, argv) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
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

const results = { benchmark: 'component-auth0-bus', at: new Date().toISOString(), machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}` }, scenarios: {} };
let nats, idp, services, relay, baseline, observer;
let failure;

try {
  log('starting NATS, dev-idp, auth-service, one api-service replica, host-relay and the Flask baseline …');
  nats = await NatsHarness.start();
  idp = await DevIdpHarness.start();
  services = await ServicesHarness.start({ nats, idp, apiReplicas: 1, env: { LOG_LEVEL: 'warn' } });
  relay = await RelayHarness.start({ nats, env: { LOG_LEVEL: 'warn', RELAY_HTTP_RATE_PER_SEC: '0' } });
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

  // 1. Python clients
  log('scenario 1: Python bus client vs Python requests → Flask …');
  // Asynchronous on purpose: a blocked event loop would stop draining the servers' log pipes.
  const sizes = QUICK ? ['--seq', '50', '--in-flight', '10', '--per-thread', '10'] : [];
  const py = await runAsync(PYTHON, [path.join(ROOT, 'bench/python_clients.py'), '--nats-url', nats.url, '--nats-password', nats.password('streamlit-host'), '--token', token, '--flask-url', flaskUrl, ...sizes]);
  if (py.code !== 0) throw new Error(`python_clients.py failed:\n${py.stderr}`);
  results.scenarios.python_clients = JSON.parse(py.stdout.trim().split('\n').pop());

  // 2. HTTP clients
  log('scenario 2: wrk, 50 connections: host-relay /api/pong vs Flask /api/pong …');
  ensureWrk();
  results.scenarios.http = { client: 'wrk', relay_pong: await loadHttp(`${relay.url}/api/pong`, token), flask_pong: await loadHttp(`${flaskUrl}/api/pong`, token) };

  // 4. Scaling (before 3, which starts its own stack)
  observer = await nats.connectAs('streamlit-host');
  results.scenarios.scaling = [];
  for (const n of REPLICAS) {
    while (services.api.length < n) await services.startApi();
    log(`scenario 4: api.pong with ${n} replica(s), 100 in flight …`);
    await busLoad(observer, 'api.pong', token, { durationS: WARMUP_S / 2, inFlight: 50 });
    const r = await busLoad(observer, 'api.pong', token, { durationS: DURATION_S, inFlight: 100 });
    results.scenarios.scaling.push({ replicas: n, ...r });
  }

  results.memory_peak_mib = {
    nats_server: peakMiB(nats.pid),
    api_service_replica: peakMiB(services.api[0].pid),
    host_relay: peakMiB(pidOnPort(new URL(relay.url).port)),
    flask_baseline: peakMiB(baseline.child.pid),
  };
} catch (err) {
  failure = err;
} finally {
  await observer?.close().catch(() => undefined);
  await baseline?.stop();
  await relay?.stop();
  await services?.stop();
  await idp?.stop();
  await nats?.dispose();
}
if (failure) fail(failure);

// 3. Bus only, one replica: its own script, which starts (and stops) its own stack.
log('scenario 3: api.ping vs api.pong on one replica (bench/bus-api.bench.mjs) …');
const busApiSizes = QUICK ? ['--seq', '200', '--concurrent', '2000', '--warmup', '200'] : [];
const busApi = spawnSync(process.execPath, [path.join(ROOT, 'bench/bus-api.bench.mjs'), '--rounds', '1', ...busApiSizes], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
if (busApi.status === 0) results.scenarios.bus_only = JSON.parse(readFileSync(path.join(ROOT, 'bench/results/bus-api-latest.json'), 'utf8'));

// 5. Login-to-unlocked in the browser: the e2e journey prints and saves it.
const timingsFile = path.join(ROOT, 'artifacts/e2e/timings.json');
if (QUICK && !args['reuse-e2e']) {
  log('scenario 5: skipped with --quick (the browser journey runs on the standard ports; add --reuse-e2e to show the last e2e figure)');
} else if (!args['reuse-e2e'] || !existsSync(timingsFile)) {
  log('scenario 5: the browser journey (e2e) for login-to-unlocked …');
  spawnSync('npx', ['jest', '-c', 'e2e/jest.config.js', '--runInBand'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NX_NO_CLOUD: 'true' } });
}
if ((!QUICK || args['reuse-e2e']) && existsSync(timingsFile)) results.scenarios.login = JSON.parse(readFileSync(timingsFile, 'utf8'));

// Headline ratios, all from this run.
const s = results.scenarios;
const busOnly = s.bus_only?.results;
results.headline = {
  protected_bus_call_p50_ms: s.python_clients?.bus.sequential.p50_ms,
  protected_bus_call_p50_ms_node: busOnly?.['api.pong']?.sequential?.p50_ms,
  protected_over_public_throughput: busOnly ? r2(busOnly['api.pong'].concurrent.req_per_s / busOnly['api.ping'].concurrent.req_per_s) : undefined,
  relay_over_flask_http_req_per_s: s.http ? r2(s.http.relay_pong.req_per_s / s.http.flask_pong.req_per_s) : undefined,
  python_bus_over_requests_flask_req_per_s: s.python_clients ? r2(s.python_clients.bus.in_flight.req_per_s / s.python_clients.http_baseline.in_flight.req_per_s) : undefined,
  login_to_unlocked_ms: s.login?.login_to_unlocked_ms,
  article_heartbeat_ms: 2000,
};
results.duration_s = Math.round((Date.now() - started) / 1000);

const goal = (ok) => (ok === undefined ? 'n/a' : ok ? 'met' : 'not met');
const h = results.headline;
const fmt = (r) => (r ? `${r.req_per_s} req/s · p50 ${r.p50_ms} ms · p99 ${r.p99_ms} ms${r.errors || r.non_2xx ? ` · ${r.errors ?? 0} errors, ${r.non_2xx ?? 0} non-2xx` : ''}` : 'n/a');
const md = [
  `Run of ${results.at} on ${results.machine.cpus} × ${results.machine.model}, Node ${results.machine.node}, ${results.duration_s} s in all: \`npm run bench -- ${QUICK ? '--quick ' : ''}--replicas ${REPLICAS.join(',')} --duration ${DURATION_S}\``,
  '',
  '| goal | measured | |',
  '|---|---|---|',
  `| protected bus call p50 < 1 ms | ${h.protected_bus_call_p50_ms} ms (Python host) · ${h.protected_bus_call_p50_ms_node ?? 'n/a'} ms (Node client) | ${goal(h.protected_bus_call_p50_ms_node !== undefined ? h.protected_bus_call_p50_ms_node < 1 : undefined)} |`,
  `| protected/public throughput ≥ 0.8 | ${h.protected_over_public_throughput ?? 'n/a'} | ${goal(h.protected_over_public_throughput === undefined ? undefined : h.protected_over_public_throughput >= 0.8)} |`,
  `| host-relay /api/pong ≥ 10× baseline req/s | ${h.relay_over_flask_http_req_per_s}× | ${goal(h.relay_over_flask_http_req_per_s >= 10)} |`,
  `| login-to-unlocked < 300 ms (article: up to ${h.article_heartbeat_ms} ms heartbeat) | ${h.login_to_unlocked_ms === undefined ? `n/a${QUICK ? ' (--quick)' : ''}` : `${h.login_to_unlocked_ms} ms`} | ${goal(h.login_to_unlocked_ms === undefined ? undefined : h.login_to_unlocked_ms < 300)} |`,
  '',
  '| scenario | ours | article\'s design | ours ÷ baseline |',
  '|---|---|---|---|',
  `| 1. Python, protected call, sequential | bus client → api.pong: ${fmt(s.python_clients?.bus.sequential)} | requests → Flask: ${fmt(s.python_clients?.http_baseline.sequential)} | ${s.python_clients ? r2(s.python_clients.bus.sequential.req_per_s / s.python_clients.http_baseline.sequential.req_per_s) : 'n/a'}× |`,
  `| 1. Python, protected call, 50 in flight | ${fmt(s.python_clients?.bus.in_flight)} | ${fmt(s.python_clients?.http_baseline.in_flight)} | ${h.python_bus_over_requests_flask_req_per_s ?? 'n/a'}× |`,
  `| 2. HTTP, 50 connections, /api/pong | host-relay: ${fmt(s.http?.relay_pong)} | Flask: ${fmt(s.http?.flask_pong)} | ${h.relay_over_flask_http_req_per_s ?? 'n/a'}× |`,
  `| 3. bus, api.ping, 50 in flight (1 replica) | ${fmt(busOnly?.['api.ping']?.concurrent)} | — | — |`,
  `| 3. bus, api.pong, 50 in flight (1 replica) | ${fmt(busOnly?.['api.pong']?.concurrent)} | — | protected/public ${h.protected_over_public_throughput ?? 'n/a'} |`,
  `| 3. bus, api.pong, sequential | ${fmt(busOnly?.['api.pong']?.sequential)} | — | — |`,
  ...(s.scaling ?? []).map((r) => `| 4. scaling, api.pong, ${r.replicas} replica(s), 100 in flight | ${fmt(r)} | — | ${r2(r.req_per_s / s.scaling[0].req_per_s)}× of 1 replica |`),
  `| 5. login → name in Streamlit | ${h.login_to_unlocked_ms === undefined ? 'n/a' : `${h.login_to_unlocked_ms} ms`} | up to 2000 ms (heartbeat poll) | ${h.login_to_unlocked_ms ? `${r2(h.login_to_unlocked_ms / 2000)}×` : 'n/a'} |`,
  '',
  `Peak memory (VmHWM): nats-server ${results.memory_peak_mib?.nats_server ?? '?'} MiB, api-service replica ${results.memory_peak_mib?.api_service_replica ?? '?'} MiB, host-relay ${results.memory_peak_mib?.host_relay ?? '?'} MiB; Flask baseline ${results.memory_peak_mib?.flask_baseline ?? '?'} MiB.`,
].join('\n');

mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const stamp = `${QUICK ? 'quick-' : ''}${results.at.replace(/[:.]/g, '-')}`;
writeFileSync(path.join(ROOT, `bench/results/bench-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(ROOT, `bench/results/bench-${stamp}.md`), `${md}\n`);
const readme = path.join(ROOT, 'bench/README.md');
if (!QUICK && existsSync(readme)) {
  const text = readFileSync(readme, 'utf8');
  const [head, rest] = text.split('<!-- latest:start -->');
  const tail = rest?.split('<!-- latest:end -->')[1];
  if (tail !== undefined) writeFileSync(readme, `${head}<!-- latest:start -->\n${md}\n<!-- latest:end -->${tail}`);
}
console.log(`\n${md}\n`);
log(`done; results in bench/results/bench-${stamp}.json`);

#!/usr/bin/env node
// Benchmark of host-relay's HTTP gateway (not a test): GET /api/ping (public) and GET /api/pong
// (alice's token, verified by api-service) through the relay, with autocannon and 50 keep-alive
// connections, ~10 s each. Reports requests/s, p50 and p99 latency.
//
// It starts everything on free ports from the built dists — a real nats-server with the
// project's config, the real dev-idp (alice's token comes from a real login), auth-service, one
// api-service replica and the relay — and stops them at the end.
//
// A third row, GET /healthz, is for reference: the same HTTP stack without the bus.
//
//   node bench/relay-http.bench.mjs [--connections 50] [--duration 10] [--warmup 2]
//                                   [--replicas 1] [--rate-limit]
//
// --rate-limit keeps the relay's per-client-IP HTTP limit (RELAY_HTTP_RATE_PER_SEC, default 200/s)
// on; by default it is turned off, because all 50 connections come from one IP and the point is
// to measure the gateway, not the limiter (which would answer most requests with 429).
//
// Prints a table and writes bench/results/relay-http-<time>.json (and relay-http-latest.json).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { values: args } = parseArgs({
  options: {
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    replicas: { type: 'string', default: '1' },
    'rate-limit': { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(args.connections);
const DURATION = Number(args.duration);
const WARMUP = Number(args.warmup);
const REPLICAS = Number(args.replicas);

// The harnesses run from libs/testing/dist: build it when a source is newer.
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return t;
}
const TESTING_DIST = path.join(ROOT, 'libs/testing/dist/index.js');
if (!existsSync(TESTING_DIST) || newest(path.join(ROOT, 'libs/testing/src')) > statSync(TESTING_DIST).mtimeMs) {
  const r = spawnSync(path.join(ROOT, 'node_modules/.bin/tsc'), ['-p', 'libs/testing/tsconfig.lib.json'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const { NatsHarness, DevIdpHarness, ServicesHarness, RelayHarness } = require(TESTING_DIST);
const autocannon = require('autocannon');

function run(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function measure(relay, target, duration) {
  const r = await run({
    url: `${relay.url}${target.path}`,
    connections: CONNECTIONS,
    duration,
    headers: target.headers,
  });
  return {
    path: target.path,
    connections: CONNECTIONS,
    duration_s: duration,
    requests: r.requests.total,
    req_per_s: Math.round(r.requests.average),
    p50_ms: r.latency.p50,
    p90_ms: r.latency.p90,
    p99_ms: r.latency.p99,
    mean_ms: +r.latency.average.toFixed(2),
    max_ms: r.latency.max,
    status_2xx: r['2xx'],
    non_2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

async function main() {
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  console.log(`Starting nats-server, dev-idp, auth-service, ${REPLICAS} api-service replica(s) and host-relay …`);
  const nats = await NatsHarness.start();
  let idp;
  let services;
  let relay;
  try {
    idp = await DevIdpHarness.start();
    services = await ServicesHarness.start({ nats, idp, apiReplicas: REPLICAS, env: { LOG_LEVEL: 'warn' } });
    relay = await RelayHarness.start({
      nats,
      env: { LOG_LEVEL: 'warn', ...(args['rate-limit'] ? {} : { RELAY_HTTP_RATE_PER_SEC: '0' }) },
      waitForReady: true,
    });
    const token = (await idp.tokenFor('alice')).access_token;

    // /healthz is a reference row: the relay's HTTP stack (Express + NestJS) without the bus,
    // i.e. the ceiling the gateway routes can reach on this machine.
    const targets = [
      { path: '/api/ping', headers: {} },
      { path: '/api/pong', headers: { Authorization: `Bearer ${token}` } },
      { path: '/healthz', headers: {} },
    ];
    for (const t of targets) {
      const res = await fetch(`${relay.url}${t.path}`, { headers: t.headers });
      if (res.status !== 200) throw new Error(`${t.path}: HTTP ${res.status} ${await res.text()}`);
    }

    if (WARMUP > 0) {
      console.log(`Warming up (${WARMUP} s per path) …`);
      for (const t of targets) await measure(relay, t, WARMUP);
    }
    const results = {};
    for (const t of targets) {
      process.stdout.write(`GET ${t.path}: ${CONNECTIONS} connections × ${DURATION} s … `);
      results[t.path] = await measure(relay, t, DURATION);
      console.log(`${results[t.path].req_per_s} req/s`);
    }

    const rows = [
      ['path', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'max ms', 'requests', 'non-2xx', 'errors'],
      ...Object.values(results).map((r) => [r.path, r.req_per_s, r.p50_ms, r.p90_ms, r.p99_ms, r.mean_ms, r.max_ms, r.requests, r.non_2xx, r.errors + r.timeouts]),
    ].map((row) => row.map(String));
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    console.log('');
    for (const [i, row] of rows.entries()) {
      console.log(row.map((cell, j) => (j === 0 ? cell.padEnd(widths[j]) : cell.padStart(widths[j]))).join('  '));
      if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    }
    const ratio = results['/api/pong'].req_per_s / results['/api/ping'].req_per_s;
    console.log(`\nprotected/public throughput: ${ratio.toFixed(2)}; load average (1 min) ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs`);
    const failed = Object.values(results).some((r) => r.non_2xx > 0 || r.errors > 0 || r.timeouts > 0);
    if (failed) console.log('WARNING: some requests did not get 200 (see non-2xx / errors)');

    const report = {
      benchmark: 'relay-http',
      at: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        model: os.cpus()[0]?.model,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        // Other work on the machine skews the figures: 1-minute load average before and after.
        load_avg_1m: { before: +loadBefore.toFixed(2), after: +os.loadavg()[0].toFixed(2) },
      },
      setup: {
        client: 'autocannon 8 (same machine)',
        connections: CONNECTIONS,
        duration_s: DURATION,
        warmup_s: WARMUP,
        api_replicas: REPLICAS,
        relay_http_rate_limit: args['rate-limit'] ? 'on (defaults)' : 'off (RELAY_HTTP_RATE_PER_SEC=0)',
        log_level: 'warn',
      },
      results,
      protected_over_public: +ratio.toFixed(3),
      total_s: Math.round((Date.now() - started) / 1000),
    };
    const dir = path.join(ROOT, 'bench', 'results');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `relay-http-${report.at.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(path.join(dir, 'relay-http-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`Wrote ${path.relative(ROOT, file)}`);
    if (failed) process.exitCode = 1;
  } finally {
    await relay?.stop();
    await services?.stop();
    await idp?.stop();
    await nats.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
